#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/str.h"
#include "modules/bucket.h"
#include "modules/webform.h"
#include "modules/webpii.h"
#include "secrets/secrets.h"
#include "../../fuzz/fuzz_appa.c"

/* ---- CORS verdicts ---- */

static void test_cors_judge(void **state)
{
	(void)state;
	struct cors_verdict v;
	cors_judge("https://evil.example", "https://evil.example", "true", &v);
	assert_true(v.allowed && v.credentials && !v.wildcard);
	cors_judge("https://evil.example", " HTTPS://EVIL.example ", " TRUE", &v);
	assert_true(v.allowed && v.credentials);
	cors_judge("https://evil.example", "https://evil.example.other", NULL, &v);
	assert_false(v.allowed);
	cors_judge("https://evil.example", "https://app.example", "true", &v);
	assert_false(v.allowed);
	assert_true(v.credentials);
	cors_judge("https://evil.example", "*", "true", &v);
	assert_true(v.wildcard && !v.allowed);
	cors_judge("null", "null", "false", &v);
	assert_true(v.allowed && !v.credentials);
	/* malformed: absent, empty, a list, an absurdly long value */
	cors_judge("https://a.example", NULL, NULL, &v);
	assert_false(v.allowed || v.wildcard || v.credentials);
	cors_judge("", "", "", &v);
	assert_false(v.allowed || v.wildcard || v.credentials);
	cors_judge("https://a.example", "https://a.example, https://b.example", "true, true", &v);
	assert_false(v.allowed || v.credentials);
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cors_judge(big, big, big, &v);
	assert_false(v.allowed || v.credentials);
}

/* ---- personal data ---- */

static void test_pii_json_records(void **state)
{
	(void)state;
	struct pii_records r;
	const char *users = "{\"data\":[{\"id\":1,\"email\":\"ann@mail.org\",\"firstName\":\"Ann\"},"
			    "{\"id\":2,\"user_email\":\"bob@mail.org\",\"phoneNumber\":\"+1 555 0100 22\"}]}";
	assert_int_equal(pii_json_records(users, strlen(users), &r), 0);
	assert_int_equal(r.records, 2);
	assert_string_equal(r.fields, "email, name, phone");
	assert_string_equal(r.sample, "a***@m***.org");

	/* names alone, products, an email that is no email, a contact object: no records of people */
	const char *products = "[{\"name\":\"Chair\",\"price\":3},{\"name\":\"Desk\",\"email\":\"n/a\"}]";
	assert_int_equal(pii_json_records(products, strlen(products), &r), 0);
	assert_int_equal(r.records, 0);
	const char *contact = "{\"support\":{\"email\":\"help@shop.example\"}}";
	assert_int_equal(pii_json_records(contact, strlen(contact), &r), 0);
	assert_int_equal(r.records, 0);
	/* a name with an address is a person */
	const char *addr = "[{\"full_name\":\"Ann Lee\",\"street\":\"1 Main St\"}]";
	assert_int_equal(pii_json_records(addr, strlen(addr), &r), 0);
	assert_int_equal(r.records, 1);

	/* malformed */
	assert_int_equal(pii_json_records("", 0, &r), SS_EINVAL);
	assert_int_equal(pii_json_records("[{\"email\":", 10, &r), SS_EINVAL);
	assert_int_equal(pii_json_records("{\"a\":1,\"a\":2}", 13, &r), SS_EINVAL);
	assert_int_equal(pii_json_records(NULL, 5, &r), SS_EINVAL);
	/* deep nesting is bounded */
	char deep[4096];
	size_t n = 0;
	for (int i = 0; i < 1000; i++)
		deep[n++] = '[';
	for (int i = 0; i < 1000; i++)
		deep[n++] = ']';
	assert_true(pii_json_records(deep, n, &r) == 0 || r.records == 0);
	assert_int_equal(r.records, 0);
}

