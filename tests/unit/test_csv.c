/* test_csv.c - the CSV reader (encodings, RFC 4180 quoting, line ends, ragged rows, limits) and the
 * .xlsx reader (shared and inline strings, numbers, sparse rows and cells, damaged input). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "../../src/util/csv.h"
#include "../../src/util/log.h"
#include "../../src/util/xlsx.h"

static void quiet(void)
{
	log_verbose = 0;
}

TestSuite(csv, .init = quiet);

/* Reads every record of text as "a|b|c" lines joined by "\n" (fields split by |). */
static char *records(const char *text, size_t len, int *nrec, int *rc_out)
{
	csv_reader r;
	csv_init(&r, text, len);
	buf out = BUF_INIT;
	int rc, n = 0;
	while ((rc = csv_next(&r)) == 1) {
		for (int i = 0; i < r.nfields; i++) {
			size_t fl;
			const char *f = csv_field(&r, i, &fl);
			if (i)
				buf_addc(&out, '|');
			buf_add(&out, f, fl);
		}
		buf_addc(&out, '\n');
		n++;
	}
	csv_free(&r);
	*nrec = n;
	if (rc_out)
		*rc_out = rc;
	buf_addc(&out, '\0');
	return buf_detach(&out);
}

static void expect(const char *text, const char *want, int want_n)
{
	int n, rc;
	char *got = records(text, strlen(text), &n, &rc);
	cr_assert_eq(rc, 0, "reader failed on %s", text);
	cr_assert_str_eq(got, want);
	cr_assert_eq(n, want_n, "%d records, want %d", n, want_n);
	free(got);
}

Test(csv, plain_records_and_line_ends)
{
	expect("a,b,c\n1,2,3\n", "a|b|c\n1|2|3\n", 2);
	expect("a,b\r\n1,2\r\n", "a|b\n1|2\n", 2);          /* CRLF, as Excel writes */
	expect("a,b\r1,2", "a|b\n1|2\n", 2);                /* old Mac CR, no final line end */
	expect("a,,c\n,,\n", "a||c\n||\n", 2);              /* empty fields */
}

Test(csv, empty_file_has_no_records)
{
	expect("", "", 0);
}

Test(csv, quoted_fields_with_separators_quotes_and_line_breaks)
{
	expect("name,notes\n\"Acme, Inc.\",\"said \"\"hi\"\"\"\n", "name|notes\nAcme, Inc.|said \"hi\"\n", 2);
	expect("a,b\n\"line one\nline two\",x\n", "a|b\nline one\nline two|x\n", 2);
	expect("a,b\r\n\"line one\r\nline two\",x\r\n", "a|b\nline one\r\nline two|x\n", 2);
	expect("\"\",\"\"\"\"\n", "|\"\n", 1);              /* empty quoted, a lone quote */
	expect("\"ab\"cd,e\n", "abcd|e\n", 1);              /* text after the closing quote is kept */
}

Test(csv, ragged_rows_keep_their_own_field_counts)
{
	csv_reader r;
	const char *t = "a,b,c\n1\n1,2,3,4\n";
	csv_init(&r, t, strlen(t));
	int counts[3];
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(csv_next(&r), 1);
		counts[i] = r.nfields;
	}
	cr_assert_eq(csv_next(&r), 0);
	cr_assert_eq(counts[0], 3);
	cr_assert_eq(counts[1], 1);
	cr_assert_eq(counts[2], 4);
	size_t n;
	cr_assert_str_eq(csv_field(&r, 7, &n), "", "a missing field reads as empty");
	csv_free(&r);
}

Test(csv, blank_lines_are_blank_records)
{
	csv_reader r;
	const char *t = "a,b\n\n,\n1,2\n";
	csv_init(&r, t, strlen(t));
	cr_assert_eq(csv_next(&r), 1);
	cr_assert(!csv_blank(&r));
	cr_assert_eq(csv_next(&r), 1);
	cr_assert(csv_blank(&r));
	cr_assert_eq(csv_next(&r), 1);
	cr_assert(csv_blank(&r));
	cr_assert_eq(csv_next(&r), 1);
	cr_assert_eq(r.record, 4, "records are numbered from 1, blank ones included");
	csv_free(&r);
}

Test(csv, separator_is_guessed_from_the_first_line)
{
	expect("a\tb\n1,5\t2\n", "a|b\n1,5|2\n", 2);
	expect("a;b\n1;2\n", "a|b\n1|2\n", 2);
	expect("\"x;y\",z\n", "x;y|z\n", 1);
}

