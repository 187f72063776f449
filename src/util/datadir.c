/* datadir.c - see datadir.h. */
#include "datadir.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char *data_dir;

void datadir_set(const char *dir)
{
	free(data_dir);
	data_dir = dir ? xstrdup(dir) : NULL;
}

const char *datadir_get(void)
{
	return data_dir;
}

int datadir_sub(const char *sub, char *out, size_t n)
{
	int len;
	if (data_dir) {
		len = snprintf(out, n, "%s/%s", data_dir, sub);
	} else {
		const char *tmp = getenv("TMPDIR");
		len = snprintf(out, n, "%s/rapport-%s", tmp && *tmp ? tmp : "/tmp", sub);
	}
	if (len < 0 || (size_t)len >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}
