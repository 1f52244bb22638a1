/* test_symbolize.c - unit tests for symbolize/: real programs compiled into a temporary
 * directory (non-PIE, PIE, a shared library, C++, -finstrument-functions, static, an own
 * malloc, a stripped binary with a separate debug file) mapped back to names and lines. */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize/symbolize.h"

/* Line numbers in prog.c below, where the two functions start. */
#define LINE_LOCAL 3
#define LINE_GLOBAL 4

static const char prog_c[] =
	"#include <stdlib.h>\n"
	"/* hotpath symbolize test program */\n"
	"static int __attribute__((noinline)) hp_local_fn(int x) { return x * 3 + 1; }\n"
	"int __attribute__((noinline)) hp_global_fn(int x) { return hp_local_fn(x) + 2; }\n"
	"int main(int argc, char **argv) { (void)argv; return hp_global_fn(argc) == 42; }\n";

static const char lib_c[] =
	"static int __attribute__((noinline)) hp_lib_local(int x) { return x - 7; }\n"
	"int hp_lib_fn(int x) { return hp_lib_local(x) * 5; }\n"
	"extern int __hp_lib_impl(int) __attribute__((alias(\"hp_lib_fn\")));\n"
	"extern int hp_lib_weak(int) __attribute__((weak, alias(\"hp_lib_fn\")));\n";

static const char prog_cc[] = "namespace hpns {\n"
			      "int __attribute__((noinline)) twice(int x) { return 2 * x; }\n"
			      "}\n"
			      "int main(int argc, char **) { return hpns::twice(argc) == 0; }\n";

static const char cyglib_c[] = "int hp_cyg_lib_fn(int x) { return x + 1; }\n";
static const char usecyg_c[] = "int hp_cyg_lib_fn(int);\n"
			       "int main(void) { return hp_cyg_lib_fn(1) == 0; }\n";

static const char mymalloc_c[] =
	"#include <stddef.h>\n"
	"static char heap[1 << 20];\n"
	"static size_t used;\n"
	"void *malloc(size_t n)\n"
	"{ void *p = heap + used; used += (n + 15) & ~(size_t)15; return p; }\n"
	"void free(void *p) { (void)p; }\n"
	"void *calloc(size_t a, size_t b) { return malloc(a * b); }\n"
	"void *realloc(void *p, size_t n) { (void)p; return malloc(n); }\n"
	"int main(void) { return malloc(3) == NULL; }\n";

static char dir[64];
static int built; /* every program below compiled */

static int write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Run a shell command inside the temporary directory; 0 when it succeeded. */
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	return system(cmd);
}

static const char *in_dir(const char *name)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void build_programs(void)
{
	strcpy(dir, "/tmp/hp-symbolize-XXXXXX");
	if (!mkdtemp(dir))
		return;
	if (write_file("prog.c", prog_c) || write_file("lib.c", lib_c) ||
	    write_file("prog.cc", prog_cc) || write_file("cyglib.c", cyglib_c) ||
	    write_file("usecyg.c", usecyg_c) || write_file("mymalloc.c", mymalloc_c) ||
	    write_file("script.sh", "#!/bin/sh\necho hello\n"))
		return;
	built = sh("cc -g -O0 -fno-pie -no-pie -o nopie prog.c") == 0 &&
		sh("cc -g -O0 -fPIE -pie -o pie prog.c") == 0 &&
		sh("cc -g -O0 -fPIC -shared -o libhp.so lib.c") == 0 &&
		sh("c++ -g -O0 -o cpp prog.cc") == 0 &&
		sh("cc -O0 -finstrument-functions -o cyg prog.c") == 0 &&
		sh("mkdir libs && cc -fPIC -shared -finstrument-functions -o libs/libhpcyg.so "
		   "cyglib.c") == 0 &&
		sh("cc -o usecyg usecyg.c -Llibs -lhpcyg -Wl,-rpath,'$ORIGIN/libs'") == 0 &&
		sh("cc -O0 -o plain prog.c") == 0 && sh("cc -static -o static prog.c") == 0 &&
		sh("cc -O0 -o mymalloc mymalloc.c") == 0 &&
		sh("cp nopie stripped && objcopy --only-keep-debug stripped stripped.debug") == 0 &&
		sh("strip -s stripped") == 0 &&
		sh("objcopy --add-gnu-debuglink=stripped.debug stripped") == 0 &&
		sh("objcopy --remove-section .debug_aranges nopie noaranges") == 0;
}

