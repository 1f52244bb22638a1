/* patch.c - time functions of an unmodified program: select them by pattern (HOTPATH_FUNCTIONS)
 * in every loaded module, and write a jump at their entry to a trampoline near them. Each call
 * is then timed from entry to return by patch_rt.c.
 *
 * Start-up (constructor, one thread) and dlopen (under our own lock) do the patching; decoding
 * uses capstone with an mmap-backed bump allocator (no malloc in here), and the launcher's
 * analysis when it left one (HOTPATH_PATCH_PLAN). */
#include <elf.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <capstone/capstone.h>

#include "internal.h"
#include "patch_int.h"
#include "arch/arch.h"
#include "hp/patch.h"
#include "hp/plan.h"

#define MODS_MAX 1024
#define SEGS_MAX 4
#define CANDS_MAX 16384
#define PATS_MAX 64
#define DEFAULT_CAP 5000

/* ---- capstone's memory: a bump allocator over one mapping, reset after each session ---- */

#define ARENA_SIZE (8u << 20)
static uint8_t *arena;
static size_t arena_used;

static void *cs_bump_malloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!arena || arena_used + n + 16 > ARENA_SIZE)
		return NULL;
	uint8_t *p = arena + arena_used;
	*(size_t *)p = n;
	arena_used += n + 16;
	return p + 16;
}

static void *cs_bump_calloc(size_t a, size_t b)
{
	if (b && a > (size_t)-1 / b)
		return NULL;
	void *p = cs_bump_malloc(a * b);
	if (p) /* memory given back by cs_bump_free is reused: not zero any more */
		for (size_t i = 0; i < a * b; i++)
			((uint8_t *)p)[i] = 0;
	return p;
}

static void *cs_bump_realloc(void *old, size_t n)
{
	void *p = cs_bump_malloc(n);
	if (p && old) {
		size_t on = *(size_t *)((uint8_t *)old - 16);
		hp_memcpy(p, old, on < n ? on : n);
	}
	return p;
}

/* Frees in reverse order of allocation give the memory back (cs_free of the instruction
 * hp_arch_plan allocates per function: its detail, then itself); others leak until the end of
 * the session. */
static void cs_bump_free(void *p)
{
	if (!p)
		return;
	uint8_t *h = (uint8_t *)p - 16;
	size_t n = *(size_t *)h;
	if ((uint8_t *)p + n == arena + arena_used)
		arena_used = (size_t)(h - arena);
}

static int cs_vsn(char *buf, size_t n, const char *fmt, va_list ap)
{
	return vsnprintf(buf, n, fmt, ap);
}

static int decoder_open(uint64_t *h)
{
	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED) {
		arena = NULL;
		return -1;
	}
	arena_used = 0;
	cs_opt_mem mem = {cs_bump_malloc, cs_bump_calloc, cs_bump_realloc, cs_bump_free, cs_vsn};
	cs_option(0, CS_OPT_MEM, (size_t)&mem);
	if (hp_arch_open(h) < 0) {
		munmap(arena, ARENA_SIZE);
		arena = NULL;
		return -1;
	}
	return 0;
}

static void decoder_close(uint64_t *h)
{
	hp_arch_close(h);
	/* Give capstone back to the program (it may use capstone itself). */
	cs_opt_mem mem = {malloc, calloc, realloc, free, vsnprintf};
	cs_option(0, CS_OPT_MEM, (size_t)&mem);
	if (arena)
		munmap(arena, ARENA_SIZE);
	arena = NULL;
}

/* ---- modules ---- */

struct seg {
	uint64_t lo, hi; /* runtime, page aligned */
	int prot;
};

struct mod {
	uint64_t bias, start, end;
	struct seg seg[SEGS_MAX];
	int nseg;
	int is_exe, skip;
	char path[HP_PATH_MAX];
};

struct cand {
	uint64_t addr, size;
	uint32_t pat;
	int status;
	char name[HP_LABEL_MAX];
};

