#include "base/common.h"
#include "service/runs.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/scan.h"
#include "service/quota.h"
#include "service/targets.h"
#include <pthread.h>

/* The watchdog's abort reason; compared by address to tell its aborts from the user's. */
static const char budget_exceeded[] = "time budget exceeded";

struct job {
	char run_id[RUN_ID_LEN + 1];
	int64_t account_id;
	char *input;
	char *host;
	char *label;
	struct scan_run *scan; /* set while a worker runs it */
	int64_t started_ms;    /* when a worker took it */
	const char *abort_reason; /* set when an abort was asked for */
	bool gave_up;          /* the watchdog marked it failed */
	struct runs *owner;
	struct job *next;
};

struct run_watch {
	char run_id[RUN_ID_LEN + 1];
	run_watch_fn fn;
	void *ud;
	struct run_watch *next;
};

struct runs {
	struct store *store;
	pthread_mutex_t watch_lock; /* the watches; taken after lock, never before */
	struct run_watch *watches;
	const struct service_config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *queue_head, *queue_tail; /* waiting, FIFO */
	struct job *active;                  /* taken by workers */
	bool stopping;
	pthread_t *workers;
	size_t nworkers;
	pthread_t watchdog;
	bool watchdog_started;
	pthread_mutex_t submit_lock; /* quota check and run creation, atomically */
};

static void job_free(struct job *j)
{
	free(j->input);
	free(j->host);
	free(j->label);
	free(j);
}

/* Tells the watchers of the run that it changed. */
static void notify(struct runs *r, const char *run_id)
{
	pthread_mutex_lock(&r->watch_lock);
	for (struct run_watch *w = r->watches; w; w = w->next)
		if (!strcmp(w->run_id, run_id))
			w->fn(w->ud);
	pthread_mutex_unlock(&r->watch_lock);
}

struct run_watch *runs_watch(struct runs *r, const char *run_id, run_watch_fn fn, void *ud)
{
	struct run_watch *w = xcalloc(1, sizeof(*w));
	str_copy(w->run_id, sizeof(w->run_id), run_id);
	w->fn = fn;
	w->ud = ud;
	pthread_mutex_lock(&r->watch_lock);
	w->next = r->watches;
	r->watches = w;
	pthread_mutex_unlock(&r->watch_lock);
	return w;
}

void runs_unwatch(struct runs *r, struct run_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&r->watch_lock);
	for (struct run_watch **p = &r->watches; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	pthread_mutex_unlock(&r->watch_lock);
	free(w);
}

static void finish(struct runs *r, const char *run_id, const char *status, const char *error)
{
	int rc = store_run_finish(r->store, run_id, status, (int64_t)time(NULL), error);
	if (rc && rc != SS_ENOTFOUND && rc != SS_EINVAL)
		log_error("run %s: cannot record status %s: %s", run_id, status, ss_strerror(rc));
	if (rc == 0)
		notify(r, run_id);
}

static void sink_finding(void *ud, const struct finding *f)
{
	struct job *j = ud;
	struct finding copy;
	finding_copy(&copy, f);
	int rc = store_finding_add(j->owner->store, j->run_id, &copy);
	if (rc && rc != SS_EEXIST)
		log_error("run %s: cannot store finding %s: %s", j->run_id, f->check, ss_strerror(rc));
	if (rc == 0)
		notify(j->owner, j->run_id);
	finding_release(&copy);
}

static void sink_target(void *ud, const struct scan_target *t)
{
	struct job *j = ud;
	struct run_target rt = {
		.host = t->host,
		.label = j->label,
		.server = (char *)t->stack.server,
		.framework = (char *)t->stack.framework,
		.language = (char *)t->stack.language,
		.hosting = (char *)t->stack.hosting,
	};
	int rc = store_run_target_set(j->owner->store, j->run_id, &rt);
	if (rc)
		log_error("run %s: cannot record target %s: %s", j->run_id, t->host, ss_strerror(rc));
}

static struct job *take_next(struct runs *r)
{
	pthread_mutex_lock(&r->lock);
	while (!r->stopping && !r->queue_head)
		pthread_cond_wait(&r->wake, &r->lock);
	struct job *j = NULL;
	if (!r->stopping) {
		j = r->queue_head;
		r->queue_head = j->next;
		if (!r->queue_head)
			r->queue_tail = NULL;
		j->next = r->active;
		r->active = j;
		j->started_ms = clock_mono_ms();
	}
	pthread_mutex_unlock(&r->lock);
	return j;
}

static void unlink_active(struct runs *r, struct job *j)
{
	for (struct job **p = &r->active; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return;
		}
}

