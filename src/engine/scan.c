#include "base/common.h"
#include "engine/scan.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/ssrf.h"
#include "base/str.h"
#include "base/url.h"
#include "base/utf8.h"
#include "engine/catalogue.h"
#include "engine/module.h"
#include "engine/stack.h"
#include <arpa/inet.h>
#include <stdatomic.h>

/* What a target's recon remembers of the input beyond the public fields. */
struct target_ctx {
	struct scan_target pub; /* first: modules get &pub */
	bool scheme_given;      /* the input said http:// or https:// */
	bool port_given;
	char *modules; /* modules this target is limited to (discovered hosts), NULL: the run's */
};

struct scan_run {
	struct scan_options opt;
	char *modules, *resolver, *trust_anchor, *ports, *user_agent, *ca_file;
	char **resolve, **allow_addrs;
	struct scan_sink sink;
	pthread_mutex_t mu; /* targets, seen, error, http, sink calls */
	pthread_mutex_t target_mu; /* held around on_target, which may emit (and so take mu) */
	struct http_sched *http;
	struct target_ctx **targets;
	size_t ntargets, targets_cap;
	char **seen; /* fingerprints emitted, sorted */
	size_t nseen, seen_cap;
	char **claims; /* "KIND KEY" of scan_claim, sorted */
	size_t nclaims, claims_cap;
	char *error;
	atomic_bool aborted;
	int64_t deadline_ms;
	unsigned *running; /* per module_registry index: threads still in the module's run (under mu) */
};

/* The grace of a run past its budget before a watchdog aborts it (scan_overrun). */
#define OVERRUN_MIN_GRACE_MS 5000

void scan_options_init(struct scan_options *o)
{
	memset(o, 0, sizeof(*o));
	o->http.per_host = 6;
	o->http.timeout_ms = 10000;
	o->http.connect_timeout_ms = 5000;
	o->http.max_body = 5 * 1024 * 1024;
	o->http.max_redirects = 5;
	o->budget_ms = 120000;
	o->max_targets = 10;
	o->expiry_warn_days = 30;
	o->crawl_max_pages = 10;
	o->crawl_max_assets = 200;
	o->crawl_max_bytes = 64 * 1024 * 1024;
}

/* --- targets --- */

static char *fail_msg(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *fail_msg(char **err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		*err = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* Builds the URL text to parse from a target input; NULL (with *err) if it cannot be one. */
static char *target_url_text(const char *in, bool *scheme_given, char **err)
{
	const char *sep = strstr(in, "://");
	*scheme_given = false;
	if (!*in)
		return fail_msg(err, "the target is empty");
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F)
			return fail_msg(err, "the target contains spaces or control characters");
	if (sep) {
		size_t n = (size_t)(sep - in);
		if (!((n == 4 && strncasecmp(in, "http", 4) == 0) || (n == 5 && strncasecmp(in, "https", 5) == 0)))
			return fail_msg(err, "unsupported scheme '%.*s' (only http and https can be scanned)",
					(int)MIN(n, 20), in);
		*scheme_given = true;
	}
	const char *auth = sep ? sep + 3 : in;
	size_t alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen))
		return fail_msg(err, "user-info (user@host) is not allowed in a target");
	if (sep)
		return xstrdup(in);
	/* A bare IPv6 address ("::1", "2001:db8::1") needs brackets in a URL. */
	size_t colons = 0;
	for (size_t i = 0; i < alen; i++)
		colons += auth[i] == ':';
	if (colons >= 2 && auth[0] != '[')
		return xasprintf("https://[%.*s]%s", (int)alen, auth, auth + alen);
	return xasprintf("https://%s", in);
}

int scan_normalize_target(const char *input, char **host_out, char **start_url_out, char **err)
{
	bool scheme_given;
	struct url u;
	char *text;

	if (err)
		*err = NULL;
	text = target_url_text(input ? input : "", &scheme_given, err);
	if (!text)
		return SS_EINVAL;
	if (url_parse(text, &u)) {
		free(text);
		fail_msg(err, "'%.200s' is not a valid host name, IP address or http(s) URL", input);
		return SS_EINVAL;
	}
	free(text);
	if (host_out)
		*host_out = url_host_port(&u);
	if (start_url_out)
		*start_url_out = url_format(&u);
	url_release(&u);
	return 0;
}

static void run_set_error(struct scan_run *run, const char *msg)
{
	pthread_mutex_lock(&run->mu);
	free(run->error);
	run->error = xstrdup(msg);
	pthread_mutex_unlock(&run->mu);
}

