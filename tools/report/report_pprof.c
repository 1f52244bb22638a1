/* report_pprof.c - the report model as a gzipped pprof profile (profile.proto via protobuf-c,
 * zlib): strings, functions, locations and mappings interned once, one sample per stack. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "profile.pb-c.h"
#include "report_pprof.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

#define MAX_VALUES 8

/* String -> index, open addressing; keys owned. */
struct intern {
	char **keys;
	uint32_t *vals;
	size_t cap, n;
};

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Index of key (len bytes, may hold NULs: stored with a length prefix) or -1 when absent;
 * *slot receives where it is or would go. */
static long intern_find(const struct intern *t, const char *key, size_t len, size_t *slot)
{
	if (!t->cap)
		return -1;
	size_t k = (size_t)hash_str(key, len) & (t->cap - 1);
	while (t->keys[k]) {
		size_t klen;
		memcpy(&klen, t->keys[k], sizeof(klen));
		if (klen == len && !memcmp(t->keys[k] + sizeof(klen), key, len)) {
			*slot = k;
			return t->vals[k];
		}
		k = (k + 1) & (t->cap - 1);
	}
	*slot = k;
	return -1;
}

static int intern_grow(struct intern *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 256;
	char **keys = calloc(ncap, sizeof(char *));
	uint32_t *vals = calloc(ncap, sizeof(uint32_t));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		size_t klen;
		memcpy(&klen, t->keys[i], sizeof(klen));
		size_t k = (size_t)hash_str(t->keys[i] + sizeof(klen), klen) & (ncap - 1);
		while (keys[k])
			k = (k + 1) & (ncap - 1);
		keys[k] = t->keys[i];
		vals[k] = t->vals[i];
	}
	free(t->keys);
	free(t->vals);
	t->keys = keys;
	t->vals = vals;
	t->cap = ncap;
	return 0;
}

/* Add key with value `val` unless present; returns the value stored, or -ENOMEM. *added tells
 * whether it was new. */
static long intern_add(struct intern *t, const char *key, size_t len, uint32_t val, int *added)
{
	size_t slot;
	long v = intern_find(t, key, len, &slot);
	*added = 0;
	if (v >= 0)
		return v;
	if ((t->n + 1) * 2 > t->cap) {
		if (intern_grow(t) < 0)
			return -ENOMEM;
		intern_find(t, key, len, &slot);
	}
	char *copy = malloc(sizeof(len) + len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, &len, sizeof(len));
	memcpy(copy + sizeof(len), key, len);
	t->keys[slot] = copy;
	t->vals[slot] = val;
	t->n++;
	*added = 1;
	return val;
}

static void intern_free(struct intern *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

/* A growing array of fixed-size elements. */
struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *a)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		void *nv = realloc(a->v, ncap * a->size);
		if (!nv)
			return NULL;
		a->v = nv;
		a->cap = ncap;
	}
	void *e = (char *)a->v + a->n * a->size;
	memset(e, 0, a->size);
	a->n++;
	return e;
}

struct builder {
	struct intern strings, funcs, locs, maps;
	struct vec str_v;    /* char * (owned) */
	struct vec func_v;   /* Perftools__Profiles__Function */
	struct vec loc_v;    /* Perftools__Profiles__Location (one Line each, in line_v) */
	struct vec line_v;   /* Perftools__Profiles__Line, parallel to loc_v */
	struct vec map_v;    /* Perftools__Profiles__Mapping */
	struct vec sample_v; /* struct sample */
	int nvalues;
	int default_col; /* sample type pprof shows first; -1: the second (or only) one */
	int oom;
};

struct sample {
	uint64_t *locs; /* leaf first */
	size_t nlocs;
	int64_t values[MAX_VALUES];
	int pid;
};

static int64_t str_id(struct builder *b, const char *s)
{
	if (!s)
		s = "";
	int added;
	long v = intern_add(&b->strings, s, strlen(s), (uint32_t)b->str_v.n, &added);
	if (v < 0) {
		b->oom = 1;
		return 0;
	}
	if (added) {
		char **slot = vec_push(&b->str_v);
		if (!slot || !(*slot = strdup(s))) {
			b->oom = 1;
			return 0;
		}
	}
	return v;
}