static void execute(struct runs *r, struct job *j)
{
	struct scan_options opt;
	scan_options_init(&opt);
	opt.budget_ms = r->cfg->run_budget * 1000;
	opt.http.allow_private = r->cfg->allow_private;
	opt.http.resolve = (const char *const *)r->cfg->dns_resolve;
	opt.resolver = r->cfg->dns_resolver;
	opt.trust_anchor = r->cfg->dns_trust_anchor;
	opt.modules = r->cfg->scan_modules;
	opt.ports = r->cfg->scan_ports;
	opt.crawl_max_pages = (int)r->cfg->crawl_pages;
	opt.crawl_max_assets = (int)r->cfg->crawl_assets;
	struct scan_sink sink = {.on_finding = sink_finding, .on_target = sink_target, .ud = j};
	struct scan_run *scan = scan_run_new(&opt, &sink);
	int rc = scan_run_add_target(scan, j->input);

	pthread_mutex_lock(&r->lock);
	j->scan = scan;
	if (j->abort_reason)
		scan_run_abort(scan);
	pthread_mutex_unlock(&r->lock);

	if (rc == 0) {
		log_info("run %s: scanning %s", j->run_id, j->host);
		rc = scan_run_execute(scan);
	}

	pthread_mutex_lock(&r->lock);
	j->scan = NULL;
	unlink_active(r, j);
	const char *reason = j->abort_reason;
	bool gave_up = j->gave_up;
	pthread_mutex_unlock(&r->lock);
	scan_run_free(scan);

	if (gave_up)
		; /* the watchdog has recorded the failure already */
	else if (rc == 0)
		finish(r, j->run_id, RUN_COMPLETED, NULL);
	else if (rc == SS_ETIMEOUT || (rc == SS_EABORTED && reason == budget_exceeded))
		finish(r, j->run_id, RUN_COMPLETED, "time budget reached: results are partial");
	else if (rc == SS_EABORTED)
		finish(r, j->run_id, RUN_ABORTED, reason ? reason : "aborted");
	else {
		log_error("run %s: scan of %s failed: %s", j->run_id, j->host, ss_strerror(rc));
		finish(r, j->run_id, RUN_FAILED, ss_strerror(rc));
	}
	log_info("run %s: finished (%s)", j->run_id, rc ? ss_strerror(rc) : "completed");
	notify(r, j->run_id); /* the worker is gone: the run is final now */
	job_free(j);
}

static void *worker_main(void *arg)
{
	struct runs *r = arg;
	struct job *j;
	while ((j = take_next(r)))
		execute(r, j);
	return NULL;
}

/* Aborts scans that outlive their budget; gives up on (marks failed) those that still do not stop. */
static void *watchdog_main(void *arg)
{
	struct runs *r = arg;
	long budget = r->cfg->run_budget * 1000;
	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
		int64_t now = clock_mono_ms();
		for (struct job *j = r->active; j; j = j->next) {
			enum scan_overrun v = scan_overrun(budget, now - j->started_ms);
			if (v != SCAN_IN_TIME && !j->abort_reason && j->scan) {
				log_warn("run %s: still running past its budget; aborting", j->run_id);
				j->abort_reason = budget_exceeded;
				scan_run_abort(j->scan);
			}
			if (v == SCAN_STUCK && !j->gave_up) {
				char mods[256] = "";
				if (j->scan)
					scan_run_unfinished(j->scan, mods, sizeof(mods));
				char *why = xasprintf("the scan did not stop within its budget%s%s%s",
						      mods[0] ? " (modules still running: " : "", mods,
						      mods[0] ? ")" : "");
				log_error("run %s: %s; marking it failed", j->run_id, why);
				j->gave_up = true;
				finish(r, j->run_id, RUN_FAILED, why);
				free(why);
			}
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct runs *runs_new(struct store *store, const struct service_config *cfg)
{
	int64_t n = 0;
	int rc = store_run_abort_all_running(store, (int64_t)time(NULL),
					     "interrupted: the service stopped during the scan", &n);
	if (rc) {
		log_error("cannot recover runs left running: %s", ss_strerror(rc));
		return NULL;
	}
	if (n)
		log_warn("marked %" PRId64 " run(s) left running by an earlier process as aborted", n);

	struct runs *r = xcalloc(1, sizeof(*r));
	r->store = store;
	r->cfg = cfg;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->submit_lock, NULL);
	pthread_mutex_init(&r->watch_lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	r->workers = xcalloc((size_t)cfg->max_runs, sizeof(*r->workers));
	for (long i = 0; i < cfg->max_runs; i++) {
		if (pthread_create(&r->workers[i], NULL, worker_main, r)) {
			log_error("cannot start a run worker thread");
			break;
		}
		r->nworkers++;
	}
	if (pthread_create(&r->watchdog, NULL, watchdog_main, r) == 0)
		r->watchdog_started = true;
	if (!r->nworkers || !r->watchdog_started) {
		runs_free(r);
		return NULL;
	}
	return r;
}

void run_started_release(struct run_started *s)
{
	free(s->host);
	s->host = NULL;
}

int runs_submit(struct runs *r, const struct account *account, const char *input, const char *label,
		struct run_started *out, char *err, size_t errlen)
{
	const struct plan *plan = service_config_plan(r->cfg, account->plan);
	char *host = NULL;
	int64_t target_id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!plan) {
		snprintf(err, errlen, "the account's plan '%s' is not configured", account->plan);
		return SS_EDENIED;
	}
	rc = targets_normalize(input, r->cfg->allow_private, &host, err, errlen);
	if (rc)
		return rc;

	pthread_mutex_lock(&r->submit_lock);
	rc = quota_check_scan(r->store, plan, account->id, time(NULL), err, errlen);
	if (rc)
		goto out;
	rc = targets_add(r->store, plan, account->id, host, label, &target_id, err, errlen);
	if (rc == SS_EEXIST)
		rc = 0;
	if (rc)
		goto out;

	struct run run = {
		.account_id = account->id,
		.target_id = target_id,
		.target = host,
		.label = (char *)(label ? label : ""),
		.started_at = (int64_t)time(NULL),
	};
	/* A fresh random id; a collision with an earlier run is astronomically rare but retried. */
	for (int attempt = 0; attempt < 3; attempt++) {
		crypto_random_id(run.id, RUN_ID_LEN, false);
		rc = store_run_create(r->store, &run);
		if (rc != SS_EEXIST)
			break;
	}
	if (rc)
		goto out;

	struct job *j = xcalloc(1, sizeof(*j));
	memcpy(j->run_id, run.id, sizeof(j->run_id));
	j->account_id = account->id;
	j->input = xstrdup(input);
	j->host = xstrdup(host);
	j->label = xstrdup(label ? label : "");
	j->owner = r;
	pthread_mutex_lock(&r->lock);
	if (r->stopping) {
		pthread_mutex_unlock(&r->lock);
		finish(r, j->run_id, RUN_ABORTED, "the service is stopping");
		job_free(j);
		rc = SS_EABORTED;
		goto out;
	}
	if (r->queue_tail)
		r->queue_tail->next = j;
	else
		r->queue_head = j;
	r->queue_tail = j;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);

	memcpy(out->run_id, run.id, sizeof(out->run_id));
	out->host = host;
	host = NULL;
out:
	pthread_mutex_unlock(&r->submit_lock);
	free(host);
	return rc;
}