static void test_pii_text(void **state)
{
	(void)state;
	struct pii_text p;
	const char *page = "<p>Write to jane.doe@gmail.com or info@shop.example.co or jane.doe@GMAIL.com."
			   " Call <a href=\"tel:+44 20 7946 0958\">us</a>, or +1 (415) 555-0134.</p>"
			   "<img src=\"logo@2x.png\"> https://abc123@o1.ingest.sentry.io/42 user@example.com"
			   " x = a+12345678901; v1.2+3 @babel/core";
	pii_text_scan(page, strlen(page), &p);
	assert_int_equal(p.emails, 1);
	assert_int_equal(p.role_emails, 1);
	assert_int_equal(p.phones, 2);
	assert_string_equal(p.sample, "j***@g***.com");
	assert_string_equal(p.role_sample, "i***@s***.co");

	/* truncated input, stray characters */
	const char *bad[] = {"@", "a@", "@b.c", "a@b", "a@b.", "tel:", "tel:+", "+", "+123", "a@.com", "x@y.c0m"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		pii_text_scan(bad[i], strlen(bad[i]), &p);
		assert_int_equal(p.emails + p.role_emails + p.phones, 0);
	}
	pii_text_scan(NULL, 0, &p);
	assert_int_equal(p.emails, 0);
}

static void test_pii_redact(void **state)
{
	(void)state;
	char out[96];
	pii_redact("someone@example.org", 19, out, sizeof(out));
	assert_string_equal(out, "s***@e***.org");
	pii_redact("+1 415 555 0134", 15, out, sizeof(out));
	assert_string_equal(out, "<11 digits, ending 34>");
	pii_redact("@", 1, out, sizeof(out));
	assert_string_equal(out, "<0 digits, ending ?>");
	pii_redact("a@b", 3, out, sizeof(out));
	assert_null(strstr(out, "a@b"));
}

/* ---- JWT signatures ---- */

/* header {"alg":"HS256","typ":"JWT"}, payload {"sub":"1234567890","name":"John Doe","iat":1516239022},
 * signed with "your-256-bit-secret" (the jwt.io sample) */
#define JWT_IO "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

static void test_jwt_signature(void **state)
{
	(void)state;
	const char *keys[] = {"secret", "changeme", "your-256-bit-secret"};
	struct secret_jwt_sig s;
	secret_jwt_signature(JWT_IO, strlen(JWT_IO), keys, 3, &s);
	assert_true(s.valid);
	assert_string_equal(s.alg, "HS256");
	assert_int_equal(s.weak_key, 2);
	secret_jwt_signature(JWT_IO, strlen(JWT_IO), keys, 2, &s);
	assert_true(s.valid);
	assert_int_equal(s.weak_key, -1);
	/* alg none: {"alg":"none"}.{"sub":"1"}. */
	const char *none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";
	secret_jwt_signature(none, strlen(none), keys, 3, &s);
	assert_true(s.valid);
	assert_string_equal(s.alg, "none");
	assert_int_equal(s.weak_key, -1);
	/* a flipped signature byte verifies with nothing */
	char bad[sizeof(JWT_IO)];
	memcpy(bad, JWT_IO, sizeof(JWT_IO));
	bad[sizeof(JWT_IO) - 3] = bad[sizeof(JWT_IO) - 3] == 'A' ? 'B' : 'A';
	secret_jwt_signature(bad, strlen(bad), keys, 3, &s);
	assert_int_equal(s.weak_key, -1);

	/* malformed: segments missing or extra, bad base64, header without alg, not JSON, huge */
	const char *malformed[] = {"", ".", "..", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
				   "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.a.b", "e$J.eyJzdWIiOiIxIn0.x",
				   "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.xx", "bm90IGpzb24.eyJzdWIiOiIxIn0.xx",
				   "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.xx"};
	for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
		secret_jwt_signature(malformed[i], strlen(malformed[i]), keys, 3, &s);
		assert_false(s.valid);
		assert_int_equal(s.weak_key, -1);
	}
	char *huge = xmalloc(20000);
	memset(huge, 'e', 19999);
	huge[19999] = '\0';
	huge[10] = huge[20] = '.';
	secret_jwt_signature(huge, strlen(huge), keys, 3, &s);
	assert_false(s.valid);
	free(huge);
	secret_jwt_signature(NULL, 0, keys, 3, &s);
	assert_false(s.valid);
}

