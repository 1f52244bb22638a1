// patch_exc.cc - C++ exceptions through patched frames (tests/test_patch.py). Expected calls:
//   thrower 14, middle 10, catcher 10, rethrower 4, plain 100, main 1, app::Parser::parse 3,
//   app::Parser::Parser 1, all completed (a frame
//   left by an exception counts as returned at the catch, as with -finstrument-functions)
// thrower throws on even i (5 + 4 times) through middle into catcher, and into rethrower,
// which rethrows (throw;) into main's handler. Output: "caught=5 rethrown=4 s=9930".
#include <cstdio>
#include <stdexcept>

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

__attribute__((noinline)) int rethrower(int i)
{
	try {
		return thrower(i * 2);
	} catch (...) {
		throw;
	}
}

static volatile int sink;

namespace app {
struct Parser {
	int base;
	__attribute__((noinline)) int parse(int i);
	__attribute__((noinline)) Parser(int b) : base(b) { sink = b; }
};
int Parser::parse(int i)
{
	sink = i;
	return base + i;
}
} // namespace app

__attribute__((noinline)) int plain(int i)
{
	sink = i;
	return i * 2;
}

int main()
{
	int s = 0, caught = 0, rethrown = 0;
	for (int i = 0; i < 10; i++) {
		int r = catcher(i);
		if (r < 0)
			caught++;
		else
			s += r;
	}
	for (int i = 0; i < 4; i++) {
		try {
			s += rethrower(i);
		} catch (const std::runtime_error &) {
			rethrown++;
		}
	}
	for (int i = 0; i < 100; i++)
		s += plain(i);
	app::Parser p(1);
	for (int i = 0; i < 3; i++)
		s -= p.parse(i) - 1 - i; /* adds 0: the output stays the same */
	std::printf("caught=%d rethrown=%d s=%d\n", caught, rethrown, s);
	return 0;
}
