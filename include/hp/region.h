/* region.h - layout of the shared-memory region: the contract between libhotpath.so (the only
 * writer, inside the profiled process) and every reader (hotpath run, report, console).
 *
 * One region per process image, a file /dev/shm/hotpath-<pid>-<creation monotonic ns>, created
 * 0600 with O_EXCL|O_NOFOLLOW, sized once and never grown; its pages are reserved before they
 * are written (hp_table.backed), and a table whose next pages cannot be reserved ends early.
 * All integers are little-endian native; all offsets are from the start of the region. Readers treat every offset and count as
 * untrusted (bounds-checked) and tolerate torn reads of a live region: counters are 8-byte
 * aligned and written by one thread (per-thread rows) or with relaxed atomics (shared rows).
 * docs/region.md describes the layout in prose; bump HP_REGION_VERSION on any change here. */
#ifndef HP_REGION_H
#define HP_REGION_H

#include <stdint.h>

#include "hp/hist.h"

#define HP_REGION_MAGIC 0x314e4745525048ull /* "HPREGN1\0" read as little-endian */
#define HP_REGION_VERSION 10		    /* docs/region.md lists them all */
#define HP_REGION_PREFIX "hotpath-"	    /* file name prefix under /dev/shm */
#define HP_REGION_DIR "/dev/shm"

#define HP_PATH_MAX 512
#define HP_CMDLINE_MAX 4096
#define HP_THREAD_NAME_MAX 32
#define HP_LABEL_MAX 96

enum hp_state {
	HP_STATE_STARTING = 0, /* constructor still running */
	HP_STATE_RUNNING = 1,
	HP_STATE_EXITED = 2,   /* exit_status valid */
	HP_STATE_SIGNALED = 3, /* term_signal valid (written by the launcher, or a reader's guess) */
	HP_STATE_EXECED = 4,   /* the image called execve: its successor has a region of its own */
};

/* What the writer records: bits of hp_region_header.modes. */
enum hp_mode {
	HP_MODE_TIMING = 1u << 0,	/* function enter/exit timing */
	HP_MODE_ALLOC = 1u << 1,	/* malloc family */
	HP_MODE_ALLOC_SELF = 1u << 2,	/* allocations attributed to the innermost function only */
	HP_MODE_CHANNELS = 1u << 3,	/* pipes, queues, sockets, read/write */
	HP_MODE_LOCKS = 1u << 4,	/* pthread mutex / rwlock / cond / spin */
	HP_MODE_PATCH = 1u << 5,	/* functions patched at run time */
	HP_MODE_NO_HOLD = 1u << 6,	/* locks: skip hold-time tracking */
	HP_MODE_SAMPLE = 1u << 7,	/* CPU sampling (sample.c): hp_region_header.sample_* */
	HP_MODE_TREE = 1u << 8,		/* calling-context tree of timed functions (HP_T_TREE) */
	HP_MODE_ALLOC_STACKS = 1u << 9, /* a call stack per allocation (HP_T_ALLOC_STACKS) */
};

/* Flags in hp_region_header.flags: facts the writer noticed. */
enum hp_region_flag {
	HP_FLAG_HOOKS_SEEN = 1u << 0, /* __cyg_profile_func_enter was called at least once */
	HP_FLAG_OWN_MALLOC = 1u << 1, /* the executable defines malloc: allocations not seen */
	HP_FLAG_LAUNCHED = 1u << 2,   /* started by `hotpath run` (HOTPATH_SESSION set) */
	HP_FLAG_SHM_FULL = 1u << 3,   /* /dev/shm filled up: tables ended early (docs/run.md) */
};

/* Counters of the malloc family, in this order wherever they appear as a set (the header's
 * orphans, a thread's calls outside measured functions). */
struct hp_alloc_counts {
	uint64_t alloc_count, alloc_bytes; /* allocations and the bytes asked for */
	uint64_t free_count, free_bytes;   /* frees of counted blocks and their bytes */
};

