#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/config.h"
#include "service/config.h"
#include <fcntl.h>
#include <unistd.h>

static int parse(struct config *c, const char *text, char *err, size_t errlen)
{
	return config_parse(c, text, strlen(text), "test.conf", err, errlen);
}

static void parses_sections_keys_and_comments(void **state)
{
	struct config c = {0};
	char err[256] = "";
	const char *text = "# comment\n"
			   "top = level\n"
			   "\n"
			   "[server]\r\n"
			   "  listen =  127.0.0.1:9000  \n"
			   "; another comment\n"
			   "empty =\n"
			   "[plan.pro]\n"
			   "scans = 50"; /* no final newline */
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_string_equal(config_get(&c, "", "top"), "level");
	assert_string_equal(config_get(&c, "server", "listen"), "127.0.0.1:9000");
	assert_string_equal(config_get(&c, "server", "empty"), "");
	assert_string_equal(config_get(&c, "plan.pro", "scans"), "50");
	assert_null(config_get(&c, "server", "scans"));
	assert_int_equal(c.items[1].line, 5);
	config_release(&c);
}

static void malformed_lines_are_named(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{"[server]\nlisten\n", "test.conf:2: expected 'key = value'"},
		{"[server\n", "test.conf:1: section header without ']'"},
		{"[ser ver]\n", "test.conf:1: invalid section name"},
		{"[]\n", "test.conf:1: invalid section name"},
		{"[a] x\n", "test.conf:1: text after ']'"},
		{"= value\n", "test.conf:1: invalid key"},
		{"bad key = 1\n", "test.conf:1: invalid key"},
		{"[a]\nk = 1\nk = 2\n", "test.conf:3: duplicate key"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c = {0};
		char err[256] = "";
		assert_int_equal(parse(&c, cases[i].text, err, sizeof(err)), SS_EINVAL);
		assert_non_null(strstr(err, cases[i].message));
		assert_int_equal(c.n, 0);
	}
}

static void limits_are_enforced(void **state)
{
	struct config c = {0};
	char err[256];
	size_t big = CONFIG_MAX_LINE + 10;
	char *line = xmalloc(big + 1);
	memset(line, 'a', big);
	line[0] = 'k';
	line[1] = '=';
	line[big] = '\0';
	assert_int_equal(parse(&c, line, err, sizeof(err)), SS_ETOOBIG);
	assert_non_null(strstr(err, "test.conf:1: line longer than"));
	free(line);

	assert_int_equal(config_parse(&c, "k=v", CONFIG_MAX_FILE + 1, "test.conf", err, sizeof(err)),
			 SS_ETOOBIG);

	const char nul[] = "a = 1\nb = x\0y\n";
	assert_int_equal(config_parse(&c, nul, sizeof(nul) - 1, "test.conf", err, sizeof(err)), SS_EINVAL);
	assert_non_null(strstr(err, "test.conf:2: NUL byte"));

	char *many = xmalloc(CONFIG_MAX_ENTRIES * 16 + 16);
	size_t pos = 0;
	for (int i = 0; i <= CONFIG_MAX_ENTRIES; i++)
		pos += (size_t)snprintf(many + pos, 16, "k%d = 1\n", i);
	assert_int_equal(parse(&c, many, err, sizeof(err)), SS_ETOOBIG);
	assert_non_null(strstr(err, "too many entries"));
	free(many);
}

static void missing_file_is_an_error(void **state)
{
	struct config c = {0};
	char err[256];
	assert_int_equal(config_load(&c, "/nonexistent/secscan.conf", err, sizeof(err)), SS_EIO);
	assert_non_null(strstr(err, "/nonexistent/secscan.conf"));
}

static void service_defaults_mirror_the_spec(void **state)
{
	struct service_config cfg;
	service_config_init(&cfg);
	service_config_finish(&cfg);
	assert_string_equal(cfg.public_url, "http://127.0.0.1:8080");
	assert_false(cfg.allow_private);
	const struct plan *free_plan = service_config_plan(&cfg, "free");
	assert_int_equal(free_plan->targets, 1);
	assert_int_equal(free_plan->scans, 1);
	assert_int_equal(free_plan->window, WINDOW_LIFETIME);
	const struct plan *pro = service_config_plan(&cfg, "pro");
	assert_int_equal(pro->targets, 10);
	assert_int_equal(pro->scans, 50);
	assert_int_equal(pro->window, WINDOW_DAY);
	assert_int_equal(service_config_plan(&cfg, "monthly")->window, WINDOW_WEEK);
	assert_int_equal(service_config_plan(&cfg, "payg")->targets, 5);
	assert_int_equal(service_config_plan(&cfg, "unlimited")->targets, PLAN_UNLIMITED);
	assert_null(service_config_plan(&cfg, "gold"));
	service_config_release(&cfg);
}

