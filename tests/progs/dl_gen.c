/* dl_gen.c - a library built twice, -DWORK=gen_a_work and -DWORK=gen_b_work: the same code and
 * layout under two names, so that one loaded after the other was unloaded lands at the same
 * address with its function at the same offset (dl_swap.c). */
__attribute__((noinline)) int WORK(int x)
{
	return x * 3 + 1;
}

void *entry(void)
{
	return (void *)WORK;
}