enum hp_table_id {
	HP_T_MODULES = 0,  /* struct hp_module_rec */
	HP_T_THREADS,	   /* struct hp_thread_rec */
	HP_T_FSTATS,	   /* struct hp_fstat: one per (thread, function) */
	HP_T_CHANNELS,	   /* struct hp_channel_rec */
	HP_T_LOCKS,	   /* struct hp_lock_rec */
	HP_T_IO,	   /* struct hp_io_rec: fixed, one per enum hp_io_kind */
	HP_T_PATCH,	   /* struct hp_patch_rec */
	HP_T_STACKS,	   /* struct hp_stack_rec: interned call stacks (stacks.c) */
	HP_T_STACK_FRAMES, /* uint64_t: the frames of every stack, back to back */
	HP_T_STACK_INDEX,  /* uint32_t: hash index over HP_T_STACKS, stack row + 1, 0 = empty */
	HP_T_CPU_SAMPLES,  /* struct hp_cpu_sample_rec: CPU samples per (thread, stack) */
	HP_T_TREE,	   /* struct hp_tree_node: the calling-context tree, per thread */
	HP_T_HIST,	   /* struct hp_hist_chunk: one octave of one fstat row's histogram */
	HP_T_ALLOC_STACKS, /* struct hp_alloc_stack_rec: row i counts the allocations of stack i */
	HP_T_COUNT,
	HP_T_MAX = 16 /* slots reserved in the header */
};

/* Descriptor of one table. Rows are claimed with an atomic fetch-add on `claimed`; a row whose
 * claim lands at or past `capacity` is dropped and counted in `overflow`. A row is published
 * when its key field (documented per row) becomes non-zero with release ordering; readers skip
 * rows whose key is still zero. */
struct hp_table {
	uint64_t offset;   /* byte offset of row 0 */
	uint32_t row_size; /* bytes per row */
	uint32_t capacity; /* rows */
	uint32_t claimed;  /* rows claimed so far (may exceed capacity: clamp) */
	uint32_t backed;   /* writer's: rows whose pages are reserved in /dev/shm. When no more
			      * can be reserved, capacity drops to it (the table is full) */
	uint64_t overflow; /* rows refused because the table was full */
};

