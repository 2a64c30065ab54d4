#include "base/common.h"
#include "service/config.h"
#include "base/config.h"
#include "base/portscan.h"
#include "base/resolve.h"
#include "base/sock.h"
#include "base/str.h"
#include "engine/module.h"
#include "engine/scan.h"
#include "modules/dns_anchor.h"

enum setting_type {
	T_STRING, T_URL, T_BOOL, T_LONG, T_RATE, T_LOGLEVEL, T_RESOLVER, T_ANCHOR, T_RESOLVE, T_MODULES,
	T_PORTS
};

struct setting {
	const char *section;
	const char *key;
	const char *env;
	enum setting_type type;
	size_t offset;
	long min, max; /* for T_LONG */
};

#define OFF(field) offsetof(struct service_config, field)

static const struct setting settings[] = {
	{"server", "listen", "SECSCAN_LISTEN", T_STRING, OFF(listen), 0, 0},
	{"server", "db", "SECSCAN_DB", T_STRING, OFF(db), 0, 0},
	{"server", "public_url", "SECSCAN_PUBLIC_URL", T_URL, OFF(public_url), 0, 0},
	{"server", "allow_private", "SECSCAN_ALLOW_PRIVATE", T_BOOL, OFF(allow_private), 0, 0},
	{"server", "log_level", "SECSCAN_LOG_LEVEL", T_LOGLEVEL, OFF(log_level), 0, 0},
	{"server", "threads", "SECSCAN_THREADS", T_LONG, OFF(threads), 1, 64},
	{"limits", "rate", "SECSCAN_RATE_LIMIT", T_RATE, OFF(rate), 0, 0},
	{"limits", "burst", "SECSCAN_RATE_BURST", T_LONG, OFF(burst), 1, 1000000000},
	{"limits", "max_runs", "SECSCAN_MAX_RUNS", T_LONG, OFF(max_runs), 1, 256},
	{"limits", "run_budget", "SECSCAN_RUN_BUDGET", T_LONG, OFF(run_budget), 1, 86400},
	{"limits", "max_body", "SECSCAN_MAX_BODY", T_LONG, OFF(max_body), 1024, 16 * 1024 * 1024},
	{"limits", "event_streams", "SECSCAN_EVENT_STREAMS", T_LONG, OFF(event_streams), 1, 10000},
	{"limits", "heartbeat", "SECSCAN_HEARTBEAT", T_LONG, OFF(heartbeat), 1, 3600},
	{"analysis", "provider", "SECSCAN_ANALYSIS_PROVIDER", T_STRING, OFF(analysis_provider), 0, 0},
	{"analysis", "api_key", "SECSCAN_ANALYSIS_KEY", T_STRING, OFF(analysis_key), 0, 0},
	{"analysis", "model", "SECSCAN_ANALYSIS_MODEL", T_STRING, OFF(analysis_model), 0, 0},
	{"analysis", "base_url", "SECSCAN_ANALYSIS_URL", T_URL, OFF(analysis_url), 0, 0},
	{"analysis", "timeout", "SECSCAN_ANALYSIS_TIMEOUT", T_LONG, OFF(analysis_timeout), 1, 600},
	{"dns", "resolver", "SECSCAN_RESOLVER", T_RESOLVER, OFF(dns_resolver), 0, 0},
	{"dns", "trust_anchor", "SECSCAN_TRUST_ANCHOR", T_ANCHOR, OFF(dns_trust_anchor), 0, 0},
	{"dns", "resolve", "SECSCAN_RESOLVE", T_RESOLVE, OFF(dns_resolve), 0, 0},
	{"scan", "modules", "SECSCAN_MODULES", T_MODULES, OFF(scan_modules), 0, 0},
	{"scan", "ports", "SECSCAN_PORTS", T_PORTS, OFF(scan_ports), 0, 0},
	{"scan", "crawl_pages", "SECSCAN_CRAWL_PAGES", T_LONG, OFF(crawl_pages), 0, SCAN_CRAWL_PAGES_MAX},
	{"scan", "crawl_assets", "SECSCAN_CRAWL_ASSETS", T_LONG, OFF(crawl_assets), 1, SCAN_CRAWL_ASSETS_MAX},
};

/* The defaults mirror the spec's plan table; "unlimited" is the self-hoster's admin. */
static const struct plan default_plans[] = {
	{"free", 1, 1, WINDOW_LIFETIME, false},
	{"payg", 5, PLAN_UNLIMITED, WINDOW_NONE, true},
	{"monthly", 1, 5, WINDOW_WEEK, true},
	{"pro", 10, 50, WINDOW_DAY, true},
	{"unlimited", PLAN_UNLIMITED, PLAN_UNLIMITED, WINDOW_NONE, true},
};

static const char *window_names[] = {"none", "day", "week", "lifetime"};

const char *scan_window_name(enum scan_window w)
{
	return window_names[w];
}

