#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/buf.h"
#include "engine/catalogue.h"
#include "engine/rules_embedded.h"
#include "modules/baas_parse.h"
#include "modules/discover.h"
#include "modules/jsx.h"
#include "modules/mcp.h"
#include "secrets/secrets.h"

/* Pure parsers of the baas, ai-safety and discover modules, on good, tricky and malformed input. */

static void scan_text(struct baas_config *c, const char *s)
{
	baas_config_scan(c, s, strlen(s));
}

static void firebase_config_from_js(void **state)
{
	struct baas_config c;
	baas_config_init(&c);
	/* minified object literal, quoted JSON keys, gs:// bucket, a second project */
	scan_text(&c, "var a={apiKey:\"AIzaSyDxk3v0J-9vJQe5xv8w2n4m6p8r0t2v4x6\",authDomain:\"shop-7f2a1.firebaseapp.com\","
		      "databaseURL:\"https://shop-7f2a1-default-rtdb.europe-west1.firebasedatabase.app\","
		      "projectId:\"shop-7f2a1\",storageBucket:\"shop-7f2a1.appspot.com\"};");
	scan_text(&c, "{\"apiKey\": \"AIzaSyDxk3v0J-9vJQe5xv8w2n4m6p8r0t2v4x7\", \"projectId\" : 'other-proj',"
		      " \"storageBucket\":\"gs://other-proj.firebasestorage.app\", databaseURL: 'https://other.firebaseio.com:8443'}");
	assert_int_equal(c.projects.n, 2);
	assert_string_equal(c.projects.v[0], "shop-7f2a1");
	assert_string_equal(c.projects.v[1], "other-proj");
	assert_int_equal(c.databases.n, 2);
	assert_string_equal(c.databases.v[0], "https://shop-7f2a1-default-rtdb.europe-west1.firebasedatabase.app");
	assert_string_equal(c.databases.v[1], "https://other.firebaseio.com:8443");
	assert_int_equal(c.buckets.n, 2);
	assert_string_equal(c.buckets.v[1], "other-proj.firebasestorage.app");
	baas_config_release(&c);
}

static void firebase_config_needs_firebase_context(void **state)
{
	struct baas_config c;
	baas_config_init(&c);
	/* a GCP projectId without any Firebase apiKey/authDomain is not a Firebase config */
	scan_text(&c, "const cfg = {projectId: \"analytics-prod\", databaseURL: \"https://x.firebaseio.com\"};");
	/* bad values next to a real key: wrong host, bad ids, escapes, unterminated */
	scan_text(&c, "apiKey:\"AIzaSyDxk3v0J-9vJQe5xv8w2n4m6p8r0t2v4x6\", projectId: \"A\", projectId: \"-bad-\","
		      " projectIdX: \"notme-1234\", databaseURL: \"https://evil.example.com\", databaseURL: \"ftp://x.firebaseio.com\","
		      " databaseURL: \"https://firebaseio.com\", storageBucket: \"..\", projectId: \"unterminated");
	assert_int_equal(c.projects.n, 0);
	assert_int_equal(c.databases.n, 0);
	assert_int_equal(c.buckets.n, 0);
	/* truncated input at every length never reads past the end (ASan watches) */
	const char *s = "apiKey:\"AIzaSyDxk3v0J-9vJQe5xv8w2n4m6p8r0t2v4x6\",projectId:\"shop-7f2a1\"";
	for (size_t n = 0; n <= strlen(s); n++) {
		char *cut = xstrndup(s, n);
		baas_config_scan(&c, cut, n);
		free(cut);
	}
	assert_int_equal(c.projects.n, 1);
	baas_config_release(&c);
}

