#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/buf.h"
#include "modules/tls_hello.h"

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Finds extension type in a ClientHello record; returns its body or NULL. */
static const uint8_t *hello_ext(const uint8_t *rec, size_t len, unsigned type, size_t *elen)
{
	size_t off = 5 + 4 + 2 + 32;
	off += 1 + rec[off];             /* session id */
	off += 2 + rd16(rec + off);      /* suites */
	off += 1 + rec[off];             /* compression */
	if (off == len)
		return NULL;
	size_t end = off + 2 + rd16(rec + off);
	assert_int_equal(end, len);
	for (off += 2; off < end; off += 4 + rd16(rec + off + 2)) {
		if (rd16(rec + off) == type) {
			*elen = rd16(rec + off + 2);
			return rec + off + 4;
		}
	}
	return NULL;
}

static void suite_table_classifies_suites(void **state)
{
	size_t n;
	assert_non_null(tls_suites(&n));
	assert_true(n > 300);
	const struct tls_suite *rc4 = tls_suite_find(0x0005), *exp = tls_suite_find(0x0003),
			       *adh = tls_suite_find(0x0018), *gcm = tls_suite_find(0xC02F),
			       *cbc = tls_suite_find(0x002F), *des3 = tls_suite_find(0x000A),
			       *null = tls_suite_find(0x0002), *t13 = tls_suite_find(0x1301);
	assert_true(rc4 && (rc4->flags & TLS_SUITE_RC4) && !(rc4->flags & TLS_SUITE_FS));
	assert_string_equal(rc4->openssl, "RC4-SHA");
	assert_true(exp && (exp->flags & TLS_SUITE_EXPORT));
	assert_true(adh && (adh->flags & TLS_SUITE_ANON));
	assert_true(gcm && (gcm->flags & TLS_SUITE_FS) && (gcm->flags & TLS_SUITE_AEAD));
	assert_int_equal(gcm->min_version, TLS_V_12);
	assert_true(cbc && (cbc->flags & TLS_SUITE_CBC) && !(cbc->flags & TLS_SUITE_FS));
	assert_true(des3 && (des3->flags & TLS_SUITE_3DES));
	assert_true(null && (null->flags & TLS_SUITE_NULL));
	assert_true(t13 && (t13->flags & TLS_SUITE_FS) && t13->min_version == TLS_V_13);
	assert_null(tls_suite_find(0xFAFA));
}

static void client_hello_is_well_formed(void **state)
{
	static const uint16_t suites[] = {0x0005, 0x0004, 0x002F};
	struct tls_hello_params p = {TLS_V_10, suites, 3, "app.example", false};
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(tls_hello_build(&b, &p), 0);
	const uint8_t *r = (const uint8_t *)b.data;
	assert_int_equal(r[0], 22);
	assert_int_equal(rd16(r + 1), TLS_V_10);
	assert_int_equal(rd16(r + 3), b.len - 5);
	assert_int_equal(r[5], 1);
	assert_int_equal((size_t)r[6] << 16 | rd16(r + 7), b.len - 9);
	assert_int_equal(rd16(r + 9), TLS_V_10);
	assert_int_equal(r[43], 0); /* no session id */
	assert_int_equal(rd16(r + 44), 2 * 4); /* three suites and the renegotiation SCSV */
	assert_int_equal(rd16(r + 46), 0x0005);
	assert_int_equal(rd16(r + 52), 0x00ff);
	size_t elen;
	const uint8_t *sni = hello_ext(r, b.len, 0, &elen);
	assert_non_null(sni);
	assert_int_equal(elen, 2 + 3 + strlen("app.example"));
	assert_memory_equal(sni + 5, "app.example", strlen("app.example"));
	assert_null(hello_ext(r, b.len, 43, &elen));
	buf_release(&b);
}

