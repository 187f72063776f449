/* attachment.c - see attachment.h. */
#include "attachment.h"
#include "audit.h"
#include "filetype.h"
#include "record.h"
#include "settings.h"
#include "../util/clock.h"
#include "../util/datadir.h"
#include "../util/log.h"
#include "../util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_BYTES 255
#define CHUNK (64 * 1024)

static const char *const COLUMNS =
	"a.id, a.entity, a.record_id, a.name, a.content_type, a.size, a.sha256, a.created_by, u.name, a.created_at";

static json_t *row_json(db_stmt *s)
{
	int64_t id = db_col_int(s, 0);
	char url[48];
	snprintf(url, sizeof(url), "/api/attachments/%lld", (long long)id);
	return json_pack("{s:I,s:s,s:I,s:s,s:s,s:I,s:s,s:o,s:s,s:s}", "id", (json_int_t)id, "entity",
			 db_col_text(s, 1), "record_id", (json_int_t)db_col_int(s, 2), "name", db_col_text(s, 3),
			 "content_type", db_col_text(s, 4), "size", (json_int_t)db_col_int(s, 5), "sha256",
			 db_col_text(s, 6), "created_by",
			 db_col_is_null(s, 7) ? json_null()
					      : json_pack("{s:I,s:s?}", "id", (json_int_t)db_col_int(s, 7), "name",
							  db_col_text(s, 8)),
			 "created_at", db_col_text(s, 9), "url", url);
}