struct hp_region_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size; /* sizeof(struct hp_region_header) of the writer */
	uint64_t region_size; /* bytes, the file size */
	uint64_t session;     /* HOTPATH_SESSION of the launching `hotpath run`, 0 if none */

	int32_t pid;
	int32_t ppid;
	uint64_t proc_start_ticks; /* field 22 of /proc/pid/stat: tells a reused pid apart */
	uint32_t state;		   /* enum hp_state */
	int32_t exit_status;	   /* valid when state == HP_STATE_EXITED */
	int32_t term_signal;	   /* valid when state == HP_STATE_SIGNALED */
	uint32_t modes;		   /* enum hp_mode */
	uint32_t flags;		   /* enum hp_region_flag (atomic or) */
	uint32_t exec_count;	   /* images of this pid before this one (HOTPATH_EXEC_GEN) */

	int64_t start_realtime_ns; /* CLOCK_REALTIME at region creation */
	int64_t start_mono_ns;	   /* CLOCK_MONOTONIC at region creation */
	int64_t end_mono_ns;	   /* CLOCK_MONOTONIC at exit/exec, 0 while running */

	/* Timestamp calibration: ticks come from the arch layer's tick source (preload/arch/arch.h;
	 * the TSC on x86-64). Two (ticks, CLOCK_MONOTONIC ns) pairs taken
	 * by the writer; a live reader may pair clock_t0 with its own reading instead of t1. */
	uint64_t ticks_t0, mono_t0;
	uint64_t ticks_t1, mono_t1; /* written at exit; 0 while running */

	/* main(): wrapped through __libc_start_main, so known even when not instrumented. */
	uint64_t main_addr;
	uint64_t main_start_ticks;
	uint64_t main_end_ticks; /* 0 until main returns or exit() is called */
	int32_t main_tid;
	uint32_t reserved0;

	uint64_t dropped;	  /* everything dropped for lack of room, summed (relaxed atomic) */
	uint64_t depth_overflow;  /* calls not timed because a shadow stack was full */
	uint64_t unmatched_exits; /* exits whose entry was not on the shadow stack */

	/* Memory totals that need a process-wide view (HP_MODE_ALLOC); per-thread counters are in
	 * the thread rows. live and peak are relaxed atomics. */
	int64_t live_bytes;
	int64_t peak_live_bytes;
	/* alloc.c: allocations and frees made where no thread row could take them (before
	 * start-up finished, after a thread's end), relaxed atomics. Process totals = these + the
	 * sum of the thread rows. */
	struct hp_alloc_counts orphan_alloc;
	/* alloc_stacks.c (HP_MODE_ALLOC_STACKS): the process's live bytes when the per-stack
	 * peak_bytes were last taken (the peak so far, within a 64th), and the allocations whose
	 * stack was recorded shorter (a prefix, or the empty stack 0) because the stack table was
	 * full. Relaxed atomics. */
	int64_t stacks_peak_live;
	uint64_t alloc_stacks_dropped;

	uint32_t argc;
	uint32_t cmdline_len;  /* bytes used in cmdline: argc NUL-terminated strings back to back */
	char exe[HP_PATH_MAX]; /* /proc/self/exe at start */
	char cmdline[HP_CMDLINE_MAX]; /* truncated at a string boundary if too long */

	struct hp_table tables[HP_T_MAX];
	/* sample.c: CPU sampling (HP_MODE_SAMPLE). sample_hz is the rate asked for (samples per
	 * second of a thread's CPU time); sample_state an enum hp_sample_state. Relaxed atomics:
	 * samples_lost counts timer expiries not recorded (re-entered unwinder, no thread state,
	 * full per-thread table), stacks_folded the samples recorded as a shorter prefix because
	 * the stack table was full (allocations count theirs in alloc_stacks_dropped). */
	uint32_t sample_hz;
	uint32_t sample_state;
	uint64_t samples_lost;
	uint64_t stacks_folded;
	uint32_t module_epoch; /* modules unloaded so far (dlclose); relaxed atomic */
	/* funcs.c: the HP_T_THREADS row + 1 (0: none yet) that threads ending after the table was
	 * half full fold into (state HP_THREAD_FOLDED), and how many did; their rows are reused. */
	uint32_t thread_fold_row;
	/* funcs.c: capacity asked for the tree (HOTPATH_TREE_NODES; the table may be smaller). */
	uint64_t tree_nodes_wanted;
	uint64_t threads_folded; /* relaxed atomic */
	/* locks.c: which exclusive holds are timed: 0 none (HP_MODE_NO_HOLD), 1 every one, N the
	 * first of each lock and every N-th after it (HP_LOCK_HOLD_DEFAULT unless asked). */
	uint32_t lock_hold_every;
	uint32_t reserved1;
	uint64_t reserved[23];
	/* patch.c: time spent patching (constructor and dlopen sessions, ns) and the sessions. */
	uint64_t patch_startup_ns;
	uint64_t patch_sessions;
};

/* HP_T_MODULES: a loaded ELF object, so a reader can symbolize after the process is gone.
 * Key: `end` (non-zero once published). */
struct hp_module_rec {
	uint64_t bias;	/* load bias: runtime address = file vaddr + bias */
	uint64_t start; /* lowest runtime address of its PT_LOAD segments */
	uint64_t end;	/* one past the highest */
	uint32_t flags; /* HP_MOD_* */
	uint32_t build_id_len;
	uint8_t build_id[32];
	char path[HP_PATH_MAX];
	/* Module generations: a library unloaded (dlclose) and another loaded at its address are
	 * two rows. load_epoch is the header's module_epoch when the row was made; unload_epoch
	 * the epoch its dlclose started (0 while loaded). A function row of epoch e belongs to
	 * the module with load_epoch <= e < unload_epoch (or still loaded). */
	uint32_t load_epoch;
	uint32_t unload_epoch;
};
enum { HP_MOD_EXE = 1u << 0, HP_MOD_DLOPENED = 1u << 1, HP_MOD_VDSO = 1u << 2 };

