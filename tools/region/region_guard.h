/* region_guard.h - read a mapped region with SIGBUS turned into an error. A page of a region
 * that cannot be read (the file was truncated under us, or it is a hole of a full tmpfs: a
 * read fault there needs a page the tmpfs cannot give) costs that region's data, never the
 * reader. Used by `hotpath run` for every region it gathers (the console has its own guard in
 * tui/screen.c, which also restores the terminal). */
#ifndef HP_REGION_GUARD_H
#define HP_REGION_GUARD_H

/* Call fn(arg) with SIGBUS caught. Returns fn's result, or -EFAULT when a SIGBUS ended it
 * (memory fn allocated before is leaked: once per bad region). Not reentrant. */
int hp_region_guarded(int (*fn)(void *arg), void *arg);

#endif
