/*
 * static.c - finds embedded assets by path.  Nothing here touches the file
 * system, so no path (/../ or otherwise) can reach outside the asset table.
 */
#include "static.h"

#include <string.h>

static const asset *lookup(const char *path)
{
	/* the table is small (tens of files); a linear scan costs nothing next to I/O */
	for (int i = 0; i < assets_count; i++)
		if (!strcmp(assets[i].path, path))
			return &assets[i];
	return NULL;
}

const asset *static_find(const char *path)
{
	if (!strcmp(path, "/"))
		return lookup("/index.html");
	const asset *a = lookup(path);
	if (a)
		return a;
	if (!strncmp(path, "/assets/", 8))
		return NULL;
	return lookup("/index.html");
}