/* HP_T_TREE: one node per (thread, parent node, function): the calling-context tree that the
 * shadow stack walks (funcs.c). Single writer: the owning thread. Key: `fn`. A node's parent is
 * always claimed before it, so `parent` < own row + 1. Direct recursion (f calling f) stays in
 * f's node: `calls` counts every entry, `total_ticks` only the outermost frame's time. Self
 * time is not stored: it is total minus the children's totals (docs/semantics.md). */
struct hp_tree_node {
	uint64_t fn;	      /* function entry address */
	uint32_t parent;      /* row + 1 of the parent node; 0 for a root (outermost timed frame) */
	uint32_t thread;      /* row in HP_T_THREADS */
	uint64_t calls;	      /* entries on this path (recursive ones included) */
	uint64_t total_ticks; /* inclusive duration of completed calls on this path */
	uint64_t pad[4];      /* 64 bytes, a cache line each: two threads' nodes of one function,
			       * claimed together, shared a line and doubled the 2-thread call cost */
};
_Static_assert(sizeof(struct hp_tree_node) == 64, "a tree node is a cache line");

/* HP_T_THREADS: one per thread that ever ran a hook. Written by the thread itself, except
 * where noted. Key: `tid`. Once the table is half full, a thread that ends adds its counters to
 * the fold row (tid -1, state HP_THREAD_FOLDED, relaxed atomics, header thread_fold_row) and
 * its row is cleared and reused by a thread that starts later (docs/region.md). */
struct hp_thread_rec {
	int32_t tid;
	uint32_t state; /* 1 running, 2 exited */
	char name[HP_THREAD_NAME_MAX];
	uint64_t start_routine; /* address given to pthread_create, 0 for the main thread */
	int64_t start_mono_ns;
	int64_t end_mono_ns;
	uint64_t cpu_user_ns; /* final values, captured at thread exit */
	uint64_t cpu_sys_ns;
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t lock_wait_ticks; /* blocked acquiring locks and in condition waits */
	uint64_t io_block_ticks;  /* blocked in channel and read/write calls */
	uint64_t fstat_rows;	  /* hp_fstat rows this thread claimed */
	/* alloc.c: allocations and frees made while no function was on this thread's stack: the
	 * "(outside measured functions)" row. */
	struct hp_alloc_counts outside_alloc;
	int64_t peak_live_est; /* alloc.c: the process's live bytes at their highest as this
				* thread saw them (exact with one thread; see docs/memory.md) */
	uint64_t cpu_samples;  /* sample.c: CPU samples taken on this thread */
	uint64_t cpu_ns;       /* the thread's CPU clock (user + sys, ns) at its end, or 0 */
	/* locks.c, chan.c: the blocking call this thread is inside now, so that a reader counts a
	 * wait still in progress up to its own "now" (the exit, or a live snapshot). The thread
	 * writes wait_object and wait_kind, then wait_since_ticks (release); it clears
	 * wait_since_ticks when the call returns. 0 while not blocked. */
	uint64_t wait_since_ticks;
	uint64_t wait_object; /* HP_WAIT_LOCK/COND: the object's address (its HP_T_LOCKS key);
			       * HP_WAIT_CHAN_*: channel row; HP_WAIT_IO_*: HP_IO_* kind or 0 */
	uint32_t wait_kind;   /* HP_WAIT_* */
	uint32_t wait_reserved;
	uint64_t calls; /* funcs.c: calls on this thread that had a statistics row */
	/* funcs.c: calls whose tree node could not be claimed (node table or the thread's node
	 * cache full): counted in tree_fold.calls, their time stays in the parent node's self
	 * time. Laid out as a node so that the hook counts them without a branch. */
	struct hp_tree_node tree_fold;
};
enum { HP_THREAD_RUNNING = 1, HP_THREAD_EXITED = 2, HP_THREAD_FOLDED = 3 };
enum {
	HP_WAIT_LOCK = 1,
	HP_WAIT_COND,
	HP_WAIT_CHAN_IN,
	HP_WAIT_CHAN_OUT,
	HP_WAIT_IO_IN,
	HP_WAIT_IO_OUT
};