static void remove_programs(void)
{
	if (dir[0])
		sh("cd / && rm -rf '%s'", dir);
}

/* Symbols of a program as hp_elf_foreach_function lists them. */
struct func {
	const char *want;
	uint64_t vaddr, size;
	int local, found;
};

static int find_cb(void *arg, const char *raw, const char *demangled, uint64_t vaddr, uint64_t size,
		   int local)
{
	struct func *f = arg;

	(void)demangled;
	if (strcmp(raw, f->want) != 0)
		return 0;
	f->vaddr = vaddr;
	f->size = size;
	f->local = local;
	f->found++;
	return 0;
}

static struct func func_of(const char *path, const char *name)
{
	struct func f = {.want = name};

	ck_assert_int_eq(hp_elf_foreach_function(path, find_cb, &f), 0);
	ck_assert_msg(f.found == 1, "%s: %s listed %d times", path, name, f.found);
	ck_assert_uint_gt(f.size, 0);
	return f;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Symbolize an address in the middle of each test function, with lines. */
static void check_prog(const char *path, uint64_t bias)
{
	struct hp_symbolizer *s = hp_symbolizer_new();
	struct func local = func_of(path, "hp_local_fn"), global = func_of(path, "hp_global_fn");
	struct hp_sym_info info;
	uint64_t addr;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(local.local, 1);
	ck_assert_int_eq(global.local, 0);

	addr = bias + local.vaddr + local.size / 2;
	ck_assert_int_eq(hp_symbolize(s, path, bias, addr, 1, &info), 0);
	ck_assert_str_eq(info.name, "hp_local_fn");
	ck_assert_str_eq(info.raw, "hp_local_fn");
	ck_assert_uint_eq(info.sym_addr, bias + local.vaddr);
	ck_assert_uint_eq(info.size, local.size);
	ck_assert_int_eq(info.local, 1);
	ck_assert_str_eq(base_name(info.file), "prog.c");
	ck_assert_int_eq(info.line, LINE_LOCAL);

	/* First and last byte of the global one. */
	ck_assert_int_eq(hp_symbolize(s, path, bias, bias + global.vaddr, 1, &info), 0);
	ck_assert_str_eq(info.name, "hp_global_fn");
	ck_assert_int_eq(info.local, 0);
	ck_assert_int_eq(info.line, LINE_GLOBAL);
	addr = bias + global.vaddr + global.size - 1;
	ck_assert_int_eq(hp_symbolize(s, path, bias, addr, 1, &info), 0);
	ck_assert_str_eq(info.name, "hp_global_fn");
	ck_assert_uint_eq(info.sym_addr, bias + global.vaddr);
	ck_assert_str_eq(base_name(info.file), "prog.c");
	ck_assert_int_eq(info.line, LINE_GLOBAL);

	/* The ELF header is no function. */
	addr = bias == 0 ? 0x400000 : bias;
	ck_assert_int_eq(hp_symbolize(s, path, bias, addr, 1, &info), -ENOENT);
	ck_assert_int_eq(hp_symbolize(s, path, bias, bias == 0 ? 0 : bias - 1, 1, &info), -ENOENT);
	hp_symbolizer_free(s);
}

START_TEST(test_symbolize_nopie)
{
	ck_assert(built);
	check_prog(in_dir("nopie"), 0);
}
END_TEST

START_TEST(test_symbolize_pie)
{
	ck_assert(built);
	check_prog(in_dir("pie"), 0x555555554000ull);
}
END_TEST

/* The stripped copy finds both its symbols and its lines in stripped.debug (.gnu_debuglink). */
START_TEST(test_symbolize_debuglink)
{
	ck_assert(built);
	check_prog(in_dir("stripped"), 0);
}
END_TEST

/* No .debug_aranges (as clang writes it): CUs are found by their own ranges. */
START_TEST(test_symbolize_no_aranges)
{
	ck_assert(built);
	check_prog(in_dir("noaranges"), 0);
}
END_TEST

START_TEST(test_symbolize_shared)
{
	const uint64_t bias = 0x7f1234560000ull;
	const char *path = in_dir("libhp.so");
	struct hp_symbolizer *s = hp_symbolizer_new();
	struct func fn, local;
	struct hp_sym_info info;

	ck_assert(built);
	fn = func_of(path, "hp_lib_fn");
	local = func_of(path, "hp_lib_local");
	/* Aliases at one address: the plain global name wins over __hp_lib_impl and the weak. */
	ck_assert_int_eq(hp_symbolize(s, path, bias, bias + fn.vaddr + 1, 1, &info), 0);
	ck_assert_str_eq(info.name, "hp_lib_fn");
	ck_assert_uint_eq(info.sym_addr, bias + fn.vaddr);
	ck_assert_uint_eq(info.size, fn.size);
	ck_assert_int_eq(info.local, 0);
	ck_assert_str_eq(base_name(info.file), "lib.c");
	ck_assert_int_eq(info.line, 2);

	ck_assert_int_eq(hp_symbolize(s, path, bias, bias + local.vaddr + 3, 1, &info), 0);
	ck_assert_str_eq(info.name, "hp_lib_local");
	ck_assert_int_eq(info.local, 1);
	ck_assert_int_eq(info.line, 1);

	/* Without want_line: no file, no line. */
	ck_assert_int_eq(hp_symbolize(s, path, bias, bias + fn.vaddr, 0, &info), 0);
	ck_assert_str_eq(info.name, "hp_lib_fn");
	ck_assert_str_eq(info.file, "");
	ck_assert_int_eq(info.line, 0);
	hp_symbolizer_free(s);
}
END_TEST

START_TEST(test_symbolize_cpp)
{
	const char *path = in_dir("cpp");
	struct hp_symbolizer *s = hp_symbolizer_new();
	struct func f;
	struct hp_sym_info info;
	char name[64];

	ck_assert(built);
	f = func_of(path, "_ZN4hpns5twiceEi");
	ck_assert_int_eq(hp_symbolize(s, path, 0x10000, 0x10000 + f.vaddr + 2, 1, &info), 0);
	ck_assert_str_eq(info.name, "hpns::twice(int)");
	ck_assert_str_eq(info.raw, "_ZN4hpns5twiceEi");
	ck_assert_str_eq(base_name(info.file), "prog.cc");
	ck_assert_int_eq(info.line, 2);
	hp_symbolizer_free(s);
	ck_assert_int_eq(hp_demangle(info.raw, name, sizeof(name)), 1);
	ck_assert_str_eq(name, "hpns::twice(int)");
}
END_TEST

START_TEST(test_symbolize_errors)
{
	struct hp_symbolizer *s = hp_symbolizer_new();
	struct hp_sym_info info;

	ck_assert(built);
	ck_assert_int_eq(hp_symbolize(s, in_dir("missing"), 0, 0x1000, 1, &info), -ENOENT);
	ck_assert_int_eq(hp_symbolize(s, in_dir("script.sh"), 0, 0x1000, 1, &info), -ENOEXEC);
	ck_assert_int_eq(hp_symbolize(s, dir, 0, 0x1000, 1, &info), -EISDIR);
	/* Far past the end of the last function. */
	ck_assert_int_eq(hp_symbolize(s, in_dir("nopie"), 0, 0x7fffffff0000ull, 1, &info), -ENOENT);
	ck_assert_int_eq(hp_symbolize(NULL, in_dir("nopie"), 0, 0, 0, &info), -EINVAL);
	hp_symbolizer_free(s);
	hp_symbolizer_free(NULL);
}
END_TEST

/* Thousands of lookups in one module read the file once: they keep working after it is gone. */
START_TEST(test_symbolize_cached)
{
	struct hp_symbolizer *s = hp_symbolizer_new();
	const char *copy = in_dir("nopie-copy");
	struct func local, global;
	struct hp_sym_info info;

	ck_assert(built);
	ck_assert_int_eq(sh("cp nopie nopie-copy"), 0);
	local = func_of(copy, "hp_local_fn");
	global = func_of(copy, "hp_global_fn");
	ck_assert_int_eq(hp_symbolize(s, copy, 0, local.vaddr, 1, &info), 0);
	ck_assert_int_eq(unlink(copy), 0);
	for (int i = 0; i < 20000; i++) {
		const struct func *f = i & 1 ? &global : &local;
		uint64_t addr = f->vaddr + (uint64_t)i % f->size;

		ck_assert_int_eq(hp_symbolize(s, copy, 0, addr, 1, &info), 0);
		ck_assert_uint_eq(info.sym_addr, f->vaddr);
		ck_assert_int_eq(info.line, i & 1 ? LINE_GLOBAL : LINE_LOCAL);
	}
	hp_symbolizer_free(s);
}
END_TEST

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so.6")) {
		*(struct dl_phdr_info *)arg = *info;
		return 1;
	}
	return 0;
}

