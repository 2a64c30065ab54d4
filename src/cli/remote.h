#ifndef CLI_REMOTE_H
#define CLI_REMOTE_H
#include "base/common.h"
#include "engine/finding.h"
#include "store/store.h"
#include <jansson.h>
#include <stdatomic.h>

/*
 * `secscan scan URL --server BASE --key KEY`: the scan runs on a secscan server. The CLI starts it
 * (POST /v1/scan) and follows its server-sent events (GET /v1/scan/{id}/events), reconnecting
 * with Last-Event-ID when the stream drops, so that each finding arrives once and in order.
 */

struct remote_run {
	char run_id[RUN_ID_LEN + 1];
	char status[16]; /* the run's final status */
	char *host;      /* the normalized target, as the server names it; owned */
	time_t started, finished;
};

typedef void (*remote_finding_fn)(void *ud, const struct finding *f);

/*
 * Runs the scan on the server, calling on_finding for every finding in order. 0, or a negative
 * SS_E* with a message in err. Once *stop is set (Ctrl-C), stops following and aborts the run on
 * the server (POST /v1/scan/{id}/abort): SS_EABORTED, with out->status how the run ended there
 * ("aborted"), or "" and a message in err when the abort failed. out is released by
 * remote_run_release.
 */
int remote_scan(const char *server, const char *key, const char *target, const atomic_bool *stop,
		remote_finding_fn on_finding, void *ud, struct remote_run *out, char *err, size_t errlen);
void remote_run_release(struct remote_run *r);

/* The body of GET path on the server (the run's SECURITY-FIX.md, SARIF, JUnit) as it is sent;
 * caller frees. NULL with a message in err unless the answer is 200. */
char *remote_get_text(const char *server, const char *key, const char *path, size_t *len, char *err,
		      size_t errlen);

/*
 * The findings of the run to compare with (--compare-to): RUN_ID, or "previous" (the server's
 * choice, by ?compare=previous; an empty array and *base_id NULL when the run has none). New
 * reference, or NULL with a message in err.
 */
json_t *remote_base(const char *server, const char *key, const char *run_id, const char *compare_to,
		    char **base_id, char *err, size_t errlen);

#endif