void service_config_init(struct service_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = xstrdup("127.0.0.1:8080");
	c->db = xstrdup("./data/secscan.db");
	c->log_level = LOG_INFO;
	c->threads = 2;
	c->rate = 10;
	c->burst = 20;
	c->max_runs = 4;
	c->run_budget = 300;
	c->max_body = 64 * 1024;
	c->event_streams = 100;
	c->heartbeat = 15;
	c->analysis_provider = xstrdup("local");
	c->analysis_model = xstrdup("claude-sonnet-4-6");
	c->analysis_url = xstrdup("https://api.anthropic.com");
	c->analysis_timeout = 60;
	struct scan_options scan;
	scan_options_init(&scan); /* a scan's defaults are the engine's */
	c->crawl_pages = scan.crawl_max_pages;
	c->crawl_assets = scan.crawl_max_assets;
	memcpy(c->plans, default_plans, sizeof(default_plans));
	c->nplans = ARRAY_SIZE(default_plans);
}

void service_config_release(struct service_config *c)
{
	free(c->listen);
	free(c->db);
	free(c->public_url);
	free(c->analysis_provider);
	free(c->analysis_key);
	free(c->analysis_model);
	free(c->analysis_url);
	free(c->dns_resolver);
	free(c->dns_trust_anchor);
	free(c->scan_modules);
	free(c->scan_ports);
	for (size_t i = 0; c->dns_resolve[i]; i++)
		free(c->dns_resolve[i]);
	memset(c, 0, sizeof(*c));
}

static int parse_bool(const char *v, bool *out)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return SS_EINVAL;
}

