/* thread_names.c - the glue of the data-flow and concurrency hooks (start, fork, new threads)
 * and thread names: pthread_setname_np and prctl(PR_SET_NAME) are followed into the thread
 * rows, so a reader shows the names the program chose. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "flow.h"

uint32_t hp_flow_modes;

HP_NEXT_DECL(int, pthread_setname_np, (pthread_t, const char *));
HP_NEXT_DECL(int, prctl, (int, ...));

/* After hp_g.ready, from the constructor (one thread): map our indexes, then switch on. */
void hp_flow_start(void)
{
	if (!hp_g.hdr)
		return;
	uint32_t want = hp_g.modes & (HP_MODE_CHANNELS | HP_MODE_LOCKS | HP_MODE_NO_HOLD);
	uint32_t on = want & HP_MODE_NO_HOLD;
	if ((want & HP_MODE_LOCKS) && hp_locks_start())
		on |= HP_MODE_LOCKS;
	else
		hp_locks_resolve();
	if ((want & HP_MODE_CHANNELS) && hp_chan_start()) {
		on |= HP_MODE_CHANNELS;
		hp_stdio_start();
	}
	__atomic_store_n(&hp_flow_modes, on, __ATOMIC_RELEASE);
}

/* Forked child (only this thread): the parent's rows are in the parent's region. When the
 * child could not get a region of its own, record nothing rather than write into the parent's. */
void hp_flow_after_fork(int region_ok)
{
	if (!region_ok) {
		hp_flow_modes = 0;
		return;
	}
	hp_locks_after_fork();
	hp_chan_after_fork();
}

/* A thread starts (main included): claim its row now, so that threads of a program without
 * function hooks are listed with their start routine, CPU time and blocked time. */
void hp_flow_thread_start(void)
{
	if (hp_flow_modes & (HP_MODE_CHANNELS | HP_MODE_LOCKS) && hp_g.ready && !hp_tls.guard)
		hp_flow_thread();
}

/* ---- names ---- */

/* The calling thread chose its name: into its row (claimed now if need be: outside our own
 * bracket, where a claim is refused). */
static void set_own_name(const char *name)
{
	struct hp_thread_rec *tr = hp_flow_thread();
	struct hp_own own = hp_own_begin();
	if (tr && name)
		hp_strlcpy(tr->name, name, 16); /* the kernel's TASK_COMM_LEN */
	hp_own_end(own);
}

/* Another thread was renamed: we do not know its tid, so refresh every live row from /proc
 * (rare: programs name their threads once). */
static void refresh_names(void)
{
	struct hp_region_header *h = hp_g.hdr;
	struct hp_table *t = &h->tables[HP_T_THREADS];
	uint32_t n = __atomic_load_n(&t->claimed, __ATOMIC_ACQUIRE);
	if (n > t->capacity)
		n = t->capacity;
	for (uint32_t i = 0; i < n; i++) {
		struct hp_thread_rec *tr = hp_table_row(h, HP_T_THREADS, i);
		int tid = __atomic_load_n(&tr->tid, __ATOMIC_ACQUIRE);
		if (!tid || tr->state != HP_THREAD_RUNNING)
			continue;
		char path[64], buf[32];
		hp_snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k <= 0)
			continue;
		if (buf[k - 1] == '\n')
			k--;
		buf[k] = 0;
		hp_strlcpy(tr->name, buf, 16);
	}
}

HP_EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
	int rc = HP_NEXT(pthread_setname_np)(thread, name);
	if (rc == 0 && hp_flow_modes && hp_g.ready && !hp_tls.guard) {
		if (pthread_equal(thread, pthread_self())) {
			set_own_name(name);
		} else {
			struct hp_own own = hp_own_begin();
			refresh_names();
			hp_own_end(own);
		}
	}
	return rc;
}

HP_EXPORT int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	int rc = HP_NEXT(prctl)(option, a2, a3, a4, a5);
	if (rc == 0 && option == PR_SET_NAME && hp_flow_modes && hp_g.ready && !hp_tls.guard)
		set_own_name((const char *)a2);
	return rc;
}

/* At exit, threads still running (workers blocked in a wait when the program called exit)
 * never reach hp_thread_end: capture their CPU time now, while /proc still has them. */
__attribute__((destructor(102))) static void hp_flow_fini(void)
{
	struct hp_region_header *h = hp_g.hdr;
	if (!h || !hp_flow_modes || h->pid != (int)getpid())
		return;
	struct hp_own own = hp_own_begin();
	struct hp_table *t = &h->tables[HP_T_THREADS];
	uint32_t n = __atomic_load_n(&t->claimed, __ATOMIC_ACQUIRE);
	if (n > t->capacity)
		n = t->capacity;
	int self = hp_gettid();
	for (uint32_t i = 0; i < n; i++) {
		struct hp_thread_rec *tr = hp_table_row(h, HP_T_THREADS, i);
		int tid = __atomic_load_n(&tr->tid, __ATOMIC_ACQUIRE);
		if (tid && tid != self &&
		    __atomic_load_n(&tr->state, __ATOMIC_ACQUIRE) == HP_THREAD_RUNNING)
			hp_read_thread_cpu(tid, &tr->cpu_user_ns, &tr->cpu_sys_ns);
	}
	hp_own_end(own);
}
