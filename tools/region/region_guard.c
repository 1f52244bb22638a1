/* region_guard.c - SIGBUS around the reads of a region (region_guard.h). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "region_guard.h"

static sigjmp_buf guard_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(guard_jmp, 1);
}

int hp_region_guarded(int (*fn)(void *arg), void *arg)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	volatile int rc;
	if (sigsetjmp(guard_jmp, 1) == 0)
		rc = fn(arg);
	else
		rc = -EFAULT;
	sigaction(SIGBUS, &old, NULL);
	return rc;
}