static void supabase_urls_and_tables_from_js(void **state)
{
	struct baas_config c;
	baas_config_init(&c);
	scan_text(&c, "const s=createClient(\"https://qwhzpxkvlmrtnbcydsfa.supabase.co\",k);"
		      "s.from('profiles').select('*');s.from(\"orders\");db.from(`line_items`);"
		      "Array.from(\"abc\");Buffer.from('secret');s.from(tableVar);s.from('bad name');"
		      "x='wss://abcdefghijklmnopqrs1.supabase.co/realtime/v1';"
		      "y='https:\\/\\/escapedrefaaaaaaaaaaaa.supabase.co\\/rest';"
		      "z='https://supabase.com/docs';w='https://fake.supabase.co.evil.net/';"
		      "createClient('https://db.myapp.io:8443/',k2)");
	assert_int_equal(c.supabase.n, 4);
	assert_string_equal(c.supabase.v[0], "https://qwhzpxkvlmrtnbcydsfa.supabase.co");
	assert_string_equal(c.supabase.v[1], "https://abcdefghijklmnopqrs1.supabase.co");
	assert_string_equal(c.supabase.v[2], "https://escapedrefaaaaaaaaaaaa.supabase.co");
	assert_string_equal(c.supabase.v[3], "https://db.myapp.io:8443");
	assert_int_equal(c.tables.n, 3);
	assert_string_equal(c.tables.v[0], "profiles");
	assert_string_equal(c.tables.v[1], "orders");
	assert_string_equal(c.tables.v[2], "line_items");
	/* a text without "supabase" yields no tables: .from('x') alone is too common */
	struct baas_config d;
	baas_config_init(&d);
	scan_text(&d, "rx.from('events'); createClient('https://redis.example:6379')");
	assert_int_equal(d.tables.n, 0);
	assert_int_equal(d.supabase.n, 0);
	baas_config_release(&d);
	baas_config_release(&c);
}

static void supabase_key_roles(void **state)
{
	char role[32];
	/* payloads: {"iss":"supabase","ref":"…","role":"anon"}, {"role":"service_role",...}, {"sub":"42"} */
	const char *anon = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InF3aHpweGt2bG1ydG5iY3lkc2ZhIiwicm9sZSI6ImFub24ifQ.Qm9hcmRpbmdQYXNzZXNTaWduYXR1cmVYeXo";
	const char *svc = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJzZXJ2aWNlX3JvbGUiLCJleHAiOjIwMDAwMDAwMDB9.Qm9hcmRpbmdQYXNzZXNTaWduYXR1cmVYeXo";
	const char *none = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.Qm9hcmRpbmdQYXNzZXNTaWduYXR1cmVYeXo";
	assert_true(secret_jwt_role(anon, strlen(anon), role, sizeof(role)));
	assert_string_equal(role, "anon");
	assert_true(secret_jwt_role(svc, strlen(svc), role, sizeof(role)));
	assert_string_equal(role, "service_role");
	assert_true(secret_jwt_role(none, strlen(none), role, sizeof(role)));
	assert_string_equal(role, "");
	/* malformed: no dots, a payload that is no JSON object, garbage base64 */
	static const char *const bad[] = {"", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9.WzFd.sig", "a.b.c", "...",
					  "eyJhbGciOiJIUzI1NiJ9.!!!!.sig"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_false(secret_jwt_role(bad[i], strlen(bad[i]), role, sizeof(role)));
		assert_string_equal(role, "");
	}
}

