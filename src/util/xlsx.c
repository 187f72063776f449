/* xlsx.c - see xlsx.h. */
#include "xlsx.h"
#include "csv.h"
#include "xalloc.h"

#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define MAX_COLUMNS CSV_MAX_FIELDS_DEFAULT
#define MAX_CELL (1 << 20)

bool xlsx_sniff(const char *data, size_t len)
{
	return len >= 4 && !memcmp(data, "PK\x03\x04", 4);
}

/* An element's name without its namespace prefix ("x:c" -> "c"). */
static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2)
		if (!strcmp(local(atts[i]), name))
			return atts[i + 1];
	return NULL;
}

/* ---- parsing one part, from memory or from the archive ---- */

typedef struct part_state {
	XML_Parser xp;
	char *err;
	size_t errlen;
	bool failed;
} part_state;

static void XMLCALL no_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int internal)
{
	(void)name, (void)sys, (void)pub, (void)internal;
	part_state *ps = ud;
	snprintf(ps->err, ps->errlen, "the workbook holds a document type declaration");
	ps->failed = true;
	XML_StopParser(ps->xp, XML_FALSE);
}

static int feed(part_state *ps, const char *data, size_t len, bool final)
{
	if (ps->failed)
		return -1;
	if (XML_Parse(ps->xp, data, (int)len, final) == XML_STATUS_ERROR) {
		if (!ps->failed)
			snprintf(ps->err, ps->errlen, "the workbook's XML is broken (line %lu: %s)",
				 (unsigned long)XML_GetCurrentLineNumber(ps->xp), XML_ErrorString(XML_GetErrorCode(ps->xp)));
		ps->failed = true;
		return -1;
	}
	return ps->failed ? -1 : 0;
}

static int feed_memory(part_state *ps, const char *data, size_t len)
{
	while (len > (1 << 20)) {
		if (feed(ps, data, 1 << 20, false))
			return -1;
		data += 1 << 20;
		len -= 1 << 20;
	}
	return feed(ps, data, len, true);
}

/* 1 when the archive has no such part. */
static int feed_entry(part_state *ps, zip_t *z, const char *name)
{
	zip_file_t *f = zip_fopen(z, name, 0);
	if (!f)
		return 1;
	static __thread char chunk[1 << 16];
	size_t total = 0;
	int rc = 0;
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));
		if (n < 0) {
			snprintf(ps->err, ps->errlen, "the workbook is damaged (%s)", name);
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > XLSX_MAX_XML) {
			snprintf(ps->err, ps->errlen, "the workbook is too large once unpacked");
			rc = -1;
			break;
		}
		if (feed(ps, chunk, (size_t)n, false)) {
			rc = -1;
			break;
		}
	}
	zip_fclose(f);
	if (!rc)
		rc = feed(ps, "", 0, true);
	return rc;
}

static XML_Parser parser(part_state *ps, void *ud, XML_StartElementHandler start, XML_EndElementHandler end,
			 XML_CharacterDataHandler text)
{
	ps->xp = XML_ParserCreate("UTF-8");
	XML_SetUserData(ps->xp, ud);
	XML_SetElementHandler(ps->xp, start, end);
	if (text)
		XML_SetCharacterDataHandler(ps->xp, text);
	XML_SetStartDoctypeDeclHandler(ps->xp, no_doctype);
	return ps->xp;
}

/* ---- shared strings: <sst><si><t>..</t> or <si><r><t>..</t></r>..</si> ---- */

typedef struct sst_state {
	part_state ps;
	char **s;
	size_t n, cap;
	buf cur;
	bool in_si, in_t;
	int in_rph;                /* phonetic runs are not the cell's text */
} sst_state;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	sst_state *st = ud;
	const char *l = local(name);
	if (!strcmp(l, "si")) {
		st->in_si = true;
		buf_reset(&st->cur);
	} else if (!strcmp(l, "rPh")) {
		st->in_rph++;
	} else if (!strcmp(l, "t") && st->in_si && !st->in_rph) {
		st->in_t = true;
	}
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	sst_state *st = ud;
	const char *l = local(name);
	if (!strcmp(l, "t")) {
		st->in_t = false;
	} else if (!strcmp(l, "rPh")) {
		st->in_rph--;
	} else if (!strcmp(l, "si") && st->in_si) {
		st->in_si = false;
		if (st->n == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 256;
			st->s = xrealloc(st->s, st->cap * sizeof(*st->s));
		}
		st->s[st->n++] = xstrndup(buf_str(&st->cur), st->cur.len);
	}
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
	sst_state *st = ud;
	if (st->in_t && st->cur.len + (size_t)len <= MAX_CELL)
		buf_add(&st->cur, s, (size_t)len);
}

