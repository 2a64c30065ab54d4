#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "secrets/secrets.h"
#include "secrets/secrets_int.h"
#include <jansson.h>

/* What a scan reported, values kept so that tests can compare them. */
struct hits {
	size_t n;
	struct {
		char rule[64];
		char value[20000];
		char redacted[48];
		char name[96];
		enum severity sev;
		uint64_t line, column;
		char decoded[16];
	} h[32];
};

static void collect(void *ud, const struct secret_hit *hit)
{
	struct hits *hs = ud;
	if (hs->n >= ARRAY_SIZE(hs->h))
		return;
	str_copy(hs->h[hs->n].rule, sizeof(hs->h[0].rule), hit->rule->id);
	size_t n = MIN(hit->value_len, sizeof(hs->h[0].value) - 1);
	memcpy(hs->h[hs->n].value, hit->value, n);
	hs->h[hs->n].value[n] = '\0';
	str_copy(hs->h[hs->n].redacted, sizeof(hs->h[0].redacted), hit->redacted);
	str_copy(hs->h[hs->n].name, sizeof(hs->h[0].name), hit->name);
	str_copy(hs->h[hs->n].decoded, sizeof(hs->h[0].decoded), hit->decoded ? hit->decoded : "");
	hs->h[hs->n].sev = hit->severity;
	hs->h[hs->n].line = hit->line;
	hs->h[hs->n].column = hit->column;
	hs->n++;
}

static struct secret_scanner *scanner;

static int setup(void **state)
{
	const struct secret_rules *rules = secret_rules_default();
	if (!rules)
		return -1;
	scanner = secret_scanner_new(rules);
	return scanner ? 0 : -1;
}

static int teardown(void **state)
{
	secret_scanner_free(scanner);
	return 0;
}

/* Scans text fed in chunks of chunk bytes (0: one piece); with space, copied into the scanner's
 * own space as files are read, else fed from where it lies. */
static void scan_fed(const char *text, size_t len, size_t chunk, unsigned flags, bool space, struct hits *out)
{
	memset(out, 0, sizeof(*out));
	assert_int_equal(secret_scanner_begin(scanner, flags, collect, out), 0);
	for (size_t off = 0; off < len;) {
		size_t n = chunk ? MIN(chunk, len - off) : len;
		if (space) {
			memcpy(secret_scanner_space(scanner, n), text + off, n);
			assert_int_equal(secret_scanner_commit(scanner, n), 0);
		} else {
			assert_int_equal(secret_scanner_feed(scanner, text + off, n), 0);
		}
		off += n;
	}
	assert_int_equal(secret_scanner_end(scanner), 0);
}

static void scan_chunked(const char *text, size_t len, size_t chunk, unsigned flags, struct hits *out)
{
	scan_fed(text, len, chunk, flags, false, out);
}

static void scan_text(const char *text, struct hits *out)
{
	scan_chunked(text, strlen(text), 0, 0, out);
}

static int find_rule(const struct hits *hs, const char *rule)
{
	for (size_t i = 0; i < hs->n; i++)
		if (!strcmp(hs->h[i].rule, rule))
			return (int)i;
	return -1;
}

static json_t *load_samples(void)
{
	json_error_t err;
	json_t *j = json_load_file(TEST_DATA_DIR "/secrets/samples.json", 0, &err);
	if (!j)
		fail_msg("samples.json: %s (line %d)", err.text, err.line);
	return j;
}

/* Every rule has true positives (found, exact value) and near misses (not found); all failures are listed. */
static void every_rule_has_samples_that_behave(void **state)
{
	const struct secret_rules *rules = secret_rules_default();
	json_t *samples = load_samples();
	assert_true(secret_rules_count(rules) >= 150);
	struct hits *hs = xcalloc(1, sizeof(*hs));
	int failures = 0;
	for (size_t i = 0; i < secret_rules_count(rules); i++) {
		const struct secret_rule *r = secret_rules_at(rules, i);
		json_t *s = json_object_get(samples, r->id);
		json_t *pos = json_object_get(s, "positive"), *neg = json_object_get(s, "negative");
		if (json_array_size(pos) < 1 || json_array_size(neg) < 1) {
			print_error("rule %s needs positive and negative samples\n", r->id);
			failures++;
			continue;
		}
		size_t k;
		json_t *v;
		json_array_foreach(pos, k, v) {
			const char *text = json_string_value(json_object_get(v, "text"));
			const char *value = json_string_value(json_object_get(v, "value"));
			scan_text(text, hs);
			int at = find_rule(hs, r->id);
			if (at < 0 || strcmp(hs->h[at].value, value)) {
				print_error("rule %s: positive #%zu %s: %.100s\n", r->id, k, at < 0 ? "not found" : "wrong value",
					    at < 0 ? text : hs->h[at].value);
				failures++;
			} else if (strstr(hs->h[at].redacted, value)) {
				print_error("rule %s: value not redacted\n", r->id); /* never shown whole */
				failures++;
			}
		}
		json_array_foreach(neg, k, v) {
			scan_text(json_string_value(v), hs);
			if (find_rule(hs, r->id) >= 0) {
				print_error("rule %s: negative #%zu reported: %.100s\n", r->id, k, json_string_value(v));
				failures++;
			}
		}
	}
	free(hs);
	json_decref(samples);
	assert_int_equal(failures, 0);
}

