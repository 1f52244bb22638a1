/* pane_channels.c - the Channels tab: pipes, FIFOs, message queues, socketpairs and eventfds
 * of the model (p->chans, tools/report/report_flow.h): messages and bytes each way, time blocked in
 * the calls, largest transfer, and whether it is open. */
#include <math.h>
#include <stdio.h>

#include "console.h"
#include "tools/report/report_flow.h"

static int columns(struct hp_console *c, struct hp_col *cols, int max)
{
	(void)c;
	(void)max;
	static const struct hp_col def[] = {
		{"Channel", 24, 0, 1}, {"State", 6, 0, 0},  {"Msgs in", 9, 1, 0}, {"Bytes in", 10, 1, 0},
		{"Msgs out", 9, 1, 0}, {"Bytes out", 10, 1, 0}, {"Blocked", 10, 1, 0}, {"Max xfer", 10, 1, 0},
	};
	int n = (int)(sizeof(def) / sizeof(def[0]));
	for (int i = 0; i < n; i++)
		cols[i] = def[i];
	return n;
}

static size_t count(struct hp_console *c)
{
	return c->have_proc ? c->proc.nchans : 0;
}

static const char *label(struct hp_console *c, size_t i)
{
	const struct hp_chan_row *ch = &c->proc.chans[i];
	return ch->label ? ch->label : hp_chan_kind_name(ch->kind);
}

static uint64_t id(struct hp_console *c, size_t i)
{
	(void)c;
	return i + 1; /* creation order: stable across refreshes */
}

static double value(struct hp_console *c, size_t i, int col)
{
	const struct hp_chan_row *ch = &c->proc.chans[i];
	switch (col) {
	case 1: return ch->closed_ns ? 0 : 1;
	case 2: return (double)ch->messages_in;
	case 3: return (double)ch->bytes_in;
	case 4: return (double)ch->messages_out;
	case 5: return (double)ch->bytes_out;
	case 6: return (double)(ch->blocked_in_ns + ch->blocked_out_ns);
	case 7: return (double)(ch->max_in > ch->max_out ? ch->max_in : ch->max_out);
	default: return NAN;
	}
}

static void cell(struct hp_console *c, size_t i, int col, char *buf, size_t size)
{
	const struct hp_chan_row *ch = &c->proc.chans[i];
	double v = value(c, i, col);
	switch (col) {
	case 0: snprintf(buf, size, "%s", label(c, i)); break;
	case 1:
		snprintf(buf, size, "%s", ch->closed_ns ? "closed" : ch->state & HP_CHST_FULL ? "full" : "open");
		break;
	case 2: case 4: hp_con_fmt_count(buf, size, v); break;
	case 6: hp_fmt_ns(buf, size, v); break;
	default: hp_con_fmt_bytes(buf, size, v);
	}
}

static const char *empty(struct hp_console *c)
{
	if (c->have_proc && !(c->proc.modes & HP_MODE_CHANNELS))
		return "channel tracking is off for this process (HOTPATH_CHANNELS=0)";
	return "no channel created yet";
}

const struct hp_pane_ops hp_pane_channels = {
	.name = "Channels",
	.columns = columns,
	.count = count,
	.label = label,
	.id = id,
	.cell = cell,
	.key = value,
	.empty = empty,
	.default_sort = 3,
};
