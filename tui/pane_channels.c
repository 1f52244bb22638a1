/* pane_channels.c - the Channels tab: pipes, FIFOs, message queues, socketpairs and eventfds
 * of the model (p->chans, tools/report/report_flow.h): messages and bytes each way, time blocked in
 * the calls, largest transfer, and whether it is open. */
#include <math.h>
#include <stdio.h>

#include "console.h"
#include "tools/report/report_flow.h"

static const struct hp_chan_row *chan(struct hp_console *c, size_t i)
{
	return &c->proc.chans[i];
}

static double is_open(struct hp_console *c, size_t i, int arg)
{
	return chan(c, i)->closed_ns ? 0 : 1;
}

static double msgs_in(struct hp_console *c, size_t i, int arg)
{
	return (double)chan(c, i)->messages_in;
}

static double bytes_in(struct hp_console *c, size_t i, int arg)
{
	return (double)chan(c, i)->bytes_in;
}

static double msgs_out(struct hp_console *c, size_t i, int arg)
{
	return (double)chan(c, i)->messages_out;
}

static double bytes_out(struct hp_console *c, size_t i, int arg)
{
	return (double)chan(c, i)->bytes_out;
}

static double blocked(struct hp_console *c, size_t i, int arg)
{
	return (double)(chan(c, i)->blocked_in_ns + chan(c, i)->blocked_out_ns);
}

static double max_xfer(struct hp_console *c, size_t i, int arg)
{
	const struct hp_chan_row *ch = chan(c, i);
	return (double)(ch->max_in > ch->max_out ? ch->max_in : ch->max_out);
}

static const char *label(struct hp_console *c, size_t i);

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", label(c, i));
}

static void state_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	const struct hp_chan_row *ch = chan(c, i);
	snprintf(buf, size, "%s",
		 ch->closed_ns		    ? "closed"
		 : ch->state & HP_CHST_FULL ? "full"
					    : "open");
}

static const struct hp_col cols[] = {
	{.title = "Channel", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "State", .width = 6, .fmt = HP_COL_TEXT, .get = is_open, .text = state_text},
	{.title = "Msgs in", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = msgs_in},
	{.title = "Bytes in", .width = 10, .right = 1, .fmt = HP_COL_BYTES, .get = bytes_in},
	{.title = "Msgs out", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = msgs_out},
	{.title = "Bytes out", .width = 10, .right = 1, .fmt = HP_COL_BYTES, .get = bytes_out},
	{.title = "Blocked", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = blocked},
	{.title = "Max xfer", .width = 10, .right = 1, .fmt = HP_COL_BYTES, .get = max_xfer},
};

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

static const char *empty(struct hp_console *c)
{
	if (c->have_proc && !(c->proc.modes & HP_MODE_CHANNELS))
		return "channel tracking is off for this process (HOTPATH_CHANNELS=0)";
	return "no channel created yet";
}

const struct hp_pane_ops hp_pane_channels = {
	.name = "Channels",
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.empty = empty,
	.default_sort = 3,
};
