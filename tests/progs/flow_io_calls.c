/* flow_io_calls.c - every I/O call beyond read/write with a known number of bytes, for
 * test_flow.py (built with -D_FORTIFY_SOURCE=2, so the fixed-buffer read is __read_chk).
 *
 * In DIR: file "a" gets pwrite 3 x 2000, pwritev 100+200, pwritev2 300, and is read with
 * pread 2 x 500, preadv 300, preadv2 300, a fortified read of 100; sendfile moves 4096 bytes
 * of "a" into a pipe, vmsplice 100 more, splice moves the pipe's 4196 into file "b";
 * copy_file_range copies 5000 bytes of "a" into "c". A datagram socketpair carries sendmmsg's
 * 3 messages (10, 20, 30 bytes) to recvmmsg. A stream socketpair carries fprintf's lines
 * "line 0\n" .. "line 999\n" (8890 bytes) to fgets through FILE streams. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static char buf[8192];

static int open_in(const char *dir, const char *name, int flags)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, flags, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static void must(long got, long want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "%s: %ld, want %ld\n", what, got, want);
		exit(1);
	}
}

static void files(const char *dir)
{
	int a = open_in(dir, "a", O_RDWR | O_CREAT | O_TRUNC);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 3; i++)
		must(pwrite(a, buf, 2000, i * 2000), 2000, "pwrite");
	struct iovec v[2] = {{buf, 100}, {buf, 200}};
	must(pwritev(a, v, 2, 6000), 300, "pwritev");
	struct iovec w = {buf, 300};
	must(pwritev2(a, &w, 1, 6300, 0), 300, "pwritev2");
	for (int i = 0; i < 2; i++)
		must(pread(a, buf, 500, i * 500), 500, "pread");
	struct iovec r = {buf, 300};
	must(preadv(a, &r, 1, 0), 300, "preadv");
	must(preadv2(a, &r, 1, 300, 0), 300, "preadv2");
	char small[200];
	volatile size_t n = 100; /* not a constant: the fortified read checks it at run time */
	lseek(a, 0, SEEK_SET);
	must(read(a, small, n), 100, "read (fortified)");

	int p[2];
	if (pipe(p) < 0)
		exit(1);
	off_t off = 0;
	must(sendfile(p[1], a, &off, 4096), 4096, "sendfile");
	struct iovec u = {buf, 100};
	must(vmsplice(p[1], &u, 1, 0), 100, "vmsplice");
	int b = open_in(dir, "b", O_WRONLY | O_CREAT | O_TRUNC);
	must(splice(p[0], NULL, b, NULL, 4196, 0), 4196, "splice");
	int c = open_in(dir, "c", O_WRONLY | O_CREAT | O_TRUNC);
	loff_t in = 0;
	must(copy_file_range(a, &in, c, NULL, 5000, 0), 5000, "copy_file_range");
	close(a);
	close(b);
	close(c);
	close(p[0]);
	close(p[1]);
}

static void messages(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		exit(1);
	struct iovec iv[3] = {{buf, 10}, {buf, 20}, {buf, 30}};
	struct mmsghdr m[3];
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++) {
		m[i].msg_hdr.msg_iov = &iv[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	must(sendmmsg(sv[1], m, 3, 0), 3, "sendmmsg");
	static char rb[3][64];
	struct iovec rv[3] = {{rb[0], 64}, {rb[1], 64}, {rb[2], 64}};
	struct mmsghdr n[3];
	memset(n, 0, sizeof(n));
	for (int i = 0; i < 3; i++) {
		n[i].msg_hdr.msg_iov = &rv[i];
		n[i].msg_hdr.msg_iovlen = 1;
	}
	must(recvmmsg(sv[0], n, 3, 0, NULL), 3, "recvmmsg");
	must(n[0].msg_len + n[1].msg_len + n[2].msg_len, 60, "received");
	close(sv[0]);
	close(sv[1]);
}

static void streams(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		exit(1);
	FILE *w = fdopen(sv[1], "w");
	FILE *r = fdopen(sv[0], "r");
	for (int i = 0; i < 1000; i++)
		fprintf(w, "line %d\n", i);
	fclose(w);
	char line[64];
	long got = 0;
	while (fgets(line, sizeof(line), r))
		got += (long)strlen(line);
	must(got, 8890, "read through the stream");
	fclose(r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: flow_io_calls DIR\n");
		return 2;
	}
	files(argv[1]);
	messages();
	streams();
	return 0;
}
