/* patch_plan.c - the launcher's half of patching (docs/patching.md): scan what the patterns
 * select in PROG and its libraries (patch_scan.c) and hand the plan to the child in a file
 * under /dev/shm named by HOTPATH_PATCH_PLAN, so that its constructor does not repeat the
 * analysis. */
#include <fcntl.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hotpath.h"
#include "hp/patch.h"
#include "hp/plan.h"
#include "patch_scan.h"

static int rec_cmp(const void *a, const void *b)
{
	const struct hp_plan_rec *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static char plan_path[128];

void hp_patch_plan_prepare(const char *prog, const char *patterns, unsigned long long session)
{
	unsetenv("HOTPATH_PATCH_PLAN");
	if (!patterns || !*patterns || getenv("HOTPATH_NO_PLAN"))
		return;
	elf_version(EV_CURRENT);
	struct hp_patch_scan st = {.patterns = patterns, .quiet = 1};
	if (hp_patch_scan_open(&st) < 0)
		return;
	hp_patch_scan(&st, prog);
	hp_patch_scan_close(&st);
	if (!st.nrecs)
		goto out;
	qsort(st.recs, st.nrecs, sizeof(*st.recs), rec_cmp);
	snprintf(plan_path, sizeof(plan_path), "/dev/shm/hpplan-%llu-%d", session, (int)getpid());
	int fd = open(plan_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	struct hp_plan_hdr h = {HP_PLAN_MAGIC, st.nrecs};
	size_t len = st.nrecs * sizeof(*st.recs);
	int ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
		 write(fd, st.recs, len) == (ssize_t)len;
	close(fd);
	if (ok)
		setenv("HOTPATH_PATCH_PLAN", plan_path, 1);
	else
		unlink(plan_path);
out:
	free(st.recs);
}

void hp_patch_plan_cleanup(void)
{
	if (plan_path[0])
		unlink(plan_path);
	plan_path[0] = 0;
}