/* DATA/uploads/ab/cd/<sha256>, creating the two folders when mkdirs. */
static int store_path(const char *hex, char *out, size_t n, bool mkdirs)
{
	char root[4096];
	if (datadir_sub("uploads", root, sizeof(root)))
		return -1;
	int len = snprintf(out, n, "%s/%.2s", root, hex);
	if (mkdirs && mkdir(out, 0700) && errno != EEXIST)
		return -1;
	len = snprintf(out, n, "%s/%.2s/%.2s", root, hex, hex + 2);
	if (mkdirs && mkdir(out, 0700) && errno != EEXIST)
		return -1;
	len = snprintf(out, n, "%s/%.2s/%.2s/%s", root, hex, hex + 2, hex);
	return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The last path component, for names sent as "C:\dir\报价.pdf". */
static const char *base_name(const char *name)
{
	const char *b = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

static int check_name(ent_op *op, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (!n)
		return op_fail(op, 400, "bad_request", "the file name is required (?name=...)");
	if (n > NAME_MAX_BYTES)
		return op_fail(op, 400, "bad_request", "the file name is longer than %d bytes", NAME_MAX_BYTES);
	if (!utf8_valid(name, n))
		return op_fail(op, 400, "bad_request", "the file name is not UTF-8");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return op_fail(op, 400, "bad_request", "the file name has control characters");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return op_fail(op, 400, "bad_request", "the file name is not valid");
	return 0;
}

static int read_at(int fd, void *b, size_t n, int64_t off)
{
	ssize_t r;
	do
		r = pread(fd, b, n, off);
	while (r < 0 && errno == EINTR);
	return (int)r;
}

/* SHA-256 of the whole file, as 64 hex digits; reads CHUNK bytes at a time. */
static int hash_file(int fd, int64_t size, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char chunk[CHUNK], digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	for (int64_t off = 0; off < size;) {
		int r = read_at(fd, chunk, sizeof(chunk), off);
		if (r <= 0)
			return -1;
		crypto_hash_sha256_update(&st, chunk, (unsigned long long)r);
		off += r;
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return 0;
}

/* Puts the bytes at `to`: a hard link when they are a file on the same
 * disk, a copy otherwise.  *created tells whether `to` is new. */
static int store_file(const attachment_src *src, const char *to, bool *created)
{
	*created = false;
	if (access(to, F_OK) == 0)
		return 0; /* the same content is stored already */
	if (src->path && link(src->path, to) == 0) {
		*created = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	char tmp[4200];
	int len = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", to);
	int out = len > 0 && (size_t)len < sizeof(tmp) ? mkostemp(tmp, O_CLOEXEC) : -1;
	if (out < 0)
		return -1;
	unsigned char chunk[CHUNK];
	int rc = 0;
	for (int64_t off = 0; off < src->size && !rc;) {
		int r = read_at(src->fd, chunk, sizeof(chunk), off);
		if (r <= 0 || write(out, chunk, (size_t)r) != r)
			rc = -1;
		off += r;
	}
	if (fsync(out) || close(out))
		rc = -1;
	if (!rc && rename(tmp, to) == 0) {
		*created = true;
		return 0;
	}
	unlink(tmp);
	return -1;
}

static int64_t max_bytes(db *d)
{
	json_t *s = settings_attachments(d);
	int64_t mb = json_integer_value(json_object_get(s, "max_size_mb"));
	json_decref(s);
	return (mb > 0 ? mb : 20) * 1024 * 1024;
}

static json_t *load_one(ent_op *op, int64_t id)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT %s FROM attachments a LEFT JOIN users u ON u.id = a.created_by "
				   "WHERE a.id = ? AND a.deleted_at IS NULL", COLUMNS);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	json_t *out = rc == DB_ROW ? row_json(s) : NULL;
	db_done(s);
	if (rc != DB_ROW && rc != DB_DONE)
		op_db_fail(op, rc);
	else if (!out)
		op_fail(op, 404, "not_found", "no such attachment");
	return out;
}

static int history(ent_op *op, const entity_def *e, int64_t id, const char *action, const char *old_name,
		   const char *new_name)
{
	json_t *changes = json_pack("[{s:s,s:s?,s:s?}]", "field", "attachments", "old", old_name, "new", new_name);
	int rc = audit_write(op, e, id, action, changes);
	json_decref(changes);
	return rc;
}

static int64_t insert_row(ent_op *op, const entity_def *e, int64_t id, const char *name, const filetype *t,
			  int64_t size, const char *hex)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = db_prepare(op->db, "INSERT INTO attachments(entity, record_id, name, content_type, size, "
					"sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (!s)
		return op_db_fail(op, db_errcode(op->db)), 0;
	db_bind_str(s, 1, e->name);
	db_bind_int(s, 2, id);
	db_bind_str(s, 3, name);
	db_bind_str(s, 4, t->mime);
	db_bind_int(s, 5, size);
	db_bind_str(s, 6, hex);
	if (op->who && op->who->user.id)
		db_bind_int(s, 7, op->who->user.id);
	else
		db_bind_null(s, 7);
	db_bind_str(s, 8, now);
	int rc = db_step(s);
	int64_t new_id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!new_id)
		op_db_fail(op, rc == DB_ROW ? DB_ERR : rc);
	return new_id;
}

static const entity_def *attachable(ent_op *op, const entity_def *e)
{
	if (!e || !(e->flags & E_ATTACHMENTS)) {
		op_fail(op, 404, "not_found", "%s take no attachments", e ? e->name : "these records");
		return NULL;
	}
	return e;
}

json_t *attachment_add(ent_op *op, const entity_def *e, int64_t id, const char *name, const attachment_src *src)
{
	if (!attachable(op, e))
		return NULL;
	json_t *parent = record_get_for_update(op, e, id);
	if (!parent)
		return NULL;
	json_decref(parent);
	name = name ? base_name(name) : NULL;
	if (check_name(op, name))
		return NULL;
	if (src->size <= 0 || src->fd < 0) {
		op_fail(op, 400, "bad_request", "the file is empty (send its bytes as the request body)");
		return NULL;
	}
	int64_t max = max_bytes(op->db);
	if (src->size > max) {
		op_fail(op, 413, "payload_too_large", "the file is larger than the limit of %lld MB",
			(long long)(max / (1024 * 1024)));
		return NULL;
	}
	const filetype *t = filetype_by_name(name);
	if (!t) {
		op_fail(op, 415, "unsupported_media_type", "this type of file is not accepted; allowed: %s",
			filetype_allowed());
		return NULL;
	}
	unsigned char head[FILETYPE_HEAD];
	int got = read_at(src->fd, head, sizeof(head), 0);
	if (got < 0 || !filetype_matches(t, head, (size_t)got)) {
		op_fail(op, 415, "unsupported_media_type", "the content is not a .%s file", t->ext);
		return NULL;
	}
	char hex[65], path[4200];
	bool created = false;
	if (hash_file(src->fd, src->size, hex) || store_path(hex, path, sizeof(path), true) ||
	    store_file(src, path, &created)) {
		log_error("attachment: cannot store %s: %s", name, strerror(errno));
		op_fail(op, 500, "internal", "the file could not be stored");
		return NULL;
	}
	int64_t new_id = 0;
	if (op_begin(op) == 0) {
		new_id = insert_row(op, e, id, name, t, src->size, hex);
		if (new_id && history(op, e, id, "attachment_add", NULL, name))
			new_id = 0;
		if (!new_id)
			op_rollback(op);
		else if (op_commit(op))
			new_id = 0;
	}
	if (!new_id) {
		if (created)
			unlink(path); /* a file no row names (another upload of it links it again) */
		return NULL;
	}
	return load_one(op, new_id);
}

json_t *attachment_list(ent_op *op, const entity_def *e, int64_t id)
{
	if (!attachable(op, e))
		return NULL;
	json_t *parent = record_get(op, e, id);
	if (!parent)
		return NULL;
	json_decref(parent);
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT %s FROM attachments a LEFT JOIN users u ON u.id = a.created_by "
				   "WHERE a.entity = ? AND a.record_id = ? AND a.deleted_at IS NULL ORDER BY a.id DESC",
		 COLUMNS);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, e->name);
	db_bind_int(s, 2, id);
	json_t *data = json_array();
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		json_array_append_new(data, row_json(s));
	db_done(s);
	if (rc != DB_DONE) {
		json_decref(data);
		op_db_fail(op, rc);
		return NULL;
	}
	return json_pack("{s:I,s:o}", "total", (json_int_t)json_array_size(data), "data", data);
}

