/* sample.c - CPU sampling: a CPU-time timer per thread (timer_create on the thread's CPU clock,
 * SIGEV_THREAD_ID to that thread) raising SIGPROF every 1/hz s of the thread's CPU time; the
 * handler unwinds the interrupted stack (unwind.c), interns it (stacks.c) and counts it in a
 * per-(thread, stack) row that only this thread writes.
 *
 * The program must not notice: SA_RESTART, errno kept, no allocation or lock in the handler
 * (the per-thread map below is mmap'd when the thread starts), and the calls SA_RESTART does
 * not restart are resumed by eintr.c when only our signal interrupted them. SIGPROF stays the
 * program's: when the program installs a handler for it (sigaction, signal) or starts
 * ITIMER_PROF, sampling steps aside for good (timers deleted, HP_SAMPLE_ASIDE in the header),
 * and a program that starts with SIGPROF not at its default is never sampled. See docs/cpu.md.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sample.h"
#include "stacks.h"

#define SAMPLE_SIGNAL SIGPROF
#define SAMPLE_COOKIE 0x48505346 /* si_value of our timers: "HPSF" */
#define HP_SAMPLE_HZ_DEFAULT 100

/* Per-thread map stack id -> this thread's sample row: open addressing, kept ≤ 3/4 full. */
#define SMAP_BITS 14
#define SMAP_SIZE (1u << SMAP_BITS)
struct smap_ent {
	uint32_t stack1; /* stack id + 1, 0 = empty */
	uint32_t row;	 /* row in HP_T_CPU_SAMPLES, UINT32_MAX when the table was full */
};
struct hp_sstate {
	uint32_t used;
	struct smap_ent map[SMAP_SIZE];
};

struct hp_stls {
	struct hp_sstate *st; /* mapped at the thread's first sample (NULL before) */
	uint32_t timer_slot;  /* slot in `timers` + 1, 0 = this thread is not sampled */
	uint64_t signals;     /* our signals handled on this thread (eintr.c) */
};
static __thread struct hp_stls stls __attribute__((tls_model("initial-exec")));

/* Every live timer, so that stepping aside can stop them all (after which no slot is claimed
 * again: S.on stays 0, so a thread's stale timer_slot never names another's timer). A slot is
 * FREE, BUSY (being set up or deleted by one thread) or LIVE; whoever moves it LIVE -> BUSY
 * (its thread at exit, or step_aside) deletes the timer, so each is deleted once, and frees
 * the slot for the next thread: a pool that recycles threads forever reuses the slots of the
 * ended ones. `timers_used` is the high-water mark (the slots step_aside looks at). */
#define TIMERS_MAX 8192
enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE };
static struct {
	timer_t id;
	uint32_t state;
} timers[TIMERS_MAX];
static uint32_t timers_used, timers_hint;

static struct {
	volatile int on;	   /* sampling: timers run and the handler records */
	int installed;		   /* our handler is the real disposition of SAMPLE_SIGNAL */
	uint64_t period_ns;	   /* of CPU time */
	struct sigaction prog_act; /* the disposition the program sees (before ours) */
	int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
} S;

uint64_t hp_sample_signals(void)
{
	return __atomic_load_n(&stls.signals, __ATOMIC_RELAXED);
}

int hp_sample_active(void)
{
	return S.installed;
}

static struct hp_cpu_sample_rec *sample_row(struct hp_sstate *st, uint32_t id, uint32_t thread)
{
	uint32_t i = (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> (64 - SMAP_BITS));
	for (;;) {
		struct smap_ent *e = &st->map[i];
		if (e->stack1 == id + 1)
			return e->row == UINT32_MAX
				       ? NULL
				       : hp_table_row(hp_g.hdr, HP_T_CPU_SAMPLES, e->row);
		if (!e->stack1)
			break;
		i = (i + 1) & (SMAP_SIZE - 1);
	}
	if (st->used >= SMAP_SIZE / 4 * 3)
		return NULL;
	uint32_t row = UINT32_MAX;
	struct hp_cpu_sample_rec *r = hp_table_claim(HP_T_CPU_SAMPLES, &row);
	if (r) {
		r->thread = thread;
		__atomic_store_n(&r->stack1, id + 1, __ATOMIC_RELEASE);
	}
	st->map[i].row = r ? row : UINT32_MAX;
	st->map[i].stack1 = id + 1;
	st->used++;
	return r;
}

/* The thread's map, at its first sample: a thread that ends before its first tick of CPU time
 * (most threads of a pool that runs short tasks) maps and unmaps nothing. mmap is a plain
 * system call, safe in the handler. */
