/*
 * routes.c - every route of the REST API, one line each.
 * The router prefers literal segments over parameters, so a specific route
 * such as /api/leads/:id/convert wins over the generic /api/:entity/:id/:rel.
 */
#include "handlers.h"

const api_route api_routes[] = {
	{ API_GET, "/api/health", api_health, ROUTE_PUBLIC },
	{ API_POST, "/api/auth/login", api_login, ROUTE_PUBLIC | ROUTE_SLOW },
	{ API_POST, "/api/auth/logout", api_logout, 0 },
	{ API_GET, "/api/me", api_me, 0 },
	{ API_GET, "/api/meta", api_meta, 0 },
	{ API_GET, "/api/search", api_search, 0 },
	{ API_GET, "/api/option-lists/:name", api_option_list_get, 0 },
	{ API_PUT, "/api/option-lists/:name", api_option_list_put, 0 },
	{ API_POST, "/api/leads/:id/convert", api_lead_convert, 0 },
	{ API_POST, "/api/customers/:id/claim", api_customer_claim, 0 },
	{ API_POST, "/api/customers/:id/release", api_customer_release, 0 },
	{ API_POST, "/api/customers/:id/transfer", api_customer_transfer, 0 },
	{ API_POST, "/api/customers/transfer", api_customers_transfer, 0 },
	{ API_POST, "/api/quotes/:id/revise", api_quote_revise, 0 },
	{ API_PUT, "/api/contracts/:id/payment_plan", api_contract_plan_put, 0 },
	{ API_GET, "/api/customers/:id/summary", api_customer_summary, 0 },
	{ API_GET, "/api/opportunities/:id/summary", api_opportunity_summary, 0 },
	{ API_GET, "/api/settings/numbering", api_numbering_get, 0 },
	{ API_PUT, "/api/settings/numbering", api_numbering_put, 0 },
	{ API_GET, "/api/settings/pool", api_pool_settings_get, 0 },
	{ API_PUT, "/api/settings/pool", api_pool_settings_put, 0 },
	{ API_GET, "/api/notifications", api_notifications, 0 },
	{ API_POST, "/api/notifications/:id/read", api_notification_read, 0 },
	{ API_GET, "/api/users", api_users_list, 0 },
	{ API_POST, "/api/users", api_users_create, ROUTE_SLOW },
	{ API_GET, "/api/users/:id", api_users_get, 0 },
	{ API_PATCH, "/api/users/:id", api_users_patch, 0 },
	{ API_POST, "/api/users/:id/password", api_users_password, ROUTE_SLOW },
	{ API_GET, "/api/users/:id/history", api_users_history, 0 },
	{ API_GET, "/api/roles", api_roles_list, 0 },
	{ API_POST, "/api/roles", api_roles_create, 0 },
	{ API_PUT, "/api/roles/:name", api_roles_put, 0 },
	{ API_DELETE, "/api/roles/:name", api_roles_delete, 0 },

	{ API_GET, "/api/backups", api_backups_list, 0 },
	{ API_POST, "/api/backups", api_backups_run, 0 },
	{ API_GET, "/api/backups/:name/download", api_backups_download, 0 },
	{ API_GET, "/api/settings/backup", api_backup_settings_get, 0 },
	{ API_PUT, "/api/settings/backup", api_backup_settings_put, 0 },
	{ API_GET, "/api/:entity/export", api_export, ROUTE_SLOW },

	/* imports from spreadsheets: the file is the raw body (at most 256 MB) */
	{ API_POST, "/api/imports", api_imports_create, ROUTE_UPLOAD, (size_t)256 << 20 },
	{ API_GET, "/api/imports", api_imports_list, 0 },
	{ API_GET, "/api/imports/:id", api_imports_get, 0 },
	{ API_POST, "/api/imports/:id/dry-run", api_imports_dry_run, 0 },
	{ API_POST, "/api/imports/:id/run", api_imports_run, 0 },
	{ API_POST, "/api/imports/:id/undo", api_imports_undo, 0 },
	{ API_GET, "/api/imports/:id/errors.csv", api_imports_errors_csv, 0 },

	/* the generic record routes, for every declared entity */
	{ API_GET, "/api/:entity", api_list, 0 },
	{ API_POST, "/api/:entity", api_create, 0 },
	{ API_GET, "/api/:entity/aggregate", api_aggregate, 0 },
	{ API_GET, "/api/:entity/:id", api_get, 0 },
	{ API_PATCH, "/api/:entity/:id", api_patch, 0 },
	{ API_DELETE, "/api/:entity/:id", api_delete, 0 },
	{ API_POST, "/api/:entity/:id/restore", api_restore, 0 },
	{ API_GET, "/api/:entity/:id/history", api_history, 0 },
	{ API_GET, "/api/:entity/:id/:relation", api_related, 0 },
	{ API_GET, "/api/:entity/:id/shares", api_shares_list, 0 },
	{ API_POST, "/api/:entity/:id/shares", api_shares_add, 0 },
	{ API_DELETE, "/api/:entity/:id/shares/:user_id", api_shares_remove, 0 },
	/* files of records (entities with E_ATTACHMENTS); the size limit is the admin's setting */
	{ API_GET, "/api/:entity/:id/attachments", api_attachments_list, 0 },
	{ API_POST, "/api/:entity/:id/attachments", api_attachments_add, ROUTE_UPLOAD },
	{ API_GET, "/api/attachments/:id", api_attachment_download, 0 },
	{ API_DELETE, "/api/attachments/:id", api_attachment_delete, 0 },
	{ API_GET, "/api/settings/attachments", api_attachment_settings_get, 0 },
	{ API_PUT, "/api/settings/attachments", api_attachment_settings_put, 0 },
	/* the printed quote (rendering takes tens of ms: off the connection threads) */
	{ API_GET, "/api/quotes/:id/pdf", api_quote_pdf, ROUTE_SLOW },
	{ API_GET, "/api/settings/company", api_company_settings_get, 0 },
	{ API_PUT, "/api/settings/company", api_company_settings_put, 0 },
	/* outgoing mail and the one-click links it carries (the token is the credential) */
	{ API_GET, "/api/settings/mail", api_mail_settings_get, 0 },
	{ API_PUT, "/api/settings/mail", api_mail_settings_put, 0 },
	{ API_POST, "/api/settings/mail/test", api_mail_test, 0 },
	{ API_GET, "/api/mail/outbox", api_mail_outbox, 0 },
	{ API_GET, "/api/links/:token", api_link_get, ROUTE_PUBLIC },
	{ API_POST, "/api/links/:token", api_link_post, ROUTE_PUBLIC },
};

const int api_routes_count = (int)(sizeof(api_routes) / sizeof(api_routes[0]));
