/* static.h - serving the embedded web app (see assets.h). */
#ifndef RAPPORT_STATIC_H
#define RAPPORT_STATIC_H

#include "assets.h"

#include <stdbool.h>

/* The asset for a request path: the file itself, the HTML shell for client
 * routes, or NULL (a missing file under /assets/, or no web app built). */
const asset *static_find(const char *path);

#endif
