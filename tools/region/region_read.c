/* region_read.c - map, validate and walk a region as untrusted input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "preload/arch/arch.h" /* the tick source */
#include "region_read.h"

int hp_rregion_check(const void *base, size_t size, char *err, size_t errlen)
{
	const struct hp_region_header *h = base;
	if (size < sizeof(*h)) {
		snprintf(err, errlen, "too small for a region (%zu bytes)", size);
		return -EBADMSG;
	}
	if (h->magic != HP_REGION_MAGIC) {
		snprintf(err, errlen, "not a hotpath region (bad magic)");
		return -EBADMSG;
	}
	if (h->version != HP_REGION_VERSION) {
		snprintf(err, errlen, "layout version %u, this hotpath reads version %u",
			 h->version, HP_REGION_VERSION);
		return -EPROTO;
	}
	if (h->header_size != sizeof(*h) || h->region_size != size) {
		snprintf(err, errlen, "corrupted header (size %llu, file %zu bytes)",
			 (unsigned long long)h->region_size, size);
		return -EBADMSG;
	}
	for (int t = 0; t < HP_T_COUNT; t++) {
		const struct hp_table *tb = &h->tables[t];
		uint64_t end = tb->offset + (uint64_t)tb->row_size * tb->capacity;
		if (tb->row_size != hp_table_row_size(t) || tb->offset < sizeof(*h) ||
		    tb->offset % 8 || end < tb->offset || end > size) {
			snprintf(err, errlen,
				 "corrupted table %d (offset %llu, %u rows of %u bytes)", t,
				 (unsigned long long)tb->offset, tb->capacity, tb->row_size);
			return -EBADMSG;
		}
	}
	if (h->cmdline_len >= sizeof(h->cmdline)) {
		snprintf(err, errlen, "corrupted command line length %u", h->cmdline_len);
		return -EBADMSG;
	}
	return 0;
}

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The TSC is invariant and shared by all CPUs (checked at build of the docs: constant_tsc,
 * nonstop_tsc), so the reader pairs the writer's start reading with its own now: the longest
 * baseline there is, live or after exit. */
static double calibrate(const struct hp_region_header *h)
{
	int64_t m0 = mono_now();
	uint64_t t = hp_arch_ticks();
	int64_t m1 = mono_now();
	uint64_t mono = (uint64_t)(m0 + (m1 - m0) / 2);
	if (t > h->ticks_t0 && mono > h->mono_t0)
		return (double)(mono - h->mono_t0) / (double)(t - h->ticks_t0);
	if (h->ticks_t1 > h->ticks_t0 && h->mono_t1 > h->mono_t0)
		return (double)(h->mono_t1 - h->mono_t0) / (double)(h->ticks_t1 - h->ticks_t0);
	return 1.0;
}