/* HP_T_HIST: 32 buckets (half an octave) of one fstat row's histogram, reached only through
 * hp_fstat.hist_chunk; written by the row's thread only. */
#define HP_HIST_CHUNK (HP_HIST_SUB / 2) /* buckets per chunk */
#define HP_HIST_CHUNKS (HP_HIST_BUCKETS / HP_HIST_CHUNK)
#define HP_HIST_CHUNK_NONE UINT32_MAX
struct hp_hist_chunk {
	uint64_t count[HP_HIST_CHUNK];
};

/* HP_T_FSTATS: statistics of one function on one thread (single writer: that thread). When a
 * thread ends, its rows (with its caches and tree nodes) are handed to the next thread that
 * starts, which goes on counting in them: `thread` is the first owner. Key: `addr`. Durations
 * in ticks. */
struct hp_fstat {
	uint64_t addr;	      /* function entry address */
	uint32_t thread;      /* row in HP_T_THREADS */
	uint32_t kind;	      /* HP_FN_INSTRUMENTED or HP_FN_PATCHED */
	uint64_t calls;	      /* entries */
	uint64_t completed;   /* returns seen (calls left by longjmp or exit are not completed) */
	uint64_t sum_ticks;   /* inclusive duration summed over completed calls */
	uint64_t total_ticks; /* inclusive duration of outermost calls only: recursion counted once */
	uint64_t self_ticks; /* exclusive: each completed call's duration minus its timed callees' */
	uint64_t min_ticks;  /* over completed calls; UINT64_MAX when none */
	uint64_t max_ticks;
	uint32_t active; /* frames of this function on the thread's stack now */
	uint32_t epoch;	 /* module epoch when claimed (see hp_module_rec.load_epoch) */
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes; /* attributed (see modes) */
	/* alloc.c, the leak hint: blocks allocated while this function was the innermost frame
	 * (count, bytes), and how many of those were freed: by this thread (plain adds) and by
	 * other threads (relaxed atomics). Live at exit = own - freed - remote_freed. */
	uint64_t own_alloc_count, own_alloc_bytes;
	uint64_t own_freed_count, own_freed_bytes;
	uint64_t own_remote_freed_count, own_remote_freed_bytes;
	/* Completed calls' durations, log-linear in ticks (hp/hist.h), grown half an octave at a
	 * time: hist_chunk[k] is the HP_T_HIST row + 1 that counts buckets [32 k, 32 k + 32), 0
	 * while no call fell there, HP_HIST_CHUNK_NONE when the chunk table was full (those calls
	 * are completed but in no bucket). Written once, by the owning thread, before the first
	 * count in that chunk. */
	uint32_t hist_chunk[HP_HIST_CHUNKS + 2]; /* the last two: padding */
};
enum { HP_FN_INSTRUMENTED = 1, HP_FN_PATCHED = 2, HP_FN_MAIN_WRAPPER = 3 };

/* HP_T_CHANNELS: a pipe, FIFO, message queue, socketpair or eventfd. Shared by the threads
 * that use it: counters are relaxed atomics. Key: `created_mono_ns`. */
