/* sample.h - CPU sampling (sample.c) and the calls resumed after its signal (eintr.c). */
#ifndef HP_SAMPLE_H
#define HP_SAMPLE_H

#include <stdint.h>

void hp_sample_init(void);	   /* constructor, after the region exists */
void hp_sample_thread_start(void); /* a thread (main included) starts running the program */
void hp_sample_thread_end(void);   /* the calling thread ends: stop its timer */
void hp_sample_after_fork(void);   /* forked child, before hp_sample_thread_start */

/* Our signals handled so far on the calling thread; eintr.c compares it around a call. */
uint64_t hp_sample_signals(void);
/* Our handler is installed (sampling on and not stepped aside). */
int hp_sample_active(void);

#endif
