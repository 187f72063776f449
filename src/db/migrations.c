/*
 * migrations.c - the numbered schema of Rapport's core tables.
 *
 * Never edit a migration that has shipped: add a new one.  Entity tables
 * (customers, contacts, ...) are not here: the entity engine derives them
 * from the declarations in core/ and adds columns as declarations grow.
 */
#include "migrate.h"

const migration migrations[] = {
	{ 1, "users and sessions",
	  "CREATE TABLE users ("
	  "  id INTEGER PRIMARY KEY,"
	  "  username TEXT NOT NULL UNIQUE,"
	  "  name TEXT NOT NULL,"
	  "  email TEXT,"
	  "  password_hash TEXT NOT NULL,"
	  "  roles TEXT NOT NULL DEFAULT '[]',"
	  "  locale TEXT NOT NULL DEFAULT 'zh-CN',"
	  "  disabled INTEGER NOT NULL DEFAULT 0,"
	  "  version INTEGER NOT NULL DEFAULT 1,"
	  "  created_at TEXT NOT NULL,"
	  "  updated_at TEXT NOT NULL);"
	  "CREATE TABLE sessions ("
	  "  token_hash TEXT PRIMARY KEY,"
	  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	  "  csrf_token TEXT NOT NULL,"
	  "  created_at INTEGER NOT NULL,"   /* ms since epoch */
	  "  last_seen_at INTEGER NOT NULL,"
	  "  expires_at INTEGER NOT NULL,"
	  "  address TEXT);"
	  "CREATE INDEX sessions_user ON sessions(user_id);"
	  "CREATE TABLE login_failures ("
	  "  id INTEGER PRIMARY KEY,"
	  "  key TEXT NOT NULL,"             /* 'u:<username>' or 'a:<address>' */
	  "  at INTEGER NOT NULL);"
	  "CREATE INDEX login_failures_key ON login_failures(key, at);"
	  "CREATE TABLE settings ("
	  "  key TEXT PRIMARY KEY,"
	  "  value TEXT NOT NULL);" },
	{ 2, "audit history and option lists",
	  "CREATE TABLE audit_log ("
	  "  id INTEGER PRIMARY KEY,"
	  "  entity TEXT NOT NULL,"
	  "  record_id INTEGER NOT NULL,"
	  "  action TEXT NOT NULL,"          /* create, update, delete, restore, ... */
	  "  user_id INTEGER,"
	  "  at TEXT NOT NULL,"
	  "  changes TEXT NOT NULL);"        /* JSON: [{"field","old","new"}] */
	  "CREATE INDEX audit_log_record ON audit_log(entity, record_id, id);"
	  "CREATE TABLE option_lists ("
	  "  name TEXT PRIMARY KEY,"
	  "  options TEXT NOT NULL);" },
	{ 3, "organization, roles, sharing, customer pool, notifications, job runs",
	  "ALTER TABLE users ADD COLUMN department_id INTEGER;"
	  "ALTER TABLE users ADD COLUMN manager_id INTEGER;"
	  "CREATE INDEX users_department ON users(department_id);"
	  "CREATE INDEX users_manager ON users(manager_id);"
	  "CREATE TABLE roles ("
	  "  name TEXT PRIMARY KEY,"
	  "  label_zh TEXT NOT NULL,"
	  "  label_en TEXT NOT NULL,"
	  "  grants TEXT NOT NULL,"          /* {"customers":{"actions":[...],"scope":"own"},...} */
	  "  field_rules TEXT NOT NULL,"     /* {"products.cost_price":"hidden",...} */
	  "  builtin INTEGER NOT NULL DEFAULT 0,"
	  "  is_admin INTEGER NOT NULL DEFAULT 0,"
	  "  updated_at TEXT NOT NULL);"
	  "CREATE TABLE record_shares ("
	  "  entity TEXT NOT NULL,"
	  "  record_id INTEGER NOT NULL,"
	  "  user_id INTEGER NOT NULL,"
	  "  access TEXT NOT NULL,"          /* read, edit */
	  "  created_by INTEGER,"
	  "  created_at TEXT NOT NULL,"
	  "  PRIMARY KEY (entity, record_id, user_id));"
	  "CREATE INDEX record_shares_user ON record_shares(user_id, entity, record_id);"
	  "CREATE TABLE pool_events ("
	  "  id INTEGER PRIMARY KEY,"
	  "  customer_id INTEGER NOT NULL,"
	  "  user_id INTEGER,"
	  "  action TEXT NOT NULL,"          /* claim, release, recycle */
	  "  at TEXT NOT NULL);"
	  "CREATE INDEX pool_events_customer ON pool_events(customer_id, user_id, action, at);"
	  "CREATE TABLE notifications ("
	  "  id INTEGER PRIMARY KEY,"
	  "  user_id INTEGER NOT NULL,"
	  "  kind TEXT NOT NULL,"
	  "  title TEXT NOT NULL,"
	  "  body TEXT,"
	  "  entity TEXT,"
	  "  record_id INTEGER,"
	  "  dedupe_key TEXT UNIQUE,"
	  "  created_at TEXT NOT NULL,"
	  "  read_at TEXT);"
	  "CREATE INDEX notifications_user ON notifications(user_id, read_at, id);"
	  "CREATE TABLE job_runs ("
	  "  job TEXT NOT NULL,"
	  "  period TEXT NOT NULL,"          /* e.g. the day it ran for */
	  "  started_at TEXT NOT NULL,"
	  "  finished_at TEXT,"
	  "  result TEXT,"
	  "  PRIMARY KEY (job, period));" },
	{ 4, "imports: one row per import job, the records it created, its row problems",
	  "CREATE TABLE imports ("
	  "  id INTEGER PRIMARY KEY,"
	  "  entity TEXT NOT NULL,"
	  "  user_id INTEGER NOT NULL,"
	  "  filename TEXT NOT NULL,"
	  "  encoding TEXT NOT NULL,"        /* utf-8, utf-8-bom, gb18030, utf-16, xlsx */
	  "  status TEXT NOT NULL,"          /* uploaded, checking, checked, running, done, failed, undoing, undone */
	  "  mapping TEXT,"                  /* JSON array: the field of each column, or null */
	  "  duplicates TEXT NOT NULL DEFAULT 'skip'," /* skip, update, create */
	  "  dry_run INTEGER NOT NULL DEFAULT 0,"
	  "  total INTEGER NOT NULL DEFAULT 0,"
	  "  processed INTEGER NOT NULL DEFAULT 0,"
	  "  created INTEGER NOT NULL DEFAULT 0,"
	  "  updated INTEGER NOT NULL DEFAULT 0,"
	  "  skipped INTEGER NOT NULL DEFAULT 0,"
	  "  failed INTEGER NOT NULL DEFAULT 0,"
	  "  message TEXT,"
	  "  content TEXT NOT NULL,"         /* the file as UTF-8 CSV text */
	  "  created_at TEXT NOT NULL,"
	  "  updated_at TEXT NOT NULL,"
	  "  finished_at TEXT);"
	  "CREATE INDEX imports_user ON imports(user_id, id);"
	  "CREATE TABLE import_rows ("
	  "  import_id INTEGER NOT NULL,"
	  "  entity TEXT NOT NULL,"
	  "  record_id INTEGER NOT NULL,"
	  "  action TEXT NOT NULL,"          /* create, update */
	  "  PRIMARY KEY (import_id, entity, record_id));"
	  "CREATE TABLE import_errors ("
	  "  import_id INTEGER NOT NULL,"
	  "  row_no INTEGER NOT NULL,"       /* the spreadsheet's row number (the header is row 1) */
	  "  problems TEXT NOT NULL,"        /* JSON: {"field": "code", ...} or {"_row": "message"} */
	  "  PRIMARY KEY (import_id, row_no));" },
	{ 5, "attachments: files of any record, stored by content under DATA/uploads",
	  "CREATE TABLE attachments ("
	  "  id INTEGER PRIMARY KEY,"
	  "  entity TEXT NOT NULL,"
	  "  record_id INTEGER NOT NULL,"
	  "  name TEXT NOT NULL,"
	  "  content_type TEXT NOT NULL,"
	  "  size INTEGER NOT NULL,"
	  "  sha256 TEXT NOT NULL,"          /* the file: DATA/uploads/ab/cd/<sha256> */
	  "  created_by INTEGER,"
	  "  created_at TEXT NOT NULL,"
	  "  deleted_at TEXT,"               /* removed: the row and the file stay, as in a recycle bin */
	  "  deleted_by INTEGER);"
	  "CREATE INDEX attachments_record ON attachments(entity, record_id, id);"
	  "CREATE INDEX attachments_sha256 ON attachments(sha256);" },
	{ 6, "mail outbox and signed action links",
	  "CREATE TABLE mail_outbox ("
	  "  id INTEGER PRIMARY KEY,"
	  "  to_addr TEXT NOT NULL,"
	  "  subject TEXT NOT NULL,"
	  "  body TEXT NOT NULL,"            /* plain text, UTF-8 */
	  "  status TEXT NOT NULL,"          /* queued, sent, failed (gave up) */
	  "  attempts INTEGER NOT NULL DEFAULT 0,"
	  "  next_attempt_at INTEGER NOT NULL," /* ms since epoch */
	  "  lease_until INTEGER NOT NULL DEFAULT 0," /* a sender holds the row until then */
	  "  last_error TEXT,"
	  "  created_at TEXT NOT NULL,"
	  "  sent_at TEXT);"
	  "CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);"
	  "CREATE TABLE action_links ("
	  "  token_hash TEXT PRIMARY KEY,"   /* SHA-256 of the token; the token itself is only in the mail */
	  "  user_id INTEGER NOT NULL,"
	  "  action TEXT NOT NULL,"
	  "  target_id INTEGER NOT NULL,"
	  "  created_at INTEGER NOT NULL,"   /* ms since epoch */
	  "  expires_at INTEGER NOT NULL,"
	  "  used_at INTEGER);" },
	{ 7, "commissions: versioned plans and fee rules, the versions pinned to each signed contract, deductions, closed months",
	  "CREATE TABLE commission_plans ("
	  "  id INTEGER PRIMARY KEY,"
	  "  name TEXT NOT NULL,"
	  "  version INTEGER NOT NULL,"      /* 1, 2, ... per name: a new plan of the same name is its next version */
	  "  effective_from TEXT NOT NULL,"  /* YYYY-MM-DD */
	  "  basis TEXT NOT NULL,"           /* payments, contract_amount */
	  "  rate_pct INTEGER NOT NULL,"     /* 1/10000 of a percent point (money.h PCT_SCALE) */
	  "  tiers TEXT NOT NULL,"           /* JSON [{"from": minor units, "rate_pct"}] by cumulative base */
	  "  tier_period TEXT NOT NULL,"     /* month, quarter, year */
	  "  category_rates TEXT NOT NULL,"  /* JSON {"product category": rate_pct} */
	  "  cap INTEGER,"                   /* most commission per contract, minor units; NULL: none */
	  "  currency TEXT NOT NULL,"
	  "  user_ids TEXT NOT NULL,"        /* JSON [ids]; with roles empty too: every contract owner */
	  "  roles TEXT NOT NULL,"
	  "  created_by INTEGER,"
	  "  created_at TEXT NOT NULL,"
	  "  UNIQUE (name, version));"
	  "CREATE TABLE commission_fee_rules ("
	  "  id INTEGER PRIMARY KEY,"
	  "  name TEXT NOT NULL,"
	  "  version INTEGER NOT NULL,"
	  "  effective_from TEXT NOT NULL,"
	  "  rate_pct INTEGER NOT NULL,"     /* deducted share of the commission */
	  "  reason TEXT NOT NULL,"
	  "  user_ids TEXT NOT NULL,"
	  "  roles TEXT NOT NULL,"
	  "  created_by INTEGER,"
	  "  created_at TEXT NOT NULL,"
	  "  UNIQUE (name, version));"
	  "CREATE TABLE commission_pins ("   /* the versions in force when the contract was signed, never changed */
	  "  contract_id INTEGER PRIMARY KEY,"
	  "  plan_id INTEGER,"               /* NULL: no plan applied to its owner */
	  "  fee_rule_ids TEXT NOT NULL,"    /* JSON [ids] */
	  "  pinned_at TEXT NOT NULL);"
	  "CREATE TABLE commission_deductions ("
	  "  id INTEGER PRIMARY KEY,"
	  "  contract_id INTEGER NOT NULL,"
	  "  user_id INTEGER NOT NULL,"      /* the rep who must acknowledge it */
	  "  amount INTEGER NOT NULL,"
	  "  currency TEXT NOT NULL,"
	  "  reason TEXT NOT NULL,"
	  "  status TEXT NOT NULL,"          /* pending, acknowledged */
	  "  created_by INTEGER,"
	  "  created_at TEXT NOT NULL,"
	  "  acknowledged_at TEXT,"
	  "  month TEXT);"                   /* YYYY-MM of the acknowledgement: the statement it shows in */
	  "CREATE INDEX commission_deductions_user ON commission_deductions(user_id, status);"
	  "CREATE TABLE commission_months ("
	  "  month TEXT PRIMARY KEY,"        /* YYYY-MM, closed */
	  "  closed_by INTEGER,"
	  "  closed_at TEXT NOT NULL);"
	  "CREATE TABLE commission_lines ("  /* the lines of closed months, as they were when closed */
	  "  id INTEGER PRIMARY KEY,"
	  "  month TEXT NOT NULL,"           /* the statement it belongs to */
	  "  for_month TEXT NOT NULL,"       /* the month of the payment (earlier for adjustments) */
	  "  user_id INTEGER NOT NULL,"
	  "  line_key TEXT NOT NULL,"        /* p<payment id>, d<deduction id> */
	  "  kind TEXT NOT NULL,"            /* payment, deduction, adjustment */
	  "  line TEXT NOT NULL);"           /* the statement line as JSON */
	  "CREATE INDEX commission_lines_user ON commission_lines(user_id, month);"
	  "CREATE INDEX commission_lines_for ON commission_lines(user_id, for_month);" },
	{ 8, "approvals: flows with versions, requests, tasks (steps), their events, delegations",
	  "CREATE TABLE approval_flows ("
	  "  id INTEGER PRIMARY KEY,"
	  "  entity TEXT NOT NULL,"
	  "  version INTEGER NOT NULL,"
	  "  definition TEXT NOT NULL,"      /* JSON: steps, conditions, approvers (docs/api.md) */
	  "  created_by INTEGER,"
	  "  created_at TEXT NOT NULL,"
	  "  UNIQUE (entity, version));"
	  "CREATE TABLE approval_requests ("
	  "  id INTEGER PRIMARY KEY,"
	  "  entity TEXT NOT NULL,"
	  "  record_id INTEGER NOT NULL,"
	  "  flow_version INTEGER NOT NULL,"
	  "  status TEXT NOT NULL,"          /* pending, approved, rejected, withdrawn */
	  "  automatic INTEGER NOT NULL DEFAULT 0,"
	  "  facts TEXT NOT NULL,"           /* JSON: what the flow looked at (amount, discount, department) */
	  "  submitted_by INTEGER NOT NULL,"
	  "  submitted_at TEXT NOT NULL,"
	  "  decided_at TEXT,"
	  "  note TEXT);"
	  "CREATE INDEX approval_requests_record ON approval_requests(entity, record_id, id);"
	  "CREATE TABLE approval_tasks ("
	  "  id INTEGER PRIMARY KEY,"
	  "  request_id INTEGER NOT NULL,"
	  "  step INTEGER NOT NULL,"         /* the flow's step (1-based) */
	  "  ord INTEGER NOT NULL,"          /* stage order: tasks with one ord wait together */
	  "  step_name TEXT,"
	  "  mode TEXT NOT NULL,"            /* any (或签), all (会签) */
	  "  approver_id INTEGER NOT NULL,"
	  "  assigned_from INTEGER,"         /* delegated or escalated from this user */
	  "  status TEXT NOT NULL,"          /* waiting, pending, approved, rejected, skipped, cancelled, escalated */
	  "  time_limit_hours INTEGER NOT NULL DEFAULT 0,"
	  "  activated_at TEXT,"
	  "  reminded_at TEXT,"
	  "  decided_at TEXT,"
	  "  comment TEXT,"
	  "  added_by INTEGER);"             /* 加签: who added this signer */
	  "CREATE INDEX approval_tasks_request ON approval_tasks(request_id, ord);"
	  "CREATE INDEX approval_tasks_approver ON approval_tasks(approver_id, status, id);"
	  "CREATE INDEX approval_tasks_status ON approval_tasks(status, id);"
	  "CREATE TABLE approval_events ("
	  "  id INTEGER PRIMARY KEY,"
	  "  request_id INTEGER NOT NULL,"
	  "  task_id INTEGER,"
	  "  user_id INTEGER,"
	  "  action TEXT NOT NULL,"          /* submit, auto_approve, approve, reject, withdraw, delegate, ... */
	  "  comment TEXT,"
	  "  at TEXT NOT NULL);"
	  "CREATE INDEX approval_events_request ON approval_events(request_id, id);"
	  "CREATE TABLE delegations ("
	  "  id INTEGER PRIMARY KEY,"
	  "  user_id INTEGER NOT NULL,"
	  "  delegate_id INTEGER NOT NULL,"
	  "  from_on TEXT NOT NULL,"
	  "  to_on TEXT NOT NULL,"
	  "  created_at TEXT NOT NULL,"
	  "  deleted_at TEXT);"
	  "CREATE INDEX delegations_user ON delegations(user_id, from_on);" },
	{ 9, "opportunity sums: live opportunities counted and summed per stage, month and currency, for the dashboard",
	  /* kept by triggers and recomputed at each start: core/agg_summary.c */
	  "CREATE TABLE opportunity_sums ("
	  "  stage TEXT,"
	  "  month TEXT,"                    /* YYYY-MM of expected_close_on */
	  "  currency TEXT,"                 /* amount_currency */
	  "  n INTEGER NOT NULL,"            /* live opportunities (PostgreSQL: a +1/-1 delta per change until folded) */
	  "  amount INTEGER NOT NULL);"      /* their amounts, minor units */
	  "CREATE INDEX opportunity_sums_key ON opportunity_sums(stage, month, currency);" },
};

const int migrations_count = (int)(sizeof(migrations) / sizeof(migrations[0]));
