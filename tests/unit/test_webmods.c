#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "engine/catalogue.h"
#include "engine/finding.h"
#include "engine/rules_embedded.h"
#include "modules/cookie.h"
#include "modules/csp.h"
#include "modules/matcher.h"
#include "modules/soft404.h"
#include <jansson.h>

/* ---- helpers ---- */

static const char *rule_text(const char *path, size_t *len)
{
	for (const struct embedded_file *f = embedded_rules; f->path; f++)
		if (!strcmp(f->path, path)) {
			*len = f->len;
			return f->data;
		}
	fail_msg("rule file %s is not embedded", path);
	return NULL;
}

static void load_probes(const char *path, struct probe_list *l)
{
	size_t len;
	const char *text = rule_text(path, &len);
	char err[256] = "";
	int rc = probe_list_parse(l, text, len, err, sizeof(err));
	if (rc)
		fail_msg("%s: %s", path, err);
}

static const struct probe *probe_by_id(const struct probe_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].id, id))
			return &l->items[i];
	fail_msg("no probe %s", id);
	return NULL;
}

/* The check a probe reports for a body, or NULL if it does not match; evidence into ev. */
static const char *probe_hit(const struct probe *p, long status, const char *body, struct buf *ev)
{
	buf_reset(ev);
	size_t len = strlen(body);
	if (!matcher_test(&p->match, status, body, len))
		return NULL;
	return probe_report(p, status, "text/plain", body, len, ev);
}

/* ---- CSP ---- */

static void csp_parses_directives_and_sources(void **state)
{
	struct csp c = {0};
	const char *h = "  Default-Src 'self' ; SCRIPT-SRC 'self'  https://cdn.example.com\t'nonce-abc';;"
			" script-src *; img-src";
	assert_int_equal(csp_parse(&c, h, strlen(h)), 0);
	assert_int_equal(c.n, 1);
	const struct csp_policy *p = &c.policies[0];
	assert_int_equal(p->ndirs, 3);
	const struct csp_directive *s = csp_policy_get(p, "script-src");
	assert_non_null(s);
	/* The repeated script-src is ignored: the first one counts. */
	assert_int_equal(s->nsources, 3);
	assert_string_equal(s->sources[1], "https://cdn.example.com");
	assert_true(csp_directive_has(s, "'SELF'"));
	assert_int_equal(csp_policy_get(p, "img-src")->nsources, 0);
	assert_ptr_equal(csp_policy_effective(p, "object-src"), csp_policy_get(p, "default-src"));
	assert_null(csp_policy_get(p, "object-src"));
	csp_release(&c);
}

static void csp_parses_lists_and_rejects_garbage(void **state)
{
	struct csp c = {0};
	const char *two = "script-src 'self', default-src 'none'; frame-ancestors 'none'";
	assert_int_equal(csp_parse(&c, two, strlen(two)), 0);
	assert_int_equal(c.n, 2);
	csp_release(&c);

	const char *empty[] = {"", " ", ";;;", ",,", " ; , ; "};
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		assert_int_equal(csp_parse(&c, empty[i], strlen(empty[i])), 0);
		assert_int_equal(c.n, 0);
	}

	char *huge = xmalloc(CSP_MAX_LEN + 2);
	memset(huge, 'a', CSP_MAX_LEN + 1);
	huge[CSP_MAX_LEN + 1] = '\0';
	assert_int_equal(csp_parse(&c, huge, strlen(huge)), SS_ETOOBIG);
	assert_int_equal(c.n, 0);
	free(huge);

	/* Thousands of directives and sources are capped, not parsed without bound. */
	struct buf b;
	buf_init(&b, CSP_MAX_LEN);
	for (int i = 0; b.len < CSP_MAX_LEN - 16; i++)
		buf_appendf(&b, "d%d a b;", i);
	assert_int_equal(csp_parse(&c, b.data, b.len), 0);
	assert_int_equal(c.policies[0].ndirs, CSP_MAX_DIRECTIVES);
	csp_release(&c);
	buf_reset(&b);
	buf_appends(&b, "script-src");
	while (b.len < CSP_MAX_LEN - 4)
		buf_appends(&b, " x");
	assert_int_equal(csp_parse(&c, b.data, b.len), 0);
	assert_int_equal(c.policies[0].dirs[0].nsources, CSP_MAX_SOURCES);
	csp_release(&c);
	buf_release(&b);

	/* Binary junk parses into something harmless: names out of [A-Za-z0-9-] are no directive. */
	const char junk[] = "\x01\xff;\x00object-src 'none'; script-src '\x80; img-src\x00 x";
	assert_int_equal(csp_parse(&c, junk, sizeof(junk) - 1), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.policies[0].ndirs, 1);
	assert_string_equal(c.policies[0].dirs[0].name, "script-src");
	csp_release(&c);
}

static void assess(const char *h, struct csp *c, struct csp_assessment *a)
{
	csp_release(c);
	assert_int_equal(csp_parse(c, h, strlen(h)), 0);
	csp_assess(c, a);
}

