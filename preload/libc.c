/* libc.c - a tiny libc of our own for code inside the profiled process: string helpers, an
 * environment reader and a formatter that never allocate, take no locks and touch no locale,
 * so they work before main, inside our malloc hooks and in signal handlers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

size_t hp_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int hp_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int hp_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

size_t hp_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = hp_strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		hp_memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

void hp_memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;
	while (n--)
		*d++ = *s++;
}

int hp_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

const char *hp_getenv(const char *name)
{
	size_t n = hp_strlen(name);
	if (!environ || getauxval(AT_SECURE)) /* secure execution: no setting is taken */
		return NULL;
	for (char **e = environ; *e; e++)
		if (!hp_strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int hp_env_bool(const char *name, int def)
{
	const char *v = hp_getenv(name);
	if (!v || !*v)
		return def;
	if (!hp_strcmp(v, "1") || !hp_strcmp(v, "true") || !hp_strcmp(v, "yes") ||
	    !hp_strcmp(v, "on"))
		return 1;
	if (!hp_strcmp(v, "0") || !hp_strcmp(v, "false") || !hp_strcmp(v, "no") ||
	    !hp_strcmp(v, "off"))
		return 0;
	return def;
}

uint64_t hp_env_u64(const char *name, uint64_t def)
{
	const char *v = hp_getenv(name);
	uint64_t r = 0;
	if (!v || !*v)
		return def;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return def;
		r = r * 10 + (uint64_t)(*v - '0');
	}
	return r;
}

static size_t put_u64(char *tmp, uint64_t v, unsigned base)
{
	size_t n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	return n;
}

/* Supports %s %c %d %i %u %x %p %% with the l, ll and z length modifiers: enough for our debug
 * lines and file names. Always NUL-terminates; returns the length it would have written. */
int hp_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t o = 0;
#define PUT(ch)                                                                                    \
	do {                                                                                       \
		if (o + 1 < size)                                                                  \
			buf[o] = (ch);                                                             \
		o++;                                                                               \
	} while (0)
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			PUT(*f);
			continue;
		}
		f++;
		int lng = 0;
		while (*f == 'l' || *f == 'z')
			lng++, f++;
		char tmp[24];
		size_t n = 0;
		int neg = 0;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				PUT(*s);
			continue;
		}
		case 'c': PUT((char)va_arg(ap, int)); continue;
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
			neg = v < 0;
			n = put_u64(tmp, neg ? (uint64_t)-v : (uint64_t)v, 10);
			break;
		}
		case 'u':
			n = put_u64(tmp, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
				    10);
			break;
		case 'x':
			n = put_u64(tmp, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
				    16);
			break;
		case 'p':
			PUT('0');
			PUT('x');
			n = put_u64(tmp, (uint64_t)(uintptr_t)va_arg(ap, void *), 16);
			break;
		case '%': PUT('%'); continue;
		default:
			PUT('?');
			if (!*f)
				f--;
			continue;
		}
		if (neg)
			PUT('-');
		while (n)
			PUT(tmp[--n]);
	}
	if (size)
		buf[o < size ? o : size - 1] = 0;
#undef PUT
	return (int)o;
}

int hp_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = hp_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* One line to stderr when HOTPATH_DEBUG is set; async-signal-safe. */
void hp_debug(const char *fmt, ...)
{
	if (!hp_g.debug)
		return;
	struct hp_own own = hp_own_begin(); /* our own output: not the program's I/O (chan.c) */
	char line[512];
	int n = hp_snprintf(line, sizeof(line), "[hotpath %d] ", (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	hp_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = hp_strlen(line);
	line[len++] = '\n';
	ssize_t w = write(2, line, len);
	(void)w;
	hp_own_end(own);
}

int hp_gettid(void)
{
	return (int)syscall(SYS_gettid);
}

static ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	struct hp_own own = hp_own_begin(); /* our own reads: not the program's I/O (chan.c) */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
	if (fd >= 0)
		close(fd);
	hp_own_end(own);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* Fields of /proc/.../stat after the ")" that ends the command name, 1-based from field 3. */
static const char *stat_field(const char *buf, int field)
{
	const char *p = buf, *q;
	for (q = buf; *q; q++)
		if (*q == ')')
			p = q;
	if (*p != ')')
		return NULL;
	p++;
	for (int f = 2; f < field && *p; p++)
		if (*p == ' ')
			f++;
	return *p ? p : NULL;
}

static uint64_t parse_u64(const char *p)
{
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

uint64_t hp_proc_start_ticks(int pid)
{
	char path[64], buf[1024];
	hp_snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	const char *p = stat_field(buf, 22);
	return p ? parse_u64(p) : 0;
}

void hp_read_thread_cpu(int tid, uint64_t *user_ns, uint64_t *sys_ns)
{
	char path[64], buf[1024];
	*user_ns = *sys_ns = 0;
	if (tid == hp_gettid()) {
		/* The calling thread: the kernel's split of its exact run time (µs), not ticks. */
		struct rusage ru;
		if (getrusage(RUSAGE_THREAD, &ru) == 0) {
			*user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull +
				   (uint64_t)ru.ru_utime.tv_usec * 1000ull;
			*sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull +
				  (uint64_t)ru.ru_stime.tv_usec * 1000ull;
			return;
		}
	}
	hp_snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return;
	const char *u = stat_field(buf, 14), *s = stat_field(buf, 15);
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	if (u)
		*user_ns = parse_u64(u) * (1000000000ull / (uint64_t)hz);
	if (s)
		*sys_ns = parse_u64(s) * (1000000000ull / (uint64_t)hz);
}

void hp_thread_cpu_final(struct hp_thread_rec *tr)
{
	struct timespec t;
	hp_read_thread_cpu(tr->tid, &tr->cpu_user_ns, &tr->cpu_sys_ns);
	if (tr->tid == hp_gettid() && clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0)
		tr->cpu_ns = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