static struct {
	const char *patterns;
	struct hp_pat inc[PATS_MAX], exc[PATS_MAX];
	int ninc, nexc;
	uint64_t cap;
	uint32_t count[PATS_MAX];
	int capped[PATS_MAX];
	uint64_t done[MODS_MAX]; /* start addresses of modules already handled */
	int ndone;
	struct mod mods[64]; /* modules found by one scan, handled in batches */
	int nmods;
	int more; /* the scan had more new modules than mods[] holds */
	int lock;
	uint64_t handle;
	uint32_t selected, patched;
	uint64_t plan_ns;
	/* The launcher's analysis (HOTPATH_PATCH_PLAN), mapped read-only; NULL when none. */
	const struct hp_plan_rec *plan;
	uint64_t nplan;
	uint32_t from_plan;
	uint32_t decoded;    /* functions decoded here (not planned by the launcher) */
	int decoder;	     /* 0 not opened in this session, 1 open, -1 failed to load */
	uint64_t decoder_ns; /* time spent loading the decoder */
} P;

static void plan_load(void)
{
	const char *path = hp_getenv("HOTPATH_PATCH_PLAN");
	if (!path || !*path)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	struct stat st;
	void *m = MAP_FAILED;
	/* The plan carries code the trampolines will run: only the launcher's file is taken, a
	 * regular file of this user that nobody else may write (docs/security.md). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    !(st.st_mode & 022) && st.st_size >= (off_t)sizeof(struct hp_plan_hdr))
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	const struct hp_plan_hdr *h = m;
	uint64_t room = ((uint64_t)st.st_size - sizeof(*h)) / sizeof(struct hp_plan_rec);
	if (h->magic != HP_PLAN_MAGIC || h->count > room) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	P.plan = (const struct hp_plan_rec *)(h + 1);
	P.nplan = h->count;
}

/* The launcher's record for (key, vaddr), or NULL. */
static const struct hp_plan_rec *plan_find(uint64_t key, uint64_t vaddr)
{
	uint64_t lo = 0, hi = P.nplan;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct hp_plan_rec *r = &P.plan[mid];
		if (r->key < key || (r->key == key && r->vaddr < vaddr))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < P.nplan && P.plan[lo].key == key && P.plan[lo].vaddr == vaddr)
		return &P.plan[lo];
	return NULL;
}

static int done_has(uint64_t start)
{
	for (int i = 0; i < P.ndone; i++)
		if (P.done[i] == start)
			return 1;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

/* Could any include pattern select in this module? */
static int module_wanted(const struct mod *m)
{
	const char *b = base_name(m->path);
	size_t bl = hp_strlen(b);
	for (int i = 0; i < P.ninc; i++) {
		const struct hp_pat *p = &P.inc[i];
		if (p->mod ? hp_glob_n(p->mod, p->mod_len, b, bl) : m->is_exe)
			return 1;
	}
	return 0;
}

static int scan_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	int *index = arg;
	(void)size;
	int first = (*index)++ == 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	struct mod m;
	m.nseg = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uint64_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
		if ((ph->p_flags & PF_X) && m.nseg < SEGS_MAX) {
			struct seg *sg = &m.seg[m.nseg++];
			sg->lo = s & ~4095ull;
			sg->hi = (e + 4095) & ~4095ull;
			sg->prot = PROT_EXEC | (ph->p_flags & PF_R ? PROT_READ : 0) |
				   (ph->p_flags & PF_W ? PROT_WRITE : 0);
		}
	}
	if (!hi || done_has(lo))
		return 0;
	if (P.nmods >= (int)(sizeof(P.mods) / sizeof(P.mods[0]))) {
		P.more = 1;
		return 0;
	}
	const char *name = info->dlpi_name;
	m.bias = info->dlpi_addr;
	m.start = lo;
	m.end = hi;
	m.is_exe = first && (!name || !*name);
	m.skip = 0;
	if (m.is_exe) {
		hp_strlcpy(m.path, hp_g.hdr && hp_g.hdr->exe[0] ? hp_g.hdr->exe : "/proc/self/exe",
			   sizeof(m.path));
	} else if (!name || !*name || !hp_strncmp(name, "linux-vdso", 10)) {
		m.skip = 1; /* the vDSO */
		m.path[0] = 0;
	} else {
		hp_strlcpy(m.path, name, sizeof(m.path));
	}
	P.mods[P.nmods++] = m;
	return 0;
}