Test(csv, unterminated_quote_is_an_error_with_its_record)
{
	int n, rc;
	char *got = records("a,b\n1,\"open\n2,3\n", 16, &n, &rc);
	cr_assert_eq(rc, -1);
	cr_assert_eq(n, 1);
	free(got);
	csv_reader r;
	csv_init(&r, "\"x", 2);
	cr_assert_eq(csv_next(&r), -1);
	cr_assert(strstr(r.err, "record 1"), "%s", r.err);
	csv_free(&r);
}

Test(csv, huge_fields_and_too_many_fields_are_refused)
{
	size_t big = 3000;
	char *t = malloc(big + 8);
	memset(t, 'x', big);
	memcpy(t + big, "\n", 2);
	csv_reader r;
	csv_init(&r, t, strlen(t));
	r.max_field = 1000;
	cr_assert_eq(csv_next(&r), -1);
	cr_assert(strstr(r.err, "longer than"), "%s", r.err);
	csv_free(&r);
	/* the same inside quotes */
	t[0] = '"';
	t[big - 1] = '"';
	csv_init(&r, t, strlen(t));
	r.max_field = 1000;
	cr_assert_eq(csv_next(&r), -1);
	csv_free(&r);
	/* fields: 3000 commas */
	memset(t, ',', big);
	csv_init(&r, t, strlen(t));
	cr_assert_eq(csv_next(&r), -1);
	cr_assert(strstr(r.err, "more than"), "%s", r.err);
	csv_free(&r);
	free(t);
}

static char *decode(const char *bytes, size_t len, enum csv_encoding *enc)
{
	size_t n;
	char err[128];
	return csv_to_utf8(bytes, len, &n, enc, err, sizeof(err));
}

Test(csv, utf8_with_and_without_bom)
{
	enum csv_encoding enc;
	char *t = decode("\xEF\xBB\xBF客户名称,电话\n", 23, &enc);
	cr_assert_not_null(t);
	cr_assert_eq(enc, CSV_UTF8_BOM);
	cr_assert_str_eq(t, "客户名称,电话\n");
	free(t);
	t = decode("客户名称\n", 13, &enc);
	cr_assert_eq(enc, CSV_UTF8);
	cr_assert_str_eq(t, "客户名称\n");
	free(t);
}

Test(csv, gbk_as_chinese_excel_saves_it)
{
	static const char gbk[] = "\xBF\xCD\xBB\xA7\xC3\xFB\xB3\xC6\x2C\xB5\xE7\xBB\xB0\x0D\x0A\xB1\xB1\xBE\xA9\xBB\xAA"
				  "\xCF\xC4\xBB\xFA\xD0\xB5\x2C\x30\x31\x30\x2D\x31\x32\x33\x34\x0D\x0A";
	enum csv_encoding enc;
	char *t = decode(gbk, sizeof(gbk) - 1, &enc);
	cr_assert_not_null(t);
	cr_assert_eq(enc, CSV_GB18030);
	cr_assert_str_eq(t, "客户名称,电话\r\n北京华夏机械,010-1234\r\n");
	free(t);
}

Test(csv, utf16_with_its_mark)
{
	static const char u16[] = "\xFF\xFE\x0D\x54\x2C\x00\x61\x00\x0A\x00"; /* 名,a\n */
	enum csv_encoding enc;
	char *t = decode(u16, sizeof(u16) - 1, &enc);
	cr_assert_not_null(t);
	cr_assert_eq(enc, CSV_UTF16);
	cr_assert_str_eq(t, "名,a\n");
	free(t);
}

Test(csv, binary_is_refused)
{
	enum csv_encoding enc;
	size_t n;
	char err[128] = "";
	cr_assert_null(csv_to_utf8("a,b\0c\n", 6, &n, &enc, err, sizeof(err)));
	cr_assert(strstr(err, "NUL"), "%s", err);
	/* a lone GB18030 lead byte at the end is no text either */
	cr_assert_null(csv_to_utf8("a,\x81", 3, &n, &enc, err, sizeof(err)));
}

Test(csv, writing_quotes_what_needs_it)
{
	buf b = BUF_INIT;
	csv_write_field(&b, "plain", 5);
	buf_addc(&b, '|');
	csv_write_field(&b, "a,b", 3);
	buf_addc(&b, '|');
	csv_write_field(&b, "say \"x\"\n", 8);
	buf_addc(&b, '\0');
	cr_assert_str_eq(b.ptr, "plain|\"a,b\"|\"say \"\"x\"\"\n\"");
	buf_free(&b);
}

/* ---- xlsx ---- */

