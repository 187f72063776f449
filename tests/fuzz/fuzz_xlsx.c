/*
 * fuzz_xlsx.c - an uploaded workbook through the .xlsx reader.  Input that
 * starts like a zip archive goes through xlsx_to_csv (libzip, then expat);
 * anything else is cut at its first NUL byte into the shared strings part
 * and the sheet part, which go straight to the XML layer, so the fuzzer
 * reaches the cell, row and shared-string handling without building zips.
 */
#include "fuzz.h"
#include "../../src/util/csv.h"
#include "../../src/util/xlsx.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	char err[256] = "";
	buf out = { 0 };
	int rc;
	if (xlsx_sniff(d, size)) {
		rc = xlsx_to_csv(d, size, &out, err, sizeof(err));
	} else {
		const char *nul = memchr(d, '\0', size);
		size_t sst_len = nul ? (size_t)(nul - d) : 0;
		const char *sheet = nul ? nul + 1 : d;
		size_t sheet_len = nul ? size - sst_len - 1 : size;
		rc = xlsx_sheet_xml_to_csv(nul ? d : NULL, sst_len, sheet, sheet_len, &out, err, sizeof(err));
	}
	if (rc && !err[0])
		abort(); /* a refusal always says why */
	if (!rc) {
		/* what it wrote is CSV that the reader takes back */
		csv_reader r;
		csv_init(&r, out.ptr ? out.ptr : "", out.len);
		while (csv_next(&r) == 1)
			;
		csv_free(&r);
	}
	buf_free(&out);
	return 0;
}
