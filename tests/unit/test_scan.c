#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/catalogue.h"
#include "engine/scan.h"
#include "fixture_server.h"

static struct fx_server srv;

static int setup(void **state)
{
	log_set_level(LOG_QUIET);
	http_global_init();
	catalogue_free();
	const char *rules =
		"{\"checks\": ["
		"{\"id\": \"t.leak\", \"category\": \"secrets\", \"severity\": \"CRITICAL\","
		" \"title\": \"{detail} exposed at {location}\", \"description\": \"Leaked.\"},"
		"{\"id\": \"t.banner\", \"category\": \"disclosure\", \"severity\": \"LOW\", \"title\": \"Banner\"}]}";
	if (catalogue_add_json(rules, strlen(rules), "test"))
		return -1;
	return fx_start(&srv);
}

static int teardown(void **state)
{
	fx_stop(&srv);
	catalogue_free();
	return 0;
}

/* Options for a run of the engine alone (no module probes anything) against the fixture. */
static void engine_only(struct scan_options *o)
{
	scan_options_init(o);
	o->modules = "";
	o->http.allow_private = true;
}

/* A run with one target added. */
static struct scan_run *run_for(const struct scan_options *o, const struct scan_sink *sink, const char *target)
{
	struct scan_run *run = scan_run_new(o, sink);
	assert_int_equal(scan_run_add_target(run, target), 0);
	return run;
}

static void normalizes_targets(void **state)
{
	static const struct {
		const char *in, *host, *url;
	} ok[] = {
		{"example.com", "example.com", "https://example.com/"},
		{"Example.COM.", "example.com", "https://example.com/"},
		{"https://myapp.com/app?x=1", "myapp.com", "https://myapp.com/app?x=1"},
		{"http://myapp.com", "myapp.com", "http://myapp.com/"},
		{"myapp.com:8443", "myapp.com:8443", "https://myapp.com:8443/"},
		{"http://myapp.com:80/", "myapp.com", "http://myapp.com/"},
		{"1.2.3.4", "1.2.3.4", "https://1.2.3.4/"},
		{"1.2.3.4:8080/x", "1.2.3.4:8080", "https://1.2.3.4:8080/x"},
		{"::1", "::1", "https://[::1]/"},
		{"2001:db8::1", "2001:db8::1", "https://[2001:db8::1]/"},
		{"[::1]:8080", "[::1]:8080", "https://[::1]:8080/"},
		{"http://[2001:DB8::1]:8080/", "[2001:db8::1]:8080", "http://[2001:db8::1]:8080/"},
		{"b\xc3\xbc\x63her.example", "xn--bcher-kva.example", "https://xn--bcher-kva.example/"},
	};
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"", "empty"},
		{"exa mple.com", "spaces"},
		{" example.com", "spaces"},
		{"ftp://example.com", "unsupported scheme 'ftp'"},
		{"javascript://x", "unsupported scheme"},
		{"user@example.com", "user-info"},
		{"https://user:pw@example.com/", "user-info"},
		{"-bad-.com", "not a valid host"},
		{"example.com:99999", "not a valid host"},
		{"exa_mple..com", "not a valid host"},
		{"999.1.1.1", "not a valid host"},
		{"http://", "not a valid host"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		char *host = NULL, *url = NULL, *err = NULL;
		if (scan_normalize_target(ok[i].in, &host, &url, &err) != 0)
			fail_msg("'%s' refused: %s", ok[i].in, err);
		if (strcmp(host, ok[i].host) || strcmp(url, ok[i].url))
			fail_msg("'%s' -> %s %s, want %s %s", ok[i].in, host, url, ok[i].host, ok[i].url);
		free(host);
		free(url);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *err = NULL;
		if (scan_normalize_target(bad[i].in, NULL, NULL, &err) != SS_EINVAL)
			fail_msg("'%s' accepted", bad[i].in);
		if (!err || !strstr(err, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, err ? err : "(null)", bad[i].msg);
		free(err);
	}
	assert_int_equal(scan_normalize_target(NULL, NULL, NULL, NULL), SS_EINVAL);
}

