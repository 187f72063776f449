/* test_filetype.c - the attachment allow-list: by extension, then by the content's magic bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/core/filetype.h"

static bool ok(const char *name, const char *head, size_t n)
{
	const filetype *t = filetype_by_name(name);
	return t && filetype_matches(t, (const unsigned char *)head, n);
}

Test(filetype, extensions)
{
	cr_assert_str_eq(filetype_by_name("a.PDF")->mime, "application/pdf");
	cr_assert_str_eq(filetype_by_name("报价.jpeg")->mime, "image/jpeg");
	cr_assert_str_eq(filetype_by_name("x.tar.xlsx")->ext, "xlsx");
	cr_assert_null(filetype_by_name("a.exe"));
	cr_assert_null(filetype_by_name("a.html"));
	cr_assert_null(filetype_by_name("pdf"));
	cr_assert_null(filetype_by_name("a."));
	cr_assert_null(filetype_by_name(NULL));
}

Test(filetype, magic)
{
	cr_assert(ok("a.pdf", "%PDF-1.7", 8));
	cr_assert(!ok("a.pdf", "<html>", 6));
	cr_assert(!ok("a.pdf", "%PD", 3), "too short");
	cr_assert(ok("a.png", "\x89PNG\r\n\x1a\n....", 12));
	cr_assert(ok("a.jpg", "\xff\xd8\xff\xe0", 4));
	cr_assert(ok("a.gif", "GIF89a", 6));
	cr_assert(ok("a.webp", "RIFF\1\0\0\0WEBPVP8 ", 16));
	cr_assert(!ok("a.webp", "RIFF\1\0\0\0WAVE", 12));
	cr_assert(ok("a.docx", "PK\3\4", 4));
	cr_assert(ok("a.xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8));
	cr_assert(!ok("a.doc", "PK\3\4", 4));
	cr_assert(ok("a.csv", "\xc3\xfb\xb3\xc6,1\r\n", 7), "GBK text is text");
	cr_assert(!ok("a.txt", "a\0b", 3));
	cr_assert(!ok("a.txt", "", 0));
	cr_assert(!ok("a.txt", "%PDF-1.4", 8), "a PDF is not text");
	cr_assert(!ok("a.csv", "MZ\x90", 3));
}