/* ---- forms and links ---- */

struct form_seen {
	int n, password, personal, post;
	char action[256];
};

static void on_form(void *ud, const struct webform *f)
{
	struct form_seen *s = ud;
	s->n++;
	s->password += f->password;
	s->personal += f->personal;
	s->post += f->post;
	snprintf(s->action, sizeof(s->action), "%s", f->action);
}

static void test_webform(void **state)
{
	(void)state;
	struct form_seen s = {0};
	const char *page = "<FORM method=POST action='http://other.example/login'><input name=u>"
			   "<input TYPE=\"Password\" name=p></form><form><input type=email name=e></form>";
	webform_each("https://app.example/a/b", page, strlen(page), on_form, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.password, 1);
	assert_int_equal(s.personal, 1);
	assert_int_equal(s.post, 1);
	assert_string_equal(s.action, "https://app.example/a/b");
	memset(&s, 0, sizeof(s));
	const char *rel = "<form action=\"../login\"><input name=\"username\"><input name=\"hostname\"></form>";
	webform_each("https://app.example/a/b", rel, strlen(rel), on_form, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.personal, 0);
	assert_string_equal(s.action, "https://app.example/login");
	/* malformed: unclosed tags, no '>', a bad page URL */
	const char *bad[] = {"<form", "<form action=", "<form><input type=password", "<form action=\"x\"><input", "<"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&s, 0, sizeof(s));
		webform_each("https://app.example/", bad[i], strlen(bad[i]), on_form, &s);
		assert_int_equal(s.password, 0);
	}
	memset(&s, 0, sizeof(s));
	webform_each("not a url", page, strlen(page), on_form, &s);
	assert_int_equal(s.n, 0);
}

struct param_seen {
	int n;
	char last[128];
};

static void on_param(void *ud, const char *url, size_t ulen, const char *name, size_t nlen, const char *value, size_t vlen)
{
	(void)value;
	struct param_seen *s = ud;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%.*s|%.*s|%zu", (int)ulen, url, (int)nlen, name, vlen);
}

static void test_token_params(void **state)
{
	(void)state;
	struct param_seen s = {0};
	const char *page = "<a href=\"/reset?lang=en&amp;access_token=abcdefgh12345\">x</a>"
			   "<a href='/p?page=2&sort=name'>p</a> <a href=\"/x?token=short\">"
			   "<script>go('?token=' + t); a?token=abcdefghijk</script>";
	webform_token_params(page, strlen(page), on_param, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.last, "/reset?lang=en&amp;|access_token|13");
	const char *bad[] = {"?", "&", "?token", "?token=", "&amp;", "/x?token=abcdefghij"};
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < ARRAY_SIZE(bad) - 1; i++)
		webform_token_params(bad[i], strlen(bad[i]), on_param, &s);
	assert_int_equal(s.n, 0);
	webform_token_params(bad[5], strlen(bad[5]), on_param, &s);
	assert_int_equal(s.n, 1);
}

/* ---- storage containers ---- */

struct refs_seen {
	int n;
	char got[8][600];
};

static void on_ref(void *ud, const struct bucket_ref *r)
{
	struct refs_seen *s = ud;
	if (s->n < 8)
		snprintf(s->got[s->n], sizeof(s->got[0]), "%d %s %s %d %s", (int)r->provider, r->origin, r->name, r->virtual_host,
			 r->object);
	s->n++;
}