static void client_hello_variants(void **state)
{
	static const uint16_t t13[] = {0x1301, 0x1302};
	struct tls_hello_params p = {TLS_V_13, t13, 2, "127.0.0.1", false};
	struct buf b;
	size_t elen;
	buf_init(&b, 1 << 16);
	assert_int_equal(tls_hello_build(&b, &p), 0);
	const uint8_t *r = (const uint8_t *)b.data;
	assert_int_equal(rd16(r + 9), TLS_V_12); /* legacy_version */
	assert_null(hello_ext(r, b.len, 0, &elen)); /* no SNI for an IP literal */
	const uint8_t *sv = hello_ext(r, b.len, 43, &elen);
	assert_non_null(sv);
	assert_int_equal(elen, 3);
	assert_int_equal(rd16(sv + 1), TLS_V_13);
	const uint8_t *ks = hello_ext(r, b.len, 51, &elen);
	assert_non_null(ks);
	assert_int_equal(rd16(ks + 2), 29);
	assert_int_equal(rd16(ks + 4), 32);

	/* SSLv3: record version 3.0, no extensions at all. */
	buf_reset(&b);
	p.version = TLS_V_SSL3;
	p.suites = (const uint16_t[]){0x0005};
	p.nsuites = 1;
	assert_int_equal(tls_hello_build(&b, &p), 0);
	r = (const uint8_t *)b.data;
	assert_int_equal(rd16(r + 1), TLS_V_SSL3);
	assert_null(hello_ext(r, b.len, 13, &elen));

	/* Bad parameters. */
	p.version = 0x0305;
	assert_int_equal(tls_hello_build(&b, &p), SS_EINVAL);
	p.version = TLS_V_12;
	p.nsuites = 0;
	assert_int_equal(tls_hello_build(&b, &p), SS_EINVAL);
	buf_release(&b);
}

/* A ServerHello record: version, suite and optional supported_versions value (0 for none). */
static size_t server_hello(uint8_t *out, unsigned version, unsigned suite, unsigned sv, bool hrr)
{
	static const uint8_t hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
	size_t n = 0;
	uint8_t body[128];
	body[n++] = (uint8_t)(version >> 8);
	body[n++] = (uint8_t)version;
	if (hrr)
		memcpy(body + n, hrr_random, 32);
	else
		memset(body + n, 0x42, 32);
	n += 32;
	body[n++] = 4; /* session id */
	memset(body + n, 7, 4);
	n += 4;
	body[n++] = (uint8_t)(suite >> 8);
	body[n++] = (uint8_t)suite;
	body[n++] = 0;
	if (sv) {
		const uint8_t ext[] = {0, 11, 0xff, 0x01, 0, 1, 0, 0, 43, 0, 2, (uint8_t)(sv >> 8), (uint8_t)sv};
		memcpy(body + n, ext, sizeof(ext));
		n += sizeof(ext);
	}
	const uint8_t hdr[] = {22, 3, 3, 0, (uint8_t)(n + 4), 2, 0, 0, (uint8_t)n};
	memcpy(out, hdr, sizeof(hdr));
	memcpy(out + sizeof(hdr), body, n);
	return sizeof(hdr) + n;
}

