#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/url.h"

static void parses_plain_urls(void **state)
{
	struct url u;
	assert_int_equal(url_parse("HTTPS://Example.COM", &u), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "example.com");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/");
	url_release(&u);

	assert_int_equal(url_parse("http://example.com:8080/a/b?x=1#frag", &u), 0);
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/a/b?x=1");
	char *o = url_origin(&u), *hp = url_host_port(&u);
	assert_string_equal(o, "http://example.com:8080");
	assert_string_equal(hp, "example.com:8080");
	free(o);
	free(hp);
	url_release(&u);

	assert_int_equal(url_parse("http://example.com?q", &u), 0);
	assert_string_equal(u.path, "/?q");
	url_release(&u);

	assert_int_equal(url_parse("http://example.com./", &u), 0);
	assert_string_equal(u.host, "example.com");
	url_release(&u);
}

static void converts_idn_to_punycode(void **state)
{
	struct url u;
	/* RFC 3492 / well-known samples */
	assert_int_equal(url_parse("https://b\xc3\xbc\x63her.example/", &u), 0); /* bücher */
	assert_string_equal(u.host, "xn--bcher-kva.example");
	url_release(&u);
	assert_int_equal(url_parse("https://M\xc3\x9cNCHEN.de", &u), 0); /* MÜNCHEN, case-folded */
	assert_string_equal(u.host, "xn--mnchen-3ya.de");
	url_release(&u);
	/* 例え.テスト */
	assert_int_equal(url_parse("http://\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88/", &u), 0);
	assert_string_equal(u.host, "xn--r8jz45g.xn--zckzah");
	url_release(&u);
	/* Cyrillic пример.рф */
	assert_int_equal(url_parse("http://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84", &u), 0);
	assert_string_equal(u.host, "xn--e1afmkfd.xn--p1ai");
	url_release(&u);
}

static void parses_ip_literals(void **state)
{
	struct url u;
	assert_int_equal(url_parse("http://[::1]:8080/x", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 8080);
	char *o = url_origin(&u), *hp = url_host_port(&u);
	assert_string_equal(o, "http://[::1]:8080");
	assert_string_equal(hp, "[::1]:8080");
	free(o);
	free(hp);
	url_release(&u);
	assert_int_equal(url_parse("http://[2001:DB8:0:0::1]/", &u), 0);
	assert_string_equal(u.host, "2001:db8::1");
	url_release(&u);
	assert_int_equal(url_parse("http://192.168.1.20/", &u), 0);
	assert_string_equal(u.host, "192.168.1.20");
	url_release(&u);
}

static void rejects_malformed_input(void **state)
{
	static const char *const bad[] = {
		"",
		"example.com",
		"ftp://example.com/",
		"javascript:alert(1)",
		"http://",
		"http:///path",
		"http://user@example.com/",
		"http://user:pw@example.com/",
		"https://bank.example@evil.example/",
		"http://exa mple.com/",
		"http://example.com/a b",
		"http://example.com:0/",
		"http://example.com:65536/",
		"http://example.com:/",
		"http://example.com:-1/",
		"http://example.com:80:80/",
		"http://example.com:8a/",
		"http://[::1/",
		"http://[::1]x/",
		"http://[fe80::1%25eth0]/",
		"http://[not-an-ip]/",
		"http://-example.com/",
		"http://example-.com/",
		"http://exa..mple.com/",
		"http://.example.com/",
		"http://exa!mple.com/",
		"http://ex%41mple.com/",
		"http://example.com\\@evil/",
		"http://2130706433/",
		"http://127.1/",
		"http://0x7f.0.0.1/",
		"http://1.2.3.999/",
		"http://example.com\r\n/",
		"http://\xff\xfe.com/",
		"http://\xc0\xaf.com/",
		"http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com/",
		NULL,
	};
	for (size_t i = 0; bad[i]; i++) {
		struct url u;
		int rc = url_parse(bad[i], &u);
		if (rc != SS_EINVAL)
			fail_msg("accepted malformed URL #%zu: %s", i, bad[i]);
	}
	assert_int_equal(url_parse(NULL, &(struct url){0}), SS_EINVAL);
	char huge[9000];
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge, "http://a.com/", 13);
	struct url u;
	assert_int_equal(url_parse(huge, &u), SS_EINVAL);
}

static void resolves_references(void **state)
{
	struct url base;
	static const char *const cases[][2] = {
		{"g", "http://a.example/b/c/g"},
		{"./g", "http://a.example/b/c/g"},
		{"g/", "http://a.example/b/c/g/"},
		{"/g", "http://a.example/g"},
		{"//other.example/x", "http://other.example/x"},
		{"?y", "http://a.example/b/c/d;p?y"},
		{"g?y", "http://a.example/b/c/g?y"},
		{"#s", "http://a.example/b/c/d;p?q"},
		{"", "http://a.example/b/c/d;p?q"},
		{"..", "http://a.example/b/"},
		{"../g", "http://a.example/b/g"},
		{"../../g", "http://a.example/g"},
		{"../../../g", "http://a.example/g"},
		{"/./g", "http://a.example/g"},
		{"g/../h", "http://a.example/b/c/h"},
		{"  https://B.example:443/z  ", "https://b.example/z"},
		{"a b", "http://a.example/b/c/a%20b"},
		{"caf\xc3\xa9", "http://a.example/b/c/caf%C3%A9"},
		{"https://x.example/../p/./q", "https://x.example/p/q"},
	};
	assert_int_equal(url_parse("http://a.example/b/c/d;p?q", &base), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *r = url_resolve(&base, cases[i][0]);
		if (!r || strcmp(r, cases[i][1]) != 0)
			fail_msg("resolve('%s') = %s, want %s", cases[i][0], r ? r : "NULL", cases[i][1]);
		free(r);
	}
	assert_null(url_resolve(&base, "javascript:alert(1)"));
	assert_null(url_resolve(&base, "mailto:a@b.c"));
	assert_null(url_resolve(&base, "http://user@evil.example/"));
	assert_null(url_resolve(&base, "//[::1"));
	assert_null(url_resolve(&base, "a\x01" "b"));
	url_release(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_plain_urls),
		cmocka_unit_test(converts_idn_to_punycode),
		cmocka_unit_test(parses_ip_literals),
		cmocka_unit_test(rejects_malformed_input),
		cmocka_unit_test(resolves_references),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