static void file_then_environment_then_flags(void **state)
{
	char path[] = "/tmp/secscan-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "[server]\nlisten = 127.0.0.1:7000\ndb = /tmp/file.db\n"
			   "public_url = https://scan.example.com/\n"
			   "[limits]\nrate = 2.5\nburst = 3\n"
			   "[plan.pro]\nscans = 7\nscan_window = week\nai_analysis = no\n"
			   "[plan.team]\ntargets = 3\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);

	struct service_config cfg;
	char err[256];
	service_config_init(&cfg);
	setenv("SECSCAN_DB", "/tmp/env.db", 1);
	setenv("SECSCAN_LISTEN", "127.0.0.1:7001", 1);
	assert_int_equal(service_config_load(&cfg, path, err, sizeof(err)), 0);
	unsetenv("SECSCAN_DB");
	unsetenv("SECSCAN_LISTEN");
	assert_int_equal(service_config_set(&cfg, "server", "listen", "127.0.0.1:7002", err, sizeof(err)), 0);
	service_config_finish(&cfg);

	assert_string_equal(cfg.listen, "127.0.0.1:7002"); /* flag over env over file */
	assert_string_equal(cfg.db, "/tmp/env.db");        /* env over file */
	assert_string_equal(cfg.public_url, "https://scan.example.com");
	assert_true(cfg.rate > 2.4 && cfg.rate < 2.6);
	assert_int_equal(cfg.burst, 3);
	const struct plan *pro = service_config_plan(&cfg, "pro");
	assert_int_equal(pro->targets, 10); /* untouched keys keep their defaults */
	assert_int_equal(pro->scans, 7);
	assert_int_equal(pro->window, WINDOW_WEEK);
	assert_false(pro->ai_analysis);
	const struct plan *team = service_config_plan(&cfg, "team");
	assert_non_null(team);
	assert_int_equal(team->targets, 3);
	service_config_release(&cfg);
	unlink(path);
}

static void bad_settings_are_refused_with_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{"[server]\nlisten = 1\nthreads = many\n", ":3: server.threads: expected a number"},
		{"[server]\nallow_private = maybe\n", ":2: server.allow_private: expected yes or no"},
		{"[server]\npublic_url = ftp://x\n", ":2: server.public_url: expected an http"},
		{"[server]\nlistne = 1\n", ":2: unknown setting 'listne'"},
		{"[limits]\nrate = -1\n", ":2: limits.rate"},
		{"[plan.pro]\nscan_window = month\n", ":2: plan.pro.scan_window"},
		{"[plan.pro]\nscans = lots\n", ":2: plan.pro.scans"},
		{"[plan.pro]\ncolour = red\n", ":2: unknown plan setting"},
		{"[dns]\nresolver = ns1.example\n", ":2: dns.resolver: expected a numeric ADDR[:PORT]"},
		{"[dns]\nresolver = 127.0.0.1:99999\n", ":2: dns.resolver: expected a numeric ADDR[:PORT]"},
		{"[dns]\ntrust_anchor = /nonexistent/anchors.ds\n",
		 ":2: dns.trust_anchor: /nonexistent/anchors.ds: cannot be read"},
		{"[dns]\nresolve = app.test:80:127.0.0.1, app.test:http:127.0.0.1\n",
		 ":2: dns.resolve: expected HOST:PORT:ADDR, comma-separated (at most 32), got 'app.test:http:127.0.0.1'"},
		{"[scan]\nmodules = headers, portscan\n", ":2: scan.modules: unknown module 'portscan'"},
		{"[scan]\nmodules = ,\n", ":2: scan.modules: unknown module ''"},
		{"[scan]\nports = 22,80-\n", ":2: scan.ports: expected ports and ranges"},
		{"[scan]\nports = 0\n", ":2: scan.ports: expected ports and ranges"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char path[] = "/tmp/secscan-config-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, cases[i].text, strlen(cases[i].text)),
				 (ssize_t)strlen(cases[i].text));
		close(fd);
		struct service_config cfg;
		char err[256] = "";
		service_config_init(&cfg);
		assert_int_equal(service_config_load_file(&cfg, path, err, sizeof(err)), SS_EINVAL);
		if (!strstr(err, cases[i].message))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].message);
		service_config_release(&cfg);
		unlink(path);
	}
}