struct hp_chan_dir {
	uint64_t messages; /* calls that moved data */
	uint64_t bytes;
	uint64_t blocked_ticks; /* time inside the calls */
	uint64_t max_transfer;
};
struct hp_channel_rec {
	int64_t created_mono_ns;
	int64_t closed_mono_ns;
	uint32_t kind;	      /* HP_CHAN_* */
	uint32_t state;	      /* HP_CHST_* bits */
	int32_t fd[2];	      /* read end / write end (-1 when none) */
	uint64_t create_site; /* return address of the creating call */
	uint64_t capacity;    /* bytes (pipe) or messages (mqueue) */
	uint64_t queued_max;
	struct hp_chan_dir dir[2]; /* [0] in: read/receive, [1] out: write/send */
	char label[HP_LABEL_MAX];  /* path of a FIFO, name of a queue */
	uint64_t reserved[8];
};
enum { HP_CHAN_PIPE = 1, HP_CHAN_FIFO, HP_CHAN_MQUEUE, HP_CHAN_SOCKETPAIR, HP_CHAN_EVENTFD };
enum { HP_CHST_READER_CLOSED = 1u << 0, HP_CHST_WRITER_CLOSED = 1u << 1, HP_CHST_FULL = 1u << 2 };

/* HP_T_LOCKS: one per lock object. Key: `addr`. */
struct hp_lock_rec {
	uint64_t addr;
	uint32_t kind;	     /* HP_LOCK_* */
	uint32_t hold_depth; /* locks.c: nesting of the current exclusive holder (recursive mutex) */
	uint64_t init_site;  /* return address of init or first use */
	uint64_t acquisitions, contended;
	uint64_t wait_ticks, max_wait_ticks;
	uint64_t hold_ticks, max_hold_ticks;
	uint64_t cond_waits, cond_wait_ticks, cond_signals;
	uint64_t held_since; /* locks.c: ticks when the current timed hold began (holder writes) */
	/* Hold sampling (docs/dataflow.md "Hold time"), written by the exclusive holder:
	 * `holds` counts the write locks of a rwlock (a mutex's or spin lock's holds are its
	 * acquisitions), `hold_samples` the timed holds that ended (hold_ticks and max_hold_ticks
	 * sum and max those), `hold_owner` identifies the thread of the timed hold in progress
	 * (0: none; with hold_depth), and the hold that makes the count (acquisitions, or holds
	 * for a rwlock) reach `hold_next` is timed next. */
	uint64_t holds, hold_samples;
	uint64_t hold_owner;
	uint64_t hold_next;
	uint64_t reserved[3];
};
enum { HP_LOCK_MUTEX = 1, HP_LOCK_RWLOCK, HP_LOCK_COND, HP_LOCK_SPIN, HP_LOCK_SEM };
/* The default of hp_region_header.lock_hold_every: a prime, so that a lock whose holds follow
 * a short cycle (two threads taking turns, a loop of 2, 4 or 8 steps) is sampled in every
 * phase of it (docs/dataflow.md). */
#define HP_LOCK_HOLD_DEFAULT 17

/* HP_T_IO: read/write totals on fds that are not channels, one row per kind (row index = kind).
 * Key: `kind`. */
struct hp_io_rec {
	uint32_t kind; /* HP_IO_* */
	uint32_t reserved0;
	struct hp_chan_dir dir[2]; /* [0] read, [1] write */
	uint64_t reserved[4];
};
enum {
	HP_IO_FILE = 1,
	HP_IO_TCP,
	HP_IO_UDP,
	HP_IO_UNIX,
	HP_IO_TTY,
	HP_IO_PIPE,
	HP_IO_OTHER,
	HP_IO_KINDS
};

/* HP_T_PATCH: one per function selected for patching. Key: `addr`. */
struct hp_patch_rec {
	uint64_t addr;
	uint32_t module; /* row in HP_T_MODULES */
	int32_t status;	 /* 0 patched, else a HP_PATCH_* reason */
	char name[HP_LABEL_MAX];
	char detail[64];
};

/* HP_T_STACKS: one interned call stack (stacks.c, hp_stack_intern). Its frames are
 * `depth` entries of HP_T_STACK_FRAMES from row `first`, OUTERMOST FIRST: frames[0] is the
 * outermost caller found (usually _start or clone), frames[depth - 1] the innermost. The
 * innermost frame is the exact address where the thread was (a sampled PC, or a caller's return
 * address for stacks taken by a hook); every other frame is a return address minus one, an
 * address inside the call instruction, so symbolizing it gives the calling line. Key: `hash`
 * (never 0). The stack id used by the counting tables is the row index; row 0 is the empty
 * stack, which stands for "stack table full" (see docs/region.md). */
