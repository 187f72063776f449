/* handlers.h - the route handlers, one group per file, listed in routes.c. */
#ifndef RAPPORT_HANDLERS_H
#define RAPPORT_HANDLERS_H

#include "api.h"

/* health_api.c */
int api_health(api_ctx *c);
/* auth_api.c */
int api_login(api_ctx *c);
int api_logout(api_ctx *c);
int api_me(api_ctx *c);
json_t *api_user_json(const auth_user *u);

/* entity_api.c: the generic record routes */
#include "../core/entity.h"
void api_op_init(api_ctx *c, ent_op *op);
int api_reply_op_error(api_ctx *c, ent_op *op);
int api_reply_result(api_ctx *c, ent_op *op, int status, json_t *j);
int api_meta(api_ctx *c);
int api_search(api_ctx *c);
int api_list(api_ctx *c);
int api_create(api_ctx *c);
int api_get(api_ctx *c);
int api_patch(api_ctx *c);
int api_delete(api_ctx *c);
int api_restore(api_ctx *c);
int api_history(api_ctx *c);
int api_related(api_ctx *c);
int api_aggregate(api_ctx *c);
int api_option_list_get(api_ctx *c);
int api_option_list_put(api_ctx *c);
/* sales_api.c: special actions of the sales module */
int api_lead_convert(api_ctx *c);

/* documents_api.c: quotes, contracts, numbering, summaries */
int api_quote_revise(api_ctx *c);
int api_contract_plan_put(api_ctx *c);
int api_numbering_get(api_ctx *c);
int api_numbering_put(api_ctx *c);
int api_customer_summary(api_ctx *c);
int api_opportunity_summary(api_ctx *c);

/* org_api.c: users and roles */
int api_users_list(api_ctx *c);
int api_users_get(api_ctx *c);
int api_users_create(api_ctx *c);
int api_users_patch(api_ctx *c);
int api_users_password(api_ctx *c);
int api_users_history(api_ctx *c);
int api_roles_list(api_ctx *c);
int api_roles_create(api_ctx *c);
int api_roles_put(api_ctx *c);
int api_roles_delete(api_ctx *c);
/* share_api.c */
int api_shares_list(api_ctx *c);
int api_shares_add(api_ctx *c);
int api_shares_remove(api_ctx *c);
/* pool_api.c */
int api_customer_claim(api_ctx *c);
int api_customer_release(api_ctx *c);
int api_customer_transfer(api_ctx *c);
int api_customers_transfer(api_ctx *c);
int api_pool_settings_get(api_ctx *c);
int api_pool_settings_put(api_ctx *c);
int api_notifications(api_ctx *c);
int api_notification_read(api_ctx *c);
/* attachments_api.c */
int api_attachments_add(api_ctx *c);
int api_attachments_list(api_ctx *c);
int api_attachment_download(api_ctx *c);
int api_attachment_delete(api_ctx *c);
int api_attachment_settings_get(api_ctx *c);
int api_attachment_settings_put(api_ctx *c);
/* quote_pdf_api.c */
int api_quote_pdf(api_ctx *c);
int api_company_settings_get(api_ctx *c);
int api_company_settings_put(api_ctx *c);
/* backup_api.c */
int api_backups_list(api_ctx *c);
int api_backups_run(api_ctx *c);
int api_backups_download(api_ctx *c);
int api_backup_settings_get(api_ctx *c);
int api_backup_settings_put(api_ctx *c);
/* export_api.c */
int api_export(api_ctx *c);

/* import_api.c */
int api_imports_create(api_ctx *c);
int api_imports_list(api_ctx *c);
int api_imports_get(api_ctx *c);
int api_imports_dry_run(api_ctx *c);
int api_imports_run(api_ctx *c);
int api_imports_undo(api_ctx *c);
int api_imports_errors_csv(api_ctx *c);

/* mail_api.c: mail settings, test mail, action links */
int api_mail_settings_get(api_ctx *c);
int api_mail_settings_put(api_ctx *c);
int api_mail_test(api_ctx *c);
int api_link_get(api_ctx *c);
int api_link_post(api_ctx *c);
int api_mail_outbox(api_ctx *c);

/* commissions_api.c */
int api_comm_plans_list(api_ctx *c);
int api_comm_plans_create(api_ctx *c);
int api_comm_plans_get(api_ctx *c);
int api_comm_fee_rules_list(api_ctx *c);
int api_comm_fee_rules_create(api_ctx *c);
int api_comm_contract(api_ctx *c);
int api_comm_deduction_create(api_ctx *c);
int api_comm_deductions_list(api_ctx *c);
int api_comm_deduction_ack(api_ctx *c);
int api_comm_statement(api_ctx *c);
int api_comm_months(api_ctx *c);
int api_comm_month_close(api_ctx *c);
int api_comm_preview(api_ctx *c);

/* approvals_api.c: the approval engine, delegations, flows; expenses' pay and settings */
int api_approvals_list(api_ctx *c);
int api_approval_get(api_ctx *c);
int api_approval_approve(api_ctx *c);
int api_approval_reject(api_ctx *c);
int api_approval_delegate(api_ctx *c);
int api_approval_add_signer(api_ctx *c);
int api_record_submit(api_ctx *c);
int api_record_withdraw(api_ctx *c);
int api_record_approval(api_ctx *c);
int api_delegations_list(api_ctx *c);
int api_delegations_create(api_ctx *c);
int api_delegations_delete(api_ctx *c);
int api_approval_flows_list(api_ctx *c);
int api_approval_flow_get(api_ctx *c);
int api_approval_flow_put(api_ctx *c);
int api_expense_pay(api_ctx *c);
int api_expense_settings_get(api_ctx *c);
int api_expense_settings_put(api_ctx *c);

#endif