static void csp_assessment_finds_weaknesses(void **state)
{
	struct csp c = {0};
	struct csp_assessment a;

	assess("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", &c, &a);
	assert_true(a.restricts_scripts);
	assert_false(a.unsafe_inline || a.unsafe_eval);
	assert_null(a.loose_source);
	assert_true(a.restricts_objects && a.restricts_base_uri && a.frame_ancestors);

	assess("default-src 'self' 'unsafe-inline' 'unsafe-eval'", &c, &a);
	assert_true(a.unsafe_inline && a.unsafe_eval);
	assert_true(a.restricts_objects); /* default-src covers object-src */
	assert_false(a.restricts_base_uri); /* base-uri has no fallback */

	/* A nonce, a hash or 'strict-dynamic' make browsers ignore 'unsafe-inline'. */
	assess("script-src 'unsafe-inline' 'nonce-r4nd0m'", &c, &a);
	assert_false(a.unsafe_inline);
	assess("script-src 'unsafe-inline' 'sha256-abc='", &c, &a);
	assert_false(a.unsafe_inline);
	assess("script-src 'unsafe-inline' 'strict-dynamic'", &c, &a);
	assert_false(a.unsafe_inline);

	assess("script-src 'self' *", &c, &a);
	assert_string_equal(a.loose_source, "*");
	assess("script-src 'self' HTTPS:", &c, &a);
	assert_string_equal(a.loose_source, "HTTPS:");
	assess("script-src 'self' http://cdn.example.com", &c, &a);
	assert_string_equal(a.loose_source, "http://cdn.example.com");
	assess("script-src 'nonce-x' 'strict-dynamic' https: *", &c, &a);
	assert_null(a.loose_source);
	assess("script-src https://cdn.example.com *.example.com", &c, &a);
	assert_null(a.loose_source);

	/* Enforced together: one strong policy is enough. */
	assess("script-src 'unsafe-inline' *, script-src 'self'", &c, &a);
	assert_false(a.unsafe_inline);
	assert_null(a.loose_source);

	assess("frame-ancestors *; upgrade-insecure-requests", &c, &a);
	assert_false(a.restricts_scripts);
	assert_false(a.frame_ancestors);
	assert_false(a.unsafe_inline);
	assess("frame-ancestors", &c, &a); /* no source = 'none' */
	assert_true(a.frame_ancestors);
	assess("object-src *", &c, &a);
	assert_false(a.restricts_objects);
	csp_release(&c);
}

/* ---- cookies ---- */

static void cookie_parses_attributes(void **state)
{
	struct cookie c;
	const char *h = " sessionid = s3cr3t-value=with=equals ; path=/app; DOMAIN=.Example.COM;secure; HTTPONLY ;"
			"SameSite=strict; Max-Age=3600; Partitioned";
	assert_int_equal(cookie_parse(&c, h, strlen(h)), 0);
	assert_string_equal(c.name, "sessionid");
	assert_int_equal(c.value_len, strlen("s3cr3t-value=with=equals"));
	assert_string_equal(c.path, "/app");
	assert_string_equal(c.domain, "example.com");
	assert_true(c.secure && c.httponly && c.partitioned && c.has_max_age);
	assert_int_equal(c.samesite, COOKIE_SAMESITE_STRICT);

	struct buf b;
	buf_init(&b, 1024);
	cookie_describe(&c, &b);
	assert_string_equal(buf_str(&b),
			    "sessionid=<hidden>; Domain=example.com; Path=/app; Max-Age; Secure; HttpOnly; SameSite=Strict; Partitioned");
	assert_null(strstr(buf_str(&b), "s3cr3t"));
	cookie_release(&c);

	h = "theme=dark";
	assert_int_equal(cookie_parse(&c, h, strlen(h)), 0);
	assert_false(c.secure || c.httponly);
	assert_int_equal(c.samesite, COOKIE_SAMESITE_UNSET);
	assert_null(c.domain);
	assert_null(c.path);
	cookie_release(&c);

	h = "a=; SameSite=Bogus; Path=relative; Max-Age=12x; Expires=; Domain=";
	assert_int_equal(cookie_parse(&c, h, strlen(h)), 0);
	assert_int_equal(c.value_len, 0);
	assert_int_equal(c.samesite, COOKIE_SAMESITE_INVALID);
	assert_null(c.path);
	assert_null(c.domain);
	assert_false(c.has_max_age || c.has_expires);
	buf_reset(&b);
	cookie_describe(&c, &b);
	assert_string_equal(buf_str(&b), "a=<hidden>; SameSite=(invalid)");
	cookie_release(&c);
	buf_release(&b);
}

static void cookie_rejects_malformed_input(void **state)
{
	struct cookie c;
	const char *bad[] = {"", "novalue", "=value", "  = value; Secure", ";Secure", "a\nb=c", "a=b\x7f",
			     "a=\x01; Secure"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(cookie_parse(&c, bad[i], strlen(bad[i])), SS_EINVAL);
		assert_null(c.name);
	}
	const char nul[] = "a=b\0; Secure";
	assert_int_equal(cookie_parse(&c, nul, sizeof(nul) - 1), SS_EINVAL);
	char *big = xmalloc(COOKIE_MAX_LEN + 16);
	memset(big, 'x', COOKIE_MAX_LEN + 8);
	big[1] = '=';
	big[COOKIE_MAX_LEN + 8] = '\0';
	assert_int_equal(cookie_parse(&c, big, strlen(big)), SS_ETOOBIG);
	free(big);
	/* Tabs are allowed white space; the value may hold almost anything. */
	const char *ok = "\tk\t=\t\"quoted value\"\t;\tSecure";
	assert_int_equal(cookie_parse(&c, ok, strlen(ok)), 0);
	assert_string_equal(c.name, "k");
	assert_true(c.secure);
	cookie_release(&c);
}

