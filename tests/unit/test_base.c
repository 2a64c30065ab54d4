#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/gzip.h"
#include "base/str.h"
#include "engine/finding.h"
#include <zlib.h>

static void buf_respects_its_maximum(void **state)
{
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_appends(&b, "1234"), 0);
	assert_int_equal(buf_appends(&b, "5678"), 0);
	assert_int_equal(buf_appendc(&b, '9'), SS_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "12345678");
	buf_release(&b);
}

static void sha256_matches_known_vector(void **state)
{
	char hex[65];
	crypto_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void random_ids_use_the_alphabet(void **state)
{
	char id[9];
	crypto_random_id(id, 8, false);
	assert_int_equal(strlen(id), 8);
	for (int i = 0; i < 8; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789", id[i]));
}

static void str_to_long_rejects_garbage(void **state)
{
	long v;
	assert_int_equal(str_to_long("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_long("42x", 0, 100, &v), SS_EINVAL);
	assert_int_equal(str_to_long("", 0, 100, &v), SS_EINVAL);
	assert_int_equal(str_to_long("101", 0, 100, &v), SS_EINVAL);
	assert_int_equal(str_to_long("99999999999999999999999", 0, LONG_MAX, &v), SS_EINVAL);
}

static void truncation_keeps_utf8_whole(void **state)
{
	char *s = str_truncate_utf8("aa\xc3\xa9\xc3\xa9", 6); /* "aaéé" = 6 bytes: fits */
	assert_string_equal(s, "aa\xc3\xa9\xc3\xa9");
	free(s);
	s = str_truncate_utf8("aaaa\xc3\xa9zzzz", 8); /* cut inside é must back off */
	assert_string_equal(s, "aaaa...");
	free(s);
}

static void fingerprint_is_stable_and_field_sensitive(void **state)
{
	struct finding a = {.check = "x.y", .target = "a.com", .location = "/p"};
	struct finding b = {.check = "x.y", .target = "a.com", .location = "/p"};
	finding_fingerprint(&a, NULL);
	finding_fingerprint(&b, NULL);
	assert_string_equal(a.fingerprint, b.fingerprint);
	b.location = "/q";
	finding_fingerprint(&b, NULL);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	/* "ab"+"c" must differ from "a"+"bc" */
	struct finding c = {.check = "ab", .target = "c", .location = ""};
	struct finding d = {.check = "a", .target = "bc", .location = ""};
	finding_fingerprint(&c, NULL);
	finding_fingerprint(&d, NULL);
	assert_string_not_equal(c.fingerprint, d.fingerprint);
}

static void severities_parse_and_order(void **state)
{
	enum severity s;
	assert_int_equal(severity_parse("critical", &s), 0);
	assert_int_equal(s, SEV_CRITICAL);
	assert_true(SEV_HIGH > SEV_MEDIUM);
	assert_int_equal(severity_parse("urgent", &s), SS_EINVAL);
	assert_string_equal(severity_name(SEV_LOW), "LOW");
	assert_true(category_valid("edge-infra"));
	assert_false(category_valid("misc"));
}

/* data gzip-compressed at level 9 into out (cap bytes); the compressed length */
static size_t gzip_of(const void *data, size_t len, unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

static void gzip_head_reads_the_start_of_a_cut_file(void **state)
{
	(void)state;
	/* 1 MiB of varied text: its compressed form is far longer than the part handed over */
	size_t n = 1024 * 1024;
	char *text = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)('a' + (i * 7919 % 26));
	memcpy(text, "JAVA PROFILE 1.0.2", 19);
	unsigned char *gz = xmalloc(n + 1024);
	size_t gzlen = gzip_of(text, n, gz, n + 1024);
	struct buf out;
	buf_init(&out, 4096);
	/* only the first 200 compressed bytes, as a Range answer gives them */
	assert_int_equal(gzip_head(gz, MIN(gzlen, (size_t)200), &out), 0);
	assert_true(out.len >= 18);
	assert_memory_equal(out.data, "JAVA PROFILE 1.0.2", 18);
	/* the whole file: the output stops at the buffer's maximum (a decompression bomb is bounded) */
	buf_reset(&out);
	assert_int_equal(gzip_head(gz, gzlen, &out), 0);
	assert_int_equal(out.len, 4096);
	/* not gzip, a bare header, a corrupt body */
	buf_reset(&out);
	assert_int_equal(gzip_head(text, n, &out), SS_EINVAL);
	assert_int_equal(gzip_head(gz, 10, &out), SS_EINVAL);
	memset(gz + 10, 0xff, 32);
	assert_int_equal(gzip_head(gz, gzlen, &out), SS_EINVAL);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	free(gz);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_respects_its_maximum),
		cmocka_unit_test(gzip_head_reads_the_start_of_a_cut_file),
		cmocka_unit_test(sha256_matches_known_vector),
		cmocka_unit_test(random_ids_use_the_alphabet),
		cmocka_unit_test(str_to_long_rejects_garbage),
		cmocka_unit_test(truncation_keeps_utf8_whole),
		cmocka_unit_test(fingerprint_is_stable_and_field_sensitive),
		cmocka_unit_test(severities_parse_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