static void test_bucket_refs(void **state)
{
	(void)state;
	struct refs_seen s = {0};
	const char *js = "a='https://my-assets.s3.amazonaws.com/x.png' b=\"//s3.eu-west-1.amazonaws.com/exports.v2/r.csv\""
			 " c='https://logs.s3-us-west-2.amazonaws.com' d='http://storage.googleapis.com:8080/gcs_b/x'"
			 " e='https://www.googleapis.com/storage/v1/b/x' f='https://storage.googleapis.com/storage/v1/b/jsonb/o'"
			 " g='https://acct1.blob.core.windows.net/public/x' h='https://firebasestorage.googleapis.com/v0/b/x/o'"
			 " i='https://docs.aws.amazon.com/AmazonS3/' j='https://execute-api.us-east-1.amazonaws.com/prod'"
			 " k='https://Bad_Name.s3.amazonaws.com/' l='https://acct1.blob.core.windows.net/' ";
	bucket_refs(js, strlen(js), 16, on_ref, &s);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.got[0], "0 https://my-assets.s3.amazonaws.com my-assets 1 x.png");
	assert_string_equal(s.got[1], "0 https://s3.eu-west-1.amazonaws.com exports.v2 0 r.csv");
	assert_string_equal(s.got[2], "0 https://logs.s3-us-west-2.amazonaws.com logs 1 ");
	assert_string_equal(s.got[3], "1 http://storage.googleapis.com:8080 gcs_b 0 x");
	assert_string_equal(s.got[4], "1 https://storage.googleapis.com jsonb 0 ");
	assert_string_equal(s.got[5], "2 https://acct1.blob.core.windows.net public 0 x");
	struct bucket_ref r = {.provider = BUCKET_AZURE};
	str_copy(r.origin, sizeof(r.origin), "https://a.blob.core.windows.net");
	str_copy(r.name, sizeof(r.name), "c");
	char *u = bucket_listing_url(&r);
	assert_string_equal(u, "https://a.blob.core.windows.net/c?restype=container&comp=list&maxresults=100");
	free(u);
	u = bucket_object_url(&r, ".env");
	assert_string_equal(u, "https://a.blob.core.windows.net/c/.env");
	free(u);
	/* the key a reference names, up to where the URL ends (port, query, quote, escape) */
	const char *keys = "'https://bk1.s3.amazonaws.com:8443/dir/.env?x-id=1' \"https://s3.amazonaws.com/bk2/db.sql.gz#a\""
			   " https://storage.googleapis.com/bk3/k%20y.png\\/x (https://bk4.storage.googleapis.com/id_rsa)";
	memset(&s, 0, sizeof(s));
	bucket_refs(keys, strlen(keys), 16, on_ref, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.got[0], "0 https://bk1.s3.amazonaws.com:8443 bk1 1 dir/.env");
	assert_string_equal(s.got[1], "0 https://s3.amazonaws.com bk2 0 db.sql.gz");
	assert_string_equal(s.got[2], "1 https://storage.googleapis.com bk3 0 k%20y.png");
	assert_string_equal(s.got[3], "1 https://bk4.storage.googleapis.com bk4 1 id_rsa");
	struct bucket_ref vh = {.provider = BUCKET_S3, .virtual_host = true};
	str_copy(vh.origin, sizeof(vh.origin), "https://bk1.s3.amazonaws.com:8443");
	str_copy(vh.name, sizeof(vh.name), "bk1");
	u = bucket_object_url(&vh, "backup.zip");
	assert_string_equal(u, "https://bk1.s3.amazonaws.com:8443/backup.zip");
	free(u);
	vh.virtual_host = false;
	str_copy(vh.origin, sizeof(vh.origin), "https://s3.amazonaws.com");
	u = bucket_object_url(&vh, "backup.zip");
	assert_string_equal(u, "https://s3.amazonaws.com/bk1/backup.zip");
	free(u);
	/* malformed and truncated */
	const char *bad[] = {"amazonaws.com", ".s3.amazonaws.com", "s3.amazonaws.com/", "s3.amazonaws.com:",
			     "storage.googleapis.com/storage/v1/b/", "x.blob.core.windows.net", "blob.core.windows.net/c"};
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		bucket_refs(bad[i], strlen(bad[i]), 16, on_ref, &s);
	assert_int_equal(s.n, 0);
	/* the cap */
	memset(&s, 0, sizeof(s));
	bucket_refs(js, strlen(js), 2, on_ref, &s);
	assert_int_equal(s.n, 2);
}

