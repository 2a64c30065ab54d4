#ifndef ENGINE_SCAN_H
#define ENGINE_SCAN_H
#include "base/common.h"
#include "base/http.h"
#include "engine/finding.h"
#include <pthread.h>

/*
 * A scan run: one or more targets, the modules run against each, one HTTP scheduler, a time
 * budget, and one sink through which every finding leaves the engine as soon as it is found.
 * The engine knows nothing of the store or of HTTP handlers: the caller's sink persists or prints.
 */

struct scan_target;

struct scan_sink {
	/* Called for each new finding (deduplicated by fingerprint within the run), from any thread
	 * but never concurrently. */
	void (*on_finding)(void *ud, const struct finding *f);
	/* Called once per target after its recon (the first one and each discovered one), before
	 * its modules run; t->stack is known by then. */
	void (*on_target)(void *ud, const struct scan_target *t);
	/* Progress messages for a live view ("exposure: 12/48 probes"); may be NULL. */
	void (*on_progress)(void *ud, const char *module, const char *message);
	void *ud;
};

/* What a crawl may be asked to read at most: its assets are held in memory for the whole target. */
#define SCAN_CRAWL_PAGES_MAX 1000
#define SCAN_CRAWL_ASSETS_MAX 5000

struct scan_options {
	struct http_options http;
	long budget_ms;        /* time budget of the whole run (default 120000) */
	const char *modules;   /* comma-separated module names to run; NULL = all */
	int max_targets;       /* targets per run, discovered ones included (default 10) */
	int expiry_warn_days;  /* certificate expiry warning window (default 30) */
	const char *resolver;  /* DNS server "ADDR[:PORT]" for the dns module; NULL = system */
	const char *trust_anchor; /* file of DS/DNSKEY records the dns module also validates DNSSEC
	                           * from (a private root, an internal zone); NULL = the root's only */
	const char *ports;     /* TCP ports for the network module ("1-1000", "22,80,8000-8100");
	                        * NULL = the list of rules/ports/default.json */
	int crawl_max_pages;   /* same-site pages linked from the main page that the crawl fetches (10;
	                        * at most SCAN_CRAWL_PAGES_MAX) */
	int crawl_max_assets;  /* assets of the crawl, pages included (200; at most SCAN_CRAWL_ASSETS_MAX) */
	size_t crawl_max_bytes;/* bytes of all assets (64 MiB) */
};
/* Fills the defaults. */
void scan_options_init(struct scan_options *o);

/* What the engine detected of a target's technology; "" when unknown. */
struct tech_stack {
	char server[64];    /* "nginx", "apache", "caddy", "iis", "cloudflare", ... */
	char framework[64]; /* "nextjs", "express", "django", "rails", "laravel", "wordpress", ... */
	char language[32];  /* "javascript", "python", "php", "ruby", "java", "go", ... */
	char hosting[64];   /* "vercel", "netlify", "cloudflare", "aws", ... */
};

/* One fetched asset of the target's bounded crawl (pages, scripts, chunks, source maps, JSON). */
struct scan_asset {
	char *url;
	char *content_type; /* lower case, without parameters; "" if none */
	char *kind;         /* "page", "script", "inline-script", "sourcemap", "source", "json", "config" */
	struct buf body;    /* decoded as served (decompressed); capped */
	char **set_cookies; /* the answer's Set-Cookie values (fetched pages; not the main page) */
	size_t nset_cookies;
};

struct scan_assets {
	struct scan_asset *items;
	size_t n;
};

/* The target context that modules read instead of fetching the same things again. */
struct scan_run;

struct scan_target {
	struct scan_run *run;
	char *input;     /* as given ("https://myapp.com/app", "myapp.com", "1.2.3.4") */
	char *host;      /* normalized display host: "myapp.com" or "myapp.com:8443" */
	char *hostname;  /* DNS name or IP, no port */
	int port;        /* of the base URL */
	char *base_url;  /* origin the site answered on, e.g. "https://myapp.com" (no trailing /) */
	char *start_url; /* the URL the scan started from (path of the input kept) */
	bool https;      /* base_url is https */
	struct http_response *main;  /* final answer for start_url (redirects followed), or NULL */
	struct http_response *plain; /* first answer of http://host/ (not followed), or NULL */
	struct tech_stack stack;
	/*
	 * The crawl's cache, filled once by scan_crawl (engine/crawl.c) under crawl_lock; the run
	 * frees the assets. Modules read it only through scan_crawl.
	 */
	pthread_mutex_t crawl_lock;
	bool crawl_done;
	struct scan_assets assets;
};