/* The attachment and its parent's entity, when the caller may see (or, with
 * for_update, edit) the parent; 404 otherwise. */
static json_t *load_checked(ent_op *op, int64_t id, bool for_update, const entity_def **pe)
{
	json_t *a = load_one(op, id);
	if (!a)
		return NULL;
	const entity_def *e = entity_find(json_string_value(json_object_get(a, "entity")));
	int64_t rid = json_integer_value(json_object_get(a, "record_id"));
	json_t *parent = e ? (for_update ? record_get_for_update(op, e, rid) : record_get(op, e, rid)) : NULL;
	if (!parent) {
		json_decref(a);
		ent_error_clear(&op->err);
		op_fail(op, 404, "not_found", "no such attachment");
		return NULL;
	}
	json_decref(parent);
	*pe = e;
	return a;
}

json_t *attachment_get(ent_op *op, int64_t id, char *path, size_t n)
{
	const entity_def *e;
	json_t *a = load_checked(op, id, false, &e);
	if (a && store_path(json_string_value(json_object_get(a, "sha256")), path, n, false)) {
		json_decref(a);
		op_fail(op, 500, "internal", "the data folder is not usable");
		return NULL;
	}
	return a;
}

int attachment_delete(ent_op *op, int64_t id)
{
	const entity_def *e;
	json_t *a = load_checked(op, id, true, &e);
	if (!a)
		return -1;
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	int rc = op_begin(op);
	if (!rc) {
		db_stmt *s = db_prepare(op->db, "UPDATE attachments SET deleted_at = ?, deleted_by = ? "
						"WHERE id = ? AND deleted_at IS NULL");
		int step = DB_ERR;
		if (s) {
			db_bind_str(s, 1, now);
			if (op->who && op->who->user.id)
				db_bind_int(s, 2, op->who->user.id);
			else
				db_bind_null(s, 2);
			db_bind_int(s, 3, id);
			step = db_step(s);
			db_done(s);
		}
		rc = step == DB_DONE ? 0 : op_db_fail(op, s ? step : db_errcode(op->db));
		if (!rc)
			rc = history(op, e, json_integer_value(json_object_get(a, "record_id")), "attachment_delete",
				     json_string_value(json_object_get(a, "name")), NULL);
		if (rc)
			op_rollback(op);
		else
			rc = op_commit(op);
	}
	json_decref(a);
	return rc ? -1 : 0;
}
