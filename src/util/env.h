/* env.h - numeric settings read from the environment. */
#ifndef RAPPORT_ENV_H
#define RAPPORT_ENV_H

/* The integer in environment variable name, or def when it is unset or
 * empty; a value that is not a number in min..max is logged and def used. */
long env_long(const char *name, long def, long min, long max);

#endif
