/* pdf.c - see pdf.h. */
#include "pdf.h"
#include "log.h"
#include "xalloc.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pdf_doc {
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoContext *ctx;
	PangoLayout *layout;
	bool draw;
	int page;
};

/* The fonts we look for, best first: the regular and bold files of one family. */
static const struct font_choice {
	const char *family, *regular, *bold;
} choices[] = {
	{ "Noto Sans CJK SC", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	  "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc" },
	{ "WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", NULL },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static PangoFontMap *font_map;     /* lives as long as the process */
static FcConfig *font_config;      /* ours: released by pdf_shutdown */
static const struct font_choice *font;

/* A font map that knows only the chosen files: no fallback to whatever the
 * machine has, so the output is the same everywhere. */
static void setup_fonts(void)
{
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]) && !font; i++)
		if (access(choices[i].regular, R_OK) == 0)
			font = &choices[i];
	if (!font) {
		log_error("pdf: no CJK font found (install fonts-noto-cjk)");
		return;
	}
	FcConfig *config = FcConfigCreate();
	FcConfigAppFontAddFile(config, (const FcChar8 *)font->regular);
	if (font->bold && access(font->bold, R_OK) == 0)
		FcConfigAppFontAddFile(config, (const FcChar8 *)font->bold);
	font_map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
	if (!font_map || !PANGO_IS_FC_FONT_MAP(font_map)) {
		log_error("pdf: pango has no fontconfig font map");
		font = NULL;
		FcConfigDestroy(config);
		g_clear_object(&font_map);
		return;
	}
	pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(font_map), config);
	font_config = config;
}

const char *pdf_font_family(void)
{
	pthread_once(&once, setup_fonts);
	return font ? font->family : NULL;
}

static cairo_status_t append(void *closure, const unsigned char *data, unsigned int len)
{
	if (closure)
		buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

pdf_doc *pdf_open(buf *out, bool draw, const char *title)
{
	if (!pdf_font_family())
		return NULL;
	pthread_mutex_lock(&lock);
	pdf_doc *d = xcalloc(1, sizeof(*d));
	d->draw = draw;
	d->page = 1;
	if (draw) {
		d->surface = cairo_pdf_surface_create_for_stream(append, out, PDF_A4_WIDTH, PDF_A4_HEIGHT);
		if (title)
			cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
		cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "Rapport");
	} else {
		/* measuring: a vector surface like PDF (unhinted), that writes nothing */
		cairo_rectangle_t page = { 0, 0, PDF_A4_WIDTH, PDF_A4_HEIGHT };
		d->surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
	}
	d->cr = cairo_create(d->surface);
	d->ctx = pango_font_map_create_context(font_map);
	/* unhinted metrics: the layout does not depend on a screen's grid */
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(d->ctx, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_update_context(d->cr, d->ctx);
	d->layout = pango_layout_new(d->ctx);
	pango_layout_set_wrap(d->layout, PANGO_WRAP_WORD_CHAR);
	return d;
}

int pdf_close(pdf_doc *d)
{
	if (!d)
		return -1;
	g_object_unref(d->layout);
	g_object_unref(d->ctx);
	cairo_destroy(d->cr);
	cairo_surface_finish(d->surface);
	int rc = cairo_surface_status(d->surface) == CAIRO_STATUS_SUCCESS ? 0 : -1;
	cairo_surface_destroy(d->surface);
	free(d);
	pthread_mutex_unlock(&lock);
	return rc;
}

static void set_text(pdf_doc *d, double w, const char *text, const pdf_style *st)
{
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family_static(fd, font->family);
	pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
	pango_layout_set_font_description(d->layout, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(d->layout, (int)(w * PANGO_SCALE));
	pango_layout_set_alignment(d->layout, st->align == PDF_RIGHT    ? PANGO_ALIGN_RIGHT
					      : st->align == PDF_CENTER ? PANGO_ALIGN_CENTER
									: PANGO_ALIGN_LEFT);
	pango_layout_set_text(d->layout, text ? text : "", -1);
}

double pdf_text_height(pdf_doc *d, double w, const char *text, const pdf_style *st)
{
	set_text(d, w, text, st);
	int pw, ph;
	pango_layout_get_size(d->layout, &pw, &ph);
	return (double)ph / PANGO_SCALE;
}

double pdf_text(pdf_doc *d, double x, double y, double w, const char *text, const pdf_style *st)
{
	double h = pdf_text_height(d, w, text, st);
	if (d->draw && text && *text) {
		cairo_set_source_rgb(d->cr, st->grey, st->grey, st->grey);
		cairo_move_to(d->cr, x, y);
		pango_cairo_show_layout(d->cr, d->layout);
	}
	return h;
}

void pdf_line(pdf_doc *d, double x1, double y1, double x2, double y2, double width, double grey)
{
	if (!d->draw)
		return;
	cairo_set_source_rgb(d->cr, grey, grey, grey);
	cairo_set_line_width(d->cr, width);
	cairo_move_to(d->cr, x1, y1);
	cairo_line_to(d->cr, x2, y2);
	cairo_stroke(d->cr);
}

void pdf_fill_rect(pdf_doc *d, double x, double y, double w, double h, double grey)
{
	if (!d->draw)
		return;
	cairo_set_source_rgb(d->cr, grey, grey, grey);
	cairo_rectangle(d->cr, x, y, w, h);
	cairo_fill(d->cr);
}

void pdf_new_page(pdf_doc *d)
{
	cairo_show_page(d->cr);
	d->page++;
}

int pdf_page(const pdf_doc *d)
{
	return d->page;
}

/* Known leaks inside the libraries, reported by the sanitizer build's leak
 * checker at every exit: fontconfig keeps the patterns of the font files we
 * add past FcFini (about 385 KB, once), and cairo 1.16's PDF writer loses
 * 768 bytes per embedded font subset (1.5 KB per document; measured with
 * 1 and 10 documents).  The price of hiding them by library: a cairo object
 * of ours never destroyed would be hidden too, so pdf_open and pdf_close
 * are the only places that make and free them. */
#if defined(__SANITIZE_ADDRESS__)
#define PDF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDF_ASAN 1
#endif
#endif
#ifdef PDF_ASAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	/* by library: without frame pointers in them, a stack ends there */
	return "leak:libfontconfig.so\nleak:libcairo.so\n";
}
#endif

void pdf_shutdown(void)
{
	pthread_mutex_lock(&lock);
	if (font_map) {
		g_object_unref(font_map);
		font_map = NULL;
		font = NULL;
	}
	if (font_config) {
		FcConfigDestroy(font_config);
		font_config = NULL;
	}
	cairo_debug_reset_static_data();
	FcFini();
	pthread_mutex_unlock(&lock);
}
