/* log.c - see log.h.  Each line is written with one call so threads don't interleave. */
#include "log.h"
#include "buf.h"
#include "clock.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int log_verbose = 1;

/* The timestamp: its date and time of day are formatted once a second per
 * thread (a line per request made gmtime and snprintf a measurable part of
 * a get by id), the milliseconds every time. */
static void timestamp(char ts[32])
{
	static _Thread_local int64_t head_sec = INT64_MIN;
	static _Thread_local char head[20]; /* "2026-11-29T11:37:51." */
	int64_t ms = clock_now_ms();
	int64_t frac = ((ms % 1000) + 1000) % 1000, sec = (ms - frac) / 1000;
	if (sec == head_sec) {
		memcpy(ts, head, 20);
		ts[20] = (char)('0' + frac / 100);
		ts[21] = (char)('0' + frac / 10 % 10);
		ts[22] = (char)('0' + frac % 10);
		memcpy(ts + 23, "Z", 2);
		return;
	}
	clock_format_iso(ms, ts, 32);
	if (strlen(ts) == 24) { /* years 0000-9999 */
		memcpy(head, ts, 20);
		head_sec = sec;
	}
}

static void emit(const char *level, const char *fmt, va_list ap)
{
	char ts[32];
	buf line = BUF_INIT;
	timestamp(ts);
	buf_add(&line, ts, strlen(ts));
	buf_addc(&line, ' ');
	buf_add(&line, level, strlen(level));
	buf_addc(&line, ' ');
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
