#ifndef STORE_STORE_H
#define STORE_STORE_H
#include "base/common.h"
#include "engine/finding.h"

/*
 * The store: one domain-level interface, backends chosen at open time (a const table of
 * operations, as git's ref storage). SQLite is the embedded default; PostgreSQL comes later behind
 * the same table. A struct store may be used from many threads at once; backends keep whatever
 * per-thread state they need. Every function returns 0 or a negative SS_E* code.
 *
 * Objects returned through out-parameters are owned by the caller and released with the
 * matching *_release / *_array_free function below.
 */

/* Run states as the API names them. */
#define RUN_RUNNING "running"
#define RUN_COMPLETED "completed"
#define RUN_ABORTED "aborted"
#define RUN_FAILED "failed"

/* Run ids are 8 characters of [a-z0-9], like the API's "abc12345". */
#define RUN_ID_LEN 8

struct account {
	int64_t id;
	char *name;
	char *plan;
	int64_t created_at;
};

struct api_key {
	int64_t id;
	int64_t account_id;
	char *prefix; /* first characters of the key, for display ("sk-sec-AbCd") */
	char *label;
	int64_t created_at;
	int64_t last_used_at; /* 0 when never used */
	int64_t revoked_at;   /* 0 while valid */
};

struct target {
	int64_t id;
	int64_t account_id;
	char *host; /* normalized, unique per account */
	char *label;
	int64_t created_at;
};

struct run {
	char id[RUN_ID_LEN + 1];
	int64_t account_id;
	int64_t target_id;
	char *target; /* the host of target_id */
	char *label;
	char *status; /* RUN_* */
	char *error;  /* why it failed, or NULL */
	int64_t started_at;
	int64_t finished_at; /* 0 while running */
	struct severity_counts summary;
};

/* A target scanned in a run (a run has one or more), with the technology the scan detected. */
struct run_target {
	char *host;
	char *label;
	char *server;    /* "" when unknown */
	char *framework;
	char *language;
	char *hosting;
};

/* The analysis of a run (POST /v1/scan/{id}/analyze), kept once made. */
struct run_analysis {
	char *provider;    /* the provider that made it: "local" or "anthropic" */
	char *model;
	char *content;     /* Markdown */
	int64_t risk_score; /* 0-100 */
	char *chains;      /* the attack chains, JSON text */
	char *note;        /* why the configured provider was not used, or NULL */
	int64_t created_at;
};

struct store;

struct store_ops {
	const char *name;
	/* Opens (creating and migrating as needed) the database at location. */
	int (*open)(struct store *s, const char *location);
	void (*close)(struct store *s);

	int (*account_create)(struct store *s, const char *name, const char *plan, int64_t *id);
	int (*account_get)(struct store *s, int64_t id, struct account *out);
	int (*account_find)(struct store *s, const char *name, struct account *out);
	int (*account_count)(struct store *s, int64_t *n);

	/* key_hash is the SHA-256 hex of the whole key; the key itself is never stored. */
	int (*key_create)(struct store *s, int64_t account_id, const char *key_hash, const char *prefix,
			  const char *label, int64_t *id);
	/*
	 * Finds the unrevoked key with this hash and records its use (last_used_at, to the minute:
	 * within a minute of the last record, authenticating writes nothing); SS_ENOTFOUND otherwise.
	 */
	int (*key_authenticate)(struct store *s, const char *key_hash, struct api_key *out);
	/* Keys of one account (account_id < 0: every account), oldest first. */
	int (*key_list)(struct store *s, int64_t account_id, struct api_key **out, size_t *n);
	/* Revokes a key of the account (account_id < 0: any account); SS_ENOTFOUND if none. */
	int (*key_revoke)(struct store *s, int64_t account_id, int64_t key_id);

	/* SS_EEXIST (with *id set to the existing target) when the account has this host already. */
	int (*target_create)(struct store *s, int64_t account_id, const char *host, const char *label,
			     int64_t *id);
	int (*target_get)(struct store *s, int64_t account_id, int64_t id, struct target *out);
	int (*target_find)(struct store *s, int64_t account_id, const char *host, struct target *out);
	int (*target_list)(struct store *s, int64_t account_id, struct target **out, size_t *n);
	int (*target_count)(struct store *s, int64_t account_id, int64_t *n);
	/* Deletes the target; its runs and findings stay readable. */
	int (*target_delete)(struct store *s, int64_t account_id, int64_t id);

	/*
	 * Stores a new run from r (id, account_id, target_id, label, started_at); status running.
	 * The target must be the account's (SS_ENOTFOUND); target_id 0 stores a run of the host
	 * r->target without a target. SS_EEXIST when the id is taken; SS_EINVAL for a malformed id.
	 */
	int (*run_create)(struct store *s, const struct run *r);
	/* account_id < 0 reads any account's run. The summary is computed from the findings. */
	int (*run_get)(struct store *s, int64_t account_id, const char *run_id, struct run *out);
	/* The account's newest runs first, at most limit. */
	int (*run_list)(struct store *s, int64_t account_id, size_t limit, struct run **out, size_t *n);
	/*
	 * Moves a running run to status (completed/aborted/failed) with finished_at and error (NULL
	 * for none). SS_ENOTFOUND for no such run; SS_EINVAL when it is not running any more (its
	 * status stays as it is, so a scan finishing after an abort does not undo the abort).
	 */
	int (*run_finish)(struct store *s, const char *run_id, const char *status, int64_t finished_at,
			  const char *error);
	/*
	 * The newest completed run of the same account and host as run_id that started before it
	 * (the base of ?compare=previous). account_id < 0: any account. SS_ENOTFOUND when run_id is
	 * not the account's or it has no such predecessor.
	 */
	int (*run_previous)(struct store *s, int64_t account_id, const char *run_id, struct run *out);
	/* Runs the account started at or after since (epoch seconds). */
	int (*run_count_since)(struct store *s, int64_t account_id, int64_t since, int64_t *n);
	/* Marks every run still running as aborted (crash recovery); *n tells how many. */
	int (*run_abort_all_running)(struct store *s, int64_t finished_at, const char *error, int64_t *n);

