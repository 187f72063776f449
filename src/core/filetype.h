/*
 * filetype.h - the file types Rapport accepts as attachments: an allow-list
 * by extension, each type with the magic bytes its content must start with.
 * The stored Content-Type comes from here, never from the client, so a file
 * named .pdf that is really HTML is refused rather than served.
 */
#ifndef RAPPORT_FILETYPE_H
#define RAPPORT_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct filetype {
	const char *ext;               /* lower case, without the dot: "pdf" */
	const char *mime;              /* what downloads are served as */
	int magic;                     /* internal: which content test applies */
} filetype;

/* How many leading bytes filetype_matches wants to see (fewer for short files). */
#define FILETYPE_HEAD 4096

/* The allowed type of a file name by its extension (case-insensitive), or NULL. */
const filetype *filetype_by_name(const char *name);
/* Does the content starting with head[0..n) look like a t?  Text types
 * (txt, csv) accept any bytes without NUL and without a binary magic. */
bool filetype_matches(const filetype *t, const unsigned char *head, size_t n);
/* The allowed extensions, comma-separated, for messages: "pdf, png, ...". */
const char *filetype_allowed(void);

#endif
