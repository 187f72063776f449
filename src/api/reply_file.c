/*
 * reply_file.c - replies that are not JSON: a file streamed from disk or
 * bytes made in memory (PDFs, downloads, exports), with Content-Type and a
 * Content-Disposition that carries a UTF-8 filename (RFC 5987 / 6266).
 * The http layer adds Content-Length and the security headers.
 */
#include "api.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* RFC 5987 attr-char: what may stand unencoded in filename*= */
static bool attr_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("!#$&+-.^_`|~", ch) != NULL;
}

char *api_content_disposition(arena *a, const char *filename, bool inline_)
{
	buf b = BUF_INIT;
	buf_adds(&b, inline_ ? "inline" : "attachment");
	if (filename && *filename) {
		/* the quoted fallback keeps printable ASCII except quote and backslash */
		buf_adds(&b, "; filename=\"");
		for (const unsigned char *p = (const unsigned char *)filename; *p; p++) {
			if (*p >= 0x80) {
				while ((p[1] & 0xC0) == 0x80)
					p++;
				buf_addc(&b, '_');
			} else {
				buf_addc(&b, (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') ? '_' : (char)*p);
			}
		}
		buf_adds(&b, "\"; filename*=UTF-8''");
		for (const unsigned char *p = (const unsigned char *)filename; *p; p++) {
			if (attr_char(*p))
				buf_addc(&b, (char)*p);
			else
				buf_addf(&b, "%%%02X", *p);
		}
	}
	char *out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

static void set_headers(api_ctx *c, const char *ctype, const char *filename, unsigned flags)
{
	c->status = 200;
	c->content_type = arena_strdup(c->a, ctype ? ctype : "application/octet-stream");
	c->content_disposition = api_content_disposition(c->a, filename, flags & API_INLINE);
}

int api_reply_file(api_ctx *c, const char *path, const char *ctype, const char *filename, unsigned flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return api_error(c, 404, "not_found", "the file is missing");
	}
	if (flags & API_UNLINK)
		unlink(path); /* the open descriptor keeps the bytes until they are sent */
	buf_reset(&c->out);
	if (c->reply_file)
		close(c->reply_fd);
	c->reply_file = true;
	c->reply_fd = fd;
	c->reply_len = st.st_size;
	set_headers(c, ctype, filename, flags);
	return 200;
}

int api_reply_bytes(api_ctx *c, const void *data, size_t len, const char *ctype, const char *filename,
		    unsigned flags)
{
	if (c->reply_file) {
		close(c->reply_fd);
		c->reply_file = false;
	}
	buf_reset(&c->out);
	buf_add(&c->out, data, len);
	set_headers(c, ctype, filename, flags);
	return 200;
}