static void parses_server_hellos_and_alerts(void **state)
{
	uint8_t rec[256];
	struct tls_answer a;
	const char *why;
	size_t n = server_hello(rec, TLS_V_12, 0xC02F, 0, false);
	assert_int_equal(tls_answer_parse(rec, n, &a, &why), 0);
	assert_int_equal(a.kind, TLS_ANSWER_HELLO);
	assert_int_equal(a.version, TLS_V_12);
	assert_int_equal(a.suite, 0xC02F);
	assert_false(a.retry_request);

	/* Every strict prefix is incomplete, never an error. */
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(tls_answer_parse(rec, k, &a, &why), 0);
		assert_int_equal(a.kind, TLS_ANSWER_INCOMPLETE);
	}

	n = server_hello(rec, TLS_V_12, 0x1301, TLS_V_13, false);
	assert_int_equal(tls_answer_parse(rec, n, &a, &why), 0);
	assert_int_equal(a.version, TLS_V_13);
	assert_int_equal(a.suite, 0x1301);

	n = server_hello(rec, TLS_V_12, 0x1302, TLS_V_13, true);
	assert_int_equal(tls_answer_parse(rec, n, &a, &why), 0);
	assert_true(a.retry_request);
	assert_int_equal(a.suite, 0x1302);

	const uint8_t alert[] = {21, 3, 1, 0, 2, 2, 40};
	assert_int_equal(tls_answer_parse(alert, sizeof(alert), &a, &why), 0);
	assert_int_equal(a.kind, TLS_ANSWER_ALERT);
	assert_int_equal(a.alert, 40);
}

static void reassembles_a_fragmented_server_hello(void **state)
{
	uint8_t one[256], two[300];
	size_t n = server_hello(one, TLS_V_10, 0x0005, 0, false);
	size_t body = n - 5, cut = 10;
	/* The same handshake bytes split over two records. */
	memcpy(two, (const uint8_t[]){22, 3, 1, 0, (uint8_t)cut}, 5);
	memcpy(two + 5, one + 5, cut);
	memcpy(two + 5 + cut, (const uint8_t[]){22, 3, 1, 0, (uint8_t)(body - cut)}, 5);
	memcpy(two + 10 + cut, one + 5 + cut, body - cut);
	struct tls_answer a;
	assert_int_equal(tls_answer_parse(two, n + 5, &a, NULL), 0);
	assert_int_equal(a.kind, TLS_ANSWER_HELLO);
	assert_int_equal(a.suite, 0x0005);
	assert_int_equal(a.version, TLS_V_10);
}

static void rejects_malformed_answers(void **state)
{
	struct tls_answer a;
	const char *why = NULL;
	const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	assert_int_equal(tls_answer_parse((const uint8_t *)http, sizeof(http) - 1, &a, &why), SS_EINVAL);
	assert_string_equal(why, "the server did not answer with TLS");

	const uint8_t empty_rec[] = {22, 3, 3, 0, 0};
	assert_int_equal(tls_answer_parse(empty_rec, sizeof(empty_rec), &a, &why), SS_EINVAL);
	const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
	assert_int_equal(tls_answer_parse(ccs, sizeof(ccs), &a, &why), SS_EINVAL);
	const uint8_t not_hello[] = {22, 3, 3, 0, 4, 11, 0, 0, 0};
	assert_int_equal(tls_answer_parse(not_hello, sizeof(not_hello), &a, &why), SS_EINVAL);
	const uint8_t short_alert[] = {21, 3, 3, 0, 1, 2};
	assert_int_equal(tls_answer_parse(short_alert, sizeof(short_alert), &a, &why), SS_EINVAL);
	const uint8_t huge_msg[] = {22, 3, 3, 0, 4, 2, 0xff, 0xff, 0xff};
	assert_int_equal(tls_answer_parse(huge_msg, sizeof(huge_msg), &a, &why), SS_EINVAL);

	uint8_t rec[256];
	size_t n = server_hello(rec, TLS_V_12, 0xC02F, TLS_V_12, false);
	rec[9 + 34] = 200; /* session id length past the message */
	assert_int_equal(tls_answer_parse(rec, n, &a, &why), SS_EINVAL);
	n = server_hello(rec, TLS_V_12, 0xC02F, TLS_V_12, false);
	rec[n - 13 + 1] ^= 1; /* extensions length no longer matches */
	assert_int_equal(tls_answer_parse(rec, n, &a, &why), SS_EINVAL);
	n = server_hello(rec, TLS_V_12, 0xC02F, TLS_V_12, false);
	rec[n - 3] = 3; /* supported_versions of the wrong size overruns the message */
	assert_int_equal(tls_answer_parse(rec, n, &a, &why), SS_EINVAL);
}