/* The start of /proc/pid/<name> in buf, NUL-terminated. 0, or -1 when there is none. */
static int read_proc(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Field 22 of /proc/pid/stat (start time in clock ticks) and whether the process has not
 * exited (a zombie has). Returns 0, or -1 when there is no such process. */
static int proc_start(int pid, unsigned long long *start, int *zombie)
{
	char buf[1024];
	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	*zombie = p[1] == ' ' && p[2] == 'Z';
	*start = 0;
	int field = 2;
	for (p++; *p; p++)
		if (*p == ' ' && ++field == 22) {
			*start = strtoull(p + 1, NULL, 10);
			break;
		}
	return 0;
}

/* The real and effective uid of a process (the Uid: line of /proc/pid/status). */
static int proc_uids(int pid, uid_t *ruid, uid_t *euid)
{
	char buf[4096];
	if (read_proc(pid, "status", buf, sizeof(buf)) < 0)
		return -1;
	const char *u = strstr(buf, "\nUid:");
	unsigned long r, e;
	if (!u || sscanf(u + 5, "%lu %lu", &r, &e) != 2)
		return -1;
	*ruid = (uid_t)r;
	*euid = (uid_t)e;
	return 0;
}

int hp_region_owner_ok(const struct stat *st, int pid, uint64_t start_ticks)
{
	uid_t me = geteuid(), ruid, euid;
	unsigned long long start;
	int zombie;
	/* The process the region names, if it is still that process (same start time). */
	int alive = pid > 0 && proc_start(pid, &start, &zombie) == 0 &&
		    (!start_ticks || start == start_ticks) && proc_uids(pid, &ruid, &euid) == 0;
	if (st->st_uid == me)
		return me == 0 || !start_ticks || !alive || ruid == me || euid == me;
	return me == 0 && alive && (st->st_uid == ruid || st->st_uid == euid);
}

int hp_rregion_open(const char *path, struct hp_rregion *r, char *err, size_t errlen)
{
	char why[200];
	memset(r, 0, sizeof(*r));
	struct stat st;
	int fd = hp_open_regular(path, 0, &st, err, errlen);
	if (fd < 0)
		return fd;
	if ((size_t)st.st_size < sizeof(struct hp_region_header)) {
		close(fd);
		snprintf(err, errlen, "%s: too small for a region (%lld bytes)", path,
			 (long long)st.st_size);
		return -EBADMSG;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot map: %s", path, strerror(e));
		return -e;
	}
	int rc = hp_rregion_check(m, (size_t)st.st_size, why, sizeof(why));
	if (rc < 0) {
		munmap(m, (size_t)st.st_size);
		snprintf(err, errlen, "%s: %s", path, why);
		return rc;
	}
	const struct hp_region_header *h = m;
	if (!hp_region_owner_ok(&st, h->pid, h->proc_start_ticks)) {
		snprintf(err, errlen,
			 "%s: owned by uid %u, who does not own process %d: not trusted", path,
			 (unsigned)st.st_uid, h->pid);
		munmap(m, (size_t)st.st_size);
		return -EPERM;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->base = m;
	r->size = (size_t)st.st_size;
	r->h = m;
	r->ns_per_tick = calibrate(r->h);
	return 0;
}

void hp_rregion_close(struct hp_rregion *r)
{
	if (r->base)
		munmap((void *)r->base, r->size);
	r->base = NULL;
	r->h = NULL;
}

uint32_t hp_rregion_rows(const struct hp_rregion *r, int table)
{
	if (table < 0 || table >= HP_T_COUNT)
		return 0;
	const struct hp_table *t = &r->h->tables[table];
	uint32_t claimed = __atomic_load_n(&t->claimed, __ATOMIC_ACQUIRE);
	return claimed < t->capacity ? claimed : t->capacity;
}

const void *hp_rregion_row(const struct hp_rregion *r, int table, uint32_t i)
{
	if (table < 0 || table >= HP_T_COUNT || i >= r->h->tables[table].capacity)
		return NULL;
	const struct hp_table *t = &r->h->tables[table];
	uint64_t off = t->offset + (uint64_t)i * t->row_size;
	if (off + t->row_size > r->size)
		return NULL;
	return r->base + off;
}

struct found {
	char *path;
	int64_t start;
};

static int by_start_desc(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	return x->start < y->start ? 1 : x->start > y->start ? -1 : strcmp(x->path, y->path);
}

static int list_regions(uint64_t session, int pid, int any, char ***paths)
{
	DIR *d = opendir(HP_REGION_DIR);
	*paths = NULL;
	if (!d)
		return -errno;
	struct found *v = NULL;
	int n = 0, cap = 0;
	struct dirent *de;
	size_t plen = strlen(HP_REGION_PREFIX);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, HP_REGION_PREFIX, plen))
			continue;
		int fpid = 0;
		long long start = 0;
		if (sscanf(de->d_name + plen, "%d-%lld", &fpid, &start) != 2)
			continue;
		if (pid > 0 && fpid != pid)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", HP_REGION_DIR, de->d_name);
		struct stat st;
		/* Type and owner from the directory entry: nothing is opened that could block. */
		if (!any && (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			     !S_ISREG(st.st_mode) || !hp_region_owner_ok(&st, fpid, 0)))
			continue;
		if (session) {
			/* Only the header is needed: read it rather than map the region. */
			struct hp_region_header h;
			int fd = hp_open_regular(path, 0, &st, NULL, 0);
			if (fd < 0)
				continue;
			ssize_t got = pread(fd, &h, sizeof(h), 0);
			close(fd);
			if (got != (ssize_t)sizeof(h) || h.magic != HP_REGION_MAGIC ||
			    h.session != session)
				continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct found *nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n].path = strdup(path);
		v[n].start = start;
		if (v[n].path)
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), by_start_desc);
	char **out = calloc((size_t)n + 1, sizeof(char *));
	if (!out) {
		for (int i = 0; i < n; i++)
			free(v[i].path);
		free(v);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		out[i] = v[i].path;
	free(v);
	*paths = out;
	return n;
}

int hp_region_list(uint64_t session, int pid, char ***paths)
{
	return list_regions(session, pid, 0, paths);
}

int hp_region_list_any(int pid, char ***paths)
{
	return list_regions(0, pid, 1, paths);
}

void hp_paths_free(char **paths, int n)
{
	for (int i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

int hp_region_writer_alive(const struct hp_region_header *h)
{
	unsigned long long start;
	int zombie;
	if (proc_start(h->pid, &start, &zombie) < 0 || zombie)
		return 0;
	return !h->proc_start_ticks || start == h->proc_start_ticks;
}
