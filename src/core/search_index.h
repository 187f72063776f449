/*
 * search_index.h - full-text search where the database has no bigram
 * tokenizer (PostgreSQL).  Each searchable entity gets two columns kept by
 * the engine on every write: search_text, the normalized text of its
 * searchable fields joined by '|', and search_grams, their distinct bigrams
 * (util/bigram.h), GIN-indexed.  A query word matches when the row holds all
 * its bigrams (the index) and its normalized form is in search_text (exact).
 * On SQLite the FTS5 table and its triggers do this instead.
 */
#ifndef RAPPORT_SEARCH_INDEX_H
#define RAPPORT_SEARCH_INDEX_H

#include "entity.h"
#include "sqlb.h"
#include "../util/buf.h"

bool search_index_needed(db *d, const entity_def *e);
/* The two column values for rec: search_text and search_grams (an array
 * literal, '{"ab","bc"}'), appended to text and grams.  Bulk loaders use it. */
void search_index_values(const entity_def *e, json_t *rec, buf *text, buf *grams);
/* Rewrites the search columns of record id from rec (its current values). */
int search_reindex(ent_op *op, const entity_def *e, int64_t id, json_t *rec);
/* Appends " AND ..." matching every word of text (2+ word characters each)
 * within the searchable fields of alias t; false when no word qualifies. */
bool search_index_condition(const entity_def *e, const char *text, sqlb *w);

#endif