static struct hp_sstate *sstate_map(void)
{
	void *p = mmap(NULL, sizeof(struct hp_sstate), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct hp_region_header *h = hp_g.hdr;
	(void)sig;
	if (si->si_code != SI_TIMER || si->si_value.sival_int != SAMPLE_COOKIE)
		goto out;
	stls.signals++;
	/* One sample per signal, whatever its overrun: above the kernel's tick rate a signal
	 * stands for several expiries, but weighting it by them only adds variance to the shares
	 * (the reader scales samples to CPU time with the threads' exact CPU clocks). */
	uint64_t w = 1;
	struct hp_tstate *ts = hp_tls.ts;
	struct hp_sstate *st = stls.st;
	if (!h)
		goto out;
	if (S.on && ts && !st && stls.timer_slot)
		st = stls.st = sstate_map();
	if (!S.on || !ts || !st) {
		__atomic_fetch_add(&h->samples_lost, w, __ATOMIC_RELAXED);
		goto out;
	}
	uint64_t frames[HP_STACK_DEPTH_MAX];
	uint16_t flags;
	uint32_t n = hp_unwind_signal(uc, frames, HP_STACK_DEPTH_MAX, &flags);
	uint32_t id = hp_stack_intern(frames, n, flags, 1);
	struct hp_cpu_sample_rec *r = sample_row(st, id, ts->thread_row);
	if (!r) {
		__atomic_fetch_add(&h->samples_lost, w, __ATOMIC_RELAXED);
		goto out;
	}
	__atomic_store_n(&r->samples, r->samples + w, __ATOMIC_RELAXED);
	__atomic_store_n(&ts->trec->cpu_samples, ts->trec->cpu_samples + w, __ATOMIC_RELAXED);
out:
	errno = saved;
}

static void resolve(void)
{
	if (!S.real_sigaction)
		S.real_sigaction = (int (*)(int, const struct sigaction *,
					    struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
}

void hp_sample_init(void)
{
	struct hp_region_header *h = hp_g.hdr;
	uint64_t hz = hp_env_u64("HOTPATH_SAMPLE_HZ", HP_SAMPLE_HZ_DEFAULT);
	resolve();
#ifdef HP_TSAN
	/* TSan delivers signals late, with a ucontext whose stack may be gone: no sampling. */
	return;
#endif
	if (!h || !hp_env_bool("HOTPATH_SAMPLE", 1) || !hz || !S.real_sigaction)
		return;
	if (hz > 100000)
		hz = 100000;
	h->sample_hz = (uint32_t)hz;
	h->modes |= HP_MODE_SAMPLE;
	hp_g.modes |= HP_MODE_SAMPLE;
	struct sigaction cur;
	if (S.real_sigaction(SAMPLE_SIGNAL, NULL, &cur) < 0 ||
	    (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler != SIG_DFL)) {
		/* Inherited SIG_IGN (or a handler set before us): the signal is the program's. */
		h->sample_state = HP_SAMPLE_ASIDE;
		return;
	}
	if (hp_unwind_init() < 0) {
		h->sample_state = HP_SAMPLE_NO_UNWIND;
		return;
	}
	S.prog_act = cur;
	struct sigaction sa = {0};
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	/* Every other signal waits until the sample is taken: the unwinder runs with the
	 * re-entry guard raised, and a program handler nested in it would have its allocations
	 * and calls pass uncounted (test_signal_handler_allocates lost 2 of 50). */
	sigfillset(&sa.sa_mask);
	if (S.real_sigaction(SAMPLE_SIGNAL, &sa, NULL) < 0)
		return;
	S.period_ns = 1000000000ull / hz;
	if (!S.period_ns)
		S.period_ns = 1;
	S.installed = 1;
	h->sample_state = HP_SAMPLE_ON;
	__atomic_store_n(&S.on, 1, __ATOMIC_RELEASE);
}

/* A free slot of `timers`, now BUSY, or -1 when all TIMERS_MAX are live. */
static int slot_claim(void)
{
	uint32_t start = __atomic_load_n(&timers_hint, __ATOMIC_RELAXED);
	for (uint32_t k = 0; k < TIMERS_MAX; k++) {
		uint32_t i = (start + k) % TIMERS_MAX;
		uint32_t want = SLOT_FREE;
		if (__atomic_load_n(&timers[i].state, __ATOMIC_RELAXED) != SLOT_FREE ||
		    !__atomic_compare_exchange_n(&timers[i].state, &want, SLOT_BUSY, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&timers_hint, (i + 1) % TIMERS_MAX, __ATOMIC_RELAXED);
		uint32_t used = __atomic_load_n(&timers_used, __ATOMIC_RELAXED);
		while (used <= i &&
		       !__atomic_compare_exchange_n(&timers_used, &used, i + 1, 1, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
		return (int)i;
	}
	return -1;
}

/* Delete the timer of a LIVE slot and free the slot; nothing if another thread got there. */
static void timer_stop(uint32_t slot)
{
	uint32_t want = SLOT_LIVE;
	if (!__atomic_compare_exchange_n(&timers[slot].state, &want, SLOT_BUSY, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	timer_delete(timers[slot].id);
	__atomic_store_n(&timers[slot].state, SLOT_FREE, __ATOMIC_RELEASE);
}

/* Start sampling the calling thread (main, a new thread, a forked child): a CPU-time timer
 * that signals this thread; its map of stacks comes with its first sample. */
void hp_sample_thread_start(void)
{
	if (!S.on || stls.timer_slot || !hp_g.ready || hp_tls.guard)
		return;
	if (!hp_tls.ts && !hp_thread_slow())
		return;
	int saved = errno;
	hp_tls.guard++;
	hp_unwind_thread_init();
	int slot = slot_claim();
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SAMPLE_SIGNAL;
	sev.sigev_value.sival_int = SAMPLE_COOKIE;
	sev._sigev_un._tid = hp_gettid(); /* sigev_notify_thread_id */
	timer_t id;
	if (slot < 0)
		goto out;
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &id) < 0) {
		__atomic_store_n(&timers[slot].state, SLOT_FREE, __ATOMIC_RELEASE);
		goto out;
	}
	timers[slot].id = id;
	stls.timer_slot = (uint32_t)slot + 1;
	__atomic_store_n(&timers[slot].state, SLOT_LIVE, __ATOMIC_RELEASE);
	struct itimerspec its = {0};
	its.it_interval.tv_sec = (time_t)(S.period_ns / 1000000000ull);
	its.it_interval.tv_nsec = (long)(S.period_ns % 1000000000ull);
	its.it_value = its.it_interval;
	timer_settime(id, 0, &its, NULL);
	/* Stepped aside meanwhile: its loop may have missed this slot (BUSY then). */
	if (!__atomic_load_n(&S.on, __ATOMIC_ACQUIRE))
		timer_stop((uint32_t)slot);
out:
	hp_tls.guard--;
	errno = saved;
}

/* The calling thread ends: its timer first, then its map (a late signal finds no slot and
 * maps nothing; st is read after the slot is cleared). */
void hp_sample_thread_end(void)
{
	int saved = errno;
	if (stls.timer_slot) {
		timer_stop(stls.timer_slot - 1);
		stls.timer_slot = 0;
	}
	HP_BARRIER();
	struct hp_sstate *st = stls.st;
	if (st) {
		stls.st = NULL;
		HP_BARRIER();
		munmap(st, sizeof(*st));
	}
	errno = saved;
}

/* Forked child: the parent's timers do not exist here (timers are not inherited), and this
 * thread's rows are the parent's. Start afresh. */
void hp_sample_after_fork(void)
{
	__atomic_store_n(&timers_used, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&timers_hint, 0, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < TIMERS_MAX; i++)
		timers[i].state = SLOT_FREE;
	stls.timer_slot = 0;
	if (stls.st) {
		munmap(stls.st, sizeof(*stls.st));
		stls.st = NULL;
	}
	if (!S.on || !hp_g.hdr)
		return;
	hp_g.hdr->sample_hz = (uint32_t)(1000000000ull / S.period_ns);
	hp_g.hdr->sample_state = HP_SAMPLE_ON;
	hp_g.hdr->modes |= HP_MODE_SAMPLE;
}

/* The program wants SIGPROF: stop every timer and give the signal back. */
static void step_aside(void)
{
	if (!S.installed)
		return;
	__atomic_store_n(&S.on, 0, __ATOMIC_RELEASE);
	uint32_t n = __atomic_load_n(&timers_used, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n && i < TIMERS_MAX; i++)
		timer_stop(i);
	S.installed = 0;
	if (hp_g.hdr)
		__atomic_store_n(&hp_g.hdr->sample_state, HP_SAMPLE_ASIDE, __ATOMIC_RELAXED);
	hp_debug("the program uses SIGPROF: sampling stepped aside");
}

HP_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	resolve();
	if (sig != SAMPLE_SIGNAL || !S.installed)
		return S.real_sigaction(sig, act, old);
	if (!act) {
		/* A query: the program sees its own disposition, not ours. */
		if (old)
			*old = S.prog_act;
		return 0;
	}
	struct sigaction prev = S.prog_act;
	step_aside();
	S.real_sigaction(sig, &prev, NULL);
	return S.real_sigaction(sig, act, old);
}

HP_EXPORT __sighandler_t signal(int sig, __sighandler_t handler)
{
	static __sighandler_t (*real)(int, __sighandler_t);
	if (!real)
		real = (__sighandler_t(*)(int, __sighandler_t))dlsym(RTLD_NEXT, "signal");
	if (sig == SAMPLE_SIGNAL && S.installed) {
		struct sigaction prev = S.prog_act;
		step_aside();
		S.real_sigaction(sig, &prev, NULL);
	}
	return real(sig, handler);
}

HP_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *nv, struct itimerval *ov)
{
	static int (*real)(__itimer_which_t, const struct itimerval *, struct itimerval *);
	if (!real)
		real = (int (*)(__itimer_which_t, const struct itimerval *,
				struct itimerval *))dlsym(RTLD_NEXT, "setitimer");
	if (which == ITIMER_PROF && nv && (nv->it_value.tv_sec || nv->it_value.tv_usec) &&
	    S.installed) {
		struct sigaction prev = S.prog_act;
		step_aside();
		S.real_sigaction(SAMPLE_SIGNAL, &prev, NULL);
	}
	return real(which, nv, ov);
}