/* Each positive sample is found whatever the chunk boundaries, inside a larger stream. */
static void keys_split_across_chunks_are_found(void **state)
{
	json_t *samples = load_samples();
	struct hits *hs = xcalloc(1, sizeof(*hs));
	const char *key;
	json_t *s;
	struct buf b;
	buf_init(&b, 1 << 20);
	json_object_foreach(samples, key, s) {
		json_t *p = json_array_get(json_object_get(s, "positive"), 0);
		buf_reset(&b);
		for (int i = 0; i < 40; i++)
			buf_appends(&b, "var a = someFunction(b, c) + 'text';\n");
		size_t at = b.len;
		buf_appends(&b, json_string_value(json_object_get(p, "text")));
		buf_appends(&b, "\nmore();\n");
		static const size_t chunks[] = {1, 7, 64, 4096};
		for (size_t c = 0; c < ARRAY_SIZE(chunks); c++)
			for (int space = 0; space < 2; space++) {
				scan_fed(b.data, b.len, chunks[c], 0, space, hs);
				if (find_rule(hs, key) < 0)
					fail_msg("rule %s: not found with chunks of %zu (%s)", key, chunks[c],
						 space ? "read into the scanner's space" : "fed");
			}
		/* splits all along the sample; the line is the value's */
		const char *text = json_string_value(json_object_get(p, "text"));
		size_t len = strlen(text);
		const char *val = strstr(text, json_string_value(json_object_get(p, "value")));
		assert_non_null(val);
		uint64_t line = 41 + sval_count_newlines(text, (size_t)(val - text));
		for (size_t cut = at; cut <= at + len; cut += MAX(len / 16, (size_t)1)) {
			memset(hs, 0, sizeof(*hs));
			secret_scanner_begin(scanner, 0, collect, hs);
			secret_scanner_feed(scanner, b.data, cut);
			secret_scanner_feed(scanner, b.data + cut, b.len - cut);
			secret_scanner_end(scanner);
			if (find_rule(hs, key) < 0)
				fail_msg("rule %s: not found when split at %zu", key, cut - at);
			assert_int_equal(hs->h[find_rule(hs, key)].line, line);
		}
	}
	buf_release(&b);
	free(hs);
	json_decref(samples);
}

static void redaction_keeps_a_prefix_and_the_length(void **state)
{
	char out[48];
	const char *v = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789";
	secret_redact(v, strlen(v), out, sizeof(out));
	assert_true(str_starts_with(out, "sk-ant-api03"));
	assert_non_null(strstr(out, "\xe2\x80\xa6(49 chars)"));
	assert_null(strstr(out, "xyz"));
	secret_redact("hunter2", 7, out, sizeof(out));
	assert_string_equal(out, "\xe2\x80\xa6(7 chars)");
}

static void placeholders_and_documentation_examples_are_not_reported(void **state)
{
	struct hits hs;
	scan_text("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", &hs);
	assert_int_equal(hs.n, 0);
	scan_text("api_key = \"<your-api-key-goes-here>\"\napi_key = \"${API_KEY_FROM_ENV}\"\n", &hs);
	assert_int_equal(hs.n, 0);
	scan_text("apiKey: \"xxxxxxxxxxxxxxxxxxxxxxxx\", secret_key: \"{{ secrets.key_value }}\"", &hs);
	assert_int_equal(hs.n, 0);
	scan_text("api_key = \"abcdefghijklmnopqrstuvwx\"", &hs);
	assert_int_equal(hs.n, 0);
	assert_true(secret_is_placeholder("process.env.OPENAI_KEY", 22));
	assert_true(secret_is_placeholder("AAAAAAAAAAAA", 12));
	assert_false(secret_is_placeholder("q8Zr2LmT0vXw", 12));
	/* the same shape with real entropy is reported */
	scan_text("api_key = \"q8Zr2LmT0vXw5Kp9sJd3Hf7Y\"", &hs);
	assert_int_equal(hs.n, 1);
}

