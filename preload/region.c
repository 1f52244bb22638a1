/* region.c - the writer's side of the shared-memory region: create it in /dev/shm, lay out its
 * tables, record the loaded modules, claim rows, and mark how the process image ended. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int64_t hp_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Fixed-capacity tables first; the per-(thread, function) statistics take what is left. */
static const struct {
	uint32_t row_size, capacity;
} fixed_tables[HP_T_COUNT] = {
	[HP_T_MODULES] = {sizeof(struct hp_module_rec), 512},
	[HP_T_THREADS] = {sizeof(struct hp_thread_rec), 4096},
	[HP_T_FSTATS] = {sizeof(struct hp_fstat), 0},
	[HP_T_CHANNELS] = {sizeof(struct hp_channel_rec), 2048},
	[HP_T_LOCKS] = {sizeof(struct hp_lock_rec), 8192},
	[HP_T_IO] = {sizeof(struct hp_io_rec), HP_IO_KINDS},
	[HP_T_PATCH] = {sizeof(struct hp_patch_rec), 16384},
	/* stacks.c: sized from the region (stack_capacity) */
	[HP_T_STACKS] = {sizeof(struct hp_stack_rec), 0},
	[HP_T_STACK_FRAMES] = {sizeof(uint64_t), 0},
	[HP_T_STACK_INDEX] = {sizeof(uint32_t), 0},
	[HP_T_CPU_SAMPLES] = {sizeof(struct hp_cpu_sample_rec), 0},
	[HP_T_TREE] = {sizeof(struct hp_tree_node), 0},	 /* hp_g.tree_nodes */
	[HP_T_HIST] = {sizeof(struct hp_hist_chunk), 0}, /* with HP_T_FSTATS: what is left */
	/* alloc_stacks.c: a row per stack row, only when allocation stacks are recorded */
	[HP_T_ALLOC_STACKS] = {sizeof(struct hp_alloc_stack_rec), 0},
};

/* HP_T_FSTATS and HP_T_HIST share the span the other tables leave (docs/region.md "Compact
 * statistics rows"): rows are laid from its start up, chunks from its end down, and every claim
 * of either first takes its bytes from the span's budget, so neither has a fixed share and they
 * never meet. Reset with each region (the constructor, a forked child). */
static uint64_t pool_used, pool_bytes;

#define HP_STACK_PLAN_MIN (64ull << 20) /* bytes: the region the stack tables are planned for */

static int pool_take(uint32_t bytes)
{
	return __atomic_fetch_add(&pool_used, bytes, __ATOMIC_RELAXED) + bytes <= pool_bytes;
}

/* The stack tables take about an eighth of the region up to 64 MiB: frames a sixteenth (512 Ki
 * frames in 64 MiB), a stack row per 8 frames, an index twice that (a power of two), sample rows
 * as many as stacks. Past 64 MiB they are planned for a quarter of region_size, at least 64 MiB
 * (the same tables at the 256 MiB default, 4x at 1 GiB): the index is reserved whole at the
 * first stack, and a larger one would cost every sampled process in /dev/shm. tmpfs backs only
 * the pages touched. */
