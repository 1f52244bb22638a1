/* region_cpu.c - CPU samples -> model: read the (thread, stack, samples) rows and the stack
 * table of a region, symbolize every distinct address once, fold addresses into functions
 * (self = innermost, total = anywhere in the stack, once per stack), and merge the stacks that
 * name the same functions on the same thread (docs/cpu.md). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "region_model.h"

/* ---- a string -> index map (open addressing, grows at 1/2) ---- */

struct smap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* Index of `key` (len bytes, may hold NULs), or SIZE_MAX when absent; inserts with value `v`
 * when `v` != SIZE_MAX. Returns SIZE_MAX - 1 on allocation failure. */
static size_t smap_get(struct smap *m, const char *key, size_t len, size_t v)
{
	if (m->n * 2 >= m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		char **nk = calloc(ncap, sizeof(*nk));
		size_t *nv = calloc(ncap, sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return SIZE_MAX - 1;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t kl;
			memcpy(&kl, m->keys[i], sizeof(kl));
			size_t j = str_hash(m->keys[i] + sizeof(kl), kl) & (ncap - 1);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = m->keys[i];
			nv[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = ncap;
	}
	size_t j = str_hash(key, len) & (m->cap - 1);
	for (; m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		size_t kl;
		memcpy(&kl, m->keys[j], sizeof(kl));
		if (kl == len && !memcmp(m->keys[j] + sizeof(kl), key, len))
			return m->vals[j];
	}
	if (v == SIZE_MAX)
		return SIZE_MAX;
	char *k = malloc(sizeof(len) + len);
	if (!k)
		return SIZE_MAX - 1;
	memcpy(k, &len, sizeof(len));
	memcpy(k + sizeof(len), key, len);
	m->keys[j] = k;
	m->vals[j] = v;
	m->n++;
	return v;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static void calibrate(const struct hp_rregion *r, struct hp_cpu_info *c);

/* ---- building from a region ---- */

struct builder {
	const struct hp_rregion *r;
	struct hp_symbolizer *sym;
	struct hp_cpu_info *c;
	size_t fcap;
	struct smap addrs;  /* address -> function index */
	struct smap fnames; /* name NUL module -> function index */
	struct smap stacks; /* tid + function indexes -> stack index */
	size_t scap;
	uint32_t *stamp; /* per function: last sample row that counted it in total */
};

static int add_fn(struct builder *b, const char *name, const char *module, uint64_t addr)
{
	char key[HP_SYM_NAME_MAX + HP_PATH_MAX + 2];
	size_t nl = strlen(name), ml = module ? strlen(module) : 0;
	if (nl + ml + 1 >= sizeof(key))
		nl = sizeof(key) - ml - 2;
	memcpy(key, name, nl);
	key[nl] = 0;
	memcpy(key + nl + 1, module ? module : "", ml);
	struct hp_cpu_info *c = b->c;
	size_t i = smap_get(&b->fnames, key, nl + 1 + ml, c->nfns);
	if (i >= SIZE_MAX - 1)
		return -ENOMEM;
	if (i < c->nfns)
		return (int)i;
	if (c->nfns == b->fcap) {
		size_t ncap = b->fcap ? b->fcap * 2 : 64;
		void *nf = realloc(c->fns, ncap * sizeof(*c->fns));
		void *ns = realloc(b->stamp, ncap * sizeof(*b->stamp));
		if (!nf || !ns) {
			if (nf)
				c->fns = nf;
			if (ns)
				b->stamp = ns;
			return -ENOMEM;
		}
		c->fns = nf;
		b->stamp = ns;
		b->fcap = ncap;
	}
	struct hp_cpu_fn *f = &c->fns[c->nfns];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->module = module ? strdup(module) : NULL;
	f->addr = addr;
	b->stamp[c->nfns] = UINT32_MAX;
	if (!f->name)
		return -ENOMEM;
	return (int)c->nfns++;
}

/* Frames of libhotpath itself (the wrappers that start main and threads) are not shown. */
static int is_ours(const char *module)
{
	const char *b = module ? strrchr(module, '/') : NULL;
	b = b ? b + 1 : module;
	return b && !strncmp(b, "libhotpath", 10);
}

/* The function index of one address (symbolized once), FN_SKIP for our own frames, or
 * -ENOMEM. */
#define FN_SKIP (-1000000)
#define SKIP_VAL (SIZE_MAX - 2) /* FN_SKIP in the address map */
static int fn_of(struct builder *b, uint64_t addr)
{
	size_t i = smap_get(&b->addrs, (const char *)&addr, sizeof(addr), SIZE_MAX);
	if (i != SIZE_MAX)
		return i == SKIP_VAL ? FN_SKIP : (int)i;
	struct hp_sym_info si;
	const char *module = NULL;
	char *name = hp_region_symbol(b->r, b->sym, addr, &module, &si);
	if (!name)
		return -ENOMEM;
	char path[HP_PATH_MAX];
	if (module) {
		memcpy(path, module, sizeof(path));
		path[sizeof(path) - 1] = 0;
	}
	char *at = strstr(name, "@@"); /* __libc_start_main@@GLIBC_2.34: the version goes */
	if (!at && name[0] != '@')
		at = strchr(name, '@');
	if (at)
		*at = 0;
	int vdso = module && (!strncmp(path, "linux-vdso", 10) || !strcmp(path, "[vdso]"));
	const char *shown = si.name[0] ? name : vdso ? "[vdso]" : "(unknown)";
	int k = module && is_ours(path)
			? FN_SKIP
			: add_fn(b, shown, module ? path : NULL, si.name[0] ? si.sym_addr : 0);
	free(name);
	if (k < 0 && k != FN_SKIP)
		return k;
	size_t v = k == FN_SKIP ? SKIP_VAL : (size_t)k;
	if (smap_get(&b->addrs, (const char *)&addr, sizeof(addr), v) == SIZE_MAX - 1)
		return -ENOMEM;
	return k;
}

static int tid_of(const struct hp_rregion *r, uint32_t row)
{
	const struct hp_thread_rec *t = hp_rregion_row(r, HP_T_THREADS, row);
	return t ? __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) : 0;
}

/* Merge one sample row's function sequence into the stacks. */
static int add_stack(struct builder *b, int tid, const size_t *fns, size_t n, uint64_t samples)
{
	size_t len = sizeof(int) + n * sizeof(size_t);
	char *key = malloc(len);
	if (!key)
		return -ENOMEM;
	memcpy(key, &tid, sizeof(int));
	memcpy(key + sizeof(int), fns, n * sizeof(size_t));
	struct hp_cpu_info *c = b->c;
	size_t i = smap_get(&b->stacks, key, len, c->nstacks);
	free(key);
	if (i >= SIZE_MAX - 1)
		return -ENOMEM;
	if (i < c->nstacks) {
		c->stacks[i].samples += samples;
		return 0;
	}
	if (c->nstacks == b->scap) {
		size_t ncap = b->scap ? b->scap * 2 : 64;
		void *ns = realloc(c->stacks, ncap * sizeof(*c->stacks));
		if (!ns)
			return -ENOMEM;
		c->stacks = ns;
		b->scap = ncap;
	}
	struct hp_cpu_stack *s = &c->stacks[c->nstacks++];
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	s->samples = samples;
	s->frames = calloc(n ? n : 1, sizeof(*s->frames));
	if (!s->frames)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		s->frames[k].fn = fns[k];
	s->nframes = n;
	return 0;
}

static int add_sample_row(struct builder *b, const struct hp_cpu_sample_rec *sr, uint32_t row)
{
	const struct hp_rregion *r = b->r;
	uint32_t id = sr->stack1 - 1;
	uint64_t samples = __atomic_load_n(&sr->samples, __ATOMIC_RELAXED);
	const struct hp_stack_rec *st = hp_rregion_row(r, HP_T_STACKS, id);
	size_t fns[HP_STACK_DEPTH_MAX + 1], n = 0;
	if (!samples)
		return 0;
	if (st && st->depth && st->depth <= HP_STACK_DEPTH_MAX &&
	    __atomic_load_n(&st->hash, __ATOMIC_ACQUIRE)) {
		for (uint32_t k = 0; k < st->depth; k++) {
			const uint64_t *fr = hp_rregion_row(r, HP_T_STACK_FRAMES, st->first + k);
			if (!fr)
				break;
			int f = fn_of(b, *fr);
			if (f == FN_SKIP)
				continue;
			if (f < 0)
				return f;
			/* A function calling itself directly is one frame in the stack view. */
			if (n && fns[n - 1] == (size_t)f)
				continue;
			fns[n++] = (size_t)f;
		}
	}
	if (!n) {
		int f = add_fn(b, "(stack table full)", NULL, 0);
		if (f < 0)
			return f;
		fns[n++] = (size_t)f;
	}
	struct hp_cpu_info *c = b->c;
	c->samples += samples;
	c->fns[fns[n - 1]].self_samples += samples;
	for (size_t k = 0; k < n; k++) {
		if (b->stamp[fns[k]] == row)
			continue;
		b->stamp[fns[k]] = row;
		c->fns[fns[k]].total_samples += samples;
	}
	return add_stack(b, tid_of(r, sr->thread), fns, n, samples);
}

static int fn_cmp(const void *a, const void *b)
{
	const struct hp_cpu_fn *x = a, *y = b;
	if (x->self_samples != y->self_samples)
		return x->self_samples > y->self_samples ? -1 : 1;
	if (x->total_samples != y->total_samples)
		return x->total_samples > y->total_samples ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int stack_cmp(const void *a, const void *b)
{
	const struct hp_cpu_stack *x = a, *y = b;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return x->tid - y->tid;
}

/* Sort the functions, renumber the stacks' frames, point frames at the rows' strings. */
static int finish(struct hp_cpu_info *c)
{
	size_t *newpos = malloc((c->nfns ? c->nfns : 1) * sizeof(size_t));
	if (!newpos)
		return -ENOMEM;
	for (size_t i = 0; i < c->nfns; i++)
		c->fns[i].line = (int)i; /* remember the old index through the sort */
	if (c->nfns > 1)		 /* c->fns may be NULL when empty (fuzz_model) */
		qsort(c->fns, c->nfns, sizeof(*c->fns), fn_cmp);
	for (size_t i = 0; i < c->nfns; i++) {
		newpos[c->fns[i].line] = i;
		c->fns[i].line = 0;
	}
	for (size_t s = 0; s < c->nstacks; s++)
		for (size_t k = 0; k < c->stacks[s].nframes; k++) {
			struct hp_cpu_frame *fr = &c->stacks[s].frames[k];
			fr->fn = newpos[fr->fn];
			fr->name = c->fns[fr->fn].name;
			fr->module = c->fns[fr->fn].module;
		}
	if (c->nstacks > 1)
		qsort(c->stacks, c->nstacks, sizeof(*c->stacks), stack_cmp);
	free(newpos);
	return 0;
}

/* file:line of each function's start, and its name as the timed rows spell it. */
static void add_lines(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_cpu_info *c)
{
	for (size_t i = 0; i < c->nfns; i++) {
		struct hp_cpu_fn *f = &c->fns[i];
		struct hp_sym_info si;
		if (!f->addr)
			continue;
		char *n = hp_region_symbol(r, sym, f->addr, NULL, &si);
		if (si.file[0]) {
			f->file = strdup(si.file);
			f->line = si.line;
		}
		free(n);
	}
}

/* cpu_ns of the timed functions and the threads' samples. */
static void annotate(const struct hp_rregion *r, struct hp_proc *p)
{
	const struct hp_cpu_info *c = p->cpu;
	for (size_t i = 0; i < p->nfns; i++) {
		struct hp_fn_row *row = &p->fns[i];
		row->has_cpu = 1;
		row->cpu_ns = 0;
		for (size_t k = 0; k < c->nfns; k++)
			if (c->fns[k].addr == row->addr) {
				row->cpu_ns = (uint64_t)llround(
					hp_cpu_ns(c, c->fns[k].total_samples));
				break;
			}
	}
	uint32_t nt = hp_rregion_rows(r, HP_T_THREADS);
	for (uint32_t i = 0; i < nt; i++) {
		const struct hp_thread_rec *t = hp_rregion_row(r, HP_T_THREADS, i);
		int tid = t ? __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) : 0;
		for (size_t k = 0; tid && k < p->nthreads; k++)
			if (p->threads[k].tid == tid) {
				p->threads[k].cpu_samples = t->cpu_samples;
				p->threads[k].cpu_ns = t->cpu_ns;
			}
	}
}

static void add_notes(struct hp_proc *p, const struct hp_region_header *h)
{
	const struct hp_cpu_info *c = p->cpu;
	if (c->state == HP_SAMPLE_ASIDE)
		hp_proc_add_note(p, "CPU sampling stepped aside: the program uses SIGPROF itself");
	else if (c->state == HP_SAMPLE_NO_UNWIND)
		hp_proc_add_note(p, "CPU sampling off: libunwind.so.8 could not be loaded");
	if (c->lost)
		hp_proc_add_note(p,
				 "%" PRIu64 " CPU %s not recorded (thread starting or ending, or "
				 "the sample tables full)",
				 c->lost, c->lost == 1 ? "sample was" : "samples were");
	if (c->folded)
		hp_proc_add_note(p,
				 "%" PRIu64
				 " CPU %s recorded with a shorter stack because the stack "
				 "table was full; a region_size above 256 (MiB) gives a larger one",
				 c->folded, c->folded == 1 ? "sample was" : "samples were");
	(void)h;
}

int hp_cpu_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
		       struct hp_proc *p)
{
	const struct hp_region_header *h = r->h;
	if (!(h->modes & HP_MODE_SAMPLE))
		return 0;
	struct builder b = {.r = r, .sym = sym};
	struct hp_cpu_info *c = calloc(1, sizeof(*c));
	int rc = 0;
	if (!c)
		return -ENOMEM;
	b.c = c;
	c->hz = h->sample_hz;
	c->state = (int)h->sample_state;
	c->lost = h->samples_lost;
	c->folded = h->stacks_folded;
	uint32_t n = hp_rregion_rows(r, HP_T_CPU_SAMPLES);
	uint32_t nstacks = hp_rregion_rows(r, HP_T_STACKS);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct hp_cpu_sample_rec *sr = hp_rregion_row(r, HP_T_CPU_SAMPLES, i);
		uint32_t s1 = sr ? __atomic_load_n(&sr->stack1, __ATOMIC_ACQUIRE) : 0;
		if (s1 && s1 - 1 < nstacks)
			rc = add_sample_row(&b, sr, i);
	}
	if (rc == 0)
		rc = finish(c);
	smap_free(&b.addrs);
	smap_free(&b.fnames);
	smap_free(&b.stacks);
	free(b.stamp);
	if (rc < 0) {
		hp_cpu_info_free(c);
		return rc;
	}
	if (want_lines)
		add_lines(r, sym, c);
	calibrate(r, c);
	p->cpu = c;
	annotate(r, p);
	add_notes(p, h);
	return 0;
}