/* Row of the module in the region's module table (region.c recorded it first). */
static uint32_t module_row(const struct mod *m)
{
	struct hp_region_header *h = hp_g.hdr;
	struct hp_table *t = &h->tables[HP_T_MODULES];
	uint32_t n = t->claimed < t->capacity ? t->claimed : t->capacity;
	for (uint32_t i = 0; i < n; i++) {
		struct hp_module_rec *r = hp_table_row(h, HP_T_MODULES, i);
		if (r->start == m->start && r->bias == m->bias)
			return i;
	}
	return UINT32_MAX;
}

/* ---- selection ---- */

struct collect {
	struct mod *m;
	struct cand *c;
	uint32_t n;
	uint64_t *seen;	      /* open addressing on addresses, 2 * CANDS_MAX */
	uint64_t denied[256]; /* addresses with a denied name (hp_patch_denied), any alias */
	uint32_t ndenied;
};

static int seen_add(uint64_t *seen, uint64_t a)
{
	uint32_t i = (uint32_t)((a * 0x9E3779B97F4A7C15ull) >> 49) & (2 * CANDS_MAX - 1);
	while (seen[i]) {
		if (seen[i] == a)
			return 0;
		i = (i + 1) & (2 * CANDS_MAX - 1);
	}
	seen[i] = a;
	return 1;
}

static int collect_cb(void *arg, const char *raw, uint64_t value, uint64_t size, int local)
{
	struct collect *c = arg;
	if (hp_patch_denied(raw) && c->ndenied < sizeof(c->denied) / sizeof(c->denied[0]))
		c->denied[c->ndenied++] = value + c->m->bias; /* vfork is also __vfork */
	char dem[HP_LABEL_MAX * 2];
	const char *name = raw;
	size_t nl = hp_demangle_short(raw, dem, sizeof(dem));
	if (nl)
		name = dem;
	else
		nl = hp_strlen(raw);
	const char *mb = base_name(c->m->path);
	size_t ml = hp_strlen(mb);
	int k = -1;
	for (int i = 0; i < P.ninc && k < 0; i++)
		if (hp_pat_match(&P.inc[i], mb, ml, c->m->is_exe, name, nl) ||
		    (name != raw &&
		     hp_pat_match(&P.inc[i], mb, ml, c->m->is_exe, raw, hp_strlen(raw))))
			k = i;
	if (k < 0)
		return 0;
	for (int i = 0; i < P.nexc; i++)
		if (hp_pat_match(&P.exc[i], mb, ml, c->m->is_exe, name, nl))
			return 0;
	uint64_t addr = value + c->m->bias;
	if (c->n >= CANDS_MAX)
		return 1; /* before seen_add: its table (2 * CANDS_MAX) must never fill up */
	if (!seen_add(c->seen, addr))
		return 0; /* an alias of a function already selected */
	int status = 0;
	if (++P.count[k] > P.cap) {
		if (P.capped[k])
			return 0;
		P.capped[k] = 1;
		status = HP_PATCH_CAPPED;
	}
	struct cand *d = &c->c[c->n++];
	d->addr = addr;
	d->size = size;
	d->pat = (uint32_t)k;
	d->status = status;
	hp_strlcpy(d->name, name, sizeof(d->name));
	size_t l = hp_strlen(name);
	int cold = 0;
	for (size_t i = 0; i + 5 <= l && !cold; i++)
		cold = !hp_strncmp(name + i, ".cold", 5);
	(void)l;
	if (!status && (cold || hp_patch_denied(raw)))
		d->status = HP_PATCH_EXCLUDED_NAME;
	(void)local;
	return 0;
}

/* ---- trampolines ---- */

/* Map `len` bytes within the jump's reach (HP_ARCH_JUMP_REACH) of [lo, hi): below first (above
 * an executable is where brk grows), stepping by 1 MiB. */
