/* open_regular.h - open a file named by someone we do not trust (a region under /dev/shm, a
 * module path read from a region) for reading, without blocking on a FIFO, opening a device
 * or (for regions) following a symbolic link. Readers only (it formats messages). */
#ifndef HP_OPEN_REGULAR_H
#define HP_OPEN_REGULAR_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read-only, O_CLOEXEC, O_NOFOLLOW unless `follow`, and refused unless it is a regular file:
 * the type is checked on an O_PATH descriptor (which opens nothing), then that same file is
 * opened through /proc/self/fd with O_NONBLOCK. Returns the fd (O_NONBLOCK cleared) with *st
 * filled, or -errno (-EBADMSG: not a regular file) with err set when errlen > 0. */
static inline int hp_open_regular(const char *path, int follow, struct stat *st, char *err,
				  size_t errlen)
{
	int nofollow = follow ? 0 : O_NOFOLLOW, fd = -1, e;
	struct stat pst;
	/* O_PATH opens nothing (no FIFO wait, no device open); the type is checked on that, and
	 * only a regular file is opened for reading, through /proc so that it is the same one. */
	int pfd = open(path, O_PATH | O_CLOEXEC | nofollow);
	if (pfd < 0) {
		e = errno;
		goto fail;
	}
	if (fstat(pfd, &pst) < 0) {
		e = errno;
		goto fail;
	}
	if (!S_ISREG(pst.st_mode)) {
		close(pfd);
		if (errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		return -EBADMSG;
	}
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) /* no /proc: open the name again, still without blocking */
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | nofollow);
	if (fd < 0 || fstat(fd, st) < 0) {
		e = errno;
		goto fail;
	}
	if (!S_ISREG(st->st_mode) || st->st_dev != pst.st_dev || st->st_ino != pst.st_ino) {
		close(pfd);
		close(fd);
		if (errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		return -EBADMSG;
	}
	close(pfd);
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
fail:
	if (pfd >= 0)
		close(pfd);
	if (fd >= 0)
		close(fd);
	if (errlen)
		snprintf(err, errlen, "%s: %s", path,
			 e == ELOOP || e == EMLINK ? "a symbolic link (not followed)"
						   : strerror(e));
	return -e;
}

#endif
