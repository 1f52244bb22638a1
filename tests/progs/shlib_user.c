/* shlib_user.c - calls lib_area (in libshapes.so) 12 times and its own local_sum once. */
#include <stdio.h>
double lib_area(double r);
static __attribute__((noinline)) double local_sum(void)
{
	double s = 0;
	for (int i = 0; i < 12; i++)
		s += lib_area(i);
	return s;
}
int main(void)
{
	printf("%.1f\n", local_sum());
	return 0;
}
