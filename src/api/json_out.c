/* json_out.c - see json_out.h; the writer itself is util/jsonw.c, which the
 * engine also uses to write records straight from their rows. */
#include "json_out.h"
#include "../util/jsonw.h"

void json_out(buf *b, const json_t *j)
{
	jsonw_value(b, j);
}