static uint64_t mapping_id(struct builder *b, const char *module)
{
	if (!module || !*module)
		return 0;
	int added;
	long v = intern_add(&b->maps, module, strlen(module), (uint32_t)b->map_v.n + 1, &added);
	if (v < 0) {
		b->oom = 1;
		return 0;
	}
	if (added) {
		Perftools__Profiles__Mapping *m = vec_push(&b->map_v);
		if (!m) {
			b->oom = 1;
			return 0;
		}
		perftools__profiles__mapping__init(m);
		m->id = (uint64_t)v;
		m->filename = str_id(b, module);
		m->has_functions = 1;
		m->has_filenames = 1;
		m->has_line_numbers = 1;
	}
	return (uint64_t)v;
}

/* The location of one function (name, module, file, line, address): a Function and a Location
 * interned by all of them. Returns the location id (non-zero) or 0 when out of memory. */
static uint64_t location_id(struct builder *b, const char *name, const char *module,
			    const char *file, int line, uint64_t addr)
{
	char key[1024];
	int klen = snprintf(key, sizeof(key), "%s%c%s%c%s%c%d", name ? name : "", 0,
			    module ? module : "", 0, file ? file : "", 0, line);
	if (klen < 0 || klen >= (int)sizeof(key))
		klen = sizeof(key) - 1;
	int added;
	long fid = intern_add(&b->funcs, key, (size_t)klen, (uint32_t)b->func_v.n + 1, &added);
	if (fid < 0)
		goto oom;
	if (added) {
		Perftools__Profiles__Function *f = vec_push(&b->func_v);
		if (!f)
			goto oom;
		perftools__profiles__function__init(f);
		f->id = (uint64_t)fid;
		f->name = str_id(b, name);
		f->system_name = f->name;
		f->filename = str_id(b, file);
		f->start_line = line;
	}
	char lkey[1100];
	int llen = snprintf(lkey, sizeof(lkey), "%ld%c%llx", fid, 0, (unsigned long long)addr);
	long lid = intern_add(&b->locs, lkey, (size_t)llen, (uint32_t)b->loc_v.n + 1, &added);
	if (lid < 0)
		goto oom;
	if (added) {
		Perftools__Profiles__Location *l = vec_push(&b->loc_v);
		Perftools__Profiles__Line *ln = vec_push(&b->line_v);
		if (!l || !ln)
			goto oom;
		perftools__profiles__location__init(l);
		perftools__profiles__line__init(ln);
		l->id = (uint64_t)lid;
		l->mapping_id = mapping_id(b, module);
		l->address = addr;
		ln->function_id = (uint64_t)fid;
		ln->line = line;
	}
	return (uint64_t)lid;
oom:
	b->oom = 1;
	return 0;
}

static struct sample *add_sample(struct builder *b, const uint64_t *locs, size_t nlocs, int pid)
{
	struct sample *s = vec_push(&b->sample_v);
	if (!s || !(s->locs = malloc((nlocs ? nlocs : 1) * sizeof(uint64_t)))) {
		b->oom = 1;
		return NULL;
	}
	memcpy(s->locs, locs, nlocs * sizeof(uint64_t));
	s->nlocs = nlocs;
	s->pid = pid;
	return s;
}

static int has_wall(const struct hp_proc *p)
{
	for (size_t i = 0; i < p->nfns; i++)
		if (p->fns[i].calls)
			return 1;
	for (size_t c = 0; c < p->nchildren; c++)
		if (has_wall(&p->children[c]))
			return 1;
	return 0;
}

static int has_cpu(const struct hp_proc *p)
{
	if (p->cpu && p->cpu->samples && p->cpu->nstacks)
		return 1;
	for (size_t c = 0; c < p->nchildren; c++)
		if (has_cpu(&p->children[c]))
			return 1;
	return 0;
}

static int has_heap(const struct hp_proc *p)
{
	if (p->mem.valid && p->mem.has_stacks && p->mem.nstacks)
		return 1;
	for (size_t c = 0; c < p->nchildren; c++)
		if (has_heap(&p->children[c]))
			return 1;
	return 0;
}

const char *hp_pprof_missing(const struct hp_proc *p, unsigned what)
{
	if ((what & HP_PPROF_WALL) && has_wall(p))
		return NULL;
	if ((what & HP_PPROF_CPU) && has_cpu(p))
		return NULL;
	if ((what & HP_PPROF_HEAP) && has_heap(p))
		return NULL;
	if (what & HP_PPROF_HEAP)
		return "no allocation stacks: the program did not run with --alloc-stacks "
		       "(docs/memory.md)";
	if (what & HP_PPROF_CPU)
		return "no CPU samples: the process was not sampled, or has not used the CPU yet "
		       "(docs/cpu.md)";
	return "no timed functions: build the program with -finstrument-functions or name "
	       "functions with --functions";
}

