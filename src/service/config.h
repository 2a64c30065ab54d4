#ifndef SERVICE_CONFIG_H
#define SERVICE_CONFIG_H
#include "base/common.h"
#include "base/log.h"

/*
 * The service configuration of `secscan serve` and the administration commands. Sources, from
 * weakest to strongest: built-in defaults < config file < environment (SECSCAN_*) < command-line
 * flags. Every source goes through service_config_set(section, key, value), so a setting has one
 * name, one parser and one error message wherever it comes from.
 *
 * File sections and keys (docs/configuration in README.md):
 *   [server]  listen, db, public_url, allow_private, log_level, threads
 *   [limits]  rate (requests/s per key, 0 = off), burst, max_runs, run_budget (seconds), max_body,
 *             event_streams (per account), heartbeat (seconds)
 *   [analysis] provider (local|anthropic), api_key, model, base_url, timeout (seconds)
 *   [dns]     resolver (ADDR[:PORT]), trust_anchor (file), resolve (HOST:PORT:ADDR, comma-separated)
 *   [plan.NAME] targets, scans (-1 = unlimited), scan_window (day|week|lifetime|none), ai_analysis
 */

enum scan_window { WINDOW_NONE, WINDOW_DAY, WINDOW_WEEK, WINDOW_LIFETIME };

#define PLAN_UNLIMITED (-1L)
#define SERVICE_MAX_PLANS 16
#define SERVICE_MAX_RESOLVE 32

struct plan {
	char name[32];
	long targets;            /* PLAN_UNLIMITED or a maximum number of targets */
	long scans;              /* PLAN_UNLIMITED or a maximum number of scans per window */
	enum scan_window window; /* the period scans are counted over */
	bool ai_analysis;
};

struct service_config {
	char *listen;      /* "ADDR:PORT" */
	char *db;          /* store location */
	char *public_url;  /* without trailing '/'; NULL until service_config_finish: http://LISTEN */
	bool allow_private;
	enum log_level log_level;
	long threads;      /* HTTP worker threads */
	double rate;       /* requests per second per key; 0 disables the rate limit */
	long burst;        /* token bucket size */
	long max_runs;     /* scans running at once; more wait in a queue */
	long run_budget;   /* seconds a scan may take */
	long max_body;     /* largest accepted request body in bytes */
	long event_streams; /* open GET /v1/scan/{id}/events streams per account */
	long heartbeat;    /* seconds between keep-alive comments of an idle event stream */
	char *analysis_provider; /* "local" (default) or "anthropic" */
	char *analysis_key;      /* the provider's API key; NULL: $ANTHROPIC_API_KEY */
	char *analysis_model;    /* default claude-sonnet-4-6 */
	char *analysis_url;      /* the Messages API's base URL, without trailing '/' */
	long analysis_timeout;   /* seconds one provider call may take */
	/* Every scan's name resolution, as `secscan scan` --resolver, --trust-anchor, --resolve: */
	char *dns_resolver;      /* "ADDR[:PORT]" the dns module asks; NULL = the system's */
	char *dns_trust_anchor;  /* DS/DNSKEY file the dns module also validates from (checked when
	                          * set); NULL = the root's anchors only */
	char *dns_resolve[SERVICE_MAX_RESOLVE + 1]; /* "HOST:PORT:ADDR" overrides, NULL-terminated */
	/* Every scan's reach, as `secscan scan` --modules and --ports (both checked when set): */
	char *scan_modules; /* comma-separated modules to run; NULL = all */
	char *scan_ports;   /* TCP ports of the network module; NULL = rules/ports/default.json */
	long crawl_pages;   /* as --crawl-pages: same-site pages the crawl reads */
	long crawl_assets;  /* as --crawl-assets: the crawl's assets in all */
	struct plan plans[SERVICE_MAX_PLANS];
	size_t nplans;
};

/* Fills the defaults (listen 127.0.0.1:8080, db ./data/secscan.db, the spec's plans...). */
void service_config_init(struct service_config *c);
void service_config_release(struct service_config *c);

/* Sets one setting from text. SS_EINVAL with a message in err for an unknown key or bad value. */
int service_config_set(struct service_config *c, const char *section, const char *key,
		       const char *value, char *err, size_t errlen);
/* Applies a config file; errors name the file and line. */
int service_config_load_file(struct service_config *c, const char *path, char *err, size_t errlen);
/* Applies the SECSCAN_* environment variables that are set (SECSCAN_LISTEN, SECSCAN_DB, ...). */
int service_config_load_env(struct service_config *c, char *err, size_t errlen);
/*
 * Applies the config file at path (or at $SECSCAN_CONFIG when path is NULL; none when neither)
 * and then the environment.
 */
int service_config_load(struct service_config *c, const char *path, char *err, size_t errlen);
/* Derives what depends on other settings (the public URL defaults to http://LISTEN). */
void service_config_finish(struct service_config *c);

/* The plan of that name, or NULL. */
const struct plan *service_config_plan(const struct service_config *c, const char *name);
/* "day", "week", "lifetime", "none". */
const char *scan_window_name(enum scan_window w);

#endif