static void endless_tiny_records_hit_the_size_limit(void **state)
{
	/* A ServerHello announced at 8000 bytes, dribbled one byte per record: the parser stops. */
	size_t cap = TLS_ANSWER_MAX + 64, n = 0;
	uint8_t *data = malloc(cap);
	const uint8_t head[] = {22, 3, 3, 0, 4, 2, 0, 0x1f, 0x40};
	memcpy(data, head, sizeof(head));
	n = sizeof(head);
	while (n + 6 <= cap) {
		memcpy(data + n, (const uint8_t[]){22, 3, 3, 0, 1, 0}, 6);
		n += 6;
	}
	struct tls_answer a;
	const char *why = NULL;
	assert_int_equal(tls_answer_parse(data, n, &a, &why), SS_ETOOBIG);
	assert_non_null(why);
	free(data);
}

static void survives_random_corruption(void **state)
{
	uint8_t rec[256], bad[256];
	size_t n = server_hello(rec, TLS_V_12, 0x1301, TLS_V_13, false);
	srand(4);
	for (int i = 0; i < 50000; i++) {
		memcpy(bad, rec, n);
		for (int k = 0; k < 1 + i % 4; k++)
			bad[(size_t)rand() % n] = (uint8_t)rand();
		size_t len = (size_t)rand() % (n + 1);
		struct tls_answer a;
		int rc = tls_answer_parse(bad, len, &a, NULL);
		assert_true(rc == 0 || rc == SS_EINVAL);
		if (rc == 0 && a.kind == TLS_ANSWER_HELLO)
			assert_true(a.version >= 0x0300 && a.version <= 0xffff);
	}
}

static void rare_suites_are_flagged(void **state)
{
	assert_true(tls_suite_find(0x00AF)->flags & TLS_SUITE_RARE);  /* PSK */
	assert_true(tls_suite_find(0xC021)->flags & TLS_SUITE_RARE);  /* SRP */
	assert_true(tls_suite_find(0x00A5)->flags & TLS_SUITE_RARE);  /* static DH */
	assert_false(tls_suite_find(0xC02F)->flags & TLS_SUITE_RARE); /* ECDHE-RSA-AES128-GCM */
	assert_false(tls_suite_find(0x002F)->flags & TLS_SUITE_RARE); /* AES128-SHA */
	assert_false(tls_suite_find(0x0003)->flags & TLS_SUITE_RARE); /* EXP-RC4-MD5 */
	assert_false(tls_suite_find(0x1301)->flags & TLS_SUITE_RARE);
}

/* No hello has a handshake message of 256 to 511 bytes (the F5 bug); padding is used only to
 * leave that range, and the extension block stays consistent (hello_ext checks it). */
static void hellos_avoid_the_256_to_511_range(void **state)
{
	size_t ntab;
	const struct tls_suite *tab = tls_suites(&ntab);
	uint16_t ids[300];
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		ids[i] = tab[i].id;
	static const int versions[] = {TLS_V_10, TLS_V_12, TLS_V_13};
	static const char *const snis[] = {NULL, "app.example", "a-rather-long-host-name.of-some-company.example"};
	struct buf b;
	buf_init(&b, 1 << 16);
	int padded = 0;
	for (size_t v = 0; v < ARRAY_SIZE(versions); v++) {
		for (size_t h = 0; h < ARRAY_SIZE(snis); h++) {
			for (size_t n = 1; n <= ARRAY_SIZE(ids); n++) {
				for (int compact = 0; compact < 2; compact++) {
					struct tls_hello_params p = {versions[v], ids, n, snis[h], compact};
					buf_reset(&b);
					assert_int_equal(tls_hello_build(&b, &p), 0);
					size_t hs = b.len - 5, elen;
					assert_false(hs >= 256 && hs <= 511);
					const uint8_t *pad = hello_ext((const uint8_t *)b.data, b.len, 21, &elen);
					if (pad) {
						padded++;
						assert_true(hs - 4 - elen >= 256 && hs - 4 - elen <= 511);
						for (size_t k = 0; k < elen; k++)
							assert_int_equal(pad[k], 0);
					}
				}
			}
		}
	}
	assert_true(padded > 100);
	buf_release(&b);
}