/* Wall time and calls of one process: each function row is a one-frame sample. */
static void add_wall(struct builder *b, const struct hp_proc *p)
{
	for (size_t i = 0; i < p->nfns && !b->oom; i++) {
		const struct hp_fn_row *r = &p->fns[i];
		if (!r->calls)
			continue;
		uint64_t loc = location_id(b, r->name, r->module, r->file, r->line, r->addr);
		struct sample *s = loc ? add_sample(b, &loc, 1, p->pid) : NULL;
		if (!s)
			return;
		s->values[0] = (int64_t)r->calls;
		s->values[1] = (int64_t)r->total_ns;
	}
	for (size_t c = 0; c < p->nchildren && !b->oom; c++)
		add_wall(b, &p->children[c]);
}

/* CPU samples of one process: a sample per stack (leaf first), values at columns `col` (samples)
 * and col + 1 (CPU ns). Stacks with no samples (a window's difference) are left out. */
static void add_cpu(struct builder *b, const struct hp_proc *p, int col)
{
	const struct hp_cpu_info *c = p->cpu;
	for (size_t i = 0; c && i < c->nstacks && !b->oom; i++) {
		const struct hp_cpu_stack *st = &c->stacks[i];
		if (!st->samples || !st->nframes)
			continue;
		uint64_t *locs = malloc(st->nframes * sizeof(uint64_t));
		if (!locs) {
			b->oom = 1;
			return;
		}
		for (size_t k = 0; k < st->nframes; k++) {
			const struct hp_cpu_frame *f = &st->frames[st->nframes - 1 - k];
			const struct hp_cpu_fn *fn = f->fn < c->nfns ? &c->fns[f->fn] : NULL;
			locs[k] = location_id(b, f->name, f->module, fn ? fn->file : NULL,
					      fn ? fn->line : 0, fn ? fn->addr : 0);
		}
		struct sample *s = add_sample(b, locs, st->nframes, p->pid);
		free(locs);
		if (!s)
			return;
		double ns = hp_cpu_ns(c, st->samples);
		s->values[col] = (int64_t)st->samples;
		s->values[col + 1] = isfinite(ns) ? (int64_t)llround(ns) : 0;
	}
	for (size_t k = 0; k < p->nchildren && !b->oom; k++)
		add_cpu(b, &p->children[k], col);
}

/* Allocation stacks (issue 16), Go's heap profile types: alloc_objects, alloc_space,
 * inuse_objects, inuse_space (in use = live at exit, or now for a running process). */
static void add_heap(struct builder *b, const struct hp_proc *p, int col)
{
	const struct hp_mem *m = &p->mem;
	for (size_t i = 0; m->has_stacks && i < m->nstacks && !b->oom; i++) {
		const struct hp_mem_stack *st = &m->stacks[i];
		if (!st->alloc_count || !st->nframes)
			continue;
		uint64_t *locs = malloc(st->nframes * sizeof(uint64_t));
		if (!locs) {
			b->oom = 1;
			return;
		}
		for (size_t k = 0; k < st->nframes; k++) { /* leaf first */
			const struct hp_mem_frame *f = &st->frames[st->nframes - 1 - k];
			locs[k] = location_id(b, f->name, f->module, f->file, f->line, 0);
		}
		struct sample *s = add_sample(b, locs, st->nframes, p->pid);
		free(locs);
		if (!s)
			return;
		s->values[col] = (int64_t)st->alloc_count;
		s->values[col + 1] = (int64_t)st->alloc_bytes;
		s->values[col + 2] = (int64_t)st->live_count;
		s->values[col + 3] = (int64_t)st->live_bytes;
	}
	for (size_t k = 0; k < p->nchildren && !b->oom; k++)
		add_heap(b, &p->children[k], col);
}

static void builder_free(struct builder *b)
{
	intern_free(&b->strings);
	intern_free(&b->funcs);
	intern_free(&b->locs);
	intern_free(&b->maps);
	char **s = b->str_v.v;
	for (size_t i = 0; i < b->str_v.n; i++)
		free(s[i]);
	struct sample *sm = b->sample_v.v;
	for (size_t i = 0; i < b->sample_v.n; i++)
		free(sm[i].locs);
	free(b->str_v.v);
	free(b->func_v.v);
	free(b->loc_v.v);
	free(b->line_v.v);
	free(b->map_v.v);
	free(b->sample_v.v);
}

/* Pointer arrays over a vec of messages, as protobuf-c wants them. */
static void **ptrs(struct vec *a)
{
	void **v = malloc((a->n ? a->n : 1) * sizeof(void *));
	for (size_t i = 0; v && i < a->n; i++)
		v[i] = (char *)a->v + i * a->size;
	return v;
}