static void postgrest_answers(void **state)
{
	struct jsx_list tables = {.max = 8};
	const char *doc = "{\"swagger\":\"2.0\",\"paths\":{\"/\":{},\"/profiles\":{},\"/rpc/do_it\":{},\"/a/b\":{},"
			  "\"/orders\":{},\"/bad name\":{}}}";
	assert_int_equal(baas_openapi_tables(doc, strlen(doc), &tables), 0);
	assert_int_equal(tables.n, 2);
	assert_string_equal(tables.v[0], "profiles");
	assert_string_equal(tables.v[1], "orders");
	static const char *const not_openapi[] = {"", "[]", "{\"paths\":{}}", "{\"swagger\":\"2.0\",\"paths\":[]}",
						  "{\"swagger\":", "<html>"};
	for (size_t i = 0; i < ARRAY_SIZE(not_openapi); i++)
		assert_int_equal(baas_openapi_tables(not_openapi[i], strlen(not_openapi[i]), &tables), SS_EINVAL);
	jsx_list_release(&tables);

	struct buf cols;
	buf_init(&cols, 1024);
	const char *rows = "[{\"id\":1,\"email\":\"alice@example.org\",\"token\":\"s3cr3t\"}]";
	assert_int_equal(baas_rows_columns(rows, strlen(rows), &cols), 1);
	assert_string_equal(buf_str(&cols), "id, email, token"); /* names only, never values */
	buf_reset(&cols);
	assert_int_equal(baas_rows_columns("[]", 2, &cols), 0);
	assert_int_equal(baas_rows_columns("{\"message\":\"denied\"}", 20, &cols), -1);
	assert_int_equal(baas_rows_columns("[1,2", 4, &cols), -1);
	assert_int_equal(baas_rows_columns("[1,2]", 5, &cols), 2);
	assert_int_equal(cols.len, 0);
	buf_release(&cols);
}

static void firebase_listings(void **state)
{
	struct buf names;
	buf_init(&names, 4096);
	const char *root = "{\"users\":true,\"messages\":true}";
	assert_int_equal(baas_listing_names("rtdb", root, strlen(root), &names), 2);
	assert_string_equal(buf_str(&names), "users, messages");
	buf_reset(&names);
	assert_int_equal(baas_listing_names("rtdb", "{\"error\":\"Permission denied\"}", 29, &names), -1);
	assert_int_equal(baas_listing_names("rtdb", "null", 4, &names), 0);
	const char *fs = "{\"documents\":[{\"name\":\"projects/p/databases/(default)/documents/users/u1\"},"
			 "{\"name\":\"projects/p/databases/(default)/documents/users/u2\"},{\"name\":42},{}]}";
	assert_int_equal(baas_listing_names("firestore", fs, strlen(fs), &names), 4);
	assert_string_equal(buf_str(&names), "users");
	buf_reset(&names);
	assert_int_equal(baas_listing_names("firestore", "{}", 2, &names), 0);
	assert_int_equal(baas_listing_names("firestore", "{\"error\":{\"code\":403}}", 22, &names), -1);
	const char *st = "{\"prefixes\":[\"avatars/\"],\"items\":[{\"name\":\"a.png\"},{\"bucket\":\"b\"}]}";
	assert_int_equal(baas_listing_names("storage", st, strlen(st), &names), 3);
	assert_string_equal(buf_str(&names), "avatars/, a.png");
	buf_reset(&names);
	assert_int_equal(baas_listing_names("storage", "{}", 2, &names), -1);
	assert_int_equal(baas_listing_names("storage", "<html>", 6, &names), -1);
	assert_int_equal(baas_listing_names("nope", "{}", 2, &names), -1);
	buf_release(&names);
}

static void mcp_initialize_and_tools(void **state)
{
	struct mcp_init mi;
	const char *json = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\","
			   "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"ops\",\"version\":\"1.2\"}}}";
	assert_int_equal(mcp_parse_initialize(json, strlen(json), 1, &mi), 0);
	assert_string_equal(mi.name, "ops");
	assert_string_equal(mi.version, "1.2");
	assert_string_equal(mi.protocol, "2025-06-18");
	assert_true(mi.tools);
	/* the same answer in an event stream, after a notification, with CRLF */
	const char *sse = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\r\n\r\n"
			  "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2024-11-05\"}}\r\n\r\n";
	assert_int_equal(mcp_parse_initialize(sse, strlen(sse), 1, &mi), 0);
	assert_string_equal(mi.protocol, "2024-11-05");
	assert_string_equal(mi.name, "");
	static const char *const bad[] = {
		"", "{", "data: {", "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"protocolVersion\":\"x\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32600}}", "{\"id\":1,\"result\":{\"protocolVersion\":\"x\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":5}}", "[1,2,3]", "<html>401</html>",
		"{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{\"protocolVersion\":\"x\"}}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(mcp_parse_initialize(bad[i], strlen(bad[i]), 1, &mi), SS_EINVAL);

	struct jsx_list tools = {.max = 3};
	const char *list = "[{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"get_weather\"},{\"name\":\"\"},"
			   "{\"title\":\"no name\"},{\"name\":\"run_shell\"},{\"name\":\"a\"},{\"name\":\"b\"}]}}]";
	assert_int_equal(mcp_parse_tools(list, strlen(list), 2, &tools), 0);
	assert_int_equal(tools.n, 3); /* bounded */
	assert_string_equal(tools.v[1], "run_shell");
	assert_int_equal(mcp_parse_tools("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}", 34, 2, &tools), SS_EINVAL);
	jsx_list_release(&tools);
}

