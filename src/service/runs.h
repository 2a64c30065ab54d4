#ifndef SERVICE_RUNS_H
#define SERVICE_RUNS_H
#include "base/common.h"
#include "service/config.h"
#include "store/store.h"

/*
 * The runs of the service: a scan is created in the store at once (status running) and run by the
 * engine on one of cfg->max_runs worker threads; more wait in a queue, still shown as running.
 * Every finding is stored as soon as the engine emits it. Runs end completed, aborted or failed,
 * never stay running: a watchdog aborts a scan that outlives its budget, shutdown aborts what is
 * left, and runs_new marks runs that an earlier process left running as aborted.
 */

struct runs;

/* Starts the workers; first marks runs left running by a previous process as aborted. NULL on a
 * store failure. store and cfg must outlive the runs. */
struct runs *runs_new(struct store *store, const struct service_config *cfg);

struct run_started {
	char run_id[RUN_ID_LEN + 1];
	char *host; /* the normalized target; owned, freed by run_started_release */
};
void run_started_release(struct run_started *r);

/*
 * Starts a scan of input (URL, hostname or IP) for the account: creates the target if new (within
 * the plan), checks the plan's scan quota, stores the run and queues it. SS_EINVAL (bad host) and
 * SS_EDENIED (quota) come with a message for the user in err.
 */
int runs_submit(struct runs *r, const struct account *account, const char *input, const char *label,
		struct run_started *out, char *err, size_t errlen);

/* Aborts a running or queued run of the account (findings are kept). SS_ENOTFOUND when the
 * account has no such run, SS_EINVAL when it is not running. */
int runs_abort(struct runs *r, int64_t account_id, const char *run_id);

/* True while a worker still runs the scan (it may add findings even after an abort). */
bool runs_active(struct runs *r, const char *run_id);

/*
 * Watching runs (live events): fn(ud) is called after the run gets a finding, after its status
 * is recorded, and after its worker ends (from then on it cannot change). It runs on a worker or
 * request thread and must return quickly without calling back into the runs. The watch is owned
 * by the runs until runs_unwatch, after which fn is never called again.
 */
struct run_watch;
typedef void (*run_watch_fn)(void *ud);
struct run_watch *runs_watch(struct runs *r, const char *run_id, run_watch_fn fn, void *ud);
void runs_unwatch(struct runs *r, struct run_watch *w);

/* Aborts every run still running or queued and waits for the workers to end. */
void runs_shutdown(struct runs *r);
/* Shuts down if needed and frees. */
void runs_free(struct runs *r);

#endif