static void sst_free(sst_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->s[i]);
	free(st->s);
	buf_free(&st->cur);
}

/* ---- the sheet: <sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>.. ---- */

typedef struct sheet_state {
	part_state ps;
	const sst_state *sst;
	buf *out;
	long row;                  /* rows written so far */
	int emitted;               /* fields written in the current row */
	bool in_row;
	char type[16];             /* the current cell's t attribute */
	int col;                   /* its column, from 0 */
	bool in_v, in_is_t;
	buf val;
} sheet_state;

static int sheet_fail(sheet_state *st, const char *msg)
{
	snprintf(st->ps.err, st->ps.errlen, "%s", msg);
	st->ps.failed = true;
	XML_StopParser(st->ps.xp, XML_FALSE);
	return -1;
}

/* "BC12" -> 54 (from 0); -1 when there are no letters */
static int column_of(const char *ref)
{
	int c = 0, n = 0;
	for (; *ref >= 'A' && *ref <= 'Z'; ref++, n++) {
		c = c * 26 + (*ref - 'A' + 1);
		if (c > 16384)
			return MAX_COLUMNS;
	}
	return n ? c - 1 : -1;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	sheet_state *st = ud;
	if (st->ps.failed)
		return;
	const char *l = local(name);
	if (!strcmp(l, "row")) {
		const char *r = attr(atts, "r");
		long want = r ? strtol(r, NULL, 10) : st->row + 1;
		if (want > st->row + 1 && want - st->row < 1048577) {
			/* rows the sheet leaves out are empty records, so record N stays row N */
			while (st->row + 1 < want) {
				buf_addc(st->out, '\n');
				st->row++;
			}
		}
		st->in_row = true;
		st->emitted = 0;
		st->col = 0;
	} else if (!strcmp(l, "c") && st->in_row) {
		const char *t = attr(atts, "t"), *r = attr(atts, "r");
		snprintf(st->type, sizeof(st->type), "%s", t ? t : "n");
		int c = r ? column_of(r) : -1;
		st->col = c >= 0 ? c : st->emitted;
		if (st->col >= MAX_COLUMNS)
			sheet_fail(st, "the sheet has too many columns");
		buf_reset(&st->val);
	} else if (!strcmp(l, "v")) {
		st->in_v = true;
	} else if (!strcmp(l, "t")) {
		st->in_is_t = true; /* inside <is> (inline string) */
	}
}

static void emit(sheet_state *st, const char *s, size_t n)
{
	if (st->col < st->emitted)
		return; /* a cell out of order: the first one wins */
	while (st->emitted < st->col) {
		if (st->emitted)
			buf_addc(st->out, ',');
		st->emitted++;
	}
	if (st->emitted)
		buf_addc(st->out, ',');
	csv_write_field(st->out, s, n);
	st->emitted++;
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	sheet_state *st = ud;
	if (st->ps.failed)
		return;
	const char *l = local(name);
	if (!strcmp(l, "v")) {
		st->in_v = false;
	} else if (!strcmp(l, "t")) {
		st->in_is_t = false;
	} else if (!strcmp(l, "c") && st->in_row) {
		const char *v = buf_str(&st->val);
		if (!strcmp(st->type, "s")) {
			char *end;
			long i = strtol(v, &end, 10);
			if (!*v || *end || i < 0 || !st->sst || (size_t)i >= st->sst->n) {
				sheet_fail(st, "a cell names a shared string that does not exist");
				return;
			}
			emit(st, st->sst->s[i], strlen(st->sst->s[i]));
		} else if (!strcmp(st->type, "b")) {
			emit(st, !strcmp(v, "1") ? "TRUE" : "FALSE", !strcmp(v, "1") ? 4 : 5);
		} else {
			emit(st, v, st->val.len);
		}
	} else if (!strcmp(l, "row") && st->in_row) {
		buf_addc(st->out, '\n');
		st->row++;
		st->in_row = false;
	}
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
	sheet_state *st = ud;
	if ((st->in_v || st->in_is_t) && st->in_row && !st->ps.failed) {
		if (st->val.len + (size_t)len > MAX_CELL) {
			sheet_fail(st, "a cell is longer than 1 MB");
			return;
		}
		buf_add(&st->val, s, (size_t)len);
	}
}

