#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "modules/webpii.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cors_judge),
		cmocka_unit_test(test_pii_json_records),
		cmocka_unit_test(test_pii_text),
		cmocka_unit_test(test_pii_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