static void compact_hellos_are_small(void **state)
{
	size_t ntab, elen;
	const struct tls_suite *tab = tls_suites(&ntab);
	uint16_t ids[TLS_COMPACT_SUITES];
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		ids[i] = tab[i].id;
	struct buf b;
	buf_init(&b, 1 << 16);
	/* TLS_COMPACT_SUITES suites and a usual host name: under 256 bytes, record header included. */
	struct tls_hello_params p = {TLS_V_12, ids, ARRAY_SIZE(ids), "www.example.com", true};
	assert_int_equal(tls_hello_build(&b, &p), 0);
	assert_true(b.len < 256);
	const uint8_t *groups = hello_ext((const uint8_t *)b.data, b.len, 10, &elen);
	assert_non_null(groups);
	assert_int_equal(elen, 2 + 2 * 4);
	assert_null(hello_ext((const uint8_t *)b.data, b.len, 21, &elen));
	/* TLS 1.3 (key share, session id) with its five suites. */
	buf_reset(&b);
	p.version = TLS_V_13;
	p.suites = (const uint16_t[]){0x1301, 0x1302, 0x1303, 0x1304, 0x1305};
	p.nsuites = 5;
	assert_int_equal(tls_hello_build(&b, &p), 0);
	assert_true(b.len < 256);
	assert_non_null(hello_ext((const uint8_t *)b.data, b.len, 51, &elen));
	/* The full TLS 1.2 hello with the same suites carries the long group and signature lists. */
	buf_reset(&b);
	p = (struct tls_hello_params){TLS_V_12, ids, ARRAY_SIZE(ids), "www.example.com", true};
	assert_int_equal(tls_hello_build(&b, &p), 0);
	size_t compact = b.len;
	buf_reset(&b);
	p.compact = false;
	assert_int_equal(tls_hello_build(&b, &p), 0);
	assert_true(b.len >= compact + 60);
	buf_release(&b);
}

static void ssl2_client_hello_is_well_formed(void **state)
{
	struct buf b;
	buf_init(&b, 1024);
	assert_int_equal(tls_ssl2_hello_build(&b), 0);
	const uint8_t *r = (const uint8_t *)b.data;
	assert_int_equal(b.len, 2 + 9 + 3 * 8 + 16);
	assert_int_equal(r[0], 0x80);          /* 2-byte header, no padding */
	assert_int_equal(r[1], b.len - 2);
	assert_int_equal(r[2], 1);             /* MSG-CLIENT-HELLO */
	assert_int_equal(rd16(r + 3), 0x0002); /* SSL 2.0 */
	assert_int_equal(rd16(r + 5), 3 * 8);  /* cipher specs */
	assert_int_equal(rd16(r + 7), 0);      /* session id */
	assert_int_equal(rd16(r + 9), 16);     /* challenge */
	bool rc4 = false, exp = false, des3 = false;
	for (size_t i = 0; i < 8; i++) {
		uint32_t kind = (uint32_t)r[11 + 3 * i] << 16 | rd16(r + 12 + 3 * i);
		assert_non_null(tls_ssl2_kind_name(kind));
		rc4 |= kind == 0x010080;
		exp |= kind == 0x020080;
		des3 |= kind == 0x0700c0;
	}
	assert_true(rc4 && exp && des3);
	assert_string_equal(tls_ssl2_kind_name(0x020080), "EXP-RC4-MD5");
	assert_null(tls_ssl2_kind_name(0x000005));
	buf_release(&b);
}