static char *b64url(const char *s)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(s);
	struct buf b;
	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		buf_appendc(&b, al[(v >> 18) & 63]);
		buf_appendc(&b, al[(v >> 12) & 63]);
		if (i + 1 < n)
			buf_appendc(&b, al[(v >> 6) & 63]);
		if (i + 2 < n)
			buf_appendc(&b, al[v & 63]);
	}
	return buf_detach(&b, NULL);
}

static char *make_jwt(const char *payload)
{
	char *h = b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
	char *p = b64url(payload);
	char *t = xasprintf("const key = \"%s.%s.Kx7vQ2mZp9LsT4wYb8NcR1eUj5HgA3dF6oWiXz0Bk\";", h, p);
	free(h);
	free(p);
	return t;
}

static void config_file_lines_are_read_unquoted(void **state)
{
	(void)state;
	/* .env, YAML, .properties, shell and Dockerfile lines: the value runs to the end of the line */
	static const struct {
		const char *text, *rule, *value;
	} found[] = {
		{"APP=x\nDB_PASSWORD=Xk8#qLm2vR9wT4zP\n", "generic-password", "Xk8#qLm2vR9wT4zP"},
		{"export DB_PASSWORD=Xk8#qLm2vR9wT4zP   # prod\n", "generic-password", "Xk8#qLm2vR9wT4zP"},
		{"database:\n  password: Xk8qLm2vR9wT4zPa\r\n  host: db\n", "generic-password", "Xk8qLm2vR9wT4zPa"},
		{"spring.datasource.password=Xk8qLm2vR9wT4zPa\n", "generic-password", "Xk8qLm2vR9wT4zPa"},
		{"ENV API_KEY=a8f5f167f44f4964e6c998dee827110c\n", "generic-api-key", "a8f5f167f44f4964e6c998dee827110c"},
		{"services:\n  - api_key: a8f5f167f44f4964e6c998dee827110c", "generic-api-key",
		 "a8f5f167f44f4964e6c998dee827110c"},
	};
	struct hits hs;
	for (size_t i = 0; i < ARRAY_SIZE(found); i++) {
		scan_text(found[i].text, &hs);
		int at = find_rule(&hs, found[i].rule);
		if (hs.n != 1 || at < 0 || strcmp(hs.h[at].value, found[i].value))
			fail_msg("case %zu: %zu hits, not %s of %s", i, hs.n, found[i].rule, found[i].value);
	}
	/* code, references and type annotations are no values */
	static const char *const not_found[] = {
		"password = get_password(user)\n",
		"api_key = settings.OPENAI_API_KEY\n",
		"    password: Incomplete\n",
		"DB_PASSWORD=$DB_PASSWORD_FROM_VAULT\n",
		"password: ${DB_PASSWORD}\n",
		"password: !vault |\n",
		"  api_key = os.environ[\"API_KEY\"]\n",
		"const password = req.body.newPassword1;\n",
		"password=ENC(Xk8qLm2vR9wT4zPa)\n",
		"log(\"password = Xk8qLm2vR9wT4zPa and more\")\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(not_found); i++) {
		scan_text(not_found[i], &hs);
		if (hs.n)
			fail_msg("'%s': %s reported", not_found[i], hs.h[0].rule);
	}
}

static void jwt_payload_decides_the_severity(void **state)
{
	struct hits hs;
	char *t = make_jwt("{\"iss\":\"supabase\",\"ref\":\"qwertyuiopasdfgh\",\"role\":\"service_role\",\"iat\":1700000000,\"exp\":4100000000}");
	scan_text(t, &hs);
	free(t);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].sev, SEV_CRITICAL);
	assert_string_equal(hs.h[0].name, "Supabase service_role key");
	t = make_jwt("{\"iss\":\"supabase\",\"ref\":\"qwertyuiopasdfgh\",\"role\":\"anon\",\"iat\":1700000000,\"exp\":4100000000}");
	scan_text(t, &hs);
	free(t);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].sev, SEV_INFO);
	t = make_jwt("{\"sub\":\"1234\",\"exp\":1000000000}");
	scan_text(t, &hs);
	free(t);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].sev, SEV_LOW);
	/* three dotted base64url parts that are not JSON are no JWT */
	scan_text("x = \"eyJhbGciOiJIUzI1NiJ9xx.eyJzdWIiOiIxMjM0NTY3ODkwIn0xx.c2lnbmF0dXJlc2lnbmF0dXJl\"", &hs);
	assert_int_equal(find_rule(&hs, "jwt"), -1);
}