struct collect {
	struct finding found[16];
	size_t n;
	int targets;
	int emit_rc[8];
	char base_url[128], server[64], framework[64], plain_status[8];
};

static void on_finding(void *ud, const struct finding *f)
{
	struct collect *c = ud;
	if (c->n < ARRAY_SIZE(c->found))
		finding_copy(&c->found[c->n++], f);
}

/* Emits from the recon callback: what a module would do, with the target's context ready. */
static void on_target(void *ud, const struct scan_target *ct)
{
	struct collect *c = ud;
	struct scan_target *t = (struct scan_target *)ct;
	char longev[2000];
	c->targets++;
	str_copy(c->base_url, sizeof(c->base_url), t->base_url);
	str_copy(c->server, sizeof(c->server), t->stack.server);
	str_copy(c->framework, sizeof(c->framework), t->stack.framework);
	snprintf(c->plain_status, sizeof(c->plain_status), "%ld", t->plain ? t->plain->status : -1L);
	memset(longev, 'e', sizeof(longev) - 1);
	longev[sizeof(longev) - 1] = '\0';
	longev[10] = '\x01';
	longev[11] = '\xff';
	c->emit_rc[0] = scan_emit(t, "mod", &(struct finding_spec){.check = "t.leak", .detail = "AWS key",
								   .location = "/config.js", .evidence = longev,
								   .severity = -1});
	c->emit_rc[1] = scan_emit(t, "mod", &(struct finding_spec){.check = "t.leak", .detail = "AWS key",
								   .location = "/config.js", .severity = -1});
	c->emit_rc[2] = scan_emit(t, "mod", &(struct finding_spec){.check = "t.leak", .detail = "AWS key",
								   .location = "/config.js", .severity = -1,
								   .discriminator = "other"});
	c->emit_rc[3] = scan_emit(t, "mod", &(struct finding_spec){.check = "t.banner", .severity = SEV_MEDIUM});
	c->emit_rc[4] = scan_emit(t, "mod", &(struct finding_spec){.check = "t.nope", .severity = -1});
}

static void scan_runs_recon_and_emits(void **state)
{
	struct collect c = {0};
	struct scan_options o;
	struct scan_sink sink = {.on_finding = on_finding, .on_target = on_target, .ud = &c};
	char *target = xasprintf("http://127.0.0.1:%d", srv.port);
	char *base = xasprintf("http://127.0.0.1:%d", srv.port);
	engine_only(&o);
	struct scan_run *run = run_for(&o, &sink, target);
	assert_int_equal(scan_run_add_target(run, target), SS_EEXIST);
	assert_int_equal(scan_run_execute(run), 0);
	assert_int_equal(c.targets, 1);
	assert_string_equal(c.base_url, base);
	assert_string_equal(c.server, "nginx");
	assert_string_equal(c.framework, "express");
	assert_string_equal(c.plain_status, "200");

	assert_int_equal(c.emit_rc[0], 0);
	assert_int_equal(c.emit_rc[1], SS_EEXIST); /* same fingerprint: deduplicated */
	assert_int_equal(c.emit_rc[2], 0);         /* discriminator makes it another finding */
	assert_int_equal(c.emit_rc[3], 0);
	assert_int_equal(c.emit_rc[4], SS_EINVAL);
	assert_int_equal(c.n, 3);
	struct finding *f = &c.found[0];
	assert_string_equal(f->check, "t.leak");
	assert_string_equal(f->title, "AWS key exposed at /config.js");
	assert_string_equal(f->category, "secrets");
	assert_int_equal(f->severity, SEV_CRITICAL);
	assert_string_equal(f->tool, "mod");
	assert_string_equal(f->location, "/config.js");
	assert_true(strlen(f->evidence) <= FINDING_EVIDENCE_MAX);
	assert_true(str_ends_with(f->evidence, "..."));
	assert_int_equal(f->evidence[10], ' ');  /* control character blanked */
	assert_int_equal(f->evidence[11], '?');  /* invalid UTF-8 replaced */
	assert_int_equal(strlen(f->fingerprint), 64);
	f = &c.found[2];
	assert_string_equal(f->title, "Banner");
	assert_int_equal(f->severity, SEV_MEDIUM);
	assert_string_equal(f->location, base); /* defaults to the base URL */
	for (size_t i = 0; i < c.n; i++)
		finding_release(&c.found[i]);
	scan_run_free(run);
	free(target);
	free(base);
}


