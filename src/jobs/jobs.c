/* jobs.c - see jobs.h. */
#include "jobs.h"
#include "backup_job.h"
#include "mail_job.h"
#include "../core/approval.h"
#include "../db/db.h"
#include "../util/clock.h"
#include "../util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_JOBS 16
#define COMPANY_UTC_OFFSET_MS (8LL * 3600 * 1000)

static struct {
	const char *name;
	job_fn fn;
	job_ready_fn ready;
	bool often;             /* every pass, no daily lease */
} jobs[MAX_JOBS];
static int njobs;

void job_register_when(const char *name, job_fn fn, job_ready_fn ready)
{
	for (int i = 0; i < njobs; i++)
		if (!strcmp(jobs[i].name, name))
			return;
	if (njobs < MAX_JOBS) {
		jobs[njobs].name = name;
		jobs[njobs].fn = fn;
		jobs[njobs].ready = ready;
		njobs++;
	}
}

void job_register_often(const char *name, job_fn fn)
{
	job_register_when(name, fn, NULL);
	for (int i = 0; i < njobs; i++)
		if (!strcmp(jobs[i].name, name))
			jobs[i].often = true;
}

void job_register(const char *name, job_fn fn)
{
	job_register_when(name, fn, NULL);
}

/* Built in: fresh planner statistics every day, so lists keep using the right indexes as data grows. */
static int analyze_job(ent_op *op, int64_t now_ms, json_t *report)
{
	(void)now_ms;
	int64_t t0 = clock_monotonic_us();
	if (db_analyze(op->db))
		return op_db_fail(op, db_errcode(op->db));
	json_object_set_new(report, "ms", json_integer((clock_monotonic_us() - t0) / 1000));
	return 0;
}

void jobs_day(int64_t ms, char out[11])
{
	char iso[32];
	clock_format_iso(ms + COMPANY_UTC_OFFSET_MS, iso, sizeof(iso));
	memcpy(out, iso, 10);
	out[10] = '\0';
}

/* Takes the lease for (job, day): true when this caller should run it. */
static bool claim(db *d, const char *job, const char *day, bool force)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s;
	if (force && (s = db_prepare(d, "DELETE FROM job_runs WHERE job = ? AND period = ?"))) {
		db_bind_str(s, 1, job);
		db_bind_str(s, 2, day);
		db_step(s);
		db_done(s);
	}
	s = db_prepare(d, "INSERT INTO job_runs(job, period, started_at) VALUES (?, ?, ?) "
			  "ON CONFLICT(job, period) DO NOTHING");
	if (!s)
		return false;
	db_bind_str(s, 1, job);
	db_bind_str(s, 2, day);
	db_bind_str(s, 3, now);
	bool mine = db_step(s) == DB_DONE && db_changes(d) == 1;
	db_done(s);
	return mine;
}

static void finish(db *d, const char *job, const char *day, json_t *report)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	char *txt = json_dumps(report, JSON_COMPACT);
	db_stmt *s = db_prepare(d, "UPDATE job_runs SET finished_at = ?, result = ? WHERE job = ? AND period = ?");
	if (s) {
		db_bind_str(s, 1, now);
		db_bind_str(s, 2, txt);
		db_bind_str(s, 3, job);
		db_bind_str(s, 4, day);
		db_step(s);
		db_done(s);
	}
	free(txt);
}

json_t *jobs_run_due(db *d, bool force)
{
	job_register("db_analyze", analyze_job);
	job_register_when("backup", backup_job, backup_job_ready);
	job_register_often("mail", mail_job);
	/* reminders and escalation of approval steps past their time limit */
	job_register_often("approval_time_limits", approval_sla_job);
	char day[11];
	int64_t now = clock_now_ms();
	jobs_day(now, day);
	json_t *all = json_object();
	auth_session system = { .user = { .id = 0, .username = "system", .name = "System" } };
	for (int i = 0; i < njobs; i++) {
		if (jobs[i].ready && !force && !jobs[i].ready(d, now)) {
			json_object_set_new(all, jobs[i].name, json_string("waiting"));
			continue;
		}
		if (jobs[i].often) {
			ent_op op = { .db = d, .who = &system };
			json_t *report = json_object();
			if (jobs[i].fn(&op, now, report)) {
				json_object_set_new(report, "error", json_string(op.err.message));
				log_error("job %s failed: %s", jobs[i].name, op.err.message);
				ent_error_clear(&op.err);
			}
			json_object_set_new(all, jobs[i].name, report);
			continue;
		}
		if (!claim(d, jobs[i].name, day, force)) {
			json_object_set_new(all, jobs[i].name, json_string("skipped"));
			continue;
		}
		ent_op op = { .db = d, .who = &system };
		json_t *report = json_object();
		if (jobs[i].fn(&op, now, report)) {
			json_object_set_new(report, "error", json_string(op.err.message));
			log_error("job %s failed: %s", jobs[i].name, op.err.message);
			ent_error_clear(&op.err);
		}
		finish(d, jobs[i].name, day, report);
		json_object_set_new(all, jobs[i].name, report);
	}
	return json_pack("{s:s,s:o}", "day", day, "jobs", all);
}

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool running;
static int interval;

static void *scheduler(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&mu);
	while (running) {
		pthread_mutex_unlock(&mu);
		db *d = db_thread();
		if (d) {
			json_t *r = jobs_run_due(d, false);
			/* say what ran; an often job with nothing to do says nothing */
			json_t *ran = json_object();
			const char *name;
			json_t *v;
			json_object_foreach(json_object_get(r, "jobs"), name, v)
				if (json_is_object(v) && json_object_size(v))
					json_object_set(ran, name, v);
			char *txt = json_object_size(ran) ? json_dumps(ran, JSON_COMPACT) : NULL;
			json_decref(ran);
			if (txt)
				log_info("jobs ran: %s", txt);
			free(txt);
			json_decref(r);
		}
		pthread_mutex_lock(&mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += interval;
		while (running && pthread_cond_timedwait(&cv, &mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&mu);
	db_thread_close();
	return NULL;
}

int jobs_scheduler_start(int interval_s)
{
	interval = interval_s > 0 ? interval_s : 60;
	running = true;
	return pthread_create(&thread, NULL, scheduler, NULL);
}

void jobs_scheduler_stop(void)
{
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	running = false;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
}