static void mcp_legacy_sse_endpoint(void **state)
{
	char ep[64];
	/* keep-alive comments and an empty event first, CRLF lines, one space after the colon dropped */
	const char *ok = ": ping\n\nevent: endpoint\r\ndata: /messages?sessionId=ab12\r\n\r\nevent: message\n";
	assert_int_equal(mcp_sse_endpoint(ok, strlen(ok), ep, sizeof(ep)), 0);
	assert_string_equal(ep, "/messages?sessionId=ab12");
	/* not whole yet: the blank line (or the data line's end) has not come */
	const char *part[] = {"", "event: endpoint\n", "event: endpoint\ndata: /messages", "event: endpoint\ndata: /m\n"};
	for (size_t i = 0; i < ARRAY_SIZE(part); i++)
		assert_int_equal(mcp_sse_endpoint(part[i], strlen(part[i]), ep, sizeof(ep)), SS_ENOTFOUND);
	/* the first event with data is another: a notification stream, a plain data event, two data lines */
	const char *other[] = {"event: message\ndata: {\"jsonrpc\":\"2.0\"}\n\nevent: endpoint\ndata: /m\n\n",
			       "data: /messages\n\n", "event: endpoint\ndata: /a\ndata: /b\n\n",
			       "event: endpoints\ndata: /m\n\n", "event: endpoint\ndata:\n\n"};
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		assert_int_equal(mcp_sse_endpoint(other[i], strlen(other[i]), ep, sizeof(ep)), SS_EINVAL);
	/* too long for the caller's buffer */
	const char *lng = "event: endpoint\ndata: /messages?sessionId=0123456789012345678901234567890123456789012345\n\n";
	assert_int_equal(mcp_sse_endpoint(lng, strlen(lng), ep, sizeof(ep)), SS_EINVAL);
	/* the answers that come on the stream later */
	const char *events = "event: endpoint\ndata: /m\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
	assert_true(mcp_has_answer(events, strlen(events), 1));
	assert_false(mcp_has_answer(events, strlen(events), 2));
}

static void mcp_dangerous_tool_names(void **state)
{
	char *words[] = {"shell", "exec", "file", "sql", "write"};
	char why[32];
	assert_true(mcp_tool_dangerous("run_shell_command", words, 5, why, sizeof(why)));
	assert_string_equal(why, "shell");
	assert_true(mcp_tool_dangerous("readFile", words, 5, why, sizeof(why)));
	assert_string_equal(why, "File");
	assert_true(mcp_tool_dangerous("db.execute-SQL", words, 5, why, sizeof(why)));
	assert_true(mcp_tool_dangerous("WRITE", words, 5, why, sizeof(why)));
	/* whole words only: a profile is no file, a shellfish no shell */
	assert_false(mcp_tool_dangerous("get_profile", words, 5, why, sizeof(why)));
	assert_false(mcp_tool_dangerous("shellfish_facts", words, 5, why, sizeof(why)));
	assert_false(mcp_tool_dangerous("", words, 5, why, sizeof(why)));
	assert_false(mcp_tool_dangerous("___", words, 5, why, sizeof(why)));
}

static void collect(void *ud, const char *v, size_t n)
{
	jsx_list_add(ud, v, n);
}