/* A workbook with the given parts, in memory (malloc'd). */
static char *make_zip(const char *const *parts, size_t *len)
{
	char path[] = "/tmp/rapport-xlsx-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	int ze;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
	cr_assert_not_null(z);
	for (int i = 0; parts[i]; i += 2) {
		zip_source_t *s = zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0);
		cr_assert(zip_file_add(z, parts[i], s, ZIP_FL_ENC_UTF_8) >= 0);
	}
	cr_assert_eq(zip_close(z), 0);
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = malloc((size_t)n);
	cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	*len = (size_t)n;
	return data;
}

static const char workbook[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
	"<sheet name=\"客户\" sheetId=\"1\" r:id=\"rId3\"/><sheet name=\"b\" sheetId=\"2\" r:id=\"rId4\"/></sheets></workbook>";
static const char rels[] =
	"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId4\" Target=\"worksheets/other.xml\" Type=\"x\"/>"
	"<Relationship Id=\"rId3\" Target=\"worksheets/first.xml\" Type=\"x\"/></Relationships>";
static const char sst[] =
	"<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\">"
	"<si><t>客户名称</t></si><si><t>成立日期</t></si>"
	"<si><r><t>北京</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">华夏, 机械</t></r><rPh><t>ペキン</t></rPh></si></sst>";
static const char sheet[] =
	"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"inlineStr\"><is><t>备注</t></is></c></row>"
	"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\" s=\"3\"><v>45292</v></c><c r=\"D2\" t=\"b\"><v>1</v></c></row>"
	"<row r=\"4\"><c r=\"C4\"><v>12.5</v></c></row>"
	"</sheetData></worksheet>";

Test(csv, xlsx_first_sheet_with_shared_inline_strings_numbers_and_gaps)
{
	const char *parts[] = { "xl/workbook.xml", workbook, "xl/_rels/workbook.xml.rels", rels, "xl/sharedStrings.xml", sst,
				"xl/worksheets/first.xml", sheet, "xl/worksheets/other.xml", "<worksheet/>", NULL };
	size_t len;
	char *data = make_zip(parts, &len);
	cr_assert(xlsx_sniff(data, len));
	buf out = BUF_INIT;
	char err[160] = "";
	cr_assert_eq(xlsx_to_csv(data, len, &out, err, sizeof(err)), 0, "%s", err);
	buf_addc(&out, '\0');
	cr_assert_str_eq(out.ptr, "客户名称,成立日期,备注\n\"北京华夏, 机械\",45292,,TRUE\n\n,,12.5\n");
	buf_free(&out);
	free(data);
}

Test(csv, xlsx_without_workbook_falls_back_to_sheet1)
{
	const char *parts[] = { "xl/worksheets/sheet1.xml",
				"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>a</t></is></c><c><v>1</v></c></row></sheetData></worksheet>",
				NULL };
	size_t len;
	char *data = make_zip(parts, &len);
	buf out = BUF_INIT;
	char err[160] = "";
	cr_assert_eq(xlsx_to_csv(data, len, &out, err, sizeof(err)), 0, "%s", err);
	buf_addc(&out, '\0');
	cr_assert_str_eq(out.ptr, "a,1\n");
	buf_free(&out);
	free(data);
}

Test(csv, xlsx_damaged_or_hostile_input_is_refused)
{
	buf out = BUF_INIT;
	char err[160] = "";
	cr_assert_eq(xlsx_to_csv("PK\x03\x04garbage", 11, &out, err, sizeof(err)), -1);
	cr_assert(strstr(err, "not an Excel workbook"), "%s", err);
	/* entity expansion (billion laughs) never starts: no DOCTYPE */
	const char *bomb = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet><sheetData><row><c "
			   "t=\"inlineStr\"><is><t>&a;</t></is></c></row></sheetData></worksheet>";
	cr_assert_eq(xlsx_sheet_xml_to_csv(NULL, 0, bomb, strlen(bomb), &out, err, sizeof(err)), -1);
	/* a shared string index out of range */
	const char *bad = "<worksheet><sheetData><row><c t=\"s\"><v>7</v></c></row></sheetData></worksheet>";
	cr_assert_eq(xlsx_sheet_xml_to_csv("<sst/>", 6, bad, strlen(bad), &out, err, sizeof(err)), -1);
	/* broken XML */
	cr_assert_eq(xlsx_sheet_xml_to_csv(NULL, 0, "<worksheet><row>", 16, &out, err, sizeof(err)), -1);
	const char *parts[] = { "xl/workbook.xml", workbook, NULL };
	size_t len;
	char *data = make_zip(parts, &len);
	cr_assert_eq(xlsx_to_csv(data, len, &out, err, sizeof(err)), -1);
	cr_assert(strstr(err, "no worksheet"), "%s", err);
	free(data);
	buf_free(&out);
}