/* The profile's sample types (value types interned in the builder) and its period type, the
 * last of them. */
static void value_types(struct builder *b, const char *const *types, const char *const *units,
			int ntypes, Perftools__Profiles__ValueType *vt,
			Perftools__Profiles__ValueType **vtp,
			Perftools__Profiles__ValueType *period)
{
	for (int i = 0; i < ntypes; i++) {
		perftools__profiles__value_type__init(&vt[i]);
		vt[i].type = str_id(b, types[i]);
		vt[i].unit = str_id(b, units[i]);
		vtp[i] = &vt[i];
	}
	perftools__profiles__value_type__init(period);
	period->type = vt[ntypes - 1].type;
	period->unit = vt[ntypes - 1].unit;
}

/* What protobuf-c packs beside the builder's vectors: a Sample and its pid Label per sample,
 * and pointer arrays over the functions, locations, mappings and lines. */
struct messages {
	Perftools__Profiles__Sample *samples, **sp;
	Perftools__Profiles__Label *labels, **lp;
	void **fp, **locp, **mp;
	Perftools__Profiles__Line **linep;
};

static void messages_free(struct messages *m)
{
	free(m->samples);
	free(m->sp);
	free(m->labels);
	free(m->lp);
	free(m->fp);
	free(m->locp);
	free(m->mp);
	free(m->linep);
}

/* Make m from the builder (samples labelled with `pid_key`): 0, or -ENOMEM when the builder ran
 * out of memory before or now. The caller frees m with messages_free either way. */
static int messages_make(struct builder *b, int64_t pid_key, int ntypes, struct messages *m)
{
	size_t ns = b->sample_v.n;
	struct sample *sm = b->sample_v.v;
	m->samples = calloc(ns ? ns : 1, sizeof(*m->samples));
	m->sp = calloc(ns ? ns : 1, sizeof(*m->sp));
	m->labels = calloc(ns ? ns : 1, sizeof(*m->labels));
	m->lp = calloc(ns ? ns : 1, sizeof(*m->lp));
	m->fp = ptrs(&b->func_v);
	m->locp = ptrs(&b->loc_v);
	m->mp = ptrs(&b->map_v);
	m->linep = (Perftools__Profiles__Line **)ptrs(&b->line_v);
	if (b->oom || !m->samples || !m->sp || !m->labels || !m->lp || !m->fp || !m->locp ||
	    !m->mp || !m->linep)
		return -ENOMEM;
	for (size_t i = 0; i < ns; i++) {
		Perftools__Profiles__Sample *s = &m->samples[i];
		perftools__profiles__sample__init(s);
		perftools__profiles__label__init(&m->labels[i]);
		s->n_location_id = sm[i].nlocs;
		s->location_id = sm[i].locs;
		s->n_value = (size_t)ntypes;
		s->value = sm[i].values;
		m->labels[i].key = pid_key;
		m->labels[i].num = sm[i].pid;
		m->lp[i] = &m->labels[i];
		s->n_label = 1;
		s->label = &m->lp[i];
		m->sp[i] = s;
	}
	Perftools__Profiles__Location *locs = b->loc_v.v;
	for (size_t i = 0; i < b->loc_v.n; i++) {
		locs[i].n_line = 1;
		locs[i].line = &m->linep[i];
	}
	return 0;
}

