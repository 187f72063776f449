/*
 * backup.c - writing and reading the backup file (see backup.h): a ustar
 * archive with a manifest and a checksum of the whole, hashed as it is
 * written and verified by reading it back.
 */
#include "backup.h"
#include "dump.h"
#include "../db/db_backup.h"
#include "../db/migrate.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/xalloc.h"
#include "../version.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 512
#define CHUNK (256 * 1024)

static int say(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static void hex_of(crypto_hash_sha256_state *st, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int backup_file_sha256(const char *path, char hex[65], long long *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char *b = xmalloc(CHUNK);
	size_t got;
	long long total = 0;
	while ((got = fread(b, 1, CHUNK, f)) > 0) {
		crypto_hash_sha256_update(&st, b, got);
		total += (long long)got;
	}
	int rc = ferror(f) ? -1 : 0;
	fclose(f);
	free(b);
	hex_of(&st, hex);
	if (size)
		*size = total;
	return rc;
}

/* ---- writing ---- */

typedef struct tar_w {
	FILE *f;
	crypto_hash_sha256_state whole;   /* every byte written so far */
	json_t *parts;
	int64_t mtime;
} tar_w;

static int put(tar_w *w, const void *p, size_t len)
{
	crypto_hash_sha256_update(&w->whole, p, len);
	return fwrite(p, 1, len, w->f) == len ? 0 : -1;
}

/* width-1 octal digits and a NUL (v fits: callers check) */
static void octal(char *field, size_t width, unsigned long long v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

/* dir/name into out; -1 when it does not fit */
static int join(char *out, size_t n, const char *dir, const char *name)
{
	int len = snprintf(out, n, "%s/%s", dir, name);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* A ustar header for a regular file; name split into prefix/name when long. */
static int header(unsigned char blk[BLOCK], const char *name, unsigned long long size, int64_t mtime)
{
	memset(blk, 0, BLOCK);
	size_t len = strlen(name);
	const char *base = name;
	if (len > 100) {
		/* split at a '/' so the prefix holds at most 155 bytes and the rest 100 */
		const char *cut = NULL;
		for (const char *p = name; *p; p++)
			if (*p == '/' && (size_t)(p - name) <= 155 && strlen(p + 1) <= 100 && p != name)
				cut = p;
		if (!cut)
			return -1;
		memcpy(blk + 345, name, (size_t)(cut - name));
		base = cut + 1;
	}
	memcpy(blk, base, strlen(base));
	octal((char *)blk + 100, 8, 0600);
	octal((char *)blk + 108, 8, 0);
	octal((char *)blk + 116, 8, 0);
	if (size > 077777777777ULL) {
		/* GNU base-256 for files of 8 GiB and more */
		blk[124] = 0x80;
		for (int i = 11; i >= 1; i--, size >>= 8)
			blk[124 + i] = (unsigned char)(size & 0xff);
	} else {
		octal((char *)blk + 124, 12, size);
	}
	octal((char *)blk + 136, 12, (unsigned long long)(mtime > 0 ? mtime : 0));
	blk[156] = '0';
	memcpy(blk + 257, "ustar", 6);
	memcpy(blk + 263, "00", 2);
	memcpy(blk + 265, "rapport", 7);
	memcpy(blk + 297, "rapport", 7);
	memset(blk + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < BLOCK; i++)
		sum += blk[i];
	snprintf((char *)blk + 148, 8, "%06o", sum);
	blk[155] = ' ';
	return 0;
}

static int pad(tar_w *w, unsigned long long size)
{
	static const unsigned char zero[BLOCK];
	size_t r = (size_t)(size % BLOCK);
	return r ? put(w, zero, BLOCK - r) : 0;
}

static void record_part(tar_w *w, const char *name, unsigned long long size, crypto_hash_sha256_state *st)
{
	char hex[65];
	hex_of(st, hex);
	json_array_append_new(w->parts, json_pack("{s:s,s:I,s:s}", "name", name, "size", (json_int_t)size, "sha256", hex));
}

static int add_bytes(tar_w *w, const char *name, const void *data, size_t len, bool part, char *err, size_t n)
{
	unsigned char blk[BLOCK];
	if (header(blk, name, len, w->mtime) || put(w, blk, BLOCK) || put(w, data, len) || pad(w, len))
		return say(err, n, "cannot write the backup: %s", strerror(errno));
	if (part) {
		crypto_hash_sha256_state st;
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, data, len);
		record_part(w, name, len, &st);
	}
	return 0;
}

static int add_file(tar_w *w, const char *name, const char *path, char *err, size_t n)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return say(err, n, "cannot read %s: %s", path, strerror(errno));
	}
	unsigned long long size = (unsigned long long)st.st_size, left = size;
	unsigned char blk[BLOCK];
	if (header(blk, name, size, st.st_mtime)) {
		close(fd);
		return say(err, n, "a file name too long for the backup: %s", name);
	}
	int rc = put(w, blk, BLOCK);
	crypto_hash_sha256_state ph;
	crypto_hash_sha256_init(&ph);
	unsigned char *b = xmalloc(CHUNK);
	while (!rc && left) {
		size_t want = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t got = read(fd, b, want);
		if (got <= 0) {
			/* the file shrank while being copied: keep the declared size with zeros */
			memset(b, 0, want);
			got = (ssize_t)want;
		}
		crypto_hash_sha256_update(&ph, b, (size_t)got);
		rc = put(w, b, (size_t)got);
		left -= (unsigned long long)got;
	}
	free(b);
	close(fd);
	if (rc || pad(w, size))
		return say(err, n, "cannot write the backup: %s", strerror(errno));
	record_part(w, name, size, &ph);
	return 0;
}

/* Every regular file under dir (recursively, symlinks skipped), named prefix/relative. */
static int add_tree(tar_w *w, const char *dir, const char *prefix, char *err, size_t n)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : say(err, n, "cannot read %s: %s", dir, strerror(errno));
	/* sorted, so two backups of the same folder list it the same way */
	struct dirent **names = NULL;
	closedir(d);
	int count = scandir(dir, &names, NULL, alphasort);
	int rc = count < 0 ? say(err, n, "cannot read %s: %s", dir, strerror(errno)) : 0;
	for (int i = 0; i < count; i++) {
		const char *nm = names[i]->d_name;
		if (!rc && strcmp(nm, ".") && strcmp(nm, "..")) {
			char path[4096], name[1024];
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			snprintf(name, sizeof(name), "%s/%s", prefix, nm);
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
				rc = add_tree(w, path, name, err, n);
			else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
				rc = add_file(w, name, path, err, n);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		unlink(dir);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* The database part into dir: SQLite's online copy (checked), or the portable dump. */
static int database_part(db *d, const char *data_dir, const char *dir, char *part, size_t pn, char *err, size_t n)
{
	char path[4096];
	if (db_kind(d) == DB_SQLITE) {
		char src[4096];
		if (join(src, sizeof(src), data_dir, "rapport.db") || join(path, sizeof(path), dir, "rapport.db"))
			return say(err, n, "the data folder's path is too long");
		if (db_sqlite_snapshot(src, path, err, n) || db_sqlite_integrity(path, err, n))
			return -1;
		snprintf(part, pn, "%s", path);
		return 0;
	}
	if (join(path, sizeof(path), dir, "dump.jsonl"))
		return say(err, n, "the data folder's path is too long");
	FILE *f = fopen(path, "w");
	if (!f)
		return say(err, n, "cannot write %s: %s", path, strerror(errno));
	int rc = dump_write(d, f);
	if (fclose(f) || rc)
		return say(err, n, "the database dump failed: %s", db_errmsg(d));
	snprintf(part, pn, "%s", path);
	return 0;
}

int backup_write(db *d, const char *data_dir, const char *out_path, json_t **info, char *err, size_t n)
{
	int64_t t0 = clock_monotonic_us();
	char tmpdir[4096], tmpfile[4096], part[4096], created[32];
	snprintf(tmpdir, sizeof(tmpdir), "%s.tmp-%d.d", out_path, (int)getpid());
	snprintf(tmpfile, sizeof(tmpfile), "%s.tmp-%d", out_path, (int)getpid());
	if (mkdir(tmpdir, 0700) && errno != EEXIST)
		return say(err, n, "cannot write beside %s: %s", out_path, strerror(errno));
	clock_format_iso(clock_now_ms(), created, sizeof(created));
	int schema = migrate_current(d);
	const char *backend = db_kind_name(d);
	tar_w w = { .parts = json_array(), .mtime = clock_now_ms() / 1000 };
	crypto_hash_sha256_init(&w.whole);
	int rc = database_part(d, data_dir, tmpdir, part, sizeof(part), err, n);
	if (!rc && !(w.f = fopen(tmpfile, "wb")))
		rc = say(err, n, "cannot write %s: %s", tmpfile, strerror(errno));
	if (!rc)
		rc = add_bytes(&w, "RAPPORT-BACKUP", BACKUP_MAGIC, strlen(BACKUP_MAGIC), false, err, n);
	if (!rc)
		rc = add_file(&w, db_kind(d) == DB_SQLITE ? "database/rapport.db" : "database/dump.jsonl", part, err, n);
	if (!rc) {
		char uploads[4096];
		snprintf(uploads, sizeof(uploads), "%s/uploads", data_dir);
		rc = add_tree(&w, uploads, "uploads", err, n);
	}
	json_t *manifest = json_pack("{s:s,s:i,s:s,s:i,s:s,s:s,s:O}", "format", "rapport-backup", "format_version",
				     BACKUP_FORMAT_VERSION, "backend", backend, "schema_version", schema, "created_at",
				     created, "app_version", RAPPORT_VERSION, "parts", w.parts);
	if (!rc) {
		char *txt = json_dumps(manifest, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		rc = add_bytes(&w, "manifest.json", txt, strlen(txt), false, err, n);
		free(txt);
	}
	if (!rc) {
		/* the checksum of everything before it, then the end of the archive */
		char hex[66];
		crypto_hash_sha256_state copy = w.whole;
		hex_of(&copy, hex);
		hex[64] = '\n';
		hex[65] = '\0';
		static const unsigned char zero[2 * BLOCK];
		unsigned char blk[BLOCK];
		header(blk, "SHA256", 65, w.mtime);
		if (fwrite(blk, 1, BLOCK, w.f) != BLOCK || fwrite(hex, 1, 65, w.f) != 65 ||
		    fwrite(zero, 1, BLOCK - 65, w.f) != BLOCK - 65 || fwrite(zero, 1, sizeof(zero), w.f) != sizeof(zero))
			rc = say(err, n, "cannot write the backup: %s", strerror(errno));
	}
	if (w.f) {
		if (!rc && (fflush(w.f) || fsync(fileno(w.f))))
			rc = say(err, n, "cannot write the backup: %s", strerror(errno));
		if (fclose(w.f) && !rc)
			rc = say(err, n, "cannot write the backup: %s", strerror(errno));
	}
	remove_tree(tmpdir);
	/* checked after writing: read it all back as a restore would */
	json_t *check = NULL;
	if (!rc && backup_read(tmpfile, NULL, &check, err, n))
		rc = -1;
	if (!rc && !json_equal(json_object_get(check, "parts"), w.parts))
		rc = say(err, n, "the backup reads back differently from what was written");
	if (!rc && rename(tmpfile, out_path))
		rc = say(err, n, "cannot write %s: %s", out_path, strerror(errno));
	if (rc)
		unlink(tmpfile);
	if (!rc && info) {
		const char *slash = strrchr(out_path, '/');
		*info = json_pack("{s:s,s:O,s:O,s:s,s:s,s:i,s:O,s:I}", "file", slash ? slash + 1 : out_path, "size",
				  json_object_get(check, "size"), "sha256", json_object_get(check, "sha256"),
				  "created_at", created, "backend", backend, "schema_version", schema, "parts", w.parts,
				  "duration_ms", (json_int_t)((clock_monotonic_us() - t0) / 1000));
	}
	json_decref(check);
	json_decref(manifest);
	json_decref(w.parts);
	return rc;
}

/* ---- reading ---- */

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static int parse_octal(const unsigned char *p, size_t width, unsigned long long *out)
{
	if (p[0] & 0x80) { /* base-256 */
		unsigned long long v = 0;
		for (size_t i = 1; i < width; i++)
			v = (v << 8) | p[i];
		*out = v;
		return 0;
	}
	unsigned long long v = 0;
	size_t i = 0;
	while (i < width && p[i] == ' ')
		i++;
	bool any = false;
	for (; i < width && p[i] >= '0' && p[i] <= '7'; i++, any = true)
		v = v * 8 + (unsigned)(p[i] - '0');
	if (!any || (i < width && p[i] != ' ' && p[i] != '\0'))
		return -1;
	*out = v;
	return 0;
}

static int header_ok(const unsigned char blk[BLOCK], char name[300], unsigned long long *size)
{
	unsigned long long want;
	if (memcmp(blk + 257, "ustar", 5) || parse_octal(blk + 148, 8, &want))
		return -1;
	unsigned sum = 0;
	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : blk[i];
	if (sum != want || (blk[156] != '0' && blk[156] != '\0') || parse_octal(blk + 124, 12, size))
		return -1;
	char base[101], prefix[156];
	memcpy(base, blk, 100);
	base[100] = '\0';
	memcpy(prefix, blk + 345, 155);
	prefix[155] = '\0';
	if (prefix[0])
		snprintf(name, 300, "%s/%s", prefix, base);
	else
		snprintf(name, 300, "%s", base);
	return name[0] ? 0 : -1;
}

/* A member name that may be written under the extraction folder. */
static bool safe_name(const char *name)
{
	if (strncmp(name, "database/", 9) && strncmp(name, "uploads/", 8))
		return false;
	if (strstr(name, "//") || name[strlen(name) - 1] == '/')
		return false;
	for (const char *p = name; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return false;
		if (*p == '.' && (p[1] == '/' || !p[1]))
			return false;
	}
	return true;
}

static int make_parents(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

#define DAMAGED "the backup file is damaged"

int backup_read(const char *path, const char *extract_dir, json_t **info, char *err, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return say(err, n, "cannot open %s: %s", path, strerror(errno));
	crypto_hash_sha256_state whole, file;
	crypto_hash_sha256_init(&whole);
	crypto_hash_sha256_init(&file);
	unsigned char blk[BLOCK];
	unsigned char *b = xmalloc(CHUNK);
	json_t *seen = json_array(), *manifest = NULL;
	char whole_hex[65] = "", trailer[65] = "";
	int rc = -1, members = 0;
	long long total = 0;
	bool ended = false;
#define READ(p, len) (fread((p), 1, (len), f) == (len) ? (crypto_hash_sha256_update(&file, (p), (len)), total += (long long)(len), 0) : -1)
	for (;;) {
		if (READ(blk, BLOCK)) {
			say(err, n, members ? DAMAGED " (it ends too early: truncated?)" : "not a Rapport backup (the file is empty or too short)");
			goto out;
		}
		if (all_zero(blk, BLOCK)) {
			/* the end: only right after the SHA256 member, then one more zero block */
			if (!trailer[0] || READ(blk, BLOCK) || !all_zero(blk, BLOCK)) {
				say(err, n, trailer[0] ? DAMAGED " (its end is missing: truncated?)" : DAMAGED " (it ends before its checksum: truncated?)");
				goto out;
			}
			ended = true;
			break;
		}
		char name[300];
		unsigned long long size;
		if (header_ok(blk, name, &size)) {
			say(err, n, members ? DAMAGED " (a header does not check out)" : "not a Rapport backup file");
			goto out;
		}
		if (trailer[0]) {
			say(err, n, DAMAGED " (data after its checksum)");
			goto out;
		}
		members++;
		bool is_trailer = !strcmp(name, "SHA256");
		if (is_trailer) {
			crypto_hash_sha256_state copy = whole;
			hex_of(&copy, whole_hex);
		} else {
			crypto_hash_sha256_update(&whole, blk, BLOCK);
		}
		if (members == 1 && (strcmp(name, "RAPPORT-BACKUP") || size != strlen(BACKUP_MAGIC))) {
			say(err, n, "not a Rapport backup file");
			goto out;
		}
		bool small = members == 1 || is_trailer || !strcmp(name, "manifest.json");
		if (small && size > 1024 * 1024) {
			say(err, n, DAMAGED " (a header does not check out)");
			goto out;
		}
		if (!small && (manifest || !safe_name(name))) {
			say(err, n, manifest ? DAMAGED " (parts after the manifest)" : DAMAGED " (an unexpected part: %s)", name);
			goto out;
		}
		FILE *outf = NULL;
		if (extract_dir && !small) {
			char dest[4096];
			snprintf(dest, sizeof(dest), "%s/%s", extract_dir, name);
			if (make_parents(extract_dir, name) || !(outf = fopen(dest, "wb"))) {
				say(err, n, "cannot write %s: %s", dest, strerror(errno));
				goto out;
			}
		}
		crypto_hash_sha256_state ph;
		crypto_hash_sha256_init(&ph);
		buf small_buf = BUF_INIT;
		unsigned long long left = size + (size % BLOCK ? BLOCK - size % BLOCK : 0), data_left = size;
		bool bad = false;
		while (left && !bad) {
			size_t want = left < CHUNK ? (size_t)left : CHUNK;
			if (READ(b, want)) {
				bad = true;
				break;
			}
			if (!is_trailer)
				crypto_hash_sha256_update(&whole, b, want);
			size_t data = data_left < want ? (size_t)data_left : want;
			if (!all_zero(b + data, want - data)) /* padding must be zeros */
				bad = true;
			crypto_hash_sha256_update(&ph, b, data);
			if (small)
				buf_add(&small_buf, b, data);
			if (outf && fwrite(b, 1, data, outf) != data) {
				say(err, n, "cannot write the extracted files: %s", strerror(errno));
				fclose(outf);
				buf_free(&small_buf);
				goto out;
			}
			data_left -= data;
			left -= want;
		}
		if (outf && fclose(outf) && !bad) {
			say(err, n, "cannot write the extracted files: %s", strerror(errno));
			buf_free(&small_buf);
			goto out;
		}
		if (bad) {
			say(err, n, DAMAGED " (it ends too early: truncated?)");
			buf_free(&small_buf);
			goto out;
		}
		if (members == 1 && memcmp(small_buf.ptr, BACKUP_MAGIC, strlen(BACKUP_MAGIC))) {
			say(err, n, "not a Rapport backup file");
			buf_free(&small_buf);
			goto out;
		}
		if (is_trailer) {
			if (size != 65 || small_buf.ptr[64] != '\n') {
				say(err, n, DAMAGED " (its checksum is unreadable)");
				buf_free(&small_buf);
				goto out;
			}
			memcpy(trailer, small_buf.ptr, 64);
			trailer[64] = '\0';
		} else if (!strcmp(name, "manifest.json")) {
			json_error_t je;
			manifest = json_loadb(buf_str(&small_buf), small_buf.len, 0, &je);
			if (!json_is_object(manifest)) {
				say(err, n, DAMAGED " (its manifest is unreadable)");
				buf_free(&small_buf);
				goto out;
			}
		} else if (members > 1) {
			char hex[65];
			hex_of(&ph, hex);
			json_array_append_new(seen, json_pack("{s:s,s:I,s:s}", "name", name, "size", (json_int_t)size, "sha256", hex));
		}
		buf_free(&small_buf);
	}
	(void)ended;
	if (!manifest) {
		say(err, n, DAMAGED " (no manifest)");
		goto out;
	}
	if (strcmp(trailer, whole_hex)) {
		say(err, n, DAMAGED " (its checksum does not match: a changed byte?)");
		goto out;
	}
	const char *fmt = json_string_value(json_object_get(manifest, "format"));
	if (!fmt || strcmp(fmt, "rapport-backup")) {
		say(err, n, "not a Rapport backup file");
		goto out;
	}
	if (json_integer_value(json_object_get(manifest, "format_version")) != BACKUP_FORMAT_VERSION) {
		say(err, n, "a backup of format version %lld, which this Rapport does not read (it reads %d)",
		    (long long)json_integer_value(json_object_get(manifest, "format_version")), BACKUP_FORMAT_VERSION);
		goto out;
	}
	if (!json_equal(json_object_get(manifest, "parts"), seen)) {
		say(err, n, DAMAGED " (its parts do not match the manifest)");
		goto out;
	}
	/* a few bytes of archive padding past the end are allowed; anything else is not ours */
	size_t extra;
	while ((extra = fread(b, 1, CHUNK, f)) > 0) {
		if (!all_zero(b, extra)) {
			say(err, n, DAMAGED " (data after its end)");
			goto out;
		}
		crypto_hash_sha256_update(&file, b, extra);
		total += (long long)extra;
	}
	rc = 0;
	if (info) {
		char hex[65];
		hex_of(&file, hex);
		*info = json_deep_copy(manifest);
		json_object_set_new(*info, "size", json_integer(total));
		json_object_set_new(*info, "sha256", json_string(hex));
	}
out:
#undef READ
	fclose(f);
	free(b);
	json_decref(seen);
	json_decref(manifest);
	return rc;
}