static void scan_settings_reach_every_scan(void **state)
{
	(void)state;
	struct service_config cfg;
	char err[512];
	service_config_init(&cfg);
	assert_null(cfg.scan_modules); /* all modules */
	assert_null(cfg.scan_ports);   /* the default port list */
	assert_int_equal(cfg.crawl_pages, 10);
	assert_int_equal(cfg.crawl_assets, 200);
	assert_int_equal(service_config_set(&cfg, "scan", "crawl_pages", "0", err, sizeof(err)), 0);
	assert_int_equal(service_config_set(&cfg, "scan", "crawl_assets", "5001", err, sizeof(err)), SS_EINVAL);
	assert_int_equal(cfg.crawl_pages, 0);
	assert_int_equal(cfg.crawl_assets, 200);
	assert_int_equal(service_config_set(&cfg, "scan", "modules", "headers, tls,network", err, sizeof(err)), 0);
	assert_int_equal(service_config_set(&cfg, "scan", "ports", "22,8000-8100", err, sizeof(err)), 0);
	/* a bad value leaves the setting as it was */
	assert_int_equal(service_config_set(&cfg, "scan", "modules", "headers,nope", err, sizeof(err)), SS_EINVAL);
	assert_int_equal(service_config_set(&cfg, "scan", "ports", "8100-8000", err, sizeof(err)), SS_EINVAL);
	assert_string_equal(cfg.scan_modules, "headers, tls,network");
	assert_string_equal(cfg.scan_ports, "22,8000-8100");
	service_config_release(&cfg);
}

static void dns_settings_are_checked_when_set(void **state)
{
	char path[] = "/tmp/secscan-anchor-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *ds = "corp.example. DS 17299 13 2 "
			 "d863c0de0000000000000000000000000000000000000000000000000000beef\n";
	assert_int_equal(write(fd, ds, strlen(ds)), (ssize_t)strlen(ds));
	close(fd);

	struct service_config cfg;
	char err[512];
	service_config_init(&cfg);
	assert_null(cfg.dns_resolver);
	assert_null(cfg.dns_trust_anchor);
	assert_null(cfg.dns_resolve[0]);
	assert_int_equal(service_config_set(&cfg, "dns", "resolver", "[::1]:5353", err, sizeof(err)), 0);
	assert_int_equal(service_config_set(&cfg, "dns", "trust_anchor", path, err, sizeof(err)), 0);
	assert_int_equal(service_config_set(&cfg, "dns", "resolve", "a.test:80:127.0.0.1", err, sizeof(err)), 0);
	/* a later source replaces the list; a bad entry leaves it as it was */
	assert_int_equal(service_config_set(&cfg, "dns", "resolve", " b.test:443:[::1] ,c.test:8080:127.0.0.2",
					    err, sizeof(err)), 0);
	assert_int_equal(service_config_set(&cfg, "dns", "resolve", "d.test:1:127.0.0.1,d.test", err,
					    sizeof(err)), SS_EINVAL);
	assert_string_equal(cfg.dns_resolver, "[::1]:5353");
	assert_string_equal(cfg.dns_trust_anchor, path);
	assert_string_equal(cfg.dns_resolve[0], "b.test:443:[::1]");
	assert_string_equal(cfg.dns_resolve[1], "c.test:8080:127.0.0.2");
	assert_null(cfg.dns_resolve[2]);

	/* a file without any DS or DNSKEY record is refused, and the setting keeps its value */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "; nothing\n", 10), 10);
	close(fd);
	assert_int_equal(service_config_set(&cfg, "dns", "trust_anchor", path, err, sizeof(err)), SS_EINVAL);
	assert_non_null(strstr(err, "no DS or DNSKEY record"));
	assert_string_equal(cfg.dns_trust_anchor, path);
	service_config_release(&cfg);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_sections_keys_and_comments),
		cmocka_unit_test(malformed_lines_are_named),
		cmocka_unit_test(limits_are_enforced),
		cmocka_unit_test(missing_file_is_an_error),
		cmocka_unit_test(service_defaults_mirror_the_spec),
		cmocka_unit_test(file_then_environment_then_flags),
		cmocka_unit_test(bad_settings_are_refused_with_the_line),
		cmocka_unit_test(dns_settings_are_checked_when_set),
		cmocka_unit_test(scan_settings_reach_every_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
