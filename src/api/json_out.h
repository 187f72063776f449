/*
 * json_out.h - a Jansson value as compact JSON text, byte for byte what
 * json_dumps(JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) writes.
 *
 * Jansson's own dumper costs an snprintf and a hash table insertion per
 * object or array (its loop check) and a callback per token; a list page
 * of 50 records has over a hundred objects (bench/NOTES.md).
 */
#ifndef RAPPORT_JSON_OUT_H
#define RAPPORT_JSON_OUT_H

#include "../util/buf.h"

#include <jansson.h>

void json_out(buf *b, const json_t *j);

#endif
