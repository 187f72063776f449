/* test_quote_pdf.c - the printed quote: amounts formatting; the PDF of the issue-7 fixture in
 * both languages is a PDF whose text (pdftotext, when installed) has the Chinese names and the total. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/modules/docs/quote_pdf.h"
#include "../../src/util/pdf.h"

Test(quote_pdf, amounts)
{
	char b[64];
	quote_pdf_amount(0, "CNY", b, sizeof(b));
	cr_assert_str_eq(b, "0.00");
	quote_pdf_amount(5, "CNY", b, sizeof(b));
	cr_assert_str_eq(b, "0.05");
	quote_pdf_amount(85624100, "CNY", b, sizeof(b));
	cr_assert_str_eq(b, "856,241.00");
	quote_pdf_amount(-123456789, "USD", b, sizeof(b));
	cr_assert_str_eq(b, "-1,234,567.89");
	quote_pdf_amount(1000, "JPY", b, sizeof(b));
	cr_assert_str_eq(b, "1,000");
	quote_pdf_amount(INT64_MIN, "CNY", b, sizeof(b));
	cr_assert_str_eq(b, "-92,233,720,368,547,758.08");
}

/* The text of a PDF by pdftotext, or NULL when poppler-utils is missing. */
static char *pdf_text_of(const buf *pdf)
{
	char in[] = "/tmp/rapport-quote-XXXXXX";
	int fd = mkstemp(in);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, pdf->ptr, pdf->len), (ssize_t)pdf->len);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s - 2>/dev/null", in);
	FILE *p = access("/usr/bin/pdftotext", X_OK) == 0 ? popen(cmd, "r") : NULL;
	buf out = BUF_INIT;
	char chunk[4096];
	size_t n;
	while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&out, chunk, n);
	int rc = p ? pclose(p) : -1;
	unlink(in);
	if (rc != 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out);
}

static json_t *fixture(void)
{
	json_error_t err;
	json_t *j = json_load_file("tests/fixtures/quote_issue7.json", 0, &err);
	cr_assert_not_null(j, "fixture: %s", err.text);
	return j;
}

static void check(const char *lang, const char *const *want)
{
	cr_assert_not_null(pdf_font_family(), "a CJK font is installed (fonts-noto-cjk)");
	json_t *f = fixture();
	buf pdf = BUF_INIT;
	cr_assert_eq(quote_pdf_render(json_object_get(f, "quote"), json_object_get(f, "customer"), NULL,
				      json_object_get(f, "company"), lang, &pdf), 0);
	cr_assert_gt(pdf.len, 1000);
	cr_assert(!memcmp(pdf.ptr, "%PDF-", 5));
	char *text = pdf_text_of(&pdf);
	if (text) {
		for (; *want; want++)
			cr_assert_not_null(strstr(text, *want), "%s: \"%s\" is not in:\n%s", lang, *want, text);
		free(text);
	}
	buf_free(&pdf);
	json_decref(f);
}

Test(quote_pdf, chinese)
{
	const char *want[] = { "报价单", "北京华夏机械有限公司", "上海睿博精密机械有限公司", "BJ-2026-0042",
			       "2026-12-29", "数控立式加工中心", "856,241.00", "合计", "第 1 页，共 1 页", NULL };
	check("zh-CN", want);
}

Test(quote_pdf, english)
{
	const char *want[] = { "QUOTATION", "北京华夏机械有限公司", "Shanghai Rapport Precision Machinery",
			       "Valid until", "856,241.00", "Total (CNY)", "Page 1 of 1", NULL };
	check("en", want);
}

Test(quote_pdf, many_lines_make_pages)
{
	json_t *f = fixture();
	json_t *q = json_object_get(f, "quote"), *ls = json_object_get(q, "lines");
	json_t *first = json_array_get(ls, 0);
	for (int i = 0; i < 60; i++)
		json_array_append_new(ls, json_deep_copy(first));
	buf pdf = BUF_INIT;
	cr_assert_eq(quote_pdf_render(q, json_object_get(f, "customer"), NULL, NULL, "zh-CN", &pdf), 0);
	char *text = pdf_text_of(&pdf);
	if (text) {
		/* the header row comes again on every page, the page count is known on page 1 */
		cr_assert_not_null(strstr(text, "第 2 页，共 "), "%s", text);
		cr_assert_null(strstr(text, "共 1 页"));
		char *p = text;
		int heads = 0;
		while ((p = strstr(p, "单价")))
			heads++, p++;
		cr_assert_geq(heads, 2);
		cr_assert_not_null(strstr(text, "63"), "the last line's number");
		free(text);
	}
	buf_free(&pdf);
	json_decref(f);
}