double hp_cpu_ns(const struct hp_cpu_info *c, uint64_t samples)
{
	return c->ns_per_sample > 0 ? (double)samples * c->ns_per_sample : NAN;
}

/* The threads whose CPU clock is known (ended) calibrate a sample; else the asked rate. */
static void calibrate(const struct hp_rregion *r, struct hp_cpu_info *c)
{
	uint64_t ns = 0, samples = 0;
	uint32_t nt = hp_rregion_rows(r, HP_T_THREADS);
	for (uint32_t i = 0; i < nt; i++) {
		const struct hp_thread_rec *t = hp_rregion_row(r, HP_T_THREADS, i);
		if (t && t->cpu_ns && t->cpu_samples) {
			ns += t->cpu_ns;
			samples += t->cpu_samples;
		}
	}
	c->ns_per_sample = samples >= 10 ? (double)ns / (double)samples : c->hz ? 1e9 / c->hz : 0;
}

void hp_cpu_info_free(struct hp_cpu_info *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->fns && i < c->nfns; i++) {
		free(c->fns[i].name);
		free(c->fns[i].module);
		free(c->fns[i].file);
	}
	free(c->fns);
	for (size_t i = 0; c->stacks && i < c->nstacks; i++)
		free(c->stacks[i].frames);
	free(c->stacks);
	free(c);
}
