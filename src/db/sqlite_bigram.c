/*
 * sqlite_bigram.c - the FTS5 tokenizer "bigram": substring search that also
 * finds two-character Chinese words.
 *
 * SQLite's trigram tokenizer never matches 1-2 characters (../shared/FINDINGS.md),
 * yet two-character queries (华夏, 张伟) are the common case in a Chinese CRM.
 * This tokenizer drops everything that is not a word character (spaces,
 * punctuation, dashes in phone numbers), folds case and full-width forms, and
 * emits every overlapping pair of the remaining characters.  A query tokenized
 * the same way becomes a phrase of consecutive pairs, which matches exactly
 * when the query is a substring of the field (both with separators removed):
 * "华夏机械" -> 华夏 夏机 机械; "6234-5678" -> 62 23 34 45 56 67 78.
 * Queries with fewer than two word characters produce no tokens; callers scan.
 */
#include "db_int.h"
#include "../util/bigram.h"

#include <string.h>

typedef struct {
	int dummy;
} bigram_tok;

static int bigram_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)ctx; (void)argv; (void)argc;
	static bigram_tok single;
	*out = (Fts5Tokenizer *)&single;
	return SQLITE_OK;
}

static void bigram_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int bigram_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
			   int (*emit)(void *, int, const char *, int, int, int))
{
	(void)t; (void)flags;
	bigram_iter it;
	char tok[8];
	size_t len, start, end;
	bigram_init(&it, text, n > 0 ? (size_t)n : 0);
	while (bigram_next(&it, tok, &len, &start, &end)) {
		int rc = emit(ctx, 0, tok, (int)len, (int)start, (int)end);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static fts5_api *get_fts5_api(sqlite3 *h)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int db_sqlite_register_extensions(sqlite3 *h)
{
	fts5_api *api = get_fts5_api(h);
	if (!api)
		return -1;
	static fts5_tokenizer tok = { bigram_create, bigram_delete, bigram_tokenize };
	return api->xCreateTokenizer(api, "bigram", NULL, &tok, NULL) == SQLITE_OK ? 0 : -1;
}
