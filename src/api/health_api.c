/* health_api.c - GET /api/health: liveness and the database in use. */
#include "handlers.h"
#include "../version.h"

int api_health(api_ctx *c)
{
	int64_t one = db_query_int(c->db, "SELECT 1", 0);
	if (one != 1)
		return api_error(c, 503, "unavailable", "the database does not answer");
	return api_reply_json(c, 200, json_pack("{s:s,s:s,s:s}", "status", "ok", "database",
						db_kind_name(c->db), "version", RAPPORT_VERSION));
}