/* An SSLv2 SERVER-HELLO record with a certificate of cert bytes, the given kinds and a
 * connection id of cid bytes; returns its length. */
static size_t ssl2_server_hello(uint8_t *out, size_t cert, const uint32_t *kinds, size_t nkinds, size_t cid)
{
	size_t body = 11 + cert + 3 * nkinds + cid, n = 0;
	out[n++] = (uint8_t)(0x80 | body >> 8);
	out[n++] = (uint8_t)body;
	const uint8_t head[] = {4, 0, 1, 0, 2, (uint8_t)(cert >> 8), (uint8_t)cert, 0, (uint8_t)(3 * nkinds), 0,
				(uint8_t)cid};
	memcpy(out + n, head, sizeof(head));
	n += sizeof(head);
	memset(out + n, 0x30, cert);
	n += cert;
	for (size_t i = 0; i < nkinds; i++) {
		out[n++] = (uint8_t)(kinds[i] >> 16);
		out[n++] = (uint8_t)(kinds[i] >> 8);
		out[n++] = (uint8_t)kinds[i];
	}
	memset(out + n, 0x5a, cid);
	return n + cid;
}

static void parses_ssl2_answers(void **state)
{
	static const uint32_t kinds[] = {0x010080, 0x020080, 0x0700c0};
	uint8_t *rec = malloc(TLS_SSL2_ANSWER_MAX);
	struct tls_ssl2_answer a;
	const char *why;
	size_t n = ssl2_server_hello(rec, 700, kinds, 3, 16);
	assert_int_equal(tls_ssl2_answer_parse(rec, n, &a, &why), 0);
	assert_int_equal(a.kind, TLS_SSL2_HELLO);
	assert_int_equal(a.nkinds, 3);
	assert_int_equal(a.kinds[1], 0x020080);
	assert_int_equal(a.cert_len, 700);
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(tls_ssl2_answer_parse(rec, k, &a, &why), 0);
		assert_int_equal(a.kind, TLS_SSL2_INCOMPLETE);
	}
	/* The largest record there is, with more kinds than are kept. */
	uint32_t many[40];
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = 0x010080;
	n = ssl2_server_hello(rec, 0x7fff - 11 - 3 * 40 - 32, many, 40, 32);
	assert_int_equal(n, TLS_SSL2_ANSWER_MAX);
	assert_int_equal(tls_ssl2_answer_parse(rec, n, &a, &why), 0);
	assert_int_equal(a.kind, TLS_SSL2_HELLO);
	assert_int_equal(a.nkinds, TLS_SSL2_KINDS_MAX);

	/* Refusals: an SSLv2 ERROR (NO-CIPHER-ERROR), a TLS alert. */
	const uint8_t error[] = {0x80, 3, 0, 0, 1};
	assert_int_equal(tls_ssl2_answer_parse(error, sizeof(error), &a, &why), 0);
	assert_int_equal(a.kind, TLS_SSL2_REFUSED);
	const uint8_t alert[] = {21, 3, 1, 0, 2, 2, 70};
	assert_int_equal(tls_ssl2_answer_parse(alert, sizeof(alert), &a, &why), 0);
	assert_int_equal(a.kind, TLS_SSL2_REFUSED);
	assert_int_equal(tls_ssl2_answer_parse(alert, 4, &a, &why), 0);
	assert_int_equal(a.kind, TLS_SSL2_INCOMPLETE);
	free(rec);
}