static void scheme_less_targets_fall_back_to_http(void **state)
{
	struct collect c = {0};
	struct scan_options o;
	struct scan_sink sink = {.on_target = on_target, .on_finding = on_finding, .ud = &c};
	char *target = xasprintf("127.0.0.1:%d", srv.port);
	char *base = xasprintf("http://127.0.0.1:%d", srv.port);
	engine_only(&o);
	struct scan_run *run = run_for(&o, &sink, target);
	assert_int_equal(scan_run_execute(run), 0);
	assert_string_equal(c.base_url, base); /* https did not answer there */
	for (size_t i = 0; i < c.n; i++)
		finding_release(&c.found[i]);
	scan_run_free(run);
	free(target);
	free(base);
}

struct discover {
	int targets;
	char hosts[2][64];
	int rc[4];
};

static void discover_on_target(void *ud, const struct scan_target *ct)
{
	struct discover *d = ud;
	struct scan_target *t = (struct scan_target *)ct;
	if (d->targets < 2)
		str_copy(d->hosts[d->targets], sizeof(d->hosts[0]), t->host);
	if (d->targets++ > 0)
		return;
	char *other = xasprintf("http://localhost:%d/", srv.port);
	char *again = xasprintf("http://127.0.0.1:%d/x", srv.port);
	d->rc[0] = scan_discover_target(t, other, "test", NULL);
	d->rc[1] = scan_discover_target(t, again, "test", NULL);    /* the same host as the first target */
	d->rc[2] = scan_discover_target(t, "third.example", "test", NULL); /* past max_targets */
	d->rc[3] = scan_discover_target(t, "mailto:x", "test", NULL);
	free(other);
	free(again);
}

static void discovered_targets_are_scanned_after(void **state)
{
	struct discover d = {0};
	struct scan_options o;
	struct scan_sink sink = {.on_target = discover_on_target, .ud = &d};
	char *target = xasprintf("http://127.0.0.1:%d/", srv.port);
	char *second = xasprintf("localhost:%d", srv.port);
	char *first = xasprintf("127.0.0.1:%d", srv.port);
	engine_only(&o);
	o.max_targets = 2;
	struct scan_run *run = run_for(&o, &sink, target);
	assert_int_equal(scan_run_execute(run), 0);
	assert_int_equal(d.rc[0], 0);
	assert_int_equal(d.rc[1], SS_EEXIST);
	assert_int_equal(d.rc[2], SS_ETOOBIG);
	assert_int_equal(d.rc[3], SS_EINVAL);
	assert_int_equal(d.targets, 2);
	assert_string_equal(d.hosts[0], first);
	assert_string_equal(d.hosts[1], second);
	scan_run_free(run);
	free(target);
	free(first);
	free(second);
}

static void *abort_soon(void *arg)
{
	usleep(200000);
	scan_run_abort(arg);
	return NULL;
}

static void abort_ends_a_running_scan(void **state)
{
	struct scan_options o;
	struct scan_sink sink = {0};
	char *target = xasprintf("http://127.0.0.1:%d/hang", srv.port);
	pthread_t t;
	engine_only(&o);
	struct scan_run *run = run_for(&o, &sink, target);
	int64_t t0 = clock_mono_ms();
	pthread_create(&t, NULL, abort_soon, run);
	assert_int_equal(scan_run_execute(run), SS_EABORTED);
	pthread_join(t, NULL);
	assert_true(clock_mono_ms() - t0 < 2000);
	scan_run_free(run);
	free(target);
}

