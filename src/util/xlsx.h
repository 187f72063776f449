/*
 * xlsx.h - reading the first worksheet of an Excel workbook (.xlsx).
 *
 * An .xlsx file is a zip archive of XML parts (ECMA-376): the workbook names
 * its sheets, a relationships part says which file holds each, shared
 * strings hold the text of cells of type "s".  xlsx_to_csv() reads the first
 * sheet with libzip and expat and writes its cells as UTF-8 CSV text (see
 * csv.h), one record per spreadsheet row: rows and cells the sheet leaves
 * out become empty records and fields, so record N is row N.  Numbers are
 * written as stored (a date is an Excel serial number; the importer turns it
 * into a date where the column is a date field); booleans as TRUE/FALSE.
 *
 * Limits: XLSX_MAX_XML bytes of uncompressed XML per part (zip bombs), a
 * document type declaration is refused (entity expansion), at most
 * CSV_MAX_FIELDS_DEFAULT columns.
 */
#ifndef RAPPORT_XLSX_H
#define RAPPORT_XLSX_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define XLSX_MAX_XML ((size_t)512 << 20)

/* True when data starts like a zip archive. */
bool xlsx_sniff(const char *data, size_t len);
/* The first sheet of the workbook in data as CSV text appended to out.
 * 0, or -1 with a one-line reason in err. */
int xlsx_to_csv(const char *data, size_t len, buf *out, char *err, size_t errlen);

/* The XML of one worksheet part and its shared strings (either may be NULL)
 * as CSV, without the zip layer: what the fuzz target drives. */
int xlsx_sheet_xml_to_csv(const char *sst_xml, size_t sst_len, const char *sheet_xml, size_t sheet_len, buf *out,
			  char *err, size_t errlen);

#endif
