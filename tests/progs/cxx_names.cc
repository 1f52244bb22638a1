// cxx_names.cc - C++ names to demangle: a const method called 3 times, a template twice.
#include <cstdio>
namespace shapes {
struct Circle {
	double r;
	__attribute__((noinline)) double area() const { return 3.14159 * r * r; }
};
template <typename T> __attribute__((noinline)) T twice(T v) { return v * 2; }
} // namespace shapes
int main()
{
	shapes::Circle c{2.0};
	double a = c.area() + c.area() + c.area();
	int t = shapes::twice(3) + shapes::twice(4);
	std::printf("%.2f %d\n", a, t);
	return 0;
}
