/*
 * fuzz_csv.c - an uploaded spreadsheet through the CSV reader: encoding
 * detection and conversion (csv_to_utf8), then every record with small
 * limits, so that the too-long-field and too-many-fields paths run too.
 */
#include "fuzz.h"
#include "../../src/util/csv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t len;
	enum csv_encoding enc;
	char err[256];
	char *text = csv_to_utf8((const char *)data + 1, size - 1, &len, &enc, err, sizeof(err));
	if (!text)
		return 0;
	if (strlen(text) != len)
		abort(); /* the text holds no NUL */
	csv_reader r;
	csv_init(&r, text, len);
	if (data[0] & 1) {
		r.max_field = 1 + data[0] % 64;
		r.max_fields = 1 + data[0] % 8;
	}
	int rc;
	while ((rc = csv_next(&r)) == 1) {
		if (r.nfields < 1 || (r.max_fields && r.nfields > r.max_fields))
			abort();
		for (int i = 0; i < r.nfields; i++) {
			size_t flen;
			const char *fv = csv_field(&r, i, &flen);
			if (strlen(fv) != flen || flen > r.max_field)
				abort();
		}
		(void)csv_blank(&r);
	}
	if (rc != 0 && !r.err[0])
		abort(); /* an error always says why */
	buf out = { 0 };
	csv_write_field(&out, text, len);
	buf_free(&out);
	csv_free(&r);
	free(text);
	return 0;
}
