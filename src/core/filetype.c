/* filetype.c - see filetype.h. */
#include "filetype.h"

#include <string.h>
#include <strings.h>

enum magic { M_PDF, M_PNG, M_JPEG, M_GIF, M_WEBP, M_ZIP, M_OLE, M_TEXT };

static const filetype types[] = {
	{ "pdf", "application/pdf", M_PDF },
	{ "png", "image/png", M_PNG },
	{ "jpg", "image/jpeg", M_JPEG },
	{ "jpeg", "image/jpeg", M_JPEG },
	{ "gif", "image/gif", M_GIF },
	{ "webp", "image/webp", M_WEBP },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", M_ZIP },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", M_ZIP },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", M_ZIP },
	{ "doc", "application/msword", M_OLE },
	{ "xls", "application/vnd.ms-excel", M_OLE },
	{ "txt", "text/plain", M_TEXT },
	{ "csv", "text/csv", M_TEXT },
};

const filetype *filetype_by_name(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	if (!dot || !dot[1])
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot + 1, types[i].ext))
			return &types[i];
	return NULL;
}

static bool starts(const unsigned char *h, size_t n, const char *magic, size_t m)
{
	return n >= m && !memcmp(h, magic, m);
}

/* Binary formats that must never pass as text (and so be served as it). */
static bool binary_magic(const unsigned char *h, size_t n)
{
	return starts(h, n, "%PDF-", 5) || starts(h, n, "\x89PNG", 4) || starts(h, n, "\xFF\xD8\xFF", 3) ||
	       starts(h, n, "GIF8", 4) || starts(h, n, "PK\x03\x04", 4) || starts(h, n, "\xD0\xCF\x11\xE0", 4) ||
	       starts(h, n, "MZ", 2) || starts(h, n, "\x7F" "ELF", 4) || starts(h, n, "RIFF", 4);
}

bool filetype_matches(const filetype *t, const unsigned char *h, size_t n)
{
	switch (t->magic) {
	case M_PDF: return starts(h, n, "%PDF-", 5);
	case M_PNG: return starts(h, n, "\x89PNG\r\n\x1A\n", 8);
	case M_JPEG: return starts(h, n, "\xFF\xD8\xFF", 3);
	case M_GIF: return starts(h, n, "GIF87a", 6) || starts(h, n, "GIF89a", 6);
	case M_WEBP: return starts(h, n, "RIFF", 4) && n >= 12 && !memcmp(h + 8, "WEBP", 4);
	case M_ZIP: return starts(h, n, "PK\x03\x04", 4);
	case M_OLE: return starts(h, n, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
	case M_TEXT: return n > 0 && !memchr(h, 0, n) && !binary_magic(h, n);
	}
	return false;
}

const char *filetype_allowed(void)
{
	return "pdf, png, jpg, jpeg, gif, webp, docx, xlsx, pptx, doc, xls, txt, csv";
}