struct hp_stack_rec {
	uint64_t hash;	/* of the frames; bit 0 always set */
	uint32_t first; /* row of frames[0] in HP_T_STACK_FRAMES */
	uint16_t depth; /* frames */
	uint16_t flags; /* HP_STACK_* */
};
enum {
	HP_STACK_TRUNCATED =
		1u << 0,	/* deeper than HP_STACK_DEPTH_MAX: the outermost part is lost */
	HP_STACK_CUT = 1u << 1, /* the unwinder stopped early (no unwind info) */
};
#define HP_STACK_DEPTH_MAX 128

/* HP_T_ALLOC_STACKS (HP_MODE_ALLOC_STACKS): the allocations made with one call stack. Row i
 * belongs to stack id i (a row of HP_T_STACKS; the table has as many rows), so no key: a row
 * of zeros is a stack that allocated nothing (a CPU sample's, or none yet). Stacks are taken
 * at the allocating call (alloc_stacks.c): every frame, the innermost included, is a return
 * address minus one, and the allocator's own frames are left out. Shared by every thread:
 * relaxed atomic adds. Live = alloc - free. */
struct hp_alloc_stack_rec {
	uint64_t alloc_count, alloc_bytes; /* allocations made with this stack, bytes asked for */
	uint64_t free_count, free_bytes;   /* of those, freed (by any thread) */
	uint64_t temporary_count; /* freed by the allocating thread with no allocation between */
	int64_t peak_bytes;	  /* its live bytes when the process's peak was last taken */
	uint64_t reserved[2];
};
/* HP_T_CPU_SAMPLES: samples of one stack on one thread. Written by that thread only (its
 * signal handler). Key: `stack1`. */
struct hp_cpu_sample_rec {
	uint32_t stack1;  /* stack id + 1 */
	uint32_t thread;  /* row in HP_T_THREADS */
	uint64_t samples; /* signals taken (one per signal, however many expiries it stands for) */
};

enum hp_sample_state {
	HP_SAMPLE_OFF = 0, /* not asked for (--no-sample) */
	HP_SAMPLE_ON = 1,
	HP_SAMPLE_ASIDE = 2,	 /* stepped aside: the program uses SIGPROF itself */
	HP_SAMPLE_NO_UNWIND = 3, /* libunwind could not be loaded */
};

/* The row size of each table, as readers check it (a helper, not part of the layout). */
static inline uint32_t hp_table_row_size(int t)
{
	static const uint32_t sizes[HP_T_COUNT] = {
		[HP_T_MODULES] = sizeof(struct hp_module_rec),
		[HP_T_THREADS] = sizeof(struct hp_thread_rec),
		[HP_T_FSTATS] = sizeof(struct hp_fstat),
		[HP_T_CHANNELS] = sizeof(struct hp_channel_rec),
		[HP_T_LOCKS] = sizeof(struct hp_lock_rec),
		[HP_T_IO] = sizeof(struct hp_io_rec),
		[HP_T_PATCH] = sizeof(struct hp_patch_rec),
		[HP_T_STACKS] = sizeof(struct hp_stack_rec),
		[HP_T_STACK_FRAMES] = sizeof(uint64_t),
		[HP_T_STACK_INDEX] = sizeof(uint32_t),
		[HP_T_CPU_SAMPLES] = sizeof(struct hp_cpu_sample_rec),
		[HP_T_TREE] = sizeof(struct hp_tree_node),
		[HP_T_HIST] = sizeof(struct hp_hist_chunk),
		[HP_T_ALLOC_STACKS] = sizeof(struct hp_alloc_stack_rec),
	};
	return t >= 0 && t < HP_T_COUNT ? sizes[t] : 0;
}

#endif
