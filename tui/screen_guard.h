/* screen_guard.h - SIGBUS guard around reads of a region that may be truncated under us:
 * source.c sets hp_con_in_read around the model build and sigsetjmps hp_con_read_jmp; the
 * fatal-signal handler of screen.c jumps back instead of dying. */
#ifndef HP_SCREEN_GUARD_H
#define HP_SCREEN_GUARD_H

#include <setjmp.h>
#include <signal.h>

extern volatile sig_atomic_t hp_con_in_read;
extern sigjmp_buf hp_con_read_jmp;

#endif
