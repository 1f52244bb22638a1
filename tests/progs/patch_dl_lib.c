/* patch_dl_lib.c - built as libpatchdl.so and opened by patch_libs.c with dlopen. */
__attribute__((noinline)) int dl_inner(int x)
{
	return x * 3 + 1;
}

int dl_work(int x)
{
	return dl_inner(x) + 1;
}