	/*
	 * Records (or updates, by host) a target of the run with its detected stack. On update, NULL
	 * or "" fields leave what is stored as it is.
	 */
	int (*run_target_set)(struct store *s, const char *run_id, const struct run_target *t);
	/* The run's targets in the order they were first recorded. */
	int (*run_target_list)(struct store *s, const char *run_id, struct run_target **out, size_t *n);

	/*
	 * Appends a finding to a run, assigning f->seq (1, 2, ... per run). A finding whose
	 * fingerprint the run has already is not stored again: SS_EEXIST.
	 */
	int (*finding_add)(struct store *s, const char *run_id, struct finding *f);
	/* The run's stored analysis; SS_ENOTFOUND when there is none. */
	int (*analysis_get)(struct store *s, const char *run_id, struct run_analysis *out);
	/* Stores the run's analysis; SS_EEXIST when it has one already (the first one stays). */
	int (*analysis_put)(struct store *s, const char *run_id, const struct run_analysis *a);

	/* The run's findings with seq > since_seq, in seq order. */
	int (*finding_list)(struct store *s, const char *run_id, int64_t since_seq, struct finding **out,
			    size_t *n);
};

struct store {
	const struct store_ops *ops;
	void *impl;
};

extern const struct store_ops store_sqlite_ops;

/*
 * Opens a store from a location: a file path (SQLite) or, later, "postgres://..." (PostgreSQL).
 * Returns NULL and logs the reason on failure. store_close frees it (and every thread's
 * connection), once no other thread uses the store any more.
 */
struct store *store_open(const char *location);
void store_close(struct store *s);

/* Domain-level wrappers: store_X(s, ...) is s->ops->X(s, ...). */
#define store_account_create(s, ...) ((s)->ops->account_create((s), __VA_ARGS__))
#define store_account_get(s, ...) ((s)->ops->account_get((s), __VA_ARGS__))
#define store_account_find(s, ...) ((s)->ops->account_find((s), __VA_ARGS__))
#define store_account_count(s, ...) ((s)->ops->account_count((s), __VA_ARGS__))
#define store_key_create(s, ...) ((s)->ops->key_create((s), __VA_ARGS__))
#define store_key_authenticate(s, ...) ((s)->ops->key_authenticate((s), __VA_ARGS__))
#define store_key_list(s, ...) ((s)->ops->key_list((s), __VA_ARGS__))
#define store_key_revoke(s, ...) ((s)->ops->key_revoke((s), __VA_ARGS__))
#define store_target_create(s, ...) ((s)->ops->target_create((s), __VA_ARGS__))
#define store_target_get(s, ...) ((s)->ops->target_get((s), __VA_ARGS__))
#define store_target_find(s, ...) ((s)->ops->target_find((s), __VA_ARGS__))
#define store_target_list(s, ...) ((s)->ops->target_list((s), __VA_ARGS__))
#define store_target_count(s, ...) ((s)->ops->target_count((s), __VA_ARGS__))
#define store_target_delete(s, ...) ((s)->ops->target_delete((s), __VA_ARGS__))
#define store_run_create(s, ...) ((s)->ops->run_create((s), __VA_ARGS__))
#define store_run_get(s, ...) ((s)->ops->run_get((s), __VA_ARGS__))
#define store_run_list(s, ...) ((s)->ops->run_list((s), __VA_ARGS__))
#define store_run_finish(s, ...) ((s)->ops->run_finish((s), __VA_ARGS__))
#define store_run_previous(s, ...) ((s)->ops->run_previous((s), __VA_ARGS__))
#define store_run_count_since(s, ...) ((s)->ops->run_count_since((s), __VA_ARGS__))
#define store_run_abort_all_running(s, ...) ((s)->ops->run_abort_all_running((s), __VA_ARGS__))
#define store_run_target_set(s, ...) ((s)->ops->run_target_set((s), __VA_ARGS__))
#define store_run_target_list(s, ...) ((s)->ops->run_target_list((s), __VA_ARGS__))
#define store_finding_add(s, ...) ((s)->ops->finding_add((s), __VA_ARGS__))
#define store_analysis_get(s, ...) ((s)->ops->analysis_get((s), __VA_ARGS__))
#define store_analysis_put(s, ...) ((s)->ops->analysis_put((s), __VA_ARGS__))
#define store_finding_list(s, ...) ((s)->ops->finding_list((s), __VA_ARGS__))

void account_release(struct account *a);
void api_key_release(struct api_key *k);
void api_key_array_free(struct api_key *arr, size_t n);
void target_release(struct target *t);
void target_array_free(struct target *arr, size_t n);
void run_release(struct run *r);
void run_array_free(struct run *arr, size_t n);
void run_target_release(struct run_target *t);
void run_target_array_free(struct run_target *arr, size_t n);
void run_analysis_release(struct run_analysis *a);

#endif
