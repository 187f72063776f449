/*
 * quote_pdf.h - the printed quote (报价单): an A4 PDF with the company
 * header, the customer, the quote's number, version and dates, the lines
 * table and the totals, in Chinese or English (util/pdf.h draws it).
 */
#ifndef RAPPORT_QUOTE_PDF_H
#define RAPPORT_QUOTE_PDF_H

#include "../../util/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Renders the quote into out (PDF bytes appended).
 *   quote     as GET /api/quotes/{id} answers it, with its "lines"
 *   customer  {"name", "address"?, ...} or NULL
 *   contact   {"name", "mobile"?, "phone"?} or NULL
 *   company   the company settings (core/settings.h), or NULL
 *   lang      "en" for English; anything else is Chinese
 * Prints the number, revision, valid_until, currency, title, status (when
 * draft, rejected, expired or superseded), lines, totals, terms and notes;
 * the date is the day created_at falls on in Asia/Shanghai.
 * Returns 0, or -1 (logged) when no font is installed or cairo fails. */
int quote_pdf_render(json_t *quote, json_t *customer, json_t *contact, json_t *company, const char *lang, buf *out);

/* "1,234,567.89" for 123456789 minor units of a 2-decimal currency ("JPY":
 * no decimals); negative amounts get a leading '-'. */
void quote_pdf_amount(int64_t minor, const char *currency, char *out, size_t n);

#endif