static void cookie_deletion_and_domain(void **state)
{
	struct {
		const char *h;
		bool deletion;
	} cases[] = {
		{"sid=; Max-Age=0", true},
		{"sid=x; Max-Age=-1", true},
		{"sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", true},
		{"sid=; expires=Thu, 01-Jan-70 00:00:01 GMT", false}, /* two-digit year: not read */
		{"sid=x; Expires=Wed, 21 Oct 2099 07:28:00 GMT", false},
		{"sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=3600", false}, /* Max-Age wins */
		{"sid=x; Max-Age=99999999999999999999999", false},
		{"sid=x", false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cookie c;
		assert_int_equal(cookie_parse(&c, cases[i].h, strlen(cases[i].h)), 0);
		if (cookie_is_deletion(&c, 2026) != cases[i].deletion)
			fail_msg("deletion wrong for %s", cases[i].h);
		cookie_release(&c);
	}
	struct {
		const char *h, *host;
		bool parent;
	} doms[] = {
		{"s=1; Domain=example.com", "app.example.com", true},
		{"s=1; Domain=.EXAMPLE.com", "a.b.example.com", true},
		{"s=1; Domain=example.com", "example.com", false},
		{"s=1; Domain=ample.com", "app.example.com", false},
		{"s=1; Domain=other.org", "app.example.com", false},
		{"s=1", "app.example.com", false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(doms); i++) {
		struct cookie c;
		assert_int_equal(cookie_parse(&c, doms[i].h, strlen(doms[i].h)), 0);
		if (cookie_domain_is_parent(&c, doms[i].host) != doms[i].parent)
			fail_msg("domain wrong for %s on %s", doms[i].h, doms[i].host);
		cookie_release(&c);
	}
}

static void cookie_prefix_rules(void **state)
{
	struct {
		const char *h;
		bool ok;
	} cases[] = {
		{"__Host-sid=1; Secure; Path=/", true},
		{"__Host-sid=1; Path=/", false},
		{"__Host-sid=1; Secure; Path=/; Domain=example.com", false},
		{"__Host-sid=1; Secure; Path=/app", false},
		{"__Host-sid=1; Secure", false},
		{"__host-sid=1; Path=/", false}, /* browsers match prefixes case-insensitively */
		{"__Secure-id=1; Secure; Domain=example.com", true},
		{"__Secure-id=1", false},
		{"plain=1", true},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cookie c;
		assert_int_equal(cookie_parse(&c, cases[i].h, strlen(cases[i].h)), 0);
		if (cases[i].ok != (cookie_prefix_violation(&c) == NULL))
			fail_msg("prefix rule wrong for %s", cases[i].h);
		cookie_release(&c);
	}
}

static void cookie_session_names_from_rules(void **state)
{
	size_t len;
	const char *text = rule_text("cookies/session-names.json", &len);
	struct cookie_names n;
	assert_int_equal(cookie_names_parse(&n, text, len), 0);
	const char *session[] = {"sessionid", "PHPSESSID", "JSESSIONID", "connect.sid", "laravel_session",
				 "_myapp_session", "sid", "token", "auth", "__Host-sid", "__Secure-next-auth.session-token",
				 "ASPSESSIONIDQQGGGQDR", "wordpress_logged_in_abc123", "access_token", "my_auth"};
	const char *other[] = {"theme", "lang", "_ga", "XSRF-TOKEN", "csrftoken", "csrf_token", "consent", "sidebar"};
	for (size_t i = 0; i < ARRAY_SIZE(session); i++)
		if (!cookie_names_is_session(&n, session[i]))
			fail_msg("%s should be a session cookie", session[i]);
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		if (cookie_names_is_session(&n, other[i]))
			fail_msg("%s should not be a session cookie", other[i]);
	cookie_names_release(&n);

	const char *bad[] = {"", "[]", "{\"exact\": \"sid\"}", "{\"exact\": [1]}", "{\"exact\": [\"\"]}", "{\"exact\": [\"a\", 2]}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(cookie_names_parse(&n, bad[i], strlen(bad[i])), SS_EINVAL);
}

/* ---- matchers ---- */

static void matcher_conditions(void **state)
{
	struct matcher m;
	char err[256];
	const char *j = "{\"magic\": \"504b0304\", \"status\": 200}";
	assert_int_equal(matcher_parse(&m, j, strlen(j), err, sizeof(err)), 0);
	assert_true(matcher_test(&m, 200, "PK\x03\x04rest", 8));
	assert_false(matcher_test(&m, 404, "PK\x03\x04rest", 8));
	assert_false(matcher_test(&m, 200, "PK\x03", 3));
	assert_false(matcher_test(&m, 200, "<html>PK", 8));
	matcher_release(&m);

	j = "{\"regex\": [\"^KEY=\", \"(?i)other\"], \"not_html\": true, \"status\": 0}";
	assert_int_equal(matcher_parse(&m, j, strlen(j), err, sizeof(err)), 0);
	assert_true(matcher_test(&m, 500, "x\nKEY=1\nOTHER", 13));
	assert_false(matcher_test(&m, 200, "x\nKEY=1\n", 8));
	assert_false(matcher_test(&m, 200, "\xef\xbb\xbf \n<!DOCTYPE html>\nKEY=1\nother", 37));
	assert_false(matcher_test(&m, 200, "", 0));
	matcher_release(&m);

	/* gunzip: a gzip body is judged by what it decompresses to, any other as it is */
	static const char hprof_gz[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xf3\x72\x0c\x73\x54\x08\x08\xf2"
				       "\x77\xf3\xf4\x71\x55\x30\xd4\x33\xd0\x33\x62\x00\x02\x0e\x00\x93\xc3\x30"
				       "\x4c\x17\x00\x00\x00";
	static const char html_gz[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xb3\xc9\x28\xc9\xcd\xb1\xf3\x72"
				      "\x0c\x73\x54\x08\x08\xf2\x77\xf3\xf4\x71\x55\x30\xd4\x33\xd0\x33\xb2\xd1"
				      "\x07\x4b\x00\x00\x06\x82\x33\xbd\x1f\x00\x00\x00";
	j = "{\"magic\": \"4a4156412050524f46494c45\", \"gunzip\": true, \"status\": 0}";
	assert_int_equal(matcher_parse(&m, j, strlen(j), err, sizeof(err)), 0);
	assert_true(matcher_test(&m, 206, hprof_gz, sizeof(hprof_gz) - 1));
	assert_true(matcher_test(&m, 200, "JAVA PROFILE 1.0.2", 18));
	assert_false(matcher_test(&m, 200, html_gz, sizeof(html_gz) - 1));
	assert_false(matcher_test(&m, 200, hprof_gz, 12)); /* too little of it to say */
	struct probe p = {.match = m, .evidence = PROBE_EVIDENCE_SIZE, .check = "c"};
	struct buf ev;
	buf_init(&ev, 1024);
	probe_report(&p, 206, "application/octet-stream", hprof_gz, sizeof(hprof_gz) - 1, &ev);
	assert_non_null(strstr(buf_str(&ev), "gzip, decompressed starts with 4a 41 56 41"));
	buf_release(&ev);
	matcher_release(&m);

	const char *bad[] = {"{", "[]", "{}", "{\"regex\": \"(\"}", "{\"magic\": \"50g0\"}", "{\"magic\": \"505\"}",
			     "{\"regex\": \"a\", \"colour\": 1}", "{\"regex\": 5}", "{\"regex\": [\"a\", 1]}",
			     "{\"status\": \"200\", \"regex\": \"a\"}", "{\"gunzip\": true}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(matcher_parse(&m, bad[i], strlen(bad[i]), err, sizeof(err)), SS_EINVAL);
		assert_true(err[0] != '\0');
	}
}

static void matcher_redacts_values(void **state)
{
	struct buf b;
	buf_init(&b, 4096);
	const char *env = "# comment\nexport DB_PASSWORD=\"hunter2hunter2\"\nAPI_KEY=sk_live_abcdef\nEMPTY=\n"
			  "  db_host: localhost\n\"token\": \"abc\",\nnot a key line\n- LIST_ITEM=x\n";
	size_t n = matcher_redacted_keys(env, strlen(env), 3, &b);
	assert_int_equal(n, 5);
	assert_string_equal(buf_str(&b), "DB_PASSWORD=<redacted, 14 chars>, API_KEY=<redacted, 14 chars>, "
					 "EMPTY=<empty> and 2 more");
	assert_null(strstr(buf_str(&b), "hunter2"));
	assert_null(strstr(buf_str(&b), "sk_live"));
	buf_reset(&b);
	assert_int_equal(matcher_redacted_keys("", 0, 3, &b), 0);
	assert_int_equal(matcher_redacted_keys("=\n:\n\"\":x", 8, 3, &b), 0);
	buf_release(&b);
}

/* Pages a catch-all or soft-404 site answers with: no probe may take them for a hit. */
static const char *const catch_all_bodies[] = {
	"<!DOCTYPE html><html><head><title>My App</title></head><body><div id=\"root\"></div>"
	"<script src=\"/static/js/main.js\"></script></body></html>",
	"<html><body><h1>404 Not Found</h1><p>The page /.env was not found. Try /index.php</p></body></html>",
	"\n\n  <!doctype html>\n<html lang=en><title>Welcome</title><p>ref: refs/heads/main</p>"
	"<pre>DB_PASSWORD=example\nCREATE TABLE users</pre></html>",
	"Not Found",
	"",
	"{\"error\": \"not found\", \"status\": 404}",
	"OK",
};

static void probes_ignore_catch_all_pages(void **state)
{
	const char *files[] = {"probes/exposure.json", "probes/disclosure.json"};
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct probe_list l;
		load_probes(files[f], &l);
		assert_true(l.n > 10);
		for (size_t i = 0; i < l.n; i++)
			for (size_t k = 0; k < ARRAY_SIZE(catch_all_bodies); k++) {
				const char *body = catch_all_bodies[k];
				if (matcher_test(&l.items[i].match, 200, body, strlen(body)))
					fail_msg("probe %s matches catch-all page %zu", l.items[i].id, k);
			}
		probe_list_release(&l);
	}
}

static void exposure_probes_recognise_real_files(void **state)
{
	struct probe_list l;
	load_probes("probes/exposure.json", &l);
	struct buf ev;
	buf_init(&ev, 4096);

	const struct probe *head = probe_by_id(&l, "git-head");
	assert_string_equal(probe_hit(head, 200, "ref: refs/heads/main\n", &ev), "exposure.vcs");
	assert_non_null(strstr(buf_str(&ev), "ref: refs/heads/main"));
	assert_string_equal(probe_hit(head, 200, "3f786850e387550fdab836ed7e6dc881de23001b\n", &ev), "exposure.vcs");
	assert_null(probe_hit(head, 404, "ref: refs/heads/main\n", &ev));
	assert_null(probe_hit(head, 200, "ref: refs/heads/main\n<html>", &ev));

	const struct probe *config = probe_by_id(&l, "git-config");
	const char *cfg = "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://github.com/a/b.git\n";
	assert_string_equal(probe_hit(config, 200, cfg, &ev), "exposure.vcs");
	const char *cred = "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n"
			   "\turl = https://deploy:ghp_SECRETTOKEN123@github.com/a/b.git\n";
	assert_string_equal(probe_hit(config, 200, cred, &ev), "exposure.config-credentials");
	assert_null(strstr(buf_str(&ev), "ghp_SECRETTOKEN123"));

	const struct probe *env = probe_by_id(&l, "env");
	const char *secret_env = "APP_NAME=shop\nDB_HOST=db\nDB_PASSWORD=Sup3rS3cret!\nSTRIPE_API_KEY=sk_live_51Habc\n";
	assert_string_equal(probe_hit(env, 200, secret_env, &ev), "exposure.env-credentials");
	assert_non_null(strstr(buf_str(&ev), "DB_PASSWORD=<redacted, 12 chars>"));
	assert_null(strstr(buf_str(&ev), "Sup3rS3cret"));
	assert_null(strstr(buf_str(&ev), "sk_live"));
	assert_string_equal(probe_hit(env, 200, "APP_NAME=shop\nDEBUG=false\nDB_PASSWORD=\nAPI_KEY=${API_KEY}\n", &ev),
			    "exposure.env");
	assert_null(probe_hit(env, 200, "<html><body>APP=1</body></html>", &ev));
	/* Keys that merely contain a secret word, placeholders and URLs without a password are no credentials. */
	assert_string_equal(probe_hit(env, 200, "PASSPORT_STRATEGY=local\nBYPASS_CACHE=true\nTOKEN_TTL=3600\n"
						"SECRET_KEY=null\nDATABASE_URL=postgres://localhost/app\n", &ev), "exposure.env");
	assert_string_equal(probe_hit(env, 200, "DATABASE_URL=postgres://app:s3cret@db:5432/app\n", &ev),
			    "exposure.env-credentials");
	assert_null(strstr(buf_str(&ev), "s3cret"));
	assert_string_equal(probe_hit(env, 200, "export TOKEN='abcdef'\n", &ev), "exposure.env-credentials");
	assert_string_equal(probe_hit(env, 200, "APP_KEY=base64:Zm9vYmFy\n", &ev), "exposure.env-credentials");
	/* Lower-case keys are no .env. */
	assert_null(probe_hit(env, 200, "a=1\nb=2\n", &ev));

	const struct probe *sql = probe_by_id(&l, "sql-db");
	const char *dump = "-- MySQL dump 10.13\n\nCREATE TABLE `users` (\n  `id` int\n);\n"
			   "INSERT INTO `users` VALUES (1,'alice@example.com','$2y$10$hash');\n";
	assert_string_equal(probe_hit(sql, 200, dump, &ev), "exposure.sql-dump");
	assert_null(strstr(buf_str(&ev), "alice"));
	assert_string_equal(probe_hit(sql, 200, "INSERT INTO users VALUES (1, 'bob');", &ev), "exposure.sql-dump");
	assert_null(strstr(buf_str(&ev), "bob"));
	assert_null(probe_hit(sql, 200, "Copy the files to the server.\ninsert into the slot.\n", &ev));
	assert_string_equal(probe_hit(sql, 200, "COPY public.users (id, email) FROM stdin;\n", &ev), "exposure.sql-dump");

	const struct probe *svn = probe_by_id(&l, "svn-entries");
	assert_string_equal(probe_hit(svn, 200, "10\n\ndir\n4711\nhttps://svn.example.com/trunk\n", &ev), "exposure.vcs");
	assert_null(probe_hit(svn, 200, "404\n", &ev));

	const struct probe *json = probe_by_id(&l, "json-config-json");
	assert_null(probe_hit(json, 200, "{\"apiKey\": \"AIzaSyPublicFirebaseKey\", \"passwordPolicy\": \"strong!\"}", &ev));
	assert_string_equal(probe_hit(json, 200, "{\"db\": {\"password\": \"hunter2hunter2\"}}", &ev),
			    "exposure.config-credentials");
	assert_null(strstr(buf_str(&ev), "hunter2"));

	const struct probe *zip = probe_by_id(&l, "archive-backup-zip");
	buf_reset(&ev);
	assert_true(matcher_test(&zip->match, 200, "PK\x03\x04\x14\x00", 6));
	assert_string_equal(probe_report(zip, 200, "application/zip", "PK\x03\x04\x14\x00", 6, &ev), "exposure.backup-archive");
	assert_non_null(strstr(buf_str(&ev), "50 4b 03 04"));
	assert_false(matcher_test(&zip->match, 200, "<html>PK", 8));

	const struct probe *ds = probe_by_id(&l, "ds-store");
	assert_true(matcher_test(&ds->match, 200, "\0\0\0\1Bud1\0\0", 10));

	const struct probe *wp = probe_by_id(&l, "src-wp-config-php-bak");
	const char *wpc = "<?php\ndefine( 'DB_NAME', 'wp' );\ndefine( 'DB_PASSWORD', 'pa55word' );\n";
	assert_string_equal(probe_hit(wp, 200, wpc, &ev), "exposure.config-credentials");
	assert_null(strstr(buf_str(&ev), "pa55word"));
	assert_string_equal(probe_hit(wp, 200, "<?php\necho 'hello';\n", &ev), "exposure.source-backup");

	const struct probe *listing = probe_by_id(&l, "listing-uploads");
	assert_string_equal(probe_hit(listing, 200, "<html><head><title>Index of /uploads</title></head>", &ev),
			    "exposure.directory-listing");
	assert_string_equal(probe_hit(listing, 200, "<!DOCTYPE HTML>\n<html><title>Directory listing for /uploads/</title>", &ev),
			    "exposure.directory-listing");

	const struct probe *key = probe_by_id(&l, "key-id_rsa");
	assert_string_equal(probe_hit(key, 200, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n", &ev),
			    "exposure.private-key");
	assert_null(strstr(buf_str(&ev), "b3Blbn"));

	const struct probe *aws = probe_by_id(&l, "aws-credentials");
	assert_string_equal(probe_hit(aws, 200, "[default]\naws_access_key_id = AKIAABCDEFGHIJKLMNOP\n"
						"aws_secret_access_key = abc/def\n", &ev), "exposure.config-credentials");
	assert_null(strstr(buf_str(&ev), "AKIA"));

	const struct probe *phpinfo = probe_by_id(&l, "phpinfo-phpinfo-php");
	assert_string_equal(probe_hit(phpinfo, 200, "<title>PHP 8.2.7 - phpinfo()</title><h1 class=\"p\">PHP Version 8.2.7</h1>", &ev),
			    "exposure.phpinfo");
	assert_non_null(strstr(buf_str(&ev), "PHP Version 8.2.7"));

	const struct probe *map = probe_by_id(&l, "sourcemap-main-js-map");
	assert_string_equal(probe_hit(map, 200, "{\"version\":3,\"sources\":[\"webpack:///src/App.js\"],\"mappings\":\"AAAA\"}", &ev),
			    "exposure.source-map");

	const struct probe *compose = probe_by_id(&l, "compose-docker-compose-yml");
	const char *yml = "services:\n  db:\n    image: postgres\n    environment:\n      - POSTGRES_PASSWORD=changeme123\n";
	assert_string_equal(probe_hit(compose, 200, yml, &ev), "exposure.config-credentials");
	assert_null(strstr(buf_str(&ev), "changeme123"));
	const char *yml_ref = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n";
	assert_string_equal(probe_hit(compose, 200, yml_ref, &ev), "exposure.config-file");

	/* Every path is unique and every probe's paths stay within the site. */
	for (size_t i = 0; i < l.n; i++) {
		assert_non_null(l.items[i].path);
		assert_true(l.items[i].path[0] == '/');
		assert_null(strstr(l.items[i].path, ".."));
	}
	buf_release(&ev);
	probe_list_release(&l);
}

static void disclosure_signatures_recognise_error_pages(void **state)
{
	struct probe_list l;
	load_probes("probes/disclosure.json", &l);
	struct buf ev;
	buf_init(&ev, 4096);
	struct {
		const char *id, *body, *check;
	} cases[] = {
		{"django-debug", "<p>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p>",
		 "disclosure.debug-page"},
		{"node-stack", "<pre>Error: boom<br> &nbsp; &nbsp;at Layer.handle [as handle_request] "
			       "(/app/node_modules/express/lib/router/layer.js:95:5)<br></pre>", "disclosure.stack-trace"},
		{"python-traceback", "Traceback (most recent call last):\n  File \"app.py\", line 3", "disclosure.stack-trace"},
		{"java-stack", "java.lang.NullPointerException\n\tat com.example.Foo.bar(Foo.java:42)\n", "disclosure.stack-trace"},
		{"php-error", "<br />\n<b>Warning</b>:  include(x.php): Failed to open stream in <b>/var/www/html/index.php</b> on line <b>12</b><br />",
		 "disclosure.error-message"},
		{"aspnet-yellow", "<h1>Server Error in '/' Application.</h1> ... <b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319",
		 "disclosure.error-message"},
		{"spring-whitelabel", "<html><body><h1>Whitelabel Error Page</h1>", "disclosure.default-error-page"},
		{"laravel-debug", "<title>Whoops! There was an error.</title>", "disclosure.debug-page"},
		{"werkzeug-debugger", "<title>ZeroDivisionError // Werkzeug Debugger</title>", "disclosure.debug-page"},
		{"sql-error", "Fatal: SQLSTATE[42S02]: Base table or view not found", "disclosure.error-message"},
		{"tomcat-version", "<h3>Apache Tomcat/9.0.65</h3>", "disclosure.version-banner"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct probe *p = probe_by_id(&l, cases[i].id);
		const char *check = probe_hit(p, 500, cases[i].body, &ev);
		if (!check || strcmp(check, cases[i].check))
			fail_msg("signature %s: got %s", cases[i].id, check ? check : "no match");
	}
	/* Stack traces count only in error answers: a 200 page may be an article quoting one. */
	assert_null(probe_hit(probe_by_id(&l, "node-stack"), 200, cases[1].body, &ev));
	assert_null(probe_hit(probe_by_id(&l, "python-traceback"), 200, cases[2].body, &ev));
	assert_non_null(probe_hit(probe_by_id(&l, "php-error"), 200, cases[4].body, &ev));
	buf_release(&ev);
	probe_list_release(&l);
}

static void probe_lists_reject_bad_entries(void **state)
{
	struct probe_list l;
	char err[256];
	const char *bad[] = {
		"{\"probes\": {}}",
		"{\"probes\": [{\"id\": \"a\", \"path\": \"/x\", \"check\": \"c\"}]}",
		"{\"probes\": [{\"id\": \"a\", \"path\": \"x\", \"check\": \"c\", \"detail\": \"d\", \"match\": {\"regex\": \"a\"}}]}",
		"{\"probes\": [{\"id\": \"a\", \"path\": \"/x\", \"check\": \"c\", \"detail\": \"d\", \"match\": {\"magic\": \"00\"}}]}",
		"{\"probes\": [{\"id\": \"a\", \"path\": \"/x\", \"check\": \"c\", \"detail\": \"d\", \"match\": {\"regex\": \"a\"}, \"evidence\": \"all\"}]}",
		"{\"probes\": [{\"id\": \"a\", \"path\": \"/x\", \"check\": \"c\", \"detail\": \"d\", \"match\": {\"regex\": \"a\"}},"
		" {\"id\": \"b\", \"path\": \"/y\", \"check\": \"c\", \"detail\": \"d\", \"match\": {\"regex\": \"a\"}, \"escalate\": {\"match\": {\"regex\": \"b\"}}}]}",
		"{\"probes\": [{\"id\": \"a\", \"path\": \"/x\", \"check\": \"c\", \"detail\": \"d\", \"match\": {\"regex\": \"a\"}, \"escalate\": {\"check\": \"e\", \"match\": {\"regex\": \"[\"}}}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		if (probe_list_parse(&l, bad[i], strlen(bad[i]), err, sizeof(err)) != SS_EINVAL)
			fail_msg("bad probe list %zu accepted", i);
		assert_true(err[0] != '\0');
		assert_int_equal(l.n, 0);
	}
}

/* ---- soft 404 ---- */

static void soft404_recognises_the_not_found_page(void **state)
{
	struct soft404 s = {0};
	char page[256];
	snprintf(page, sizeof(page), "<h1>Not found</h1><p>%s does not exist</p>", "/secscan-abc123");
	soft404_learn(&s, "/secscan-abc123", 200, page, strlen(page));
	/* The same template naming another path is the same answer... */
	snprintf(page, sizeof(page), "<h1>Not found</h1><p>%s does not exist</p>", "/.env.production");
	assert_true(soft404_matches(&s, "/.env.production", 200, page, strlen(page)));
	/* ...even when it names only the last segment. */
	snprintf(page, sizeof(page), "<h1>Not found</h1><p>%s does not exist</p>", "config.json");
	assert_true(soft404_matches(&s, "/config/config.json", 200, page, strlen(page)));
	/* A different status or body is not. */
	assert_false(soft404_matches(&s, "/.env", 404, page, strlen(page)));
	assert_false(soft404_matches(&s, "/.env", 200, "DB_PASSWORD=x\n", 14));
	/* The main page, learnt without a path, catches an SPA's fallback. */
	const char *index = "<!doctype html><div id=root></div>";
	soft404_learn(&s, "", 200, index, strlen(index));
	assert_true(soft404_matches(&s, "/backup.zip", 200, index, strlen(index)));
	soft404_learn(&s, "/x", 200, NULL, 0);
	assert_true(soft404_matches(&s, "/y", 200, "", 0));
	for (int i = 0; i < 10; i++) /* bounded */
		soft404_learn(&s, "/z", 200, "z", 1);
	assert_int_equal(s.n, SOFT404_MAX);
}

/* ---- the catalogue entries of these modules ---- */

static void catalogue_entries_are_complete(void **state)
{
	const char *modules[] = {"headers", "cookies", "exposure", "disclosure"};
	const char *stacks[] = {"nginx", "apache", "caddy", "iis", "express", "nextjs", "vercel", "netlify",
				"cloudflare", "django", "flask", "rails", "laravel", "php", "spring", "default"};
	json_t *ids = json_object();
	for (size_t m = 0; m < ARRAY_SIZE(modules); m++) {
		char path[64];
		snprintf(path, sizeof(path), "checks/%s.json", modules[m]);
		size_t len;
		const char *text = rule_text(path, &len);
		json_error_t jerr;
		json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!root)
			fail_msg("%s: %s", path, jerr.text);
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(root, "checks"), i, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			assert_non_null(id);
			assert_true(str_starts_with(id, modules[m]));
			assert_null(json_object_get(ids, id));
			json_object_set_new(ids, id, json_true());
			const char *fields[] = {"module", "category", "severity", "title", "description", "fix", "verify"};
			for (size_t k = 0; k < ARRAY_SIZE(fields); k++)
				if (!json_string_length(json_object_get(c, fields[k])))
					fail_msg("%s: no %s", id, fields[k]);
			assert_true(category_valid(json_string_value(json_object_get(c, "category"))));
			enum severity sev;
			assert_int_equal(severity_parse(json_string_value(json_object_get(c, "severity")), &sev), 0);
			assert_true(json_array_size(json_object_get(c, "references")) >= 1);
			const char *verify = json_string_value(json_object_get(c, "verify"));
			if (!strstr(verify, "{url}") && !strstr(verify, "{host}"))
				fail_msg("%s: verify names neither {url} nor {host}", id);
			json_t *st = json_object_get(c, "stacks");
			if (!json_object_get(st, "default"))
				fail_msg("%s: no default fix", id);
			/* Header and cookie fixes are set in the server or the app: every stack gets one. */
			const char *every[] = {"nginx", "apache", "caddy", "express", "nextjs", "vercel", "netlify", "cloudflare"};
			for (size_t k = 0; m < 2 && k < ARRAY_SIZE(every); k++)
				if (!json_object_get(st, every[k]))
					fail_msg("%s: no %s fix", id, every[k]);
			const char *key;
			json_t *v;
			json_object_foreach(st, key, v) {
				bool known = false;
				for (size_t k = 0; k < ARRAY_SIZE(stacks); k++)
					known |= !strcmp(key, stacks[k]);
				if (!known || !json_string_length(json_object_get(v, "file")) ||
				    !json_string_length(json_object_get(v, "change")))
					fail_msg("%s: bad stack entry %s", id, key);
			}
		}
		json_decref(root);
	}
	/* Every check a probe reports exists. */
	const char *lists[] = {"probes/exposure.json", "probes/disclosure.json"};
	for (size_t f = 0; f < ARRAY_SIZE(lists); f++) {
		struct probe_list l;
		load_probes(lists[f], &l);
		for (size_t i = 0; i < l.n; i++) {
			if (!json_object_get(ids, l.items[i].check))
				fail_msg("probe %s reports unknown check %s", l.items[i].id, l.items[i].check);
			if (l.items[i].has_escalate && !json_object_get(ids, l.items[i].escalate_check))
				fail_msg("probe %s escalates to unknown check %s", l.items[i].id, l.items[i].escalate_check);
		}
		probe_list_release(&l);
	}
	/* The cloud module's bucket objects are exposure probes of fixed paths (a bucket has no {host}). */
	struct probe_list ex;
	load_probes("probes/exposure.json", &ex);
	size_t clen;
	const char *ctext = rule_text("probes/cloud.json", &clen);
	json_t *croot = json_loadb(ctext, clen, JSON_REJECT_DUPLICATES, NULL);
	json_t *objs = json_object_get(croot, "bucket_objects");
	assert_true(json_array_size(objs) >= 4 && json_array_size(objs) <= 16);
	size_t oi;
	json_t *ov;
	json_array_foreach(objs, oi, ov) {
		const struct probe *p = probe_by_id(&ex, json_string_value(ov));
		if (!p->path || strstr(p->path, "{host}"))
			fail_msg("bucket object %s has no fixed path", p->id);
	}
	json_decref(croot);
	probe_list_release(&ex);
	/* And the engine's loader accepts them all. */
	assert_int_equal(catalogue_load(NULL), 0);
	const char *key;
	json_t *v;
	json_object_foreach(ids, key, v)
		if (!catalogue_get(key))
			fail_msg("the catalogue has no %s", key);
	catalogue_free();
	json_decref(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csp_parses_directives_and_sources),
		cmocka_unit_test(csp_parses_lists_and_rejects_garbage),
		cmocka_unit_test(csp_assessment_finds_weaknesses),
		cmocka_unit_test(cookie_parses_attributes),
		cmocka_unit_test(cookie_rejects_malformed_input),
		cmocka_unit_test(cookie_deletion_and_domain),
		cmocka_unit_test(cookie_prefix_rules),
		cmocka_unit_test(cookie_session_names_from_rules),
		cmocka_unit_test(matcher_conditions),
		cmocka_unit_test(matcher_redacts_values),
		cmocka_unit_test(probes_ignore_catch_all_pages),
		cmocka_unit_test(exposure_probes_recognise_real_files),
		cmocka_unit_test(disclosure_signatures_recognise_error_pages),
		cmocka_unit_test(probe_lists_reject_bad_entries),
		cmocka_unit_test(soft404_recognises_the_not_found_page),
		cmocka_unit_test(catalogue_entries_are_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