static void test_bucket_listing(void **state)
{
	(void)state;
	struct bucket_listing l;
	const char *s3 = "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>"
			 "<Contents><Key>a/1.txt</Key></Contents><Contents><Key>b\x01<x>.txt</Key></Contents>"
			 "<Contents><Key>c</Key></Contents><Contents><Key>d</Key></Contents></ListBucketResult>";
	assert_int_equal(bucket_parse_listing(s3, strlen(s3), &l), 0);
	assert_true(l.listing && l.truncated);
	assert_int_equal(l.objects, 4);
	assert_int_equal(l.nkeys, 3);
	assert_string_equal(l.keys[0], "a/1.txt");
	assert_string_equal(l.keys[1], "b");
	const char *empty = "<ListBucketResult xmlns=\"x\"><Name>b</Name></ListBucketResult>";
	assert_int_equal(bucket_parse_listing(empty, strlen(empty), &l), 0);
	assert_int_equal(l.objects, 0);
	const char *az = "<EnumerationResults ContainerName=\"c\"><Blobs><Blob><Name>x.pdf</Name></Blob></Blobs>"
			 "<NextMarker>2!abc</NextMarker></EnumerationResults>";
	assert_int_equal(bucket_parse_listing(az, strlen(az), &l), 0);
	assert_int_equal(l.objects, 1);
	assert_true(l.truncated);
	assert_string_equal(l.keys[0], "x.pdf");
	const char *gcs = "{\"kind\": \"storage#objects\", \"items\": [{\"kind\": \"storage#object\", \"name\": \"k1\"}]}";
	assert_int_equal(bucket_parse_listing(gcs, strlen(gcs), &l), 0);
	assert_int_equal(l.objects, 1);
	assert_string_equal(l.keys[0], "k1");
	/* errors, HTML, truncated documents, nothing */
	const char *bad[] = {"<Error><Code>AccessDenied</Code></Error>", "<html>ListBucketResult</html>x", "",
			     "<ListBucketResult><Contents><Key>abc", "<EnumerationResults><Blob><Name>",
			     "{\"kind\": \"storage#objects\", \"items\": [{\"name\": \"abc"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = bucket_parse_listing(bad[i], strlen(bad[i]), &l);
		if (i < 3)
			assert_int_equal(rc, SS_EINVAL);
		else
			assert_true(rc == 0 && l.nkeys <= 1);
	}
	assert_int_equal(bucket_parse_listing(NULL, 3, &l), SS_EINVAL);
}

/* ---- the fuzz harness on random and mutated inputs ---- */

static void test_fuzz_harness(void **state)
{
	(void)state;
	static const char *const seeds[] = {
		"{\"data\":[{\"email\":\"a@b.org\",\"phone\":\"+1 415 555 0134\"},{\"email\":\"c@d.org\"}]}",
		"<form method=post action=\"http://x/login\"><input type=password></form><a href=\"/r?token=abcdefgh123\">",
		"https://b1.s3.amazonaws.com/x https://storage.googleapis.com/b2/o <ListBucketResult><Contents><Key>k</Key>",
		JWT_IO,
	};
	uint8_t junk[600];
	srand(7);
	for (int round = 0; round < 4000; round++) {
		const char *seed = seeds[round % ARRAY_SIZE(seeds)];
		size_t n = MIN(strlen(seed), sizeof(junk));
		memcpy(junk, seed, n);
		/* flip, cut or fill: what a fuzzer's first mutations do */
		for (int k = rand() % 8; k > 0; k--)
			junk[(size_t)rand() % n] = (uint8_t)rand();
		if (round & 1)
			n = (size_t)rand() % (n + 1);
		LLVMFuzzerTestOneInput(junk, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cors_judge),
		cmocka_unit_test(test_pii_json_records),
		cmocka_unit_test(test_pii_text),
		cmocka_unit_test(test_pii_redact),
		cmocka_unit_test(test_jwt_signature),
		cmocka_unit_test(test_webform),
		cmocka_unit_test(test_token_params),
		cmocka_unit_test(test_bucket_refs),
		cmocka_unit_test(test_bucket_listing),
		cmocka_unit_test(test_fuzz_harness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