/* ---- the workbook: which part is the first sheet ---- */

typedef struct wb_state {
	part_state ps;
	char rid[64];              /* workbook.xml: the first sheet's relationship id */
	char target[256];          /* workbook.xml.rels: its part */
} wb_state;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wb_state *st = ud;
	if (!st->rid[0] && !strcmp(local(name), "sheet")) {
		for (int i = 0; atts[i]; i += 2)
			if (!strcmp(local(atts[i]), "id") && strchr(atts[i], ':'))
				snprintf(st->rid, sizeof(st->rid), "%s", atts[i + 1]);
	}
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wb_state *st = ud;
	const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
	if (!st->target[0] && !strcmp(local(name), "Relationship") && id && target && !strcmp(id, st->rid)) {
		if (target[0] == '/')
			snprintf(st->target, sizeof(st->target), "%s", target + 1);
		else
			snprintf(st->target, sizeof(st->target), "xl/%s", target);
	}
}

static void XMLCALL ignore_end(void *ud, const XML_Char *name)
{
	(void)ud, (void)name;
}

static void first_sheet(zip_t *z, char *out, size_t n)
{
	wb_state st = { 0 };
	char err[128];
	st.ps.err = err;
	st.ps.errlen = sizeof(err);
	parser(&st.ps, &st, wb_start, ignore_end, NULL);
	feed_entry(&st.ps, z, "xl/workbook.xml");
	XML_ParserFree(st.ps.xp);
	if (st.rid[0]) {
		st.ps.failed = false;
		parser(&st.ps, &st, rels_start, ignore_end, NULL);
		feed_entry(&st.ps, z, "xl/_rels/workbook.xml.rels");
		XML_ParserFree(st.ps.xp);
	}
	snprintf(out, n, "%s", st.target[0] && !strstr(st.target, "..") ? st.target : "xl/worksheets/sheet1.xml");
}

/* ---- putting it together ---- */

static void sheet_init(sheet_state *st, const sst_state *sst, buf *out, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->sst = sst;
	st->out = out;
	st->ps.err = err;
	st->ps.errlen = errlen;
	parser(&st->ps, st, sheet_start, sheet_end, sheet_text);
}

static void sst_init(sst_state *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->ps.err = err;
	st->ps.errlen = errlen;
	parser(&st->ps, st, sst_start, sst_end, sst_text);
}

int xlsx_sheet_xml_to_csv(const char *sst_xml, size_t sst_len, const char *sheet_xml, size_t sheet_len, buf *out,
			  char *err, size_t errlen)
{
	sst_state sst;
	sst_init(&sst, err, errlen);
	int rc = sst_xml ? feed_memory(&sst.ps, sst_xml, sst_len) : 0;
	XML_ParserFree(sst.ps.xp);
	if (!rc) {
		sheet_state st;
		sheet_init(&st, &sst, out, err, errlen);
		rc = feed_memory(&st.ps, sheet_xml ? sheet_xml : "", sheet_xml ? sheet_len : 0);
		XML_ParserFree(st.ps.xp);
		buf_free(&st.val);
	}
	sst_free(&sst);
	return rc;
}

int xlsx_to_csv(const char *data, size_t len, buf *out, char *err, size_t errlen)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	zip_error_fini(&ze);
	if (!z) {
		if (src)
			zip_source_free(src);
		snprintf(err, errlen, "the file is not an Excel workbook (.xlsx) or it is damaged");
		return -1;
	}
	char sheet[256];
	first_sheet(z, sheet, sizeof(sheet));
	sst_state sst;
	sst_init(&sst, err, errlen);
	int rc = feed_entry(&sst.ps, z, "xl/sharedStrings.xml");
	XML_ParserFree(sst.ps.xp);
	if (rc >= 0) {
		sheet_state st;
		sheet_init(&st, &sst, out, err, errlen);
		rc = feed_entry(&st.ps, z, sheet);
		if (rc > 0)
			snprintf(err, errlen, "the workbook has no worksheet");
		XML_ParserFree(st.ps.xp);
		buf_free(&st.val);
	}
	sst_free(&sst);
	zip_discard(z);
	return rc ? -1 : 0;
}