static void jsx_literals(void **state)
{
	struct jsx_list got = {.max = 10};
	const char *s = "a={k:\"one\",\"k\":'two',k = `three`,kk:\"no\",xk:\"no\",k:`${x}`,k:\"esc\\\"aped\",k:\"line\nbreak\",k:\"";
	jsx_key_values(s, strlen(s), "k", 64, collect, &got);
	assert_int_equal(got.n, 4);
	assert_string_equal(got.v[0], "one");
	assert_string_equal(got.v[1], "two");
	assert_string_equal(got.v[2], "three");
	assert_string_equal(got.v[3], "esc\\\"aped");
	jsx_list_release(&got);
	got.max = 10;
	const char *c = "prefetch('/no');x.fetch('/no2');fetch( \"/api/chat\" ,{});fetch(url);fetch('";
	jsx_call_args(c, strlen(c), "fetch(", false, 64, collect, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0], "/api/chat");
	jsx_list_release(&got);
	got.max = 10;
	const char *t = "'short' \"a long enough literal\" 'it\\'s escaped ok' \"unterminated";
	jsx_strings(t, strlen(t), 10, 64, collect, &got);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[0], "a long enough literal");
	jsx_list_release(&got);
	/* a line continuation (backslash, line break) ends the search like a raw line break (found by fuzz_app_layer) */
	got.max = 10;
	jsx_strings("'ab\\\ncd'", 8, 1, 64, collect, &got);
	assert_int_equal(got.n, 0);
	/* bounded: a literal longer than max is not reported */
	got.max = 10;
	jsx_key_values("k:'0123456789'", 14, "k", 5, collect, &got);
	assert_int_equal(got.n, 0);
}

static struct discover_rules *load_discovery(void)
{
	for (const struct embedded_file *f = embedded_rules; f->path; f++)
		if (!strcmp(f->path, "discovery/hosts.json")) {
			char err[128];
			struct discover_rules *r = discover_rules_parse(f->data, f->len, err, sizeof(err));
			if (!r)
				fail_msg("discovery/hosts.json: %s", err);
			return r;
		}
	fail_msg("discovery/hosts.json is not embedded");
	return NULL;
}