/* a whole P-256 key made for this test (openssl ecparam -genkey), used nowhere */
static const char pem_body[] =
	"MHcCAQEEIIXc2g1DvaxVi3eqs60lW3USuvDeh+XWAMnW9mcJdr8joAoGCCqGSM49\n"
	"AwEHoUQDQgAEZblDWfn36VnSXQVCDLljuCb1g3a4LZWetNs82IRGoDVUwuKWIFJN\n"
	"vIhZbFHE1NkJIKjGob1JhR4PU0F8bLkqPQ==\n";

static void escaped_pem_in_a_js_string_is_found(void **state)
{
	struct hits hs;
	struct buf b;
	buf_init(&b, 1 << 16);
	buf_appends(&b, "const k = \"-----BEGIN EC PRIVATE KEY-----\\n");
	for (const char *p = pem_body; *p; p++)
		buf_appends(&b, *p == '\n' ? "\\n" : (char[]){*p, 0});
	buf_appends(&b, "-----END EC PRIVATE KEY-----\\n\";");
	scan_text(b.data, &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.h[0].rule, "private-key");
	/* a PEM whose body is a placeholder is not */
	scan_text("-----BEGIN PRIVATE KEY-----\nMIIE...your key here...\n-----END PRIVATE KEY-----\n", &hs);
	assert_int_equal(hs.n, 0);
	/* nor one cut short, as documentation shows keys: its DER header declares 1189 bytes */
	scan_text("/** e.g. `-----BEGIN RSA PRIVATE KEY----- MIIEpQIBAAKCAQEApU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4x. "
		  "-----END RSA PRIVATE KEY-----` */", &hs);
	assert_int_equal(hs.n, 0);
	buf_release(&b);
}

static void encoded_keys_are_decoded(void **state)
{
	const char *tok = "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";
	struct hits hs;
	/* base64 of a JSON object (it starts with eyJ) and a blob given to atob() */
	char *text = xasprintf("{\"token\": \"%s\", \"other\": 1}", tok);
	char *enc = b64url(text);
	char *doc = xasprintf("line one\nvar blob = \"%s\";\n", enc);
	scan_text(doc, &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.h[0].value, tok);
	assert_string_equal(hs.h[0].decoded, "base64");
	assert_int_equal(hs.h[0].line, 2);
	free(text);
	free(enc);
	free(doc);
	text = xasprintf("token: %s", tok);
	enc = b64url(text);
	doc = xasprintf("const t = atob(\"%s\");", enc);
	scan_text(doc, &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.h[0].decoded, "base64");
	free(text);
	free(enc);
	free(doc);
	scan_text("url = \"https://x.test/?cfg=%7B%22token%22%3A%22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%22%7D\"", &hs);
	assert_int_equal(hs.n, 1);
	scan_text("s = \"\\u0067hp_iK2ZWeqhFWCEPyYngFb51yBMWXaSCr1R1Q1J\"", &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.h[0].decoded, "js-escape");
}

static void suppression_is_honoured_in_first_party_files_only(void **state)
{
	const char *t = "x\nconst t = \"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\"; // secscan:ignore\n";
	struct hits hs;
	scan_chunked(t, strlen(t), 0, SECRET_FIRST_PARTY, &hs);
	assert_int_equal(hs.n, 0);
	scan_chunked(t, strlen(t), 0, 0, &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].line, 2);
	assert_int_equal(hs.h[0].column, 12);
	/* in a minified line the comment is ignored even in a first-party file */
	struct buf b;
	buf_init(&b, 1 << 16);
	for (int i = 0; i < 120; i++)
		buf_appends(&b, "a=b+c;d(e);");
	buf_appends(&b, t + 2);
	scan_chunked(b.data, b.len, 0, SECRET_FIRST_PARTY, &hs);
	assert_int_equal(hs.n, 1);
	buf_release(&b);
}

static void checksums_separate_real_tokens_from_lookalikes(void **state)
{
	const char *good = "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";
	const char *bad = "ghp_UZoL8g5ubbbPIa84yRnBUbHoWC8FJo1iUhnA";
	assert_true(secret_crc32_token_valid(good, strlen(good)));
	assert_false(secret_crc32_token_valid(bad, strlen(bad)));
	assert_false(secret_crc32_token_valid("ghp_", 4));
	assert_false(secret_crc32_token_valid("nounderscore", 12));
}

