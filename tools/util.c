/* util.c - the command-line tool's message helpers. */
#include <stdarg.h>
#include <stdio.h>

#include "hotpath.h"

static void say(const char *kind, const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "hotpath: %s%s\n", kind, line);
}

void hp_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
}

void hp_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("warning: ", fmt, ap);
	va_end(ap);
}
