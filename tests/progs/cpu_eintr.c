/* cpu_eintr.c - calls that SA_RESTART does not restart, in a loop that also burns CPU (so that
 * a CPU-time sampling timer expires often, some of the time around one of them). Prints how
 * many of them failed with EINTR: 0 without hotpath, and must stay 0 with it. argv[2] is the
 * loop count. argv[1]:
 *   libc    the calls through libc (what programs do);
 *   raw     the same as raw syscalls, which no interposer sees;
 *   inject  a second thread sends the main thread signals that look like hotpath's sampling
 *           signal (SIGPROF, SI_TIMER, hotpath's cookie, see docs/cpu.md) while it waits:
 *           only meaningful under hotpath, which must resume every call (0 EINTR);
 *   usr1    the same with SIGUSR1 and a handler of the program's (SA_RESTART): these EINTRs
 *           are the program's own and must be seen, with or without hotpath.
 * Then how many calls that succeeded changed errno (set before each call): 0, resumed or not. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static int eintr;

static pthread_t main_thread;
static pid_t main_tid_value;
static volatile int done;
static int inject_sig;

static void on_usr1(int sig)
{
	(void)sig;
}

/* Every 3 ms, a signal to the main thread: SIGUSR1, or SIGPROF dressed as hotpath's timer. */
static void *injector(void *arg)
{
	(void)arg;
	pid_t pid = getpid();
	struct timespec ts = {0, 3000000};
	while (!done) {
		syscall(SYS_nanosleep, &ts, NULL);
		if (inject_sig == SIGUSR1) {
			pthread_kill(main_thread, SIGUSR1);
			continue;
		}
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGPROF;
		si.si_code = SI_TIMER;
		si.si_value.sival_int = 0x48505346; /* hotpath's timers (preload/sample.c) */
		syscall(SYS_rt_tgsigqueueinfo, pid, main_tid_value, SIGPROF, &si);
	}
	return NULL;
}

#define ERRNO_MARK 4242
static int errno_changed;

static void count(int r, int err_is_rc)
{
	if ((err_is_rc && r == EINTR) || (!err_is_rc && r < 0 && errno == EINTR))
		eintr++;
	if (((err_is_rc && r == 0) || (!err_is_rc && r >= 0)) && errno != ERRNO_MARK)
		errno_changed++;
}

int main(int argc, char **argv)
{
	int raw = argc > 1 && !strcmp(argv[1], "raw");
	int loops = argc > 2 ? atoi(argv[2]) : 3000;
	long wait_ns = 20000;
	pthread_t inj;
	main_thread = pthread_self();
	main_tid_value = (pid_t)syscall(SYS_gettid);
	if (argc > 1 && (!strcmp(argv[1], "inject") || !strcmp(argv[1], "usr1"))) {
		inject_sig = !strcmp(argv[1], "usr1") ? SIGUSR1 : SIGPROF;
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_RESTART;
		if (inject_sig == SIGUSR1)
			sigaction(SIGUSR1, &sa, NULL);
		wait_ns = 2000000; /* long waits: the injected signals land inside them */
		pthread_create(&inj, NULL, injector, NULL);
	}
	int ep = epoll_create1(0);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	for (int i = 0; i < loops; i++) {
		for (unsigned long k = 0; k < 20000; k++)
			sink = sink * 31 + k;
		struct timespec ts = {0, wait_ns};
		struct timeval tv = {0, wait_ns / 1000};
		int ms = (int)(wait_ns / 1000000) + 1;
		struct epoll_event ev;
		siginfo_t si;
		errno = ERRNO_MARK;
		if (raw) {
			count((int)syscall(SYS_nanosleep, &ts, NULL), 0);
			count((int)syscall(SYS_poll, NULL, 0, ms), 0);
			continue;
		}
		switch (i % 8) {
		case 0: count(nanosleep(&ts, NULL), 0); break;
		case 1: count(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), 1); break;
		case 2: count(poll(NULL, 0, ms), 0); break;
		case 3: count(select(0, NULL, NULL, NULL, &tv), 0); break;
		case 4: count(epoll_wait(ep, &ev, 1, ms), 0); break;
		case 5: count(sigtimedwait(&usr2, &si, &ts), 0); break;
		case 6: count(usleep((useconds_t)(wait_ns / 1000)), 0); break;
		case 7: count(ppoll(NULL, 0, &ts, NULL), 0); break;
		}
	}
	if (inject_sig) {
		done = 1;
		pthread_join(inj, NULL);
	}
	printf("eintr %d\nerrno changed %d\n", eintr, errno_changed);
	return 0;
}
