/* env.c - see env.h. */
#include "env.h"
#include "log.h"

#include <stdlib.h>

long env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < min || n > max) {
		log_error("%s=%s is not a number in %ld..%ld; using %ld", name, v, min, max, def);
		return def;
	}
	return n;
}