static void *map_near(uint64_t lo, uint64_t hi, size_t len, int is_exe)
{
	const uint64_t step = 1ull << 20, reach = HP_ARCH_JUMP_REACH;
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t d = step; d < reach; d += step) {
			uint64_t a;
			if (pass == 0) {
				if (lo < d + len + (1ull << 16))
					break;
				a = (lo - d - len) & ~0xFFFFull;
			} else {
				a = ((hi + (is_exe ? (512ull << 20) : 0) + d) + 0xFFFF) &
				    ~0xFFFFull;
				if (a + len - lo > reach + (is_exe ? (512ull << 20) : 0))
					break;
			}
			void *p = mmap((void *)a, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == MAP_FAILED)
				continue;
			if ((uint64_t)p == a)
				return p;
			munmap(p, len); /* an old kernel took it as a hint */
		}
	}
	return NULL;
}

static const struct seg *seg_of(const struct mod *m, uint64_t a, uint64_t size)
{
	for (int i = 0; i < m->nseg; i++)
		if (a >= m->seg[i].lo && a + size <= m->seg[i].hi)
			return &m->seg[i];
	return NULL;
}

struct pending {
	uint64_t at;  /* where the jump goes (after the plan's skipped bytes) */
	uint32_t len; /* patched bytes */
	struct hp_tramp *t;
	struct hp_patch_rec *rec;
};

static void fill_rec(struct hp_patch_rec *rec, uint32_t mrow, const struct cand *c, int status,
		     const char *detail)
{
	rec->module = mrow;
	rec->status = status;
	hp_strlcpy(rec->name, c->name, sizeof(rec->name));
	hp_strlcpy(rec->detail, detail ? detail : "", sizeof(rec->detail));
}

static void publish(struct hp_patch_rec *rec, uint64_t addr)
{
	__atomic_store_n(&rec->addr, addr, __ATOMIC_RELEASE);
}

/* Write the jumps of one module, a segment at a time. */
/* Writes into code pages: not program data, so ThreadSanitizer (make tsan) must not shadow
 * them (it has no shadow for text and faults). */
__attribute__((no_sanitize_thread)) static void write_jumps(struct mod *m, struct pending *pd,
							    uint32_t np)
{
	for (int s = 0; s < m->nseg; s++) {
		struct seg *sg = &m->seg[s];
		int any = 0;
		for (uint32_t i = 0; i < np && !any; i++)
			any = pd[i].at >= sg->lo && pd[i].at < sg->hi;
		if (!any)
			continue;
		int ok = mprotect((void *)sg->lo, sg->hi - sg->lo,
				  PROT_READ | PROT_WRITE | PROT_EXEC) == 0;
		for (uint32_t i = 0; i < np; i++) {
			struct pending *p = &pd[i];
			if (p->at < sg->lo || p->at >= sg->hi)
				continue;
			if (!ok) {
				p->rec->status = HP_PATCH_PROTECT;
				continue;
			}
			uint8_t jmp[HP_ARCH_JUMP_LEN];
			hp_arch_jump(jmp, p->at, (uint64_t)p->t->entry);
			uint8_t *dst = (uint8_t *)p->at;
			for (uint32_t k = HP_ARCH_JUMP_LEN; k < p->len; k++)
				dst[k] = HP_ARCH_FILL_BYTE;
			/* First byte last: a reader of these bytes sees the old instruction or the jump. */
			for (int k = HP_ARCH_JUMP_LEN - 1; k >= 0; k--)
				dst[k] = jmp[k];
			p->rec->status = HP_PATCH_OK;
			P.patched++;
		}
		if (ok)
			mprotect((void *)sg->lo, sg->hi - sg->lo, sg->prot);
	}
}

/* One module's patching: what the ELF file says, the trampolines, the jumps still to write. */
struct module_job {
	struct mod *m;
	uint32_t mrow;	   /* row in HP_T_MODULES */
	int refuse_module; /* the loader, hotpath itself, capstone: never patched */
	int instrumented;  /* built with -finstrument-functions: the hooks time it already */
	uint64_t key;	   /* hp_plan_key of the file, to find the launcher's analysis */
	struct hp_tramp *tr;
	size_t tlen;
	uint32_t nt; /* trampolines used */
	struct pending *pd;
	uint32_t np; /* jumps to write */
};

/* The functions the patterns select in the job's module, into c (aliases once, denied names
 * marked); 0 when the file cannot be read. */
