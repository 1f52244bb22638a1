/* libshapes.c - an instrumented shared library: lib_area is called by shlib_user.c. */
__attribute__((noinline)) double lib_area(double r)
{
	return 3.14159 * r * r;
}