/*
 * Normalizes what a user typed as a target: a URL (http/https), a bare hostname, host:port, an
 * IPv4 or IPv6 address, an IDN. On success *host_out is the display host ("myapp.com",
 * "myapp.com:8443", "[::1]:8080") and *start_url_out the URL to start from (https unless the
 * input said http); both owned by the caller. On failure returns SS_EINVAL and *err (caller frees)
 * says why, for a person. Any out-parameter may be NULL.
 */
int scan_normalize_target(const char *input, char **host_out, char **start_url_out, char **err);

/* The options are copied; the sink is used until scan_run_free. */
struct scan_run *scan_run_new(const struct scan_options *opt, const struct scan_sink *sink);
/*
 * Adds a target (URL, hostname, IP, IDN). SS_EINVAL if it cannot be a target (the reason is then
 * in scan_run_error), SS_EEXIST if the run has it, SS_ETOOBIG past max_targets.
 */
int scan_run_add_target(struct scan_run *run, const char *input);
/*
 * Runs every target through recon and the modules; returns 0, SS_EABORTED, SS_ETIMEOUT (budget
 * spent; findings so far stand) or SS_EIO when no target answered (scan_run_error says why).
 */
int scan_run_execute(struct scan_run *run);
/* Why the last failing call failed, for a person ("example.com: could not resolve host"), or NULL. */
const char *scan_run_error(struct scan_run *run);
/* Asks a running scan to stop soon. Thread-safe; findings already emitted stay. */
void scan_run_abort(struct scan_run *run);
void scan_run_free(struct scan_run *run);

/*
 * Watchdogs (the service's, the CLI's): a module may ignore scan_aborted() and block past the
 * budget. Given how long a run has executed, says whether to wait (SCAN_IN_TIME), to abort it
 * (SCAN_OVERDUE: past budget + grace, the grace a quarter of the budget and at least 5 s, for the
 * requests in flight when the budget ends) or to stop waiting for it (SCAN_STUCK: still going a
 * grace after that).
 */
enum scan_overrun { SCAN_IN_TIME, SCAN_OVERDUE, SCAN_STUCK };
enum scan_overrun scan_overrun(long budget_ms, int64_t elapsed_ms);
/* The modules whose run has not returned, as "tls, network" ("" when none), into out. Thread-safe. */
void scan_run_unfinished(struct scan_run *run, char *out, size_t len);
/*
 * Disconnects the sink: once this returns the engine calls none of its functions, so a caller
 * that gives up on a stuck run can read what its sink gathered while the run's threads go on.
 * Thread-safe; the run must still be freed (by whoever waits for scan_run_execute to return).
 */
void scan_run_detach(struct scan_run *run);

/* --- for modules --- */

/* What a module reports; strings are copied. Fields left NULL come from the catalogue entry. */
struct finding_spec {
	const char *check;       /* catalogue id; required */
	const char *location;    /* URL, path or host:port; NULL = the target's base URL */
	const char *detail;      /* fills {detail} in the catalogue title, e.g. "Anthropic API key" */
	const char *evidence;    /* cut to FINDING_EVIDENCE_MAX */
	const char *title;       /* overrides the catalogue title */
	const char *description; /* overrides the catalogue description */
	int severity;            /* -1: the catalogue's; else an enum severity */
	const char *discriminator; /* extra fingerprint input (e.g. hash of a secret) */
};

/* Emits a finding for the target. Returns 0, SS_EEXIST if the run has it already, SS_EINVAL if
 * the check id is not in the catalogue (a bug, logged). */
int scan_emit(struct scan_target *t, const char *module, const struct finding_spec *spec);
/* The run's HTTP scheduler. */
struct http_sched *scan_http(struct scan_target *t);
const struct scan_options *scan_options_of(struct scan_target *t);
bool scan_aborted(struct scan_target *t);
/* Progress message for the live view. */
void scan_progress(struct scan_target *t, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The target's crawl (main page, same-site pages, scripts, chunks, source maps, config JSON),
 * fetched once per target by whichever module asks first; others wait for it. Owned by the run.
 */
const struct scan_assets *scan_crawl(struct scan_target *t);
/* Whether the run includes the named module: it is registered and selected (--modules). */
bool scan_module_selected(struct scan_target *t, const char *name);
/*
 * Adds a host discovered during the scan that belongs to the app (multi-target runs). modules
 * (comma-separated, NULL for all) limits the run's modules for that target: a backend the app
 * rents from a provider is checked for the app's configuration, not port-scanned.
 */
int scan_discover_target(struct scan_target *t, const char *input, const char *reason, const char *modules);
/*
 * Claims key of kind (e.g. "bucket-objects", "https://b.s3.amazonaws.com") for the calling
 * target, once in the whole run: true the first time, false if a target of the run claimed it
 * already or max keys of that kind were claimed (a cap across targets). Thread-safe.
 */
bool scan_claim(struct scan_target *t, const char *kind, const char *key, size_t max);

#endif