/* Whether the authority of the input names a port ("host:8080", "[::1]:8080"). */
static bool input_has_port(const char *in)
{
	const char *sep = strstr(in, "://");
	const char *auth = sep ? sep + 3 : in;
	size_t alen = strcspn(auth, "/?#");
	const char *close = memchr(auth, ']', alen);
	const char *from = close ? close : auth;
	size_t colons = 0;
	for (const char *p = from; p < auth + alen; p++)
		colons += *p == ':';
	return colons == 1;
}

static bool is_ip_literal(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Validates input and adds it as a target; bounded by max_targets; deduplicated by host. */
static int run_add(struct scan_run *run, const char *input, const char *modules, struct target_ctx **out)
{
	char *host = NULL, *start = NULL, *msg = NULL;
	struct target_ctx *c;
	struct url u;
	int err;

	if (scan_normalize_target(input, &host, &start, &msg)) {
		run_set_error(run, msg);
		free(msg);
		return SS_EINVAL;
	}
	url_parse(start, &u);
	/* An address literal can be judged now; names are judged when connected to. */
	if (!run->opt.http.allow_private && is_ip_literal(u.host) && !ssrf_ip_string_allowed(u.host, false)) {
		char *m = xasprintf("refused by the SSRF guard: %s is a private, loopback or reserved "
				    "address (use --allow-private to scan it)", u.host);
		run_set_error(run, m);
		free(m);
		err = SS_EDENIED;
		goto out;
	}
	pthread_mutex_lock(&run->mu);
	err = 0;
	for (size_t i = 0; i < run->ntargets && !err; i++)
		if (strcmp(run->targets[i]->pub.host, host) == 0)
			err = SS_EEXIST;
	if (!err && run->ntargets >= (size_t)MAX(run->opt.max_targets, 1))
		err = SS_ETOOBIG;
	if (!err) {
		c = xcalloc(1, sizeof(*c));
		c->pub.run = run;
		c->pub.input = xstrdup(input);
		c->pub.host = host;
		c->pub.hostname = xstrdup(u.host);
		c->pub.port = u.port;
		c->pub.start_url = start;
		c->pub.https = strcmp(u.scheme, "https") == 0;
		pthread_mutex_init(&c->pub.crawl_lock, NULL);
		c->scheme_given = strstr(input, "://") != NULL;
		c->port_given = input_has_port(input);
		c->modules = modules ? xstrdup(modules) : NULL;
		host = start = NULL;
		run->targets = xgrow(run->targets, &run->targets_cap, run->ntargets + 1, sizeof(*run->targets));
		run->targets[run->ntargets++] = c;
		if (out)
			*out = c;
	}
	pthread_mutex_unlock(&run->mu);
out:
	url_release(&u);
	free(host);
	free(start);
	return err;
}

static void assets_release(struct scan_assets *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].url);
		free(a->items[i].content_type);
		free(a->items[i].kind);
		buf_release(&a->items[i].body);
		for (size_t k = 0; k < a->items[i].nset_cookies; k++)
			free(a->items[i].set_cookies[k]);
		free(a->items[i].set_cookies);
	}
	free(a->items);
	a->items = NULL;
	a->n = 0;
}

static void target_free(struct target_ctx *c)
{
	struct scan_target *t = &c->pub;
	free(t->input);
	free(t->host);
	free(t->hostname);
	free(t->base_url);
	free(t->start_url);
	http_response_free(t->main);
	http_response_free(t->plain);
	assets_release(&t->assets);
	pthread_mutex_destroy(&t->crawl_lock);
	free(c->modules);
	free(c);
}

/* --- run --- */