static void malformed_inputs_are_harmless(void **state)
{
	struct hits hs;
	/* binary noise, NULs, a lone trigger at the very end, truncated tokens */
	unsigned char noise[65536];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (unsigned char)(x >> 16);
	}
	scan_chunked((const char *)noise, sizeof(noise), 1000, 0, &hs);
	scan_text("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePz", &hs);
	assert_int_equal(hs.n, 0);
	scan_text("eyJ", &hs);
	assert_int_equal(hs.n, 0);
	scan_text("\\u00", &hs);
	scan_text("%2", &hs);
	scan_text("ghp_iK2ZWeqhFWCEPyYngFb51yBMWXaSCr1R1Q1", &hs);
	assert_int_equal(hs.n, 0);
	struct buf out;
	buf_init(&out, 64);
	assert_int_equal(sdec_base64("a$b", 3, &out), SS_EINVAL);
	buf_reset(&out);
	sdec_js("\\u12", 4, &out);
	assert_string_equal(buf_str(&out), "u12");
	buf_reset(&out);
	sdec_percent("%zz%4", 5, &out);
	assert_string_equal(buf_str(&out), "%zz%4");
	buf_release(&out);
	struct sval_jwt j;
	sval_jwt_inspect("a.b", 3, &j);
	assert_false(j.valid);
	assert_false(sval_pem_body_ok("-----BEGIN", 10));
}

static void bad_rules_are_rejected_with_a_reason(void **state)
{
	static const char *const bad[] = {
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"x[a-z]+\"}]}",
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"x(\"}]}",
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"BAD\", \"fix\": \"f\", \"pattern\": \"xy\"}]}",
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"\\\\p{L}{4}\"}]}",
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"xy\", \"validators\": [\"nope\"]}]}",
		"{\"rules\": [{\"id\": \"x\"}]}",
		/* a gate needs literals to gate, one byte to find and a distance */
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"x[a-z]{4}\", \"gate\": {\"find\": \"@\", \"stop\": \"/\", \"within\": 9}}]}",
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"x[a-z]{4}\", \"literals\": [\"xyz\"], \"gate\": {\"find\": \"@@\", \"stop\": \"/\", \"within\": 9}}]}",
		"{\"rules\": [{\"id\": \"x\", \"provider\": \"X\", \"name\": \"X\", \"severity\": \"HIGH\", \"fix\": \"f\", \"pattern\": \"x[a-z]{4}\", \"literals\": [\"xyz\"], \"gate\": {\"find\": \"@\", \"stop\": \"/\", \"within\": 0}}]}",
		"not json",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct secret_rules *r = NULL;
		char *err = NULL;
		assert_int_equal(secret_rules_compile(&bad[i], 1, &r, &err), SS_EINVAL);
		assert_null(r);
		assert_non_null(err);
		free(err);
	}
}

/* The vector loop and its tail agree with a plain count at every length and alignment. */
static void newlines_are_counted_at_any_length(void **state)
{
	(void)state;
	static char text[3 * 8192 + 100];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (i * 7919 % 13 == 0 || i % 255 == 0) ? '\n' : 'a';
	static const size_t lens[] = {0, 1, 31, 32, 33, 255 * 32 - 1, 255 * 32, 255 * 32 + 1, 8192 * 2 + 37, sizeof(text) - 3};
	for (size_t start = 0; start < 3; start++)
		for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
			size_t plain = 0;
			for (size_t k = 0; k < lens[i]; k++)
				plain += text[start + k] == '\n';
			assert_int_equal(sval_count_newlines(text + start, lens[i]), plain);
		}
	memset(text, '\n', sizeof(text));
	assert_int_equal(sval_count_newlines(text, sizeof(text)), sizeof(text));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_rule_has_samples_that_behave),
		cmocka_unit_test(keys_split_across_chunks_are_found),
		cmocka_unit_test(redaction_keeps_a_prefix_and_the_length),
		cmocka_unit_test(placeholders_and_documentation_examples_are_not_reported),
		cmocka_unit_test(config_file_lines_are_read_unquoted),
		cmocka_unit_test(jwt_payload_decides_the_severity),
		cmocka_unit_test(escaped_pem_in_a_js_string_is_found),
		cmocka_unit_test(encoded_keys_are_decoded),
		cmocka_unit_test(suppression_is_honoured_in_first_party_files_only),
		cmocka_unit_test(checksums_separate_real_tokens_from_lookalikes),
		cmocka_unit_test(malformed_inputs_are_harmless),
		cmocka_unit_test(bad_rules_are_rejected_with_a_reason),
		cmocka_unit_test(newlines_are_counted_at_any_length),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
