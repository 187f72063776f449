/*
 * attachment.h - files attached to any record of an entity that declares
 * E_ATTACHMENTS (customers, opportunities, contracts, ...).
 *
 * A file is stored once per content under DATA/uploads/ab/cd/<sha256>
 * (content-addressed: the same file attached twice is one file on disk);
 * its metadata is a row of `attachments`.  Who may do what follows the
 * parent record: list and download when the caller may see it, attach and
 * remove when they may edit it; otherwise the answer is 404, as for a record
 * that does not exist.  Attaching and removing are in the parent's history.
 * Removing keeps the file (the row is marked deleted), as the recycle bin
 * keeps records.
 */
#ifndef RAPPORT_ATTACHMENT_H
#define RAPPORT_ATTACHMENT_H

#include "entity.h"

#include <stddef.h>

/* The bytes to attach: an open file (read with pread, never into memory),
 * and its name on disk when it may be hard-linked into the store. */
typedef struct attachment_src {
	int fd;
	const char *path;              /* or NULL: the bytes are copied */
	int64_t size;
} attachment_src;

/* Attaches the file to e/id under `name` (UTF-8; a path keeps its last part).
 * Refusals, with nothing stored: 404 (no such record, not editable, or e
 * takes no attachments), 400 (no name, empty file), 413 (over the admin's
 * limit), 415 unsupported_media_type (an extension off the allow-list, or
 * content that does not match it).  Returns the new attachment's JSON. */
json_t *attachment_add(ent_op *op, const entity_def *e, int64_t id, const char *name, const attachment_src *src);
/* {"data":[...], "total":N}: the attachments of e/id, newest first. */
json_t *attachment_list(ent_op *op, const entity_def *e, int64_t id);
/* One attachment the caller may see (its parent visible), with its stored
 * file's path written into path; NULL (404) otherwise. */
json_t *attachment_get(ent_op *op, int64_t id, char *path, size_t n);
/* Removes an attachment whose parent the caller may edit; 0 or -1 (404). */
int attachment_delete(ent_op *op, int64_t id);

#endif
