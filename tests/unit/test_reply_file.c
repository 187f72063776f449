/* test_reply_file.c - Content-Disposition for UTF-8 filenames (RFC 5987), file and byte replies. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/api/api.h"

Test(reply_file, ascii_name)
{
	arena a = { 0 };
	cr_assert_str_eq(api_content_disposition(&a, "quote-7.pdf", false),
			 "attachment; filename=\"quote-7.pdf\"; filename*=UTF-8''quote-7.pdf");
	cr_assert_str_eq(api_content_disposition(&a, NULL, true), "inline");
	arena_free(&a);
}

Test(reply_file, chinese_name_and_quotes)
{
	arena a = { 0 };
	/* 报价 = E6 8A A5 E4 BB B7 */
	cr_assert_str_eq(api_content_disposition(&a, "报价 \"1\".pdf", true),
			 "inline; filename=\"__ _1_.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%20%221%22.pdf");
	/* header injection: CR LF never reach the header */
	const char *h = api_content_disposition(&a, "a\r\nSet-Cookie: x=1", false);
	cr_assert_null(strchr(h, '\r'));
	cr_assert_null(strchr(h, '\n'));
	arena_free(&a);
}

Test(reply_file, bytes_and_file)
{
	api_ctx c = { 0 };
	arena a = { 0 };
	c.a = &a;
	cr_assert_eq(api_reply_bytes(&c, "%PDF", 4, "application/pdf", "q.pdf", API_INLINE), 200);
	cr_assert_eq(c.out.len, 4);
	cr_assert_str_eq(c.content_type, "application/pdf");

	char path[] = "/tmp/rapport-reply-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "hello", 5), 5);
	close(fd);
	cr_assert_eq(api_reply_file(&c, path, "text/plain", "h.txt", API_UNLINK), 200);
	cr_assert(c.reply_file);
	cr_assert_eq(c.reply_len, 5);
	cr_assert_eq(c.out.len, 0);
	cr_assert_eq(access(path, F_OK), -1, "API_UNLINK removes the name at once");
	/* a later error drops the file reply */
	api_error(&c, 500, "internal", "late");
	cr_assert(!c.reply_file);
	cr_assert_null(c.content_disposition);
	cr_assert_eq(api_reply_file(&c, path, "text/plain", "h.txt", 0), 404);
	buf_free(&c.out);
	arena_free(&a);
}