static uint32_t select_functions(struct module_job *j, struct collect *c)
{
	struct hp_elf_file f;
	if (hp_elf_map(j->m->is_exe ? "/proc/self/exe" : j->m->path, &f) < 0) {
		hp_debug("patch: cannot read %s", j->m->path);
		return 0;
	}
	j->instrumented = hp_elf_imports(&f, "__cyg_profile_func_enter");
	j->key = f.key;
	for (uint32_t i = 0; i < 2 * CANDS_MAX; i++)
		c->seen[i] = 0;
	c->m = j->m, c->n = 0, c->ndenied = 0;
	hp_elf_functions(&f, collect_cb, c);
	hp_elf_unmap(&f);
	for (uint32_t i = 0; i < c->n; i++)
		for (uint32_t k = 0; k < c->ndenied && !c->c[i].status; k++)
			if (c->c[i].addr == c->denied[k])
				c->c[i].status = HP_PATCH_EXCLUDED_NAME;
	return c->n;
}

/* Why the function cannot be patched before its bytes are looked at, or 0. */
static int refusal(const struct module_job *j, const struct cand *d, char *detail, size_t n)
{
	if (d->status == HP_PATCH_CAPPED)
		hp_snprintf(detail, n, "pattern %u selects more than %lu", d->pat + 1,
			    (unsigned long)P.cap);
	if (d->status)
		return d->status;
	if (j->refuse_module)
		return HP_PATCH_MODULE;
	if (j->instrumented)
		return HP_PATCH_INSTRUMENTED;
	if (!seg_of(j->m, d->addr, d->size))
		return HP_PATCH_NOT_CODE;
	if (!j->tr)
		return HP_PATCH_NO_MEMORY;
	return 0;
}

/* What the launcher found (HOTPATH_PATCH_PLAN): a refusal that does not depend on where the
 * module lies is taken as it is (returned, with its detail); an accepted function skips the
 * body sweep (*sweep = 0). 0 when the launcher said nothing that settles it. */
static int launcher_verdict(const struct module_job *j, const struct cand *d, int *sweep,
			    const struct hp_plan_rec **made, char *detail, size_t n)
{
	const struct hp_plan_rec *pr = plan_find(j->key, d->addr - j->m->bias);
	*sweep = 1;
	*made = NULL;
	if (!pr)
		return 0;
	if (pr->status == HP_PATCH_TOO_SHORT || pr->status == HP_PATCH_JUMP_BACK ||
	    pr->status == HP_PATCH_UNKNOWN_INSN || pr->status == HP_PATCH_UNSUPPORTED) {
		hp_strlcpy(detail, pr->detail, n < sizeof(pr->detail) ? n : sizeof(pr->detail));
		P.from_plan++;
		return pr->status;
	}
	if (pr->status == HP_PATCH_OK) {
		*sweep = 0;
		*made = pr->orig_len ? pr : NULL;
		P.from_plan++;
	}
	return 0;
}

/* The decoder, opened on the first function that needs it (one the launcher's plan does not
 * cover): 0, or -1 when libcapstone cannot be loaded. */
static int decoder_ready(void)
{
	if (!P.decoder) {
		uint64_t t0 = (uint64_t)hp_mono_ns();
		P.decoder = decoder_open(&P.handle) < 0 ? -1 : 1;
		P.decoder_ns += (uint64_t)hp_mono_ns() - t0;
		if (P.decoder < 0)
			hp_debug("patch: capstone failed to open");
	}
	return P.decoder > 0 ? 0 : -1;
}

/* The launcher's plan for the function moved to this process's addresses, when its bytes are
 * the ones the launcher read (a module changed in memory since is decoded again): 0, an
 * HP_PATCH_* reason, or -1 when the plan does not apply. */
static int plan_from_launcher(const struct hp_plan_rec *pr, const struct cand *d, uint64_t readable,
			      uint64_t dest, struct hp_arch_plan *plan)
{
	if (!pr || pr->orig_len > readable || pr->orig_len > sizeof(pr->orig) ||
	    pr->plan.skip + pr->plan.patch_len != pr->orig_len ||
	    pr->plan.code_len > sizeof(pr->plan.code) ||
	    hp_memcmp((const void *)d->addr, pr->orig, pr->orig_len) != 0)
		return -1;
	*plan = pr->plan;
	return hp_arch_rebase(plan, d->addr, dest);
}