static void budget_limits_the_run(void **state)
{
	struct scan_options o;
	struct scan_sink sink = {0};
	char *target = xasprintf("http://127.0.0.1:%d/hang", srv.port);
	engine_only(&o);
	o.budget_ms = 300;
	struct scan_run *run = run_for(&o, &sink, target);
	int64_t t0 = clock_mono_ms();
	assert_int_equal(scan_run_execute(run), SS_ETIMEOUT);
	assert_true(clock_mono_ms() - t0 < 2000);
	scan_run_free(run);
	free(target);
}

static void count_target(void *ud, const struct scan_target *t)
{
	(void)t;
	(*(int *)ud)++;
}

static void watchdog_verdicts_and_detach(void **state)
{
	/* the grace past the budget: a quarter of it, at least 5 s */
	assert_int_equal(scan_overrun(4000, 9000), SCAN_IN_TIME);
	assert_int_equal(scan_overrun(4000, 9001), SCAN_OVERDUE);
	assert_int_equal(scan_overrun(4000, 14000), SCAN_OVERDUE);
	assert_int_equal(scan_overrun(4000, 14001), SCAN_STUCK);
	assert_int_equal(scan_overrun(120000, 150000), SCAN_IN_TIME);
	assert_int_equal(scan_overrun(120000, 150001), SCAN_OVERDUE);
	assert_int_equal(scan_overrun(120000, 180001), SCAN_STUCK);

	/* a detached run calls its sink no more; no module is left unfinished */
	int targets = 0;
	char mods[64] = "x";
	struct scan_options o;
	struct scan_sink sink = {.on_target = count_target, .ud = &targets};
	char *target = xasprintf("http://127.0.0.1:%d/", srv.port);
	engine_only(&o);
	struct scan_run *run = run_for(&o, &sink, target);
	scan_run_detach(run);
	assert_int_equal(scan_run_execute(run), 0);
	assert_int_equal(targets, 0);
	scan_run_unfinished(run, mods, sizeof(mods));
	assert_string_equal(mods, "");
	scan_run_free(run);
	free(target);
}

static void guard_and_unreachable_targets_fail_clearly(void **state)
{
	struct scan_options o;
	struct scan_sink sink = {0};
	scan_options_init(&o);
	o.modules = ""; /* the engine alone: no module probes anything */
	struct scan_run *run = scan_run_new(&o, &sink);
	/* an address literal is judged when added */
	assert_int_equal(scan_run_add_target(run, "127.0.0.1"), SS_EDENIED);
	assert_non_null(strstr(scan_run_error(run), "SSRF"));
	assert_int_equal(scan_run_add_target(run, "ftp://x"), SS_EINVAL);
	assert_non_null(strstr(scan_run_error(run), "unsupported scheme"));
	/* a name is judged when connected to */
	char *named = xasprintf("http://localhost:%d/", srv.port);
	assert_int_equal(scan_run_add_target(run, named), 0);
	assert_int_equal(scan_run_execute(run), SS_EIO);
	assert_non_null(strstr(scan_run_error(run), "SSRF"));
	assert_non_null(strstr(scan_run_error(run), "localhost"));
	scan_run_free(run);
	free(named);

	/* nothing listening */
	struct fx_server tmp;
	assert_int_equal(fx_start(&tmp), 0);
	fx_stop(&tmp);
	char *closed = xasprintf("127.0.0.1:%d", tmp.port);
	o.http.allow_private = true;
	run = scan_run_new(&o, &sink);
	assert_int_equal(scan_run_add_target(run, closed), 0);
	assert_int_equal(scan_run_execute(run), SS_EIO);
	assert_non_null(strstr(scan_run_error(run), closed));
	scan_run_free(run);
	free(closed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalizes_targets),
		cmocka_unit_test(scan_runs_recon_and_emits),
		cmocka_unit_test(scheme_less_targets_fall_back_to_http),
		cmocka_unit_test(discovered_targets_are_scanned_after),
		cmocka_unit_test(abort_ends_a_running_scan),
		cmocka_unit_test(budget_limits_the_run),
		cmocka_unit_test(watchdog_verdicts_and_detach),
		cmocka_unit_test(guard_and_unreachable_targets_fail_clearly),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
