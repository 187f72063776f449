/* log.c - see log.h.  Each line is written with one call so threads don't interleave. */
#include "log.h"
#include "buf.h"
#include "clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

int log_verbose = 1;

static void emit(const char *level, const char *fmt, va_list ap)
{
	char ts[32];
	buf line = BUF_INIT;
	clock_format_iso(clock_now_ms(), ts, sizeof(ts));
	buf_addf(&line, "%s %s ", ts, level);
	buf_vaddf(&line, fmt, ap);
	buf_addc(&line, '\n');
	ssize_t n = write(STDERR_FILENO, line.ptr, line.len);
	(void)n;
	buf_free(&line);
}

void log_info(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("info", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error", fmt, ap);
	va_end(ap);
}