static char *dup_opt(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A NULL-terminated copy of a NULL-terminated string list (v may be NULL). */
static char **strv_dup(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	char **out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

struct scan_run *scan_run_new(const struct scan_options *opt, const struct scan_sink *sink)
{
	struct scan_run *run = xcalloc(1, sizeof(*run));
	run->opt = *opt;
	run->sink = *sink;
	run->modules = dup_opt(opt->modules);
	run->resolver = dup_opt(opt->resolver);
	run->trust_anchor = dup_opt(opt->trust_anchor);
	run->ports = dup_opt(opt->ports);
	run->user_agent = dup_opt(opt->http.user_agent);
	run->ca_file = dup_opt(opt->http.ca_file);
	run->resolve = strv_dup(opt->http.resolve);
	run->allow_addrs = strv_dup(opt->http.allow_addrs);
	run->opt.modules = run->modules;
	run->opt.resolver = run->resolver;
	run->opt.trust_anchor = run->trust_anchor;
	run->opt.ports = run->ports;
	run->opt.http.user_agent = run->user_agent;
	run->opt.http.ca_file = run->ca_file;
	run->opt.http.resolve = (const char *const *)run->resolve;
	run->opt.http.allow_addrs = (const char *const *)run->allow_addrs;
	size_t nmodules = 0;
	while (module_registry[nmodules])
		nmodules++;
	run->running = xcalloc(nmodules + 1, sizeof(*run->running));
	pthread_mutex_init(&run->mu, NULL);
	pthread_mutex_init(&run->target_mu, NULL);
	atomic_init(&run->aborted, false);
	return run;
}

int scan_run_add_target(struct scan_run *run, const char *input)
{
	return run_add(run, input, NULL, NULL);
}

const char *scan_run_error(struct scan_run *run)
{
	return run->error;
}

void scan_run_abort(struct scan_run *run)
{
	atomic_store(&run->aborted, true);
	pthread_mutex_lock(&run->mu);
	if (run->http)
		http_sched_abort(run->http);
	pthread_mutex_unlock(&run->mu);
}

void scan_run_detach(struct scan_run *run)
{
	pthread_mutex_lock(&run->mu);
	memset(&run->sink, 0, sizeof(run->sink)); /* every sink call checks for NULL under mu */
	pthread_mutex_unlock(&run->mu);
	/* and waits for an on_target call in progress */
	pthread_mutex_lock(&run->target_mu);
	pthread_mutex_unlock(&run->target_mu);
}

void scan_run_unfinished(struct scan_run *run, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	pthread_mutex_lock(&run->mu);
	for (size_t i = 0; module_registry[i]; i++) {
		if (!run->running[i])
			continue;
		int n = snprintf(out + used, len - used, "%s%s", used ? ", " : "", module_registry[i]->name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	pthread_mutex_unlock(&run->mu);
}

enum scan_overrun scan_overrun(long budget_ms, int64_t elapsed_ms)
{
	int64_t grace = MAX(OVERRUN_MIN_GRACE_MS, (int64_t)budget_ms / 4);
	if (elapsed_ms > budget_ms + 2 * grace)
		return SCAN_STUCK;
	return elapsed_ms > budget_ms + grace ? SCAN_OVERDUE : SCAN_IN_TIME;
}

void scan_run_free(struct scan_run *run)
{
	if (!run)
		return;
	http_sched_free(run->http);
	for (size_t i = 0; i < run->ntargets; i++)
		target_free(run->targets[i]);
	free(run->targets);
	for (size_t i = 0; i < run->nseen; i++)
		free(run->seen[i]);
	free(run->seen);
	for (size_t i = 0; i < run->nclaims; i++)
		free(run->claims[i]);
	free(run->claims);
	strv_free(run->resolve);
	strv_free(run->allow_addrs);
	free(run->modules);
	free(run->resolver);
	free(run->trust_anchor);
	free(run->ports);
	free(run->user_agent);
	free(run->ca_file);
	free(run->error);
	free(run->running);
	pthread_mutex_destroy(&run->mu);
	pthread_mutex_destroy(&run->target_mu);
	free(run);
}

/* The same URL with another scheme and port, for the plain-HTTP fallback. */
static char *with_scheme(const char *url_text, const char *scheme, int port)
{
	struct url u;
	char *out;
	if (url_parse(url_text, &u))
		return NULL;
	free(u.scheme);
	u.scheme = xstrdup(scheme);
	u.port = port;
	out = url_format(&u);
	url_release(&u);
	return out;
}

/*
 * Recon: the start URL (https first unless the input said otherwise, redirects followed, plain
 * http when https does not answer), the first answer of http://host/ (not followed), the stack.
 * Returns 0 when the site answered.
 */
static int target_recon(struct scan_run *run, struct target_ctx *c)
{
	struct scan_target *t = &c->pub;
	struct http_request req = {.url = t->start_url, .follow_redirects = true};
	struct http_request plain_req = {.follow_redirects = false};
	struct http_batch *b = http_batch_new(run->http);
	struct http_response *main, *plain;
	char *plain_url, *fallback = NULL;
	struct url u;
	int err = 0;

	/* The plain-HTTP answer: the same port when it was given for http, else port 80. */
	if (!t->https || (c->port_given && !c->scheme_given))
		plain_url = with_scheme(t->start_url, "http", t->port);
	else
		plain_url = with_scheme(t->start_url, "http", 80);
	if (url_parse(plain_url, &u) == 0) {
		free(plain_url);
		free(u.path);
		u.path = xstrdup("/");
		plain_url = url_format(&u);
		url_release(&u);
	}
	plain_req.url = plain_url;
	main = http_batch_add(b, &req);
	plain = http_batch_add(b, &plain_req);
	http_batch_wait(b);
	if (main->err && t->https && !c->scheme_given && main->err != SS_EDENIED &&
	    !atomic_load(&run->aborted)) {
		fallback = with_scheme(t->start_url, "http", c->port_given ? t->port : 80);
		req.url = fallback;
		main = http_batch_add(b, &req);
		http_batch_wait(b);
	}
	if (main->err && main->tls_failed && t->https) {
		/* The port takes connections but its TLS fails: the site is there and broken. The
		 * modules run without a main page, and the tls module says what is wrong. */
		t->plain = plain->err ? NULL : http_batch_take(b, plain);
		if (url_parse(t->start_url, &u) == 0) {
			t->base_url = url_origin(&u);
			url_release(&u);
		}
		stack_detect(t->plain, &t->stack);
		goto out;
	}
	if (main->err) {
		/* the scheduler's message names the URL or host already */
		if (main->error) {
			run_set_error(run, main->error);
		} else {
			char *m = xasprintf("%s: %s", t->host, ss_strerror(main->err));
			run_set_error(run, m);
			free(m);
		}
		err = main->err;
		goto out;
	}
	/* Take the two responses out of the batch: the target keeps them. */
	t->main = http_batch_take(b, main);
	t->plain = plain->err ? NULL : http_batch_take(b, plain);
	if (url_parse(main->url, &u) == 0) {
		t->base_url = url_origin(&u);
		t->https = strcmp(u.scheme, "https") == 0;
		t->port = u.port;
		url_release(&u);
	}
	stack_detect(t->main, &t->stack);
	stack_detect(t->plain, &t->stack);
out:
	http_batch_free(b);
	free(plain_url);
	free(fallback);
	return err;
}

static bool module_selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	if (!list)
		return true;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;
		while (s < e && *s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		if ((size_t)(e - s) == n && strncmp(s, name, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

struct module_job {
	const struct module *mod;
	size_t index; /* in module_registry */
	struct scan_target *t;
	pthread_t thread;
};

static void *module_main(void *arg)
{
	struct module_job *j = arg;
	struct scan_run *run = j->t->run;
	j->mod->run(j->t);
	pthread_mutex_lock(&run->mu);
	run->running[j->index]--;
	pthread_mutex_unlock(&run->mu);
	return NULL;
}

/* Runs the selected modules of one target, each on its own thread, and waits for them. */
static void target_run_modules(struct scan_run *run, struct target_ctx *c)
{
	struct scan_target *t = &c->pub;
	size_t n = 0, count = 0;
	while (module_registry[count])
		count++;
	/* sized once: running threads hold pointers into it */
	struct module_job *jobs = xcalloc(count + 1, sizeof(*jobs));
	for (size_t i = 0; module_registry[i]; i++) {
		const char *name = module_registry[i]->name;
		if (!module_selected(run->opt.modules, name) || (c->modules && !module_selected(c->modules, name)))
			continue;
		jobs[n].mod = module_registry[i];
		jobs[n].index = i;
		jobs[n].t = t;
		pthread_mutex_lock(&run->mu);
		run->running[i]++;
		pthread_mutex_unlock(&run->mu);
		if (pthread_create(&jobs[n].thread, NULL, module_main, &jobs[n]) != 0) {
			log_error("scan: cannot start a thread for module %s", module_registry[i]->name);
			pthread_mutex_lock(&run->mu);
			run->running[i]--;
			pthread_mutex_unlock(&run->mu);
			continue;
		}
		n++;
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(jobs[i].thread, NULL);
	free(jobs);
}

int scan_run_execute(struct scan_run *run)
{
	int reached = 0, failures = 0;

	if (atomic_load(&run->aborted))
		return SS_EABORTED;
	run->deadline_ms = clock_mono_ms() + MAX(run->opt.budget_ms, 1);
	run->opt.http.deadline_ms = run->deadline_ms;
	pthread_mutex_lock(&run->mu);
	run->http = http_sched_new(&run->opt.http);
	if (atomic_load(&run->aborted))
		http_sched_abort(run->http);
	pthread_mutex_unlock(&run->mu);

	/* Targets discovered while scanning are appended and picked up by this loop. */
	for (size_t i = 0;; i++) {
		struct target_ctx *c;
		pthread_mutex_lock(&run->mu);
		c = i < run->ntargets ? run->targets[i] : NULL;
		pthread_mutex_unlock(&run->mu);
		if (!c || scan_aborted(&c->pub))
			break;
		if (target_recon(run, c)) {
			failures++;
			continue;
		}
		reached++;
		pthread_mutex_lock(&run->target_mu);
		pthread_mutex_lock(&run->mu);
		struct scan_sink sink = run->sink;
		pthread_mutex_unlock(&run->mu);
		if (sink.on_target)
			sink.on_target(sink.ud, &c->pub);
		pthread_mutex_unlock(&run->target_mu);
		target_run_modules(run, c);
	}

	pthread_mutex_lock(&run->mu);
	/* By cause, not by comparing clocks: curl times a hop on its own clock. */
	bool spent = http_sched_budget_spent(run->http);
	http_sched_free(run->http);
	run->http = NULL;
	pthread_mutex_unlock(&run->mu);
	if (atomic_load(&run->aborted))
		return SS_EABORTED;
	if (spent || clock_mono_ms() >= run->deadline_ms)
		return SS_ETIMEOUT;
	if (reached == 0 && failures > 0)
		return SS_EIO;
	return 0;
}

/* --- for modules --- */

struct http_sched *scan_http(struct scan_target *t)
{
	return t->run->http;
}

const struct scan_options *scan_options_of(struct scan_target *t)
{
	return &t->run->opt;
}

bool scan_aborted(struct scan_target *t)
{
	struct scan_run *run = t->run;
	return atomic_load(&run->aborted) || (run->deadline_ms > 0 && clock_mono_ms() >= run->deadline_ms);
}

void scan_progress(struct scan_target *t, const char *module, const char *fmt, ...)
{
	struct scan_run *run = t->run;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&run->mu);
	if (run->sink.on_progress)
		run->sink.on_progress(run->sink.ud, module, msg);
	pthread_mutex_unlock(&run->mu);
}

bool scan_module_selected(struct scan_target *t, const char *name)
{
	return module_find(name) && module_selected(t->run->opt.modules, name);
}

int scan_discover_target(struct scan_target *t, const char *input, const char *reason, const char *modules)
{
	int err = run_add(t->run, input, modules, NULL);
	if (err == 0)
		log_info("scan: discovered target %s (%s)", input, reason ? reason : "");
	return err;
}

bool scan_claim(struct scan_target *t, const char *kind, const char *key, size_t max)
{
	struct scan_run *run = t->run;
	char *k = xasprintf("%s %s", kind, key);
	size_t same = 0, kl = strlen(kind);
	pthread_mutex_lock(&run->mu);
	for (size_t i = 0; i < run->nclaims; i++)
		same += !strncmp(run->claims[i], kind, kl) && run->claims[i][kl] == ' ';
	bool ok = same < max && str_set_insert(&run->claims, &run->nclaims, &run->claims_cap, k);
	pthread_mutex_unlock(&run->mu);
	free(k);
	return ok;
}

/* Network text made safe for JSON and terminals, cut to max bytes at a character boundary. */
static char *clean_text(const char *s, size_t max)
{
	char *valid = utf8_sanitize(s, strlen(s));
	char *cut = str_truncate_utf8(valid, max);
	free(valid);
	return cut;
}

/* Records a fingerprint; false if the run had it already. Called with run->mu held. */
static bool seen_insert(struct scan_run *run, const char *fp)
{
	return str_set_insert(&run->seen, &run->nseen, &run->seen_cap, fp);
}

int scan_emit(struct scan_target *t, const char *module, const struct finding_spec *spec)
{
	const struct check_def *def = catalogue_get(spec->check);
	struct scan_run *run = t->run;
	struct finding f = {0};
	int err = 0;

	if (!def) {
		log_error("scan: module %s emitted unknown check '%s'", module, spec->check ? spec->check : "");
		return SS_EINVAL;
	}
	f.check = xstrdup(def->id);
	f.target = xstrdup(t->host);
	f.severity = spec->severity >= 0 && spec->severity < SEV_COUNT ? (enum severity)spec->severity
								       : def->severity;
	f.category = xstrdup(def->category);
	f.location = clean_text(spec->location ? spec->location : t->base_url ? t->base_url : t->host, 2048);
	f.title = catalogue_fill_title(spec->title ? spec->title : def->title, spec->detail, f.location);
	f.description = clean_text(spec->description ? spec->description : def->description, 16384);
	f.evidence = clean_text(spec->evidence ? spec->evidence : "", FINDING_EVIDENCE_MAX);
	f.tool = xstrdup(module);
	finding_fingerprint(&f, spec->discriminator);

	pthread_mutex_lock(&run->mu);
	if (!seen_insert(run, f.fingerprint))
		err = SS_EEXIST;
	else if (run->sink.on_finding)
		run->sink.on_finding(run->sink.ud, &f);
	pthread_mutex_unlock(&run->mu);
	finding_release(&f);
	return err;
}