/* A real stripped system library (.dynsym only), at its real bias, with aliases. */
START_TEST(test_symbolize_libc)
{
	struct hp_symbolizer *s = hp_symbolizer_new();
	struct dl_phdr_info libc = {0};
	struct hp_sym_info info;
	uintptr_t getpid_addr, qsort_addr;
	void *h;

	/* The definitions inside libc, not a non-PIE test binary's canonical PLT entries. */
	h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	ck_assert_ptr_nonnull(h);
	getpid_addr = (uintptr_t)dlsym(h, "getpid");
	qsort_addr = (uintptr_t)dlsym(h, "qsort");
	ck_assert(getpid_addr && qsort_addr);
	ck_assert_int_eq(dl_iterate_phdr(find_libc, &libc), 1);
	/* getpid (weak) and __getpid (global) share an address: the plain name is shown. */
	ck_assert_int_eq(hp_symbolize(s, libc.dlpi_name, libc.dlpi_addr, getpid_addr, 0, &info), 0);
	ck_assert_str_eq(info.name, "getpid");
	ck_assert_uint_eq(info.sym_addr, getpid_addr);
	ck_assert_int_eq(info.local, 0);
	ck_assert_int_eq(hp_symbolize(s, libc.dlpi_name, libc.dlpi_addr, qsort_addr + 3, 1, &info),
			 0);
	ck_assert_str_eq(info.name, "qsort");
	dlclose(h);
	hp_symbolizer_free(s);
}
END_TEST

