/*
 * pdf.h - A4 PDF documents drawn with cairo and laid out with pango, in one
 * CJK font chosen explicitly (never the machine's default), so Chinese and
 * Latin text look the same on every server and `pdftotext` reads them back.
 *
 * Coordinates are points (1/72 inch) from the top left of the page.  A
 * document in "measure" mode (draw = false) computes the same layout and
 * heights without drawing: callers lay out twice to learn the page count.
 *
 * Fonts come from Debian's fonts-noto-cjk (Noto Sans CJK SC), or
 * fonts-wqy-microhei when that is all there is (pdf_font_family()).  One
 * document is open at a time in the process (pdf_open waits for the last
 * one to close): pango's font map is shared and PDFs are rare.
 */
#ifndef RAPPORT_PDF_H
#define RAPPORT_PDF_H

#include "buf.h"

#include <stdbool.h>

#define PDF_A4_WIDTH 595.276
#define PDF_A4_HEIGHT 841.890

typedef struct pdf_doc pdf_doc;

typedef enum pdf_align { PDF_LEFT, PDF_CENTER, PDF_RIGHT } pdf_align;

typedef struct pdf_style {
	double size;                   /* points */
	bool bold;
	pdf_align align;
	double grey;                   /* 0 black .. 1 white */
} pdf_style;

/* The family in use ("Noto Sans CJK SC"), or NULL when no CJK font is installed. */
const char *pdf_font_family(void);
/* Opens a document that appends its bytes to out (draw) or only measures
 * (out may be NULL).  title goes into the PDF's metadata.  NULL (logged)
 * when no font is installed. */
pdf_doc *pdf_open(buf *out, bool draw, const char *title);
/* Finishes the document (the bytes are in out when drawing) and frees it; 0 or -1. */
int pdf_close(pdf_doc *d);
/* Text wrapped to width w at (x, y); returns its height.  Draws nothing in measure mode. */
double pdf_text(pdf_doc *d, double x, double y, double w, const char *text, const pdf_style *st);
/* The height pdf_text would take, without drawing. */
double pdf_text_height(pdf_doc *d, double w, const char *text, const pdf_style *st);
void pdf_line(pdf_doc *d, double x1, double y1, double x2, double y2, double width, double grey);
void pdf_fill_rect(pdf_doc *d, double x, double y, double w, double h, double grey);
/* Ends the page and starts the next one. */
void pdf_new_page(pdf_doc *d);
/* The current page, from 1. */
int pdf_page(const pdf_doc *d);
/* Releases the fonts and the caches of pango, cairo and fontconfig, once no
 * document is open and none will be (at process exit, so that the leak
 * checker sees no one-time caches). */
void pdf_shutdown(void);

#endif