/* Analyse the function, fill its trampoline and queue its jump; HP_PATCH_PROTECT (until the
 * jump is written) or the reason it cannot be patched. */
static int prepare(struct module_job *j, const struct cand *d, struct hp_patch_rec *rec, int sweep,
		   const struct hp_plan_rec *made, char *detail, size_t n)
{
	struct hp_tramp *t = &j->tr[j->nt];
	struct hp_arch_plan plan;
	uint64_t q0 = (uint64_t)hp_mono_ns();
	/* Mapped code: readable up to the end of its last page. */
	uint64_t readable = ((d->addr + d->size + 4095) & ~(uint64_t)4095) - d->addr;
	int st = plan_from_launcher(made, d, readable, (uint64_t)t->resume, &plan);
	if (st < 0 && decoder_ready() < 0) {
		hp_strlcpy(detail, "libcapstone could not be loaded", n);
		st = HP_PATCH_NO_DECODER;
	} else if (st < 0) {
		st = hp_arch_plan(P.handle, (const uint8_t *)d->addr, readable, d->addr, d->size,
				  (uint64_t)t->resume, sweep, &plan, detail, n);
		P.decoded++;
	}
	P.plan_ns += (uint64_t)hp_mono_ns() - q0;
	uint8_t probe[HP_ARCH_JUMP_LEN];
	if (!st && hp_arch_jump(probe, d->addr + plan.skip, (uint64_t)t->entry) < 0)
		st = HP_PATCH_OUT_OF_REACH;
	if (st)
		return st;
	t->fn = d->addr;
	t->common = (uint64_t)hp_arch_entry;
	t->exit = (uint64_t)hp_arch_exit_stub;
	hp_arch_tramp_init(t);
	hp_memcpy(t->resume, plan.code, plan.code_len);
	j->pd[j->np++] = (struct pending){d->addr + plan.skip, plan.patch_len, t, rec};
	j->nt++;
	return HP_PATCH_PROTECT;
}

/* Decide one selected function: a patch row with its status, and a queued jump when it can be
 * patched. -1 when the patch table is full. */
static int plan_function(struct module_job *j, const struct cand *d)
{
	struct hp_patch_rec *rec = hp_table_claim(HP_T_PATCH, NULL);
	if (!rec)
		return -1;
	P.selected++;
	char detail[64] = "";
	int sweep = 1;
	const struct hp_plan_rec *made = NULL;
	int st = refusal(j, d, detail, sizeof(detail));
	if (!st)
		st = launcher_verdict(j, d, &sweep, &made, detail, sizeof(detail));
	if (!st)
		st = prepare(j, d, rec, sweep, made, detail, sizeof(detail));
	fill_rec(rec, j->mrow, d, st, detail);
	if (st != HP_PATCH_PROTECT)
		publish(rec, d->addr); /* refused; queued ones are published after their jump */
	return 0;
}

/* Make the trampolines executable and write the jumps; a module whose trampolines cannot be
 * protected keeps its code, and its queued rows say HP_PATCH_PROTECT. */
static void write_module(struct module_job *j)
{
	if (j->tr && (!j->nt || mprotect(j->tr, j->tlen, PROT_READ | PROT_EXEC) < 0)) {
		for (uint32_t i = 0; i < j->np; i++)
			publish(j->pd[i].rec, j->pd[i].t->fn); /* status stays HP_PATCH_PROTECT */
		munmap(j->tr, j->tlen);
		return;
	}
	write_jumps(j->m, j->pd, j->np);
	for (uint32_t i = 0; i < j->np; i++)
		publish(j->pd[i].rec, j->pd[i].t->fn);
}

/* Select, decide and patch the functions of one module (the constructor, or dlopen under
 * P.lock: one session at a time). */
