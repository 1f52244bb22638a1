// tree_exc.cc - C++ exceptions through timed frames (tests/test_tree.py): main -> catcher x10
// -> middle -> thrower; thrower throws on even i (5 times) through middle into catcher.
// Then main -> tail x3, which must be main's child, not thrower's.
#include <cstdio>
#include <stdexcept>

static volatile int sink;

__attribute__((noinline)) int thrower(int i)
{
	if (i % 2 == 0)
		throw std::runtime_error("even");
	return i;
}

__attribute__((noinline)) int middle(int i)
{
	return thrower(i) + 1;
}

__attribute__((noinline)) int catcher(int i)
{
	try {
		return middle(i);
	} catch (const std::exception &) {
		return -1;
	}
}

__attribute__((noinline)) void tail()
{
	sink++;
}

int main()
{
	int s = 0;
	for (int i = 0; i < 10; i++)
		s += catcher(i);
	for (int i = 0; i < 3; i++)
		tail();
	std::printf("s=%d\n", s);
	return 0;
}