static int count_cb(void *arg, const char *raw, const char *demangled, uint64_t vaddr,
		    uint64_t size, int local)
{
	int *n = arg;

	(void)vaddr;
	(void)local;
	ck_assert(raw[0] && demangled[0] && size > 0);
	return ++*n == 3 ? 77 : 0;
}

START_TEST(test_foreach)
{
	int n = 0;

	ck_assert(built);
	/* Stops at the callback's non-zero value and returns it. */
	ck_assert_int_eq(hp_elf_foreach_function(in_dir("nopie"), count_cb, &n), 77);
	ck_assert_int_eq(n, 3);
	/* The stripped binary lists its functions from the separate debug file's .symtab. */
	func_of(in_dir("stripped"), "hp_local_fn");
	/* A shared library's aliases are each listed. */
	func_of(in_dir("libhp.so"), "hp_lib_weak");
	func_of(in_dir("libhp.so"), "__hp_lib_impl");
	ck_assert_int_eq(hp_elf_foreach_function(in_dir("missing"), count_cb, &n), -ENOENT);
	ck_assert_int_eq(hp_elf_foreach_function(in_dir("script.sh"), count_cb, &n), -ENOEXEC);
}
END_TEST

static struct hp_elf_facts inspect(const char *name)
{
	struct hp_elf_facts facts;
	char err[128] = "x";