static void patch_module(struct mod *m, struct cand *cands, uint64_t *seen, struct pending *pd)
{
	static struct collect c;
	const char *b = base_name(m->path);
	struct module_job j = {.m = m, .pd = pd};
	if (m->skip || !module_wanted(m))
		return;
	c.c = cands, c.seen = seen;
	if (!select_functions(&j, &c))
		return;
	j.refuse_module = !hp_strncmp(b, "ld-linux", 8) || !hp_strncmp(b, "libhotpath", 10) ||
			  !hp_strncmp(b, "libcapstone", 11);
	j.mrow = module_row(m);
	j.tlen = ((size_t)c.n * sizeof(struct hp_tramp) + 0xFFFF) & ~(size_t)0xFFFF;
	j.tr = j.refuse_module ? NULL : map_near(m->start, m->end, j.tlen, m->is_exe);
	for (uint32_t i = 0; i < c.n; i++)
		if (plan_function(&j, &cands[i]) < 0)
			break;
	write_module(&j);
	hp_debug("patch: %s: %u selected, %u patched so far", m->path, c.n, P.patched);
}

static void parse_patterns(void)
{
	const char *list = P.patterns;
	struct hp_pat p;
	while (hp_pat_next(&list, &p)) {
		if (p.exclude && P.nexc < PATS_MAX)
			P.exc[P.nexc++] = p;
		else if (!p.exclude && P.ninc < PATS_MAX)
			P.inc[P.ninc++] = p;
	}
}

/* One session: every module not handled yet. */
static void patch_new_modules(void)
{
	if (!P.ninc || !hp_g.hdr)
		return;
	uint64_t t0 = (uint64_t)hp_mono_ns();
	size_t clen = sizeof(struct cand) * CANDS_MAX, slen = sizeof(uint64_t) * 2 * CANDS_MAX,
	       plen = sizeof(struct pending) * CANDS_MAX;
	uint8_t *mem = mmap(NULL, clen + slen + plen, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return;
	do {
		P.nmods = 0;
		P.more = 0;
		int index = 0;
		dl_iterate_phdr(scan_cb, &index);
		for (int i = 0; i < P.nmods; i++) {
			struct mod *m = &P.mods[i];
			/* A module we could not remember would be patched again at the next dlopen
			 * (a jump to a jump): past MODS_MAX, new modules are left alone. */
			if (P.ndone >= MODS_MAX)
				continue;
			P.done[P.ndone++] = m->start;
			if (m->skip || !module_wanted(m))
				continue;
			patch_module(m, (struct cand *)mem, (uint64_t *)(mem + clen),
				     (struct pending *)(mem + clen + slen));
		}
	} while (P.more && P.ndone < MODS_MAX);
	if (P.decoder > 0)
		decoder_close(&P.handle);
	P.decoder = 0; /* a later dlopen opens it again if it needs it */
	munmap(mem, clen + slen + plen);
	uint64_t dt = (uint64_t)hp_mono_ns() - t0;
	hp_g.hdr->patch_startup_ns += dt;
	hp_g.hdr->patch_sessions++;
	hp_debug("patch: %u selected, %u patched (%u from the launcher's analysis, %u decoded "
		 "here), %lu us (planning %lu us, of which loading the decoder %lu us)",
		 P.selected, P.patched, P.from_plan, P.decoded, (unsigned long)(dt / 1000),
		 (unsigned long)(P.plan_ns / 1000), (unsigned long)(P.decoder_ns / 1000));
}

void hp_patch_init(void)
{
	P.patterns = hp_getenv("HOTPATH_FUNCTIONS");
	if (!P.patterns || !*P.patterns)
		return;
	P.cap = hp_env_u64("HOTPATH_FUNCTIONS_MAX", DEFAULT_CAP);
	if (!P.cap)
		P.cap = DEFAULT_CAP;
	parse_patterns();
	plan_load();
	if (hp_g.hdr)
		__atomic_fetch_or(&hp_g.hdr->modes, HP_MODE_PATCH, __ATOMIC_RELAXED);
	patch_new_modules();
}

void hp_patch_dlopen(void)
{
	if (!P.ninc)
		return;
	while (__atomic_exchange_n(&P.lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	patch_new_modules();
	__atomic_store_n(&P.lock, 0, __ATOMIC_RELEASE);
}