static uint32_t stack_capacity(int t, uint64_t size)
{
	uint64_t plan = size / 4 > HP_STACK_PLAN_MIN ? size / 4 : HP_STACK_PLAN_MIN;
	plan = size < plan ? size : plan;
	uint64_t frames = plan / 16 / sizeof(uint64_t), stacks = frames / 8, index = 1024;
	while (index < stacks * 2)
		index *= 2;
	switch (t) {
	case HP_T_STACKS: return (uint32_t)stacks;
	case HP_T_STACK_FRAMES: return (uint32_t)frames;
	case HP_T_STACK_INDEX: return (uint32_t)index;
	case HP_T_CPU_SAMPLES: return (uint32_t)stacks;
	case HP_T_ALLOC_STACKS: return hp_g.modes & HP_MODE_ALLOC_STACKS ? (uint32_t)stacks : 1;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Space of a region is reserved before it is written: a tmpfs page that cannot be backed turns
 * the first write to it into SIGBUS in the profiled program (and a reader's read into SIGBUS in
 * the reader). Reserving all of a 64 MiB region up front costs 25-150 ms per process here (and
 * per fork), so the header is reserved at creation and each table in chunks as rows are
 * claimed, a chunk ahead of the rows in use (MADV_POPULATE_WRITE allocates the pages or fails
 * with EFAULT instead of a later SIGBUS). A kernel without it (before 5.14) gets the whole file
 * reserved once with posix_fallocate. docs/run.md: when /dev/shm is full. */
#define HP_BACK_MIN (16u << 10) /* bytes: the smallest chunk reserved at a time */
/* bytes: the largest chunk (doubling past it left up to half of a large table reserved and
 * unused: 64 MB for a 43 MB table) */
#define HP_BACK_MAX (1u << 20)
#define HP_BACK_AHEAD 16u /* rows reserved ahead of the last claimed one */
static int reserve_all;	  /* MADV_POPULATE_WRITE unsupported: everything reserved */

/* Reserve the pages of table t up to at least row `upto` (exclusive), counted from its end when
 * `down` (HP_T_HIST). Returns 0 or -errno; errno is kept. Async-signal-safe: a hook in a signal
 * handler may claim a row. */
static int table_back_dir(struct hp_region_header *h, struct hp_table *t, uint32_t upto, int down)
{
	uint32_t backed = __atomic_load_n(&t->backed, __ATOMIC_ACQUIRE);
	if (upto <= backed || reserve_all)
		return 0;
	uint64_t have = (uint64_t)backed * t->row_size;
	uint64_t want = (uint64_t)upto * t->row_size;
	uint64_t grow = have > HP_BACK_MIN ? have : HP_BACK_MIN;
	grow = grow < HP_BACK_MAX ? grow : HP_BACK_MAX;
	uint64_t cap = (uint64_t)t->capacity * t->row_size;
	want = want > have + grow ? want : have + grow;
	want = want < cap ? want : cap;
	uint64_t end = t->offset + cap;
	uint64_t lo = down ? (end - want) & ~4095ull : (t->offset + have) & ~4095ull;
	uint64_t hi = align_up(down ? end - have : t->offset + want, 4096);
	hi = hi < h->region_size ? hi : h->region_size;
	/* Not the hp_own bracket: a signal handler running here must keep its hooks (its
	 * allocations counted). A patched madvise (--functions 'libc.so*:*') or a handler that
	 * claims re-enters this on the same thread: it finds `backing` set and relies on the rows
	 * already reserved (the claim reserves HP_BACK_AHEAD rows ahead). */
	static __thread int backing __attribute__((tls_model("initial-exec")));
	if (backing)
		return 0;
	backing = 1;
	int saved = errno, rc = 0;
	if (hi > lo && madvise((char *)h + lo, hi - lo, MADV_POPULATE_WRITE) < 0)
		rc = errno == EFAULT ? -ENOSPC : -errno;
	errno = saved;
	backing = 0;
	if (rc < 0)
		return rc;
	uint64_t rows = down ? (end - (lo > t->offset ? lo : t->offset)) / t->row_size
			     : (hi - t->offset) / t->row_size;
	uint32_t n = rows < t->capacity ? (uint32_t)rows : t->capacity;
	while (backed < n && !__atomic_compare_exchange_n(&t->backed, &backed, n, 1,
							  __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	return 0;
}

static int table_back(struct hp_region_header *h, struct hp_table *t, uint32_t upto)
{
	return table_back_dir(h, t, upto, 0);
}

/* At creation: reserve the header's pages, or (old kernel) the whole file. */
static int reserve_start(struct hp_region_header *h, int fd, uint64_t size)
{
	if (madvise(h, align_up(sizeof(*h), 4096), MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return errno == EFAULT ? -ENOSPC : -errno; /* EFAULT: it would have been SIGBUS */
	reserve_all = 1;
	return -posix_fallocate(fd, 0, (off_t)size);
}

/* The region size for which fixed_tables' capacities are given. */
#define HP_FIXED_PER (64ull << 20)

static int layout_tables(struct hp_region_header *h, uint64_t size)
{
	uint64_t off = align_up(sizeof(*h), 4096), fixed = 0, num = 1, den = 1;
	for (int t = 0; t < HP_T_COUNT; t++)
		fixed += (uint64_t)fixed_tables[t].row_size * fixed_tables[t].capacity + 64;
	if (fixed > (size - off) / 2) {
		/* A small region_size (--region-size 4): the fixed tables shrink in proportion
		 * to half of it, the function statistics get the rest. */
		num = (size - off) / 2;
		den = fixed;
	} else if (size > HP_FIXED_PER) {
		/* A larger one: they grow with it (4,096 live threads per 64 MiB), so that raising
		 * region_size helps whichever table is full. Pages are reserved as rows are claimed:
		 * a larger table costs nothing until used. */
		num = size / HP_FIXED_PER;
	}
	for (int t = 0; t < HP_T_COUNT; t++) {
		if (t == HP_T_FSTATS || t == HP_T_HIST)
			continue;
		uint64_t cap = t == HP_T_IO		  ? HP_IO_KINDS
			       : fixed_tables[t].capacity ? fixed_tables[t].capacity * num / den
							  : stack_capacity(t, size);
		if (t == HP_T_TREE) /* hp_g.tree_nodes, at most an eighth of the region */
			cap = hp_g.tree_nodes < size / 8 / sizeof(struct hp_tree_node)
				      ? hp_g.tree_nodes
				      : size / 8 / sizeof(struct hp_tree_node);
		h->tables[t].offset = off;
		h->tables[t].row_size = fixed_tables[t].row_size;
		h->tables[t].capacity = (uint32_t)(cap ? cap : 1);
		off = align_up(off + (uint64_t)fixed_tables[t].row_size * h->tables[t].capacity,
			       64);
	}
	off = align_up(off, 4096);
	uint64_t chunks = off < size ? (size - off) / sizeof(struct hp_hist_chunk) : 0;
	if (chunks < 16)
		return -ENOSPC;
	pool_used = 0;
	pool_bytes = chunks * sizeof(struct hp_hist_chunk);
	h->tables[HP_T_FSTATS].offset = off;
	h->tables[HP_T_FSTATS].row_size = sizeof(struct hp_fstat);
	h->tables[HP_T_FSTATS].capacity = (uint32_t)(pool_bytes / sizeof(struct hp_fstat));
	h->tables[HP_T_HIST].offset = off;
	h->tables[HP_T_HIST].row_size = sizeof(struct hp_hist_chunk);
	h->tables[HP_T_HIST].capacity = (uint32_t)chunks;
	int rc = table_back(h, &h->tables[HP_T_IO], HP_IO_KINDS); /* rows written now */
	/* The stack tables reserve as they are used (hp_table_reserve in stacks.c, the samples
	 * through hp_table_claim); row 0 of the stacks is written now. */
	if (rc == 0)
		rc = table_back(h, &h->tables[HP_T_STACKS], 1);
	if (rc == 0)
		rc = table_back(h, &h->tables[HP_T_ALLOC_STACKS],
				h->tables[HP_T_ALLOC_STACKS].capacity);
	if (rc < 0)
		return rc;
	for (int k = 0; k < HP_IO_KINDS; k++) {
		struct hp_io_rec *io = hp_table_row(h, HP_T_IO, (uint32_t)k);
		io->kind = (uint32_t)k;
	}
	h->tables[HP_T_IO].claimed = HP_IO_KINDS;
	/* Stack row 0: the empty stack, where samples go when the stack table is full. */
	struct hp_stack_rec *s0 = hp_table_row(h, HP_T_STACKS, 0);
	s0->hash = 1;
	h->tables[HP_T_STACKS].claimed = 1;
	/* Allocation stack rows are indexed by stack id: all of them are in use. */
	h->tables[HP_T_ALLOC_STACKS].claimed = h->tables[HP_T_ALLOC_STACKS].capacity;
	return 0;
}

/* Copy argv from /proc/self/cmdline (NUL-separated) into the header. */
static void record_cmdline(struct hp_region_header *h)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, h->cmdline, sizeof(h->cmdline) - 1);
	close(fd);
	if (n <= 0)
		return;
	/* Truncated: cut at the last complete string. */
	while (n > 0 && h->cmdline[n - 1] != 0 && n == (ssize_t)sizeof(h->cmdline) - 1)
		h->cmdline[--n] = 0;
	uint32_t argc = 0;
	for (ssize_t i = 0; i < n; i++)
		if (h->cmdline[i] == 0)
			argc++;
	h->argc = argc;
	h->cmdline_len = (uint32_t)n;
	ssize_t e = readlink("/proc/self/exe", h->exe, sizeof(h->exe) - 1);
	if (e > 0)
		h->exe[e] = 0;
}

static void calibrate_start(struct hp_region_header *h)
{
	/* Bracket the TSC read by two clock reads and take the midpoint. */
	int64_t m0 = hp_mono_ns();
	uint64_t t = hp_ticks();
	int64_t m1 = hp_mono_ns();
	h->ticks_t0 = t;
	h->mono_t0 = (uint64_t)(m0 + (m1 - m0) / 2);
}

/* Create the region file at `path` of *size_io bytes (made smaller to fit the free space of
 * /dev/shm: region_size is a ceiling), map and reserve it and lay out its tables. One
 * clean-up path: when a step fails the file goes again. Returns 0 with *out mapped, or -errno. */
static int region_file_new(const char *path, uint64_t *size_io, struct hp_region_header **out)
{
	uint64_t size = *size_io;
	struct statvfs sv;
	if (statvfs(HP_REGION_DIR, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < size) {
		/* region_size is a ceiling: the file is sparse and its pages are reserved as
		 * tables fill (table_back), so a region larger than the free space would only end
		 * its tables early. Make it no larger than that space (whole MiB), so that the
		 * fixed tables keep their proportions; refuse below the minimum. */
		uint64_t room = ((uint64_t)sv.f_bavail * sv.f_frsize) & ~((1ull << 20) - 1);
		if (room < HP_REGION_MIN) {
			hp_debug("%s has too little free space for a region (%lu bytes)",
				 HP_REGION_DIR, (unsigned long)room);
			return -ENOSPC;
		}
		size = room;
	}
	*size_io = size;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		hp_debug("cannot create %s: errno %d", path, e);
		return -e;
	}
	const char *step = "size";
	void *m = MAP_FAILED;
	int rc = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	if (rc == 0) {
		step = "map";
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		rc = m == MAP_FAILED ? -errno : 0;
	}
	if (rc == 0) {
		step = "reserve";
		struct hp_region_header *h = m;
		h->region_size = size; /* before any table_back: it clamps to region_size */
		rc = reserve_start(h, fd, size);
		if (rc == 0)
			rc = layout_tables(h, size);
	}
	close(fd);
	if (rc < 0) {
		if (m != MAP_FAILED)
			munmap(m, size);
		unlink(path);
		hp_debug("cannot %s %s in %s: errno %d", step, path, HP_REGION_DIR, -rc);
		return rc;
	}
	*out = m;
	return 0;
}

/* The header's identity, settings and start: everything but the magic, which goes last. */
static void fill_header(struct hp_region_header *h, uint64_t size, int pid, int64_t now)
{
	h->version = HP_REGION_VERSION;
	h->header_size = sizeof(*h);
	h->region_size = size;
	h->session = hp_g.session;
	h->pid = pid;
	h->ppid = (int)getppid();
	h->proc_start_ticks = hp_proc_start_ticks(pid);
	h->modes = hp_g.modes;
	h->lock_hold_every = hp_g.lock_hold_every;
	h->tree_nodes_wanted = hp_g.tree_nodes;
	h->flags = hp_g.session ? HP_FLAG_LAUNCHED : 0;
	h->exec_count = (uint32_t)hp_env_u64("HOTPATH_EXEC_GEN", 0);
	h->start_realtime_ns = realtime_ns();
	h->start_mono_ns = now;
	h->exit_status = -1;
	record_cmdline(h);
	calibrate_start(h);
	h->state = HP_STATE_STARTING;
}

/* A forked child: carry the parent's module list over (the child has the same mappings) into
 * the new region, hp_g.hdr already, and unmap the parent's. */
static void inherit_modules(struct hp_region_header *h, struct hp_region_header *old)
{
	struct hp_table *ot = &old->tables[HP_T_MODULES];
	uint32_t n = ot->claimed < ot->capacity ? ot->claimed : ot->capacity;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t row;
		struct hp_module_rec *dst = hp_table_claim(HP_T_MODULES, &row);
		if (!dst)
			break;
		hp_memcpy(dst, hp_table_row(old, HP_T_MODULES, i), sizeof(*dst));
	}
	h->module_epoch = old->module_epoch;
	munmap(old, old->region_size);
}

/* Create this image's region and map it. Called by the constructor (from_fork 0) and in a
 * forked child (from_fork 1, which unmaps the parent's mapping first). Returns 0 or -errno;
 * on failure hooks stay pass-through. */
int hp_region_create(int from_fork)
{
	struct hp_region_header *old = hp_g.hdr, *h = NULL;
	uint64_t size = hp_g.region_bytes;
	int pid = (int)getpid();
	int64_t now = hp_mono_ns();
	char path[sizeof(hp_g.path)];
	hp_snprintf(path, sizeof(path), "%s/%s%d-%ld", HP_REGION_DIR, HP_REGION_PREFIX, pid,
		    (long)now);
	int rc = region_file_new(path, &size, &h);
	if (rc < 0)
		return rc;
	fill_header(h, size, pid, now);
	hp_strlcpy(hp_g.path, path, sizeof(hp_g.path));
	hp_g.hdr = h;
	hp_g.hist = hp_table_row(h, HP_T_HIST, 0);
	hp_g.size = size;
	if (from_fork && old)
		inherit_modules(h, old);
	__atomic_store_n(&h->magic, HP_REGION_MAGIC, __ATOMIC_RELEASE);
	hp_debug("region %s (%lu bytes, %u function rows)", path, (unsigned long)size,
		 h->tables[HP_T_FSTATS].capacity);
	return 0;
}

static void *claim_refused(struct hp_region_header *h, struct hp_table *t)
{
	__atomic_fetch_add(&t->overflow, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->dropped, 1, __ATOMIC_RELAXED);
	return NULL;
}

int hp_table_reserve(int table, uint32_t upto)
{
	struct hp_region_header *h = hp_g.hdr;
	struct hp_table *t = &h->tables[table];
	if (HP_LIKELY(upto <= __atomic_load_n(&t->backed, __ATOMIC_ACQUIRE)) || reserve_all)
		return 0;
	int rc = table_back(h, t, upto < t->capacity ? upto : t->capacity);
	if (rc < 0)
		__atomic_fetch_or(&h->flags, HP_FLAG_SHM_FULL, __ATOMIC_RELAXED);
	return rc;
}

void *hp_table_claim(int table, uint32_t *row)
{
	struct hp_region_header *h = hp_g.hdr;
	struct hp_table *t = &h->tables[table];
	int down = table == HP_T_HIST, pooled = down || table == HP_T_FSTATS;
	if (pooled && !pool_take(t->row_size))
		return claim_refused(h, t);
	uint32_t i = __atomic_fetch_add(&t->claimed, 1, __ATOMIC_RELAXED);
	if (HP_UNLIKELY(i + HP_BACK_AHEAD >= __atomic_load_n(&t->backed, __ATOMIC_ACQUIRE)) &&
	    !reserve_all && table_back_dir(h, t, i + HP_BACK_AHEAD, down) < 0) {
		/* /dev/shm is full: the table ends at its reserved rows (a shrink readers and
		 * the other writers see as "full"), and this row is dropped unless reserved. A
		 * table laid from its end keeps its capacity (its row numbers count from it). */
		uint32_t b = __atomic_load_n(&t->backed, __ATOMIC_ACQUIRE), c = t->capacity;
		while (!down && b < c &&
		       !__atomic_compare_exchange_n(&t->capacity, &c, b, 1, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
		__atomic_fetch_or(&h->flags, HP_FLAG_SHM_FULL, __ATOMIC_RELAXED);
	}
	if (i >= __atomic_load_n(&t->capacity, __ATOMIC_ACQUIRE) ||
	    (!reserve_all && i >= __atomic_load_n(&t->backed, __ATOMIC_ACQUIRE)))
		return claim_refused(h, t);
	if (down)
		i = t->capacity - 1 - i;
	if (row)
		*row = i;
	return hp_table_row(h, table, i);
}

#define HP_MODULES_SEEN 4096 /* module rows hp_region_scan_unloaded looks at */

/* dl_iterate_phdr callback: add objects not yet in the table. Runs with the loader lock held;
 * allocates nothing. */
static int module_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct hp_region_header *h = hp_g.hdr;
	int dlopened = *(int *)arg;
	uint64_t lo = UINT64_MAX, hi = 0;
	const ElfW(Nhdr) *note = NULL;
	size_t note_len = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD) {
			uint64_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
			lo = s < lo ? s : lo;
			hi = e > hi ? e : hi;
		} else if (ph->p_type == PT_NOTE && !note) {
			note = (const void *)(info->dlpi_addr + ph->p_vaddr);
			note_len = ph->p_memsz;
		}
	}
	if (!hi)
		return 0;
	struct hp_table *t = &h->tables[HP_T_MODULES];
	uint32_t n = t->claimed < t->capacity ? t->claimed : t->capacity;
	for (uint32_t i = 0; i < n; i++) {
		struct hp_module_rec *m = hp_table_row(h, HP_T_MODULES, i);
		if (m->start == lo && m->bias == info->dlpi_addr && !m->unload_epoch)
			return 0;
	}
	struct hp_module_rec *m = hp_table_claim(HP_T_MODULES, NULL);
	if (!m)
		return 0;
	m->bias = info->dlpi_addr;
	m->start = lo;
	m->load_epoch = __atomic_load_n(&h->module_epoch, __ATOMIC_RELAXED);
	const char *name = info->dlpi_name;
	if (!name || !*name) {
		/* The executable (first object) or the vDSO. */
		if (n == 0) {
			hp_strlcpy(m->path, h->exe, sizeof(m->path));
			m->flags |= HP_MOD_EXE;
		} else {
			hp_strlcpy(m->path, "[vdso]", sizeof(m->path));
			m->flags |= HP_MOD_VDSO;
		}
	} else {
		hp_strlcpy(m->path, name, sizeof(m->path));
		if (hp_strncmp(name, "linux-vdso", 10) == 0)
			m->flags |= HP_MOD_VDSO;
	}
	if (dlopened)
		m->flags |= HP_MOD_DLOPENED;
	/* GNU build-id from the first PT_NOTE that has one. */
	for (size_t off = 0; note && off + sizeof(ElfW(Nhdr)) <= note_len;) {
		const ElfW(Nhdr) *nh = (const void *)((const char *)note + off);
		size_t name_sz = (nh->n_namesz + 3) & ~3u, desc_sz = (nh->n_descsz + 3) & ~3u;
		const unsigned char *desc = (const unsigned char *)(nh + 1) + name_sz;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && nh->n_descsz <= 32) {
			hp_memcpy(m->build_id, desc, nh->n_descsz);
			m->build_id_len = nh->n_descsz;
			break;
		}
		off += sizeof(*nh) + name_sz + desc_sz;
	}
	__atomic_store_n(&m->end, hi, __ATOMIC_RELEASE);
	(void)size;
	return 0;
}

void hp_region_scan_modules(int dlopened)
{
	if (!hp_g.hdr)
		return;
	dl_iterate_phdr(module_cb, &dlopened);
}

/* dl_iterate_phdr callback of hp_region_scan_unloaded: mark the rows of objects still here. */
static int present_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct hp_region_header *h = hp_g.hdr;
	uint8_t *seen = arg;
	struct hp_table *t = &h->tables[HP_T_MODULES];
	uint32_t n = t->claimed < t->capacity ? t->claimed : t->capacity;
	(void)size;
	for (uint32_t i = 0; i < n && i < HP_MODULES_SEEN; i++) {
		struct hp_module_rec *m = hp_table_row(h, HP_T_MODULES, i);
		if (m->bias == info->dlpi_addr && !m->unload_epoch)
			seen[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 0;
}

void hp_region_scan_unloaded(void)
{
	static int busy;
	struct hp_region_header *h = hp_g.hdr;
	uint8_t seen[HP_MODULES_SEEN / 8] = {0};
	if (!h || __atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		return; /* another thread's dlclose is looking: it sees ours too, or the next one */
	dl_iterate_phdr(present_cb, seen);
	struct hp_table *t = &h->tables[HP_T_MODULES];
	uint32_t n = t->claimed < t->capacity ? t->claimed : t->capacity,
		 epoch = h->module_epoch + 1;
	int gone = 0;
	for (uint32_t i = 0; i < n && i < HP_MODULES_SEEN; i++) {
		struct hp_module_rec *m = hp_table_row(h, HP_T_MODULES, i);
		if (m->unload_epoch || m->flags & (HP_MOD_EXE | HP_MOD_VDSO) || !m->end ||
		    seen[i / 8] & (1u << (i % 8)))
			continue;
		__atomic_store_n(&m->unload_epoch, epoch, __ATOMIC_RELEASE);
		gone = 1;
	}
	if (gone)
		__atomic_store_n(&h->module_epoch, epoch, __ATOMIC_RELEASE);
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

void hp_region_set_state(uint32_t state, int status)
{
	struct hp_region_header *h = hp_g.hdr;
	if (!h)
		return;
	if (state == HP_STATE_EXITED)
		h->exit_status = status;
	if (state == HP_STATE_EXITED || state == HP_STATE_EXECED) {
		int64_t m0 = hp_mono_ns();
		uint64_t t = hp_ticks();
		int64_t m1 = hp_mono_ns();
		h->ticks_t1 = t;
		h->mono_t1 = (uint64_t)(m0 + (m1 - m0) / 2);
		h->end_mono_ns = m1;
	} else {
		h->end_mono_ns = 0;
		h->ticks_t1 = h->mono_t1 = 0;
	}
	__atomic_store_n(&h->state, state, __ATOMIC_RELEASE);
}

void hp_region_unprofiled(uint64_t session, int err)
{
	char path[160];
	if (!session)
		return;
	int saved = errno;
	hp_snprintf(path, sizeof(path), "%s/%sunprofiled-%lu-%d-%d", HP_REGION_DIR,
		    HP_REGION_PREFIX, (unsigned long)session, (int)getpid(), err < 0 ? -err : err);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	errno = saved;
}
