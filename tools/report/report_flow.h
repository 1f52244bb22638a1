/* report_flow.h - the data-flow and concurrency part of the report: channels (pipes, FIFOs,
 * message queues, socketpairs, eventfds), locks, I/O per fd kind, and the threads table,
 * rendered as tables and JSON and loaded back (docs/dataflow.md). The rows are in
 * tools/region/model.h; tools/region/region_flow.c builds them from a region. */
#ifndef HP_REPORT_FLOW_H
#define HP_REPORT_FLOW_H

#include <stdint.h>
#include <stdio.h>

#include "tools/region/model.h"
#include "tools/report/report.h"

struct hp_jw;
struct hp_json;

/* Tables after the function and memory tables: channels, locks, I/O, threads. -ENOMEM or 0. */
int hp_flow_print(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o);
/* The "channels", "locks" and "io" members of one process object (report_flow_json.c). */
void hp_flow_json(struct hp_jw *w, const struct hp_proc *p);

/* "open", "reader closed", "writer closed" or "closed", with ", was full" when it was. */
void hp_chan_state_str(char *buf, size_t size, const struct hp_chan_row *c);

#endif
