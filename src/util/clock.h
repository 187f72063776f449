/*
 * clock.h - wall-clock time in milliseconds since the epoch, UTC.
 *
 * Every "now" in Rapport comes from clock_now_ms() so that jobs and tests
 * can run at a chosen moment (clock_set_fixed), without waiting for it.
 */
#ifndef RAPPORT_CLOCK_H
#define RAPPORT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ms(void);
int64_t clock_monotonic_us(void);
/* Pins "now" to ms (0 unpins). Used by `jobs run --at`. */
void clock_set_fixed(int64_t ms);
/* Writes "2026-11-29T05:03:38.123Z" (24 chars + NUL) into out. */
void clock_format_iso(int64_t ms, char *out, size_t n);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or +00:00 / no zone = UTC); -1 when invalid. */
int clock_parse_iso(const char *s, int64_t *ms);
/* Parses a calendar date "YYYY-MM-DD"; -1 when invalid. */
int clock_parse_date(const char *s, int *y, int *m, int *d);

#endif