static int set_plan(struct service_config *c, const char *name, const char *key, const char *value,
		    char *err, size_t errlen)
{
	if (!*name || strlen(name) >= sizeof(c->plans[0].name)) {
		snprintf(err, errlen, "invalid plan name '%s'", name);
		return SS_EINVAL;
	}
	struct plan *p = (struct plan *)service_config_plan(c, name);
	if (!p) {
		if (c->nplans == SERVICE_MAX_PLANS) {
			snprintf(err, errlen, "too many plans (at most %d)", SERVICE_MAX_PLANS);
			return SS_EINVAL;
		}
		/* A new plan starts with nothing allowed but what its section grants. */
		p = &c->plans[c->nplans++];
		memset(p, 0, sizeof(*p));
		str_copy(p->name, sizeof(p->name), name);
		p->window = WINDOW_NONE;
	}
	if (!strcmp(key, "targets") || !strcmp(key, "scans")) {
		long v;
		if (str_to_long(value, -1, 1000000000, &v)) {
			snprintf(err, errlen, "plan.%s.%s: expected a number (-1 = unlimited), got '%s'",
				 name, key, value);
			return SS_EINVAL;
		}
		*(key[0] == 't' ? &p->targets : &p->scans) = v;
		return 0;
	}
	if (!strcmp(key, "scan_window")) {
		for (size_t i = 0; i < ARRAY_SIZE(window_names); i++)
			if (!strcasecmp(value, window_names[i])) {
				p->window = (enum scan_window)i;
				return 0;
			}
		snprintf(err, errlen, "plan.%s.scan_window: expected day, week, lifetime or none, got '%s'",
			 name, value);
		return SS_EINVAL;
	}
	if (!strcmp(key, "ai_analysis")) {
		if (parse_bool(value, &p->ai_analysis)) {
			snprintf(err, errlen, "plan.%s.ai_analysis: expected yes or no, got '%s'", name, value);
			return SS_EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown plan setting '%s' (targets, scans, scan_window, ai_analysis)", key);
	return SS_EINVAL;
}

/* A comma-separated list of "HOST:PORT:ADDR" replaces the list set before. */
static int set_resolve(char **list, const struct setting *s, const char *value, char *err,
		       size_t errlen)
{
	char *copy = xstrdup(value), *save = NULL;
	char *parsed[SERVICE_MAX_RESOLVE + 1] = {0};
	size_t n = 0;
	int rc = 0;
	for (char *e = strtok_r(copy, ",", &save); e && !rc; e = strtok_r(NULL, ",", &save)) {
		e = str_trim(e);
		if (!resolve_override_ok(e) || n == SERVICE_MAX_RESOLVE) {
			snprintf(err, errlen,
				 "%s.%s: expected HOST:PORT:ADDR, comma-separated (at most %d), got '%s'",
				 s->section, s->key, SERVICE_MAX_RESOLVE, e);
			rc = SS_EINVAL;
		} else {
			parsed[n++] = xstrdup(e);
		}
	}
	free(copy);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(parsed[i]);
		return rc;
	}
	for (size_t i = 0; list[i]; i++)
		free(list[i]);
	memcpy(list, parsed, sizeof(parsed));
	return 0;
}

static void replace_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int apply(struct service_config *c, const struct setting *s, const char *value, char *err,
		 size_t errlen)
{
	char *field = (char *)c + s->offset;
	switch (s->type) {
	case T_URL: {
		if (!str_starts_with_nocase(value, "http://") && !str_starts_with_nocase(value, "https://")) {
			snprintf(err, errlen, "%s.%s: expected an http:// or https:// URL, got '%s'",
				 s->section, s->key, value);
			return SS_EINVAL;
		}
		char *v = xstrdup(value);
		size_t n = strlen(v);
		while (n > 0 && v[n - 1] == '/')
			v[--n] = '\0';
		free(*(char **)field);
		*(char **)field = v;
		return 0;
	}
	case T_STRING:
		if (!*value) {
			snprintf(err, errlen, "%s.%s: empty value", s->section, s->key);
			return SS_EINVAL;
		}
		replace_string((char **)field, value);
		return 0;
	case T_BOOL:
		if (parse_bool(value, (bool *)field)) {
			snprintf(err, errlen, "%s.%s: expected yes or no, got '%s'", s->section, s->key, value);
			return SS_EINVAL;
		}
		return 0;
	case T_LONG:
		if (str_to_long(value, s->min, s->max, (long *)field)) {
			snprintf(err, errlen, "%s.%s: expected a number from %ld to %ld, got '%s'",
				 s->section, s->key, s->min, s->max, value);
			return SS_EINVAL;
		}
		return 0;
	case T_RATE: {
		char *end;
		errno = 0;
		double v = strtod(value, &end);
		if (errno || end == value || *end || !(v >= 0 && v <= 1e9)) {
			snprintf(err, errlen, "%s.%s: expected requests per second (0 = off), got '%s'",
				 s->section, s->key, value);
			return SS_EINVAL;
		}
		*(double *)field = v;
		return 0;
	}
	case T_RESOLVER: {
		struct sock_addr sa;
		if (sock_addr_parse(&sa, value, 53)) {
			snprintf(err, errlen,
				 "%s.%s: expected a numeric ADDR[:PORT] (e.g. 127.0.0.1:5353), got '%s'",
				 s->section, s->key, value);
			return SS_EINVAL;
		}
		replace_string((char **)field, value);
		return 0;
	}
	case T_ANCHOR: {
		/* Checked now: a bad file stops the start rather than every scan's DNSSEC checks. */
		char why[512];
		if (dns_anchor_file_check(value, why, sizeof(why))) {
			snprintf(err, errlen, "%s.%s: %s", s->section, s->key, why);
			return SS_EINVAL;
		}
		replace_string((char **)field, value);
		return 0;
	}
	case T_RESOLVE:
		return set_resolve((char **)field, s, value, err, errlen);
	case T_MODULES: {
		char bad[64];
		if (module_list_check(value, bad, sizeof(bad))) {
			snprintf(err, errlen, "%s.%s: unknown module '%s' (secscan scan --help lists them)",
				 s->section, s->key, bad);
			return SS_EINVAL;
		}
		replace_string((char **)field, value);
		return 0;
	}
	case T_PORTS: {
		uint16_t *ports;
		size_t n;
		if (portscan_parse_list(value, &ports, &n)) {
			snprintf(err, errlen, "%s.%s: expected ports and ranges, e.g. 1-1000 or 22,80,8000-8100, got '%s'",
				 s->section, s->key, value);
			return SS_EINVAL;
		}
		free(ports);
		replace_string((char **)field, value);
		return 0;
	}
	case T_LOGLEVEL:
		if (log_parse_level(value, (enum log_level *)field)) {
			snprintf(err, errlen, "%s.%s: expected debug, info, warn, error or quiet, got '%s'",
				 s->section, s->key, value);
			return SS_EINVAL;
		}
		return 0;
	}
	return SS_EINVAL;
}

int service_config_set(struct service_config *c, const char *section, const char *key,
		       const char *value, char *err, size_t errlen)
{
	if (str_starts_with(section, "plan."))
		return set_plan(c, section + 5, key, value, err, errlen);
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (!strcmp(settings[i].section, section) && !strcmp(settings[i].key, key))
			return apply(c, &settings[i], value, err, errlen);
	snprintf(err, errlen, "unknown setting '%s' in section [%s]", key, section);
	return SS_EINVAL;
}

int service_config_load_file(struct service_config *c, const char *path, char *err, size_t errlen)
{
	struct config file = {0};
	int rc = config_load(&file, path, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < file.n && !rc; i++) {
		const struct config_entry *e = &file.items[i];
		char why[512];
		rc = service_config_set(c, e->section, e->key, e->value, why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "%s:%d: %s", path, e->line, why);
	}
	config_release(&file);
	return rc;
}

int service_config_load_env(struct service_config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		const char *v = getenv(settings[i].env);
		if (!v)
			continue;
		char why[512];
		if (apply(c, &settings[i], v, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", settings[i].env, why);
			return SS_EINVAL;
		}
	}
	return 0;
}

int service_config_load(struct service_config *c, const char *path, char *err, size_t errlen)
{
	if (!path)
		path = getenv("SECSCAN_CONFIG");
	if (path && *path) {
		int rc = service_config_load_file(c, path, err, errlen);
		if (rc)
			return rc;
	}
	return service_config_load_env(c, err, errlen);
}

void service_config_finish(struct service_config *c)
{
	if (!c->public_url)
		c->public_url = xasprintf("http://%s", c->listen);
}

const struct plan *service_config_plan(const struct service_config *c, const char *name)
{
	for (size_t i = 0; i < c->nplans; i++)
		if (!strcmp(c->plans[i].name, name))
			return &c->plans[i];
	return NULL;
}
