/* test_json_out.c - json_out writes exactly what Jansson's compact dump writes (the API's bytes did not change). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/api/json_out.h"

static void same_as_jansson(json_t *j)
{
	char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	buf b = BUF_INIT;
	json_out(&b, j);
	cr_assert_str_eq(buf_str(&b), want);
	free(want);
	buf_free(&b);
	json_decref(j);
}

Test(json_out, scalars)
{
	same_as_jansson(json_integer(0));
	same_as_jansson(json_integer(-9223372036854775807LL - 1));
	same_as_jansson(json_integer(9223372036854775807LL));
	same_as_jansson(json_true());
	same_as_jansson(json_false());
	same_as_jansson(json_null());
	double reals[] = { 0.0, 1.0, -2.5, 0.1, 1e21, 1.5e-7, 123456789012345.0, 3.14159265358979, -1e300 };
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		same_as_jansson(json_real(reals[i]));
}

Test(json_out, strings)
{
	same_as_jansson(json_string(""));
	same_as_jansson(json_string("华夏机械有限公司 \"quoted\" back\\slash / slash"));
	same_as_jansson(json_string("tab\t nl\n cr\r bs\b ff\f bell\a esc\x1b del\x7f"));
	same_as_jansson(json_stringn("nul\0inside", 10));
}

Test(json_out, containers_keep_their_order)
{
	same_as_jansson(json_pack("{s:[],s:{},s:[i,s,n,{s:b}],s:{s:{s:s}}}", "z", "a", "m", 1, "x", "k", 1, "b",
				  "c", "d", "e"));
	json_t *o = json_object();
	for (int i = 40; i > 0; i--) {
		char k[8];
		snprintf(k, sizeof(k), "k%d", i);
		json_object_set_new(o, k, json_integer(i));
	}
	same_as_jansson(o);
}