static void discovery_rules(void **state)
{
	struct discover_rules *r = load_discovery();
	char site[128];
	assert_true(discover_site(r, "shop.example.co.uk", site, sizeof(site)));
	assert_string_equal(site, "example.co.uk");
	assert_true(discover_site(r, "www.myapp.com", site, sizeof(site)));
	assert_string_equal(site, "myapp.com");
	assert_true(discover_site(r, "myapp.vercel.app", site, sizeof(site)));
	assert_string_equal(site, "myapp.vercel.app");
	assert_false(discover_site(r, "co.uk", site, sizeof(site)));
	assert_false(discover_site(r, "localhost", site, sizeof(site)));
	assert_false(discover_site(r, "10.0.0.1", site, sizeof(site)));

	assert_non_null(discover_match(r, "qwhzpxkvlmrtnbcydsfa.supabase.co", "www.myapp.com", NULL));
	assert_non_null(discover_match(r, "shop-default-rtdb.firebaseio.com", "www.myapp.com", NULL));
	assert_non_null(discover_match(r, "assets.s3.eu-west-1.amazonaws.com", "www.myapp.com", NULL));
	assert_non_null(discover_match(r, "api.myapp.com", "www.myapp.com", NULL));
	assert_non_null(discover_match(r, "api.example.co.uk", "shop.example.co.uk", NULL));
	/* a provider's host is checked for the app's configuration only; the app's own API host fully */
	const char *modules = "unset";
	assert_non_null(discover_match(r, "qwhzpxkvlmrtnbcydsfa.supabase.co", "www.myapp.com", &modules));
	assert_non_null(modules);
	assert_non_null(strstr(modules, "baas"));
	assert_null(strstr(modules, "network"));
	assert_null(strstr(modules, "exposure"));
	modules = "unset";
	assert_non_null(discover_match(r, "api.myapp.com", "www.myapp.com", &modules));
	assert_null(modules);
	/* third parties and look-alikes never join */
	static const char *const no[] = {"cdn.jsdelivr.net", "www.google-analytics.com", "supabase.co", "supabase.com",
					 "api.other.com", "api.myapp.com.evil.net", "s3.amazonaws.com",
					 "fonts.googleapis.com", "firestore.googleapis.com", "www.myapp.com",
					 "api.vercel.app"};
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (discover_match(r, no[i], "www.myapp.com", NULL))
			fail_msg("%s matched", no[i]);
	assert_null(discover_match(r, "api.vercel.app", "myapp.vercel.app", NULL));
	discover_rules_free(r);

	char err[128];
	static const char *const bad[] = {"", "{", "{\"hosts\":{}}", "{\"hosts\":[{\"pattern\":\"x\"}]}",
					  "{\"hosts\":[], \"public_suffixes\":\"co.uk\"}",
					  "{\"hosts\":[{\"pattern\":\"x\",\"reason\":\"y\",\"modules\":[\"baas\"]}]}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_null(discover_rules_parse(bad[i], strlen(bad[i]), err, sizeof(err)));
}

struct urls {
	char got[8][128];
	size_t n;
};

static void on_url(void *ud, const char *origin, const char *host)
{
	struct urls *u = ud;
	snprintf(u->got[u->n++], sizeof(u->got[0]), "%s %s", origin, host);
}

static void discovery_urls(void **state)
{
	struct urls u = {0};
	const char *s = "a='https://API.MyApp.com:8443/v1' b=\"wss://x.supabase.co/realtime\" c='https:\\/\\/esc.io\\/x' "
			"d='ftp://no.pe' e='http://' f='https://bad_host/' g='//proto.relative/' h='http://plain.io:80/x'";
	discover_urls(s, strlen(s), 8, on_url, &u);
	assert_int_equal(u.n, 4);
	assert_string_equal(u.got[0], "https://api.myapp.com:8443 api.myapp.com");
	assert_string_equal(u.got[1], "https://x.supabase.co x.supabase.co");
	assert_string_equal(u.got[2], "https://esc.io esc.io");
	assert_string_equal(u.got[3], "http://plain.io plain.io");
	struct urls v = {0};
	discover_urls(s, strlen(s), 1, on_url, &v);
	assert_int_equal(v.n, 1);
	for (size_t n = 0; n < 40; n++) {
		struct urls w = {0};
		discover_urls(s, n, 8, on_url, &w);
	}
}

static void catalogue_has_our_checks(void **state)
{
	assert_int_equal(catalogue_load(NULL), 0);
	static const char *const ids[] = {"baas.backend-detected", "baas.firebase-rtdb-readable", "baas.firestore-listable",
					  "baas.firebase-storage-listable", "baas.supabase-service-role-key",
					  "baas.supabase-rls-missing", "ai-safety.llm-key-in-client",
					  "ai-safety.openai-api-open", "ai-safety.mcp-open", "ai-safety.mcp-dangerous-tools",
					  "ai-safety.ai-manifest", "ai-safety.system-prompt-exposed",
					  "ai-safety.prompt-injection"};
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct check_def *d = catalogue_get(ids[i]);
		if (!d)
			fail_msg("%s missing", ids[i]);
		assert_non_null(check_def_fix_for(d, "default"));
	}
	catalogue_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(firebase_config_from_js),
		cmocka_unit_test(firebase_config_needs_firebase_context),
		cmocka_unit_test(supabase_urls_and_tables_from_js),
		cmocka_unit_test(supabase_key_roles),
		cmocka_unit_test(postgrest_answers),
		cmocka_unit_test(firebase_listings),
		cmocka_unit_test(mcp_initialize_and_tools),
		cmocka_unit_test(mcp_legacy_sse_endpoint),
		cmocka_unit_test(mcp_dangerous_tool_names),
		cmocka_unit_test(jsx_literals),
		cmocka_unit_test(discovery_rules),
		cmocka_unit_test(discovery_urls),
		cmocka_unit_test(catalogue_has_our_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