int runs_abort(struct runs *r, int64_t account_id, const char *run_id)
{
	struct run run;
	int rc = store_run_get(r->store, account_id, run_id, &run);
	if (rc)
		return rc;
	bool running = !strcmp(run.status, RUN_RUNNING);
	run_release(&run);
	if (!running)
		return SS_EINVAL;

	pthread_mutex_lock(&r->lock);
	struct job *queued = NULL;
	for (struct job **p = &r->queue_head; *p; p = &(*p)->next)
		if (!strcmp((*p)->run_id, run_id)) {
			queued = *p;
			*p = queued->next;
			break;
		}
	if (queued) {
		r->queue_tail = NULL;
		for (struct job *q = r->queue_head; q; q = q->next)
			r->queue_tail = q;
	}
	for (struct job *j = r->active; j; j = j->next)
		if (!strcmp(j->run_id, run_id)) {
			j->abort_reason = "aborted by the user";
			if (j->scan)
				scan_run_abort(j->scan);
		}
	pthread_mutex_unlock(&r->lock);

	/* Recorded now so that the caller sees "aborted" at once; the worker's own record is a no-op. */
	finish(r, run_id, RUN_ABORTED, "aborted by the user");
	if (queued)
		job_free(queued);
	return 0;
}

bool runs_active(struct runs *r, const char *run_id)
{
	bool found = false;
	pthread_mutex_lock(&r->lock);
	for (struct job *j = r->active; j && !found; j = j->next)
		found = !strcmp(j->run_id, run_id);
	pthread_mutex_unlock(&r->lock);
	return found;
}

void runs_shutdown(struct runs *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->stopping) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	r->stopping = true;
	struct job *queued = r->queue_head;
	r->queue_head = r->queue_tail = NULL;
	for (struct job *j = r->active; j; j = j->next) {
		j->abort_reason = "the service stopped during the scan";
		if (j->scan)
			scan_run_abort(j->scan);
	}
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);

	while (queued) {
		struct job *next = queued->next;
		finish(r, queued->run_id, RUN_ABORTED, "the service stopped before the scan started");
		job_free(queued);
		queued = next;
	}
	for (size_t i = 0; i < r->nworkers; i++)
		pthread_join(r->workers[i], NULL);
	r->nworkers = 0;
	if (r->watchdog_started)
		pthread_join(r->watchdog, NULL);
	r->watchdog_started = false;
}

void runs_free(struct runs *r)
{
	if (!r)
		return;
	runs_shutdown(r);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->submit_lock);
	pthread_mutex_destroy(&r->watch_lock);
	pthread_cond_destroy(&r->wake);
	free(r->workers);
	free(r);
}