	ck_assert_int_eq(hp_elf_inspect(in_dir(name), &facts, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	return facts;
}

START_TEST(test_inspect_plain)
{
	struct hp_elf_facts f;

	ck_assert(built);
	f = inspect("plain");
	ck_assert_int_eq(f.is_elf, 1);
	ck_assert_int_eq(f.is_dynamic, 1);
	ck_assert_int_eq(f.has_cyg_hooks, 0);
	ck_assert_int_eq(f.defines_malloc, 0);
	ck_assert_int_eq(f.machine, 62); /* EM_X86_64 */
	f = inspect("pie");
	ck_assert_int_eq(f.is_pie, 1);
	f = inspect("nopie");
	ck_assert_int_eq(f.is_dynamic, 1);
	ck_assert_int_eq(f.is_pie, 0);
	f = inspect("libhp.so"); /* a library has no PT_INTERP */
	ck_assert_int_eq(f.is_dynamic, 0);
	ck_assert_int_eq(f.is_pie, 0);
}
END_TEST

START_TEST(test_inspect_cyg)
{
	ck_assert(built);
	ck_assert_int_eq(inspect("cyg").has_cyg_hooks, 1);
	/* Only its library (found through RUNPATH $ORIGIN/libs) was built with the hooks. */
	ck_assert_int_eq(inspect("usecyg").has_cyg_hooks, 1);
	ck_assert_int_eq(inspect("cpp").has_cyg_hooks, 0);
}
END_TEST

START_TEST(test_inspect_static)
{
	struct hp_elf_facts f;

	ck_assert(built);
	f = inspect("static");
	ck_assert_int_eq(f.is_elf, 1);
	ck_assert_int_eq(f.is_dynamic, 0);
	ck_assert_int_eq(f.is_pie, 0);
	ck_assert_int_eq(f.has_cyg_hooks, 0);
}
END_TEST

START_TEST(test_inspect_malloc)
{
	ck_assert(built);
	ck_assert_int_eq(inspect("mymalloc").defines_malloc, 1);
	ck_assert_int_eq(inspect("pie").defines_malloc, 0);
}
END_TEST

START_TEST(test_inspect_not_elf)
{
	struct hp_elf_facts f;
	char err[128];

	ck_assert(built);
	f = inspect("script.sh");
	ck_assert_int_eq(f.is_elf, 0);
	ck_assert_int_eq(f.is_dynamic, 0);
	ck_assert_int_eq(hp_elf_inspect(in_dir("missing"), &f, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "No such file") != NULL, "err: %s", err);
	ck_assert_int_eq(hp_elf_inspect(dir, &f, err, sizeof(err)), -EISDIR);
}
END_TEST

static void check_demangle(const char *mangled, const char *want, int want_ret)
{
	char out[HP_SYM_NAME_MAX];

	ck_assert_int_eq(hp_demangle(mangled, out, sizeof(out)), want_ret);
	ck_assert_str_eq(out, want);
}

START_TEST(test_demangle_cpp)
{
	check_demangle("_ZN3foo3barEv", "foo::bar()", 1);
	check_demangle("_ZNSt6vectorIiSaIiEE9push_backERKi",
		       "std::vector<int, std::allocator<int> >::push_back(int const&)", 1);
	check_demangle("_ZN3foo3barEv.cold", "foo::bar() [clone .cold]", 1);
}
END_TEST

START_TEST(test_demangle_rust)
{
	/* Legacy: the ::h<hash> is dropped. */
	check_demangle("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write", 1);
	check_demangle("_ZN3std2rt10lang_start17h6f7a4a7f9e1b2c3dE", "std::rt::lang_start", 1);
	/* v0. */
	check_demangle("_RNvCs1234_7mycrate3foo", "mycrate::foo", 1);
	check_demangle("_RINvCs1234_7mycrate3fooNtB2_3BarE", "mycrate::foo::<mycrate::Bar>", 1);
}
END_TEST

START_TEST(test_demangle_plain)
{
	char out[8];

	check_demangle("main", "main", 0);
	check_demangle("_start", "_start", 0);
	check_demangle("", "", 0);
	check_demangle("_Zfoo", "_Zfoo", -1);
	/* Truncated to the buffer, always terminated. */
	ck_assert_int_eq(hp_demangle("_ZN3foo3barEv", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "foo::ba");
	ck_assert_int_eq(hp_demangle("a_long_plain_name", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a_long_");
}
END_TEST

static Suite *symbolize_suite(void)
{
	Suite *s = suite_create("symbolize");
	TCase *demangle = tcase_create("demangle");
	TCase *elf = tcase_create("elf");

	tcase_add_test(demangle, test_demangle_cpp);
	tcase_add_test(demangle, test_demangle_rust);
	tcase_add_test(demangle, test_demangle_plain);
	suite_add_tcase(s, demangle);

	/* The programs are compiled once, in the runner, before the forked tests. */
	tcase_add_unchecked_fixture(elf, build_programs, remove_programs);
	tcase_set_timeout(elf, 30);
	tcase_add_test(elf, test_symbolize_nopie);
	tcase_add_test(elf, test_symbolize_pie);
	tcase_add_test(elf, test_symbolize_debuglink);
	tcase_add_test(elf, test_symbolize_no_aranges);
	tcase_add_test(elf, test_symbolize_shared);
	tcase_add_test(elf, test_symbolize_cpp);
	tcase_add_test(elf, test_symbolize_errors);
	tcase_add_test(elf, test_symbolize_cached);
	tcase_add_test(elf, test_symbolize_libc);
	tcase_add_test(elf, test_foreach);
	tcase_add_test(elf, test_inspect_plain);
	tcase_add_test(elf, test_inspect_cyg);
	tcase_add_test(elf, test_inspect_static);
	tcase_add_test(elf, test_inspect_malloc);
	tcase_add_test(elf, test_inspect_not_elf);
	suite_add_tcase(s, elf);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(symbolize_suite());
	int run, failed;

	srunner_run_all(sr, CK_VERBOSE);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("%d passed, %d failed\n", run - failed, failed);
	return failed == 0 ? 0 : 1;
}
