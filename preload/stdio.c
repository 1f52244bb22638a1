/* stdio.c - stdio traffic per fd: glibc's FILE streams reach the kernel through the read and
 * write entries of their jump tables (_IO_file_read / _IO_new_file_write, which call the
 * internal __read/__write that the read/write hooks never see). We replace those two entries,
 * in every jump table of libc that has them, by wrappers that time the call and account its
 * bytes to the stream's fd like a read or write (chan.c): so `printf`, `fwrite`, `puts`,
 * `fflush`, `fread`, `getline`, `scanf`... count with the exact bytes that reached the fd.
 *
 * The tables live in libc's RELRO (__libc_IO_vtables): found by scanning libc's PT_GNU_RELRO
 * segment for the adjacent pair (read, write) of the exported _IO_file_read/_IO_file_write, and
 * written once in the constructor (one thread) with mprotect around it. The table pointers of
 * the streams do not change, so glibc's vtable validation is not involved. docs/dataflow.md. */
#include <link.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flow.h"

typedef ssize_t (*file_read_fn)(FILE *, void *, ssize_t);
typedef ssize_t (*file_write_fn)(FILE *, const void *, ssize_t);

static file_read_fn orig_read;
static file_write_fn orig_write;

static ssize_t stdio_read(FILE *f, void *buf, ssize_t n)
{
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return orig_read(f, buf, n);
	uint64_t t0 = hp_io_begin(f->_fileno, 0);
	ssize_t rc = orig_read(f, buf, n);
	hp_io_account(f->_fileno, 0, rc, rc > 0 ? (uint64_t)rc : 0, n > 0 ? (size_t)n : 0, t0, 1);
	return rc;
}

/* glibc's file write loops until everything is written or a call fails (errno then says why);
 * it returns what was written. A write of nothing that failed is passed on as -1 so that the
 * channel state sees EPIPE / EAGAIN. */
static ssize_t stdio_write(FILE *f, const void *buf, ssize_t n)
{
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return orig_write(f, buf, n);
	uint64_t t0 = hp_io_begin(f->_fileno, 1);
	ssize_t rc = orig_write(f, buf, n);
	hp_io_account(f->_fileno, 1, rc == 0 && n > 0 ? -1 : rc, rc > 0 ? (uint64_t)rc : 0,
		      n > 0 ? (size_t)n : 0, t0, 1);
	return rc;
}

struct relro {
	uintptr_t lib;	 /* an address inside libc */
	uintptr_t start; /* its PT_GNU_RELRO segment */
	uintptr_t end;
};

static int find_relro(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct relro *r = arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0, rs = 0, re = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + p->p_vaddr;
		if (p->p_type == PT_LOAD) {
			if (s < lo)
				lo = s;
			if (s + p->p_memsz > hi)
				hi = s + p->p_memsz;
		} else if (p->p_type == PT_GNU_RELRO) {
			rs = s;
			re = s + p->p_memsz;
		}
	}
	if (r->lib < lo || r->lib >= hi)
		return 0;
	r->start = rs;
	r->end = re;
	return 1;
}

/* Replace the (read, write) pairs; returns how many tables were changed. */
static int patch_tables(uintptr_t start, uintptr_t end, uintptr_t rd, uintptr_t wr)
{
	long page = sysconf(_SC_PAGESIZE);
	int n = 0;
	start = (start + 7) & ~(uintptr_t)7;
	for (uintptr_t a = start; a + 16 <= end; a += 8) {
		uintptr_t *w = (uintptr_t *)a;
		if (w[0] != rd || w[1] != wr)
			continue;
		uintptr_t pg = a & ~(uintptr_t)(page - 1);
		size_t len = (size_t)((a + 16 - pg + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1));
		if (mprotect((void *)pg, len, PROT_READ | PROT_WRITE) != 0)
			break;
		__atomic_store_n(&w[0], (uintptr_t)stdio_read, __ATOMIC_RELAXED);
		__atomic_store_n(&w[1], (uintptr_t)stdio_write, __ATOMIC_RELAXED);
		mprotect((void *)pg, len, PROT_READ); /* RELRO: read-only again */
		n++;
	}
	return n;
}

void hp_stdio_start(void)
{
	if (orig_write)
		return;
	struct hp_own own = hp_own_begin();
	void *rd = hp_next_lookup("_IO_file_read", NULL);
	void *wr = hp_next_lookup("_IO_file_write", NULL);
	struct relro r = {(uintptr_t)wr, 0, 0};
	if (rd && wr && dl_iterate_phdr(find_relro, &r) && r.end > r.start) {
		orig_read = (file_read_fn)rd;
		orig_write = (file_write_fn)wr;
		int n = patch_tables(r.start, r.end, (uintptr_t)rd, (uintptr_t)wr);
		if (!n)
			orig_write = NULL;
		hp_debug("stdio: %d jump tables of libc count their reads and writes", n);
	} else {
		hp_debug("stdio: libc's file jump tables not found: stdio traffic not counted");
	}
	hp_own_end(own);
}
