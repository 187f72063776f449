/*
 * log.h - one line per event on standard error, with a UTC timestamp.
 */
#ifndef RAPPORT_LOG_H
#define RAPPORT_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set to 0 to silence info lines (the unit tests do). */
extern int log_verbose;

#endif