/* Serialize the builder's contents with the given sample types. */
static int pack(struct builder *b, const struct hp_proc *p, const char *const *types,
		const char *const *units, int ntypes, uint64_t duration_ns, uint8_t **out,
		size_t *len)
{
	Perftools__Profiles__ValueType vt[MAX_VALUES], *vtp[MAX_VALUES], period;
	value_types(b, types, units, ntypes, vt, vtp, &period);
	int64_t pid_key = str_id(b, "pid");
	char comment[600];
	snprintf(comment, sizeof(comment), "hotpath %s, pid %d: %s", HP_VERSION, p->pid,
		 p->argc > 0 && p->argv ? p->argv[0] : "?");
	int64_t comment_id = str_id(b, comment);
	struct messages m = {0};
	int rc = messages_make(b, pid_key, ntypes, &m);
	if (rc < 0)
		goto out;
	Perftools__Profiles__Profile prof;
	perftools__profiles__profile__init(&prof);
	prof.n_sample_type = (size_t)ntypes;
	prof.sample_type = vtp;
	prof.n_sample = b->sample_v.n;
	prof.sample = m.sp;
	prof.n_mapping = b->map_v.n;
	prof.mapping = (Perftools__Profiles__Mapping **)m.mp;
	prof.n_location = b->loc_v.n;
	prof.location = (Perftools__Profiles__Location **)m.locp;
	prof.n_function = b->func_v.n;
	prof.function = (Perftools__Profiles__Function **)m.fp;
	prof.n_string_table = b->str_v.n;
	prof.string_table = b->str_v.v;
	prof.time_nanos = p->start_unix_ns;
	prof.duration_nanos = (int64_t)(duration_ns ? duration_ns : p->wall_ns);
	prof.period_type = &period;
	prof.period = 1;
	prof.n_comment = 1;
	prof.comment = &comment_id;
	prof.default_sample_type = vt[b->default_col >= 0 && b->default_col < ntypes ? b->default_col
				      : ntypes > 1				     ? 1
										     : 0]
					   .type;
	size_t n = perftools__profiles__profile__get_packed_size(&prof);
	uint8_t *buf = malloc(n ? n : 1);
	rc = -ENOMEM;
	if (!buf)
		goto out;
	*len = perftools__profiles__profile__pack(&prof, buf);
	*out = buf;
	rc = 0;
out:
	messages_free(&m);
	return rc;
}

int hp_pprof_encode(const struct hp_proc *p, unsigned what, uint64_t duration_ns,
		    unsigned char **out, size_t *len, char *err, size_t errlen)
{
	const char *why = hp_pprof_missing(p, what);
	*out = NULL;
	*len = 0;
	if (why && what != HP_PPROF_ALL) {
		snprintf(err, errlen, "%s", why);
		return -ENODATA;
	}
	struct builder b;
	memset(&b, 0, sizeof(b));
	b.str_v.size = sizeof(char *);
	b.func_v.size = sizeof(Perftools__Profiles__Function);
	b.loc_v.size = sizeof(Perftools__Profiles__Location);
	b.line_v.size = sizeof(Perftools__Profiles__Line);
	b.map_v.size = sizeof(Perftools__Profiles__Mapping);
	b.sample_v.size = sizeof(struct sample);
	b.default_col = -1;
	str_id(&b, "");		/* string_table[0] */
	mapping_id(&b, p->exe); /* mapping[0]: the main executable */
	const char *types[MAX_VALUES], *units[MAX_VALUES];
	int nt = 0;
	/* A file with nothing in it still says what it would hold: calls and wall time. */
	if ((what & HP_PPROF_WALL) && (has_wall(p) || why)) {
		types[nt] = "calls", units[nt++] = "count";
		types[nt] = "wall", units[nt++] = "nanoseconds";
		add_wall(&b, p);
	}
	if ((what & HP_PPROF_CPU) && has_cpu(p)) {
		int col = nt;
		types[nt] = "samples", units[nt++] = "count";
		types[nt] = "cpu", units[nt++] = "nanoseconds";
		add_cpu(&b, p, col);
	}
	if ((what & HP_PPROF_HEAP) && has_heap(p)) {
		int col = nt;
		types[nt] = "alloc_objects", units[nt++] = "count";
		types[nt] = "alloc_space", units[nt++] = "bytes";
		types[nt] = "inuse_objects", units[nt++] = "count";
		types[nt] = "inuse_space", units[nt++] = "bytes";
		add_heap(&b, p, col);
		if (what == HP_PPROF_HEAP)
			b.default_col = col + 3; /* what go tool pprof shows a heap profile as */
	}
	b.nvalues = nt;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int rc = pack(&b, p, types, units, nt, duration_ns, &raw, &rawlen);
	builder_free(&b);
	if (rc == 0)
		rc = hp_gzip(raw, rawlen, 6, out, len);
	free(raw);
	if (rc < 0)
		snprintf(err, errlen, "out of memory encoding the profile");
	return rc;
}

int hp_gzip(const void *in, size_t len, int level, unsigned char **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer rather than zlib's. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t cap = deflateBound(&z, (uLong)len) + 32;
	unsigned char *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int zr = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*outlen = cap - z.avail_out;
	return 0;
}

int hp_pprof_write(FILE *f, const struct hp_proc *p)
{
	unsigned char *buf;
	size_t len;
	char err[256];
	int rc = hp_pprof_encode(p, HP_PPROF_ALL, 0, &buf, &len, err, sizeof(err));
	if (rc < 0)
		return rc;
	size_t w = fwrite(buf, 1, len, f);
	free(buf);
	return w == len ? 0 : -EIO;
}
