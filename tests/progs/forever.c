/* forever.c - a "server" that ticks every millisecond until stopped; with "ignore-term" it
 * ignores SIGTERM (hotpath must then SIGKILL it after the grace period). */
#include <signal.h>
#include <string.h>
#include <time.h>
__attribute__((noinline)) void tick(void)
{
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
}
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "ignore-term"))
		signal(SIGTERM, SIG_IGN);
	for (;;)
		tick();
}
