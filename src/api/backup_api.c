/*
 * backup_api.c - the admin routes of backups (core/backup.h):
 *
 *   GET  /api/backups                 {"data":[{name,size,sha256,created_at,backend,kind,...}],
 *                                      "running","last_error","last_finished_at","folder"}
 *   POST /api/backups                 run one now, in the background → 202 {"running":true}
 *   GET  /api/backups/:name/download  the file
 *   GET  /api/settings/backup         {"enabled","time","keep_daily","keep_weekly"}
 *   PUT  /api/settings/backup         any of those
 *
 * Administrators only; others get 403.
 */
#include "handlers.h"
#include "../core/acl.h"
#include "../core/backup.h"
#include "../util/datadir.h"

static bool admin(api_ctx *c)
{
	if (acl_is_admin(c->session))
		return true;
	api_error(c, 403, "forbidden", "only administrators manage backups");
	return false;
}

int api_backups_list(api_ctx *c)
{
	if (!admin(c))
		return c->status;
	json_t *out = backup_status();
	char dir[4096];
	json_object_set_new(out, "data", backup_list());
	if (datadir_sub("backups", dir, sizeof(dir)) == 0)
		json_object_set_new(out, "folder", json_string(dir));
	return api_reply_json(c, 200, out);
}

int api_backups_run(api_ctx *c)
{
	if (!admin(c))
		return c->status;
	if (!backup_start_async())
		return api_error(c, 409, "conflict", "a backup is already running");
	return api_reply_json(c, 202, json_pack("{s:b}", "running", 1));
}

int api_backups_download(api_ctx *c)
{
	if (!admin(c))
		return c->status;
	char path[4096];
	const char *name = api_param(c, "name");
	if (!backup_path(name, path, sizeof(path)))
		return api_error(c, 404, "not_found", "no such backup");
	return api_reply_file(c, path, "application/octet-stream", name, 0);
}

int api_backup_settings_get(api_ctx *c)
{
	if (!admin(c))
		return c->status;
	return api_reply_json(c, 200, backup_settings(c->db));
}

int api_backup_settings_put(api_ctx *c)
{
	if (!admin(c))
		return c->status;
	json_t *body = api_body_object(c);
	if (!body)
		return c->status;
	char err[256];
	json_t *s = backup_settings_save(c->db, body, err, sizeof(err));
	json_decref(body);
	if (!s) {
		char field[32] = "settings";
		sscanf(err, "%31[a-z_]:", field);
		return api_reply_json(c, 422, json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", "validation_failed",
							"message", err, "fields", field, "invalid"));
	}
	return api_reply_json(c, 200, s);
}