static void rejects_malformed_ssl2_answers(void **state)
{
	static const uint32_t kinds[] = {0x010080};
	uint8_t rec[256];
	struct tls_ssl2_answer a;
	const char *why = NULL;
	const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	assert_int_equal(tls_ssl2_answer_parse((const uint8_t *)http, sizeof(http) - 1, &a, &why), SS_EINVAL);
	assert_non_null(why);
	const uint8_t empty[] = {0x80, 0};
	assert_int_equal(tls_ssl2_answer_parse(empty, sizeof(empty), &a, &why), SS_EINVAL);
	const uint8_t other_msg[] = {0x80, 3, 7, 0, 1};
	assert_int_equal(tls_ssl2_answer_parse(other_msg, sizeof(other_msg), &a, &why), SS_EINVAL);
	const uint8_t long_error[] = {0x80, 4, 0, 0, 1, 0};
	assert_int_equal(tls_ssl2_answer_parse(long_error, sizeof(long_error), &a, &why), SS_EINVAL);
	const uint8_t short_hello[] = {0x80, 5, 4, 0, 1, 0, 2};
	assert_int_equal(tls_ssl2_answer_parse(short_hello, sizeof(short_hello), &a, &why), SS_EINVAL);

	/* One field wrong at a time: offset in the record, value. */
	static const struct {
		size_t at;
		uint8_t value;
	} bad[] = {
		{3, 1},  /* session-id-hit */
		{4, 2},  /* certificate type */
		{6, 3},  /* version 0x0003 */
		{8, 51}, /* certificate length one more */
		{10, 4}, /* cipher specs not a multiple of 3 */
		{12, 15},/* connection id length: one less than the data, and under 16 */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t n = ssl2_server_hello(rec, 50, kinds, 1, 16);
		rec[bad[i].at] = bad[i].value;
		why = NULL;
		assert_int_equal(tls_ssl2_answer_parse(rec, n, &a, &why), SS_EINVAL);
		assert_non_null(why);
	}
	/* Consistent lengths, but no certificate; a connection id of 8 bytes. */
	size_t n = ssl2_server_hello(rec, 0, kinds, 1, 16);
	assert_int_equal(tls_ssl2_answer_parse(rec, n, &a, &why), SS_EINVAL);
	n = ssl2_server_hello(rec, 50, kinds, 1, 8);
	assert_int_equal(tls_ssl2_answer_parse(rec, n, &a, &why), SS_EINVAL);
}

static void ssl2_parser_survives_random_corruption(void **state)
{
	static const uint32_t kinds[] = {0x010080, 0x0700c0};
	uint8_t rec[256], bad[256];
	size_t n = ssl2_server_hello(rec, 100, kinds, 2, 16);
	srand(7);
	for (int i = 0; i < 50000; i++) {
		memcpy(bad, rec, n);
		for (int k = 0; k < 1 + i % 4; k++)
			bad[(size_t)rand() % n] = (uint8_t)rand();
		size_t len = (size_t)rand() % (n + 1);
		struct tls_ssl2_answer a;
		const char *why = NULL;
		int rc = tls_ssl2_answer_parse(bad, len, &a, &why);
		assert_true(rc == 0 || (rc == SS_EINVAL && why));
		if (rc == 0 && a.kind == TLS_SSL2_HELLO)
			assert_true(a.nkinds <= TLS_SSL2_KINDS_MAX && a.cert_len > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(suite_table_classifies_suites),
		cmocka_unit_test(client_hello_is_well_formed),
		cmocka_unit_test(client_hello_variants),
		cmocka_unit_test(parses_server_hellos_and_alerts),
		cmocka_unit_test(reassembles_a_fragmented_server_hello),
		cmocka_unit_test(rejects_malformed_answers),
		cmocka_unit_test(endless_tiny_records_hit_the_size_limit),
		cmocka_unit_test(survives_random_corruption),
		cmocka_unit_test(rare_suites_are_flagged),
		cmocka_unit_test(hellos_avoid_the_256_to_511_range),
		cmocka_unit_test(compact_hellos_are_small),
		cmocka_unit_test(ssl2_client_hello_is_well_formed),
		cmocka_unit_test(parses_ssl2_answers),
		cmocka_unit_test(rejects_malformed_ssl2_answers),
		cmocka_unit_test(ssl2_parser_survives_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
