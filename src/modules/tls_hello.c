#include "base/common.h"
#include "modules/tls_hello.h"
#include "base/crypto.h"
#include "base/log.h"
#include "engine/rules_embedded.h"
#include <arpa/inet.h>
#include <jansson.h>
#include <pthread.h>

const int tls_versions[5] = {TLS_V_SSL3, TLS_V_10, TLS_V_11, TLS_V_12, TLS_V_13};

const char *tls_version_name(int version)
{
	switch (version) {
	case TLS_V_SSL2: return "SSLv2";
	case TLS_V_SSL3: return "SSLv3";
	case TLS_V_10: return "TLS 1.0";
	case TLS_V_11: return "TLS 1.1";
	case TLS_V_12: return "TLS 1.2";
	case TLS_V_13: return "TLS 1.3";
	default: return "unknown";
	}
}

/* --- the suite table --- */

static struct tls_suite *suite_table;
static size_t suite_count;
static pthread_once_t suite_once = PTHREAD_ONCE_INIT;

static bool str_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static unsigned suite_flags(const char *kx, const char *au, const char *enc, const char *mac, bool exp)
{
	/* Ephemeral key exchanges as the table spells them (ECDH alone means ECDHE there; the
	 * static forms are "ECDH/RSA", "DH/DSS", ...); "any" is TLS 1.3. */
	static const char *const fs_kx[] = {"DH", "DH(512)", "DH(1024)", "ECDH", "DHEPSK", "ECDHEPSK",
					    "CECPQ1", "any", NULL};
	static const char *const block[] = {"AES", "3DES", "DES", "Camellia", "ARIA", "SEED", "IDEA",
					    "RC2", NULL};
	/* What a server has with an ordinary RSA or ECDSA certificate (export forms included). */
	static const char *const usual_kx[] = {"RSA", "DH", "ECDH", "any", "RSA(512)", "RSA(1024)",
					       "DH(512)", "DH(1024)", NULL};
	static const char *const usual_au[] = {"RSA", "ECDSA", "DSS", "any", "None", NULL};
	unsigned f = 0;
	if (!str_in(kx, usual_kx) || !str_in(au, usual_au))
		f |= TLS_SUITE_RARE;
	if (!strcmp(enc, "None"))
		f |= TLS_SUITE_NULL;
	if (exp)
		f |= TLS_SUITE_EXPORT;
	if (!strcmp(enc, "RC4"))
		f |= TLS_SUITE_RC4;
	if (!strcmp(enc, "DES"))
		f |= TLS_SUITE_DES;
	if (!strcmp(enc, "3DES"))
		f |= TLS_SUITE_3DES;
	if (!strcmp(au, "None"))
		f |= TLS_SUITE_ANON;
	if (str_in(kx, fs_kx))
		f |= TLS_SUITE_FS;
	if (!strcmp(mac, "AEAD"))
		f |= TLS_SUITE_AEAD;
	else if (str_in(enc, block))
		f |= TLS_SUITE_CBC;
	return f;
}

static int version_from_table(const char *s)
{
	if (!strcmp(s, "SSLv3"))
		return TLS_V_SSL3;
	if (!strcmp(s, "TLSv1"))
		return TLS_V_10;
	if (!strcmp(s, "TLSv1.2"))
		return TLS_V_12;
	if (!strcmp(s, "TLSv1.3"))
		return TLS_V_13;
	return 0;
}

static void suites_load(void)
{
	const struct embedded_file *f = rules_embedded_find("tls/ciphers.json");
	if (!f) {
		log_error("tls: rules/tls/ciphers.json is not compiled in");
		return;
	}
	json_error_t err;
	json_t *root = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, &err);
	json_t *arr = json_object_get(root, "suites");
	if (!json_is_array(arr)) {
		log_error("tls: rules/tls/ciphers.json: %s", root ? "no suites array" : err.text);
		json_decref(root);
		return;
	}
	struct tls_suite *tab = xcalloc(json_array_size(arr), sizeof(*tab));
	size_t n = 0, i;
	json_t *s;
	json_array_foreach(arr, i, s) {
		const char *id = NULL, *name = NULL, *ossl = NULL, *min = NULL, *kx = NULL, *au = NULL,
			   *enc = NULL, *mac = NULL;
		int bits = 0, exp = 0;
		if (json_unpack(s, "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "id", &id, "name",
				&name, "openssl", &ossl, "min", &min, "kx", &kx, "au", &au, "enc", &enc,
				"bits", &bits, "mac", &mac, "export", &exp) ||
		    strlen(id) != 6 || strncmp(id, "0x", 2) || !version_from_table(min)) {
			log_error("tls: rules/tls/ciphers.json: bad suite entry %zu", i);
			continue;
		}
		tab[n].id = (uint16_t)strtoul(id + 2, NULL, 16);
		tab[n].name = xstrdup(name);
		tab[n].openssl = xstrdup(ossl);
		tab[n].min_version = version_from_table(min);
		tab[n].flags = suite_flags(kx, au, enc, mac, exp);
		tab[n].bits = bits;
		n++;
	}
	json_decref(root);
	suite_table = tab;
	suite_count = n;
}

const struct tls_suite *tls_suites(size_t *n)
{
	pthread_once(&suite_once, suites_load);
	*n = suite_count;
	return suite_table;
}

const struct tls_suite *tls_suite_find(uint16_t id)
{
	size_t n;
	const struct tls_suite *tab = tls_suites(&n);
	for (size_t i = 0; i < n; i++)
		if (tab[i].id == id)
			return &tab[i];
	return NULL;
}

/* --- ClientHello --- */

/* Big-endian writers into a fixed array; the builder checks the room once, up front. */
struct wr {
	uint8_t *p;
	size_t len, cap;
	bool over;
};

static void put8(struct wr *w, unsigned v)
{
	if (w->len + 1 > w->cap) {
		w->over = true;
		return;
	}
	w->p[w->len++] = (uint8_t)v;
}

static void put16(struct wr *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

static void put_bytes(struct wr *w, const void *data, size_t n)
{
	if (w->len + n > w->cap) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

/* Reserves a length field of size bytes; len_end fills it with what was written since. */
static size_t len_begin(struct wr *w, int size)
{
	size_t at = w->len;
	for (int i = 0; i < size; i++)
		put8(w, 0);
	return at;
}

static void len_end(struct wr *w, size_t at, int size)
{
	if (w->over)
		return;
	size_t n = w->len - at - (size_t)size;
	for (int i = size - 1; i >= 0; i--, n >>= 8)
		w->p[at + (size_t)i] = (uint8_t)(n & 0xff);
}

static bool is_ip_literal(const char *s)
{
	unsigned char tmp[16];
	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

static void ext_begin(struct wr *w, unsigned type, size_t *at)
{
	put16(w, type);
	*at = len_begin(w, 2);
}

/* An extension whose body is a 2-byte-length list of 16-bit values. */
static void put_list_ext(struct wr *w, unsigned type, const uint16_t *list, size_t n)
{
	size_t at, inner;
	ext_begin(w, type, &at);
	inner = len_begin(w, 2);
	for (size_t i = 0; i < n; i++)
		put16(w, list[i]);
	len_end(w, inner, 2);
	len_end(w, at, 2);
}

/* The extensions, without their block's length field. */
static void put_extensions(struct wr *w, const struct tls_hello_params *p)
{
	/* Named groups: the common ones first, then legacy curves so that old servers find one. */
	static const uint16_t groups[] = {29, 23, 24, 25, 30, 256, 257, 258, 21, 22, 19, 20, 26, 27, 28,
					  14, 13, 11, 12, 9, 10};
	/* Signature schemes, SHA-1 and DSA included: a probe wants every server to answer. */
	static const uint16_t sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805,
					   0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601,
					   0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203,
					   0x0201, 0x0202};
	/* The compact hello keeps what nearly every server has: X25519 and the NIST curves, ECDSA
	 * and RSA (PKCS#1, PSS) with SHA-256/384 and SHA-1. */
	static const uint16_t groups_compact[] = {29, 23, 24, 25};
	static const uint16_t sigalgs_compact[] = {0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501,
						   0x0203, 0x0201};
	size_t at, inner, inner2;

	if (p->sni && *p->sni && !is_ip_literal(p->sni)) {
		size_t n = strlen(p->sni);
		ext_begin(w, 0, &at); /* server_name */
		inner = len_begin(w, 2);
		put8(w, 0); /* host_name */
		put16(w, (unsigned)n);
		put_bytes(w, p->sni, n);
		len_end(w, inner, 2);
		len_end(w, at, 2);
	}
	if (p->compact)
		put_list_ext(w, 10, groups_compact, ARRAY_SIZE(groups_compact));
	else
		put_list_ext(w, 10, groups, ARRAY_SIZE(groups)); /* supported_groups */

	ext_begin(w, 11, &at); /* ec_point_formats: uncompressed */
	put8(w, 1);
	put8(w, 0);
	len_end(w, at, 2);

	if (p->compact)
		put_list_ext(w, 13, sigalgs_compact, ARRAY_SIZE(sigalgs_compact));
	else
		put_list_ext(w, 13, sigalgs, ARRAY_SIZE(sigalgs)); /* signature_algorithms */

	if (p->version == TLS_V_13) {
		uint8_t key[32];
		ext_begin(w, 43, &at); /* supported_versions: 1.3 only */
		put8(w, 2);
		put16(w, TLS_V_13);
		len_end(w, at, 2);

		/* key_share: one X25519 share. Any 32 bytes are a valid public value; the probe
		 * never completes the handshake, and a server lacking X25519 answers with a
		 * HelloRetryRequest that still names the suite. */
		crypto_random(key, sizeof(key));
		ext_begin(w, 51, &at);
		inner = len_begin(w, 2);
		put16(w, 29);
		inner2 = len_begin(w, 2);
		put_bytes(w, key, sizeof(key));
		len_end(w, inner2, 2);
		len_end(w, inner, 2);
		len_end(w, at, 2);

		ext_begin(w, 45, &at); /* psk_key_exchange_modes: psk_dhe_ke (OpenSSL wants it) */
		put8(w, 1);
		put8(w, 1);
		len_end(w, at, 2);
	}
}

/* RFC 7685 padding: a handshake message of 256 to 511 bytes (counted so far from its header, just
 * after the 5-byte record header) is taken to 512, as browsers do for the F5 BIG-IP bug. */
static void put_padding(struct wr *w)
{
	size_t len = w->len - 5, at;
	if (len < 256 || len > 511)
		return;
	size_t pad = 512 - len >= 4 ? 512 - len - 4 : 0;
	ext_begin(w, 21, &at);
	for (size_t i = 0; i < pad; i++)
		put8(w, 0);
	len_end(w, at, 2);
}

int tls_hello_build(struct buf *out, const struct tls_hello_params *p)
{
	bool known = false;
	for (size_t i = 0; i < ARRAY_SIZE(tls_versions); i++)
		known |= tls_versions[i] == p->version;
	if (!known || !p->nsuites || p->nsuites > 1024)
		return SS_EINVAL;

	uint8_t rec[TLS_HELLO_MAX], rnd[32];
	struct wr w = {rec, 0, sizeof(rec), false};
	/* Record version 3.0 for SSLv3, 3.1 otherwise: what interoperable clients send. */
	put8(&w, 22);
	put16(&w, p->version == TLS_V_SSL3 ? TLS_V_SSL3 : TLS_V_10);
	size_t rlen = len_begin(&w, 2);
	put8(&w, 1); /* client_hello */
	size_t hlen = len_begin(&w, 3);
	put16(&w, p->version == TLS_V_13 ? TLS_V_12 : (unsigned)p->version);
	crypto_random(rnd, sizeof(rnd));
	put_bytes(&w, rnd, sizeof(rnd));
	if (p->version == TLS_V_13) {
		/* A legacy session id, as middlebox-compatible TLS 1.3 clients send. */
		crypto_random(rnd, sizeof(rnd));
		put8(&w, 32);
		put_bytes(&w, rnd, sizeof(rnd));
	} else {
		put8(&w, 0);
	}
	size_t slen = len_begin(&w, 2);
	for (size_t i = 0; i < p->nsuites; i++)
		put16(&w, p->suites[i]);
	if (p->version != TLS_V_SSL3 && p->version != TLS_V_13)
		put16(&w, 0x00ff); /* renegotiation SCSV: some servers refuse hellos without it */
	len_end(&w, slen, 2);
	put8(&w, 1); /* compression methods: null only */
	put8(&w, 0);
	/* SSLv3 servers may choke on extensions; every later version gets them. */
	if (p->version != TLS_V_SSL3) {
		size_t all = len_begin(&w, 2);
		put_extensions(&w, p);
		put_padding(&w);
		len_end(&w, all, 2);
	}
	len_end(&w, hlen, 3);
	len_end(&w, rlen, 2);
	if (w.over || w.len - 5 > 16384)
		return SS_EINVAL;
	return buf_append(out, rec, w.len);
}

/* --- the server's answer --- */

/* Bytes of the first handshake messages kept for reassembly across records. */
#define HS_MAX 8192

static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Parses a complete ServerHello body (after the 4-byte handshake header). */
static int parse_server_hello(const uint8_t *p, size_t n, struct tls_answer *ans, const char **why)
{
	size_t off = 0;
	if (n < 2 + 32 + 1) {
		*why = "ServerHello too short";
		return SS_EINVAL;
	}
	ans->version = (int)rd16(p);
	if (p[0] != 3) {
		*why = "ServerHello with an unknown version";
		return SS_EINVAL;
	}
	ans->retry_request = !memcmp(p + 2, hrr_random, 32);
	off = 2 + 32;
	size_t sid = p[off++];
	if (sid > 32 || off + sid + 3 > n) {
		*why = "ServerHello session id overruns the message";
		return SS_EINVAL;
	}
	off += sid;
	ans->suite = (uint16_t)rd16(p + off);
	off += 3; /* suite and compression method */
	if (off == n)
		goto done; /* no extensions (SSLv3 and old servers) */
	if (off + 2 > n || off + 2 + rd16(p + off) != n) {
		*why = "ServerHello extensions length does not match the message";
		return SS_EINVAL;
	}
	off += 2;
	while (off < n) {
		if (off + 4 > n) {
			*why = "truncated ServerHello extension";
			return SS_EINVAL;
		}
		unsigned type = rd16(p + off), len = rd16(p + off + 2);
		off += 4;
		if (off + len > n) {
			*why = "ServerHello extension overruns the message";
			return SS_EINVAL;
		}
		if (type == 43) { /* supported_versions: the version really chosen */
			if (len != 2) {
				*why = "malformed supported_versions in ServerHello";
				return SS_EINVAL;
			}
			ans->version = (int)rd16(p + off);
		}
		off += len;
	}
done:
	ans->kind = TLS_ANSWER_HELLO;
	return 0;
}

int tls_answer_parse(const uint8_t *data, size_t len, struct tls_answer *ans, const char **why)
{
	uint8_t hs[HS_MAX];
	size_t hs_len = 0, off = 0;
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	memset(ans, 0, sizeof(*ans));
	if (len > TLS_ANSWER_MAX)
		len = TLS_ANSWER_MAX;

	while (off + 5 <= len) {
		const uint8_t *r = data + off;
		unsigned type = r[0], rlen = rd16(r + 3);
		if (type < 20 || type > 23 || r[1] != 3) {
			*why = "the server did not answer with TLS";
			return SS_EINVAL;
		}
		if (rlen == 0 || rlen > 16384 + 2048) {
			*why = "TLS record with an invalid length";
			return SS_EINVAL;
		}
		if (off + 5 + rlen > len)
			break; /* the record is not complete yet */
		const uint8_t *body = r + 5;
		off += 5 + rlen;
		if (type == 21) {
			if (hs_len) {
				*why = "alert in the middle of the ServerHello";
				return SS_EINVAL;
			}
			if (rlen != 2) {
				*why = "malformed alert record";
				return SS_EINVAL;
			}
			ans->kind = TLS_ANSWER_ALERT;
			ans->alert_level = body[0];
			ans->alert = body[1];
			return 0;
		}
		if (type != 22) {
			*why = "unexpected record before the ServerHello";
			return SS_EINVAL;
		}
		if (hs_len + rlen > sizeof(hs)) {
			*why = "ServerHello too large";
			return SS_EINVAL;
		}
		memcpy(hs + hs_len, body, rlen);
		hs_len += rlen;
		if (hs[0] != 2) {
			*why = "the first handshake message is not a ServerHello";
			return SS_EINVAL;
		}
		if (hs_len < 4)
			continue;
		size_t mlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
		if (mlen + 4 > sizeof(hs)) {
			*why = "ServerHello too large";
			return SS_EINVAL;
		}
		if (hs_len >= mlen + 4)
			return parse_server_hello(hs + 4, mlen, ans, why);
	}
	if (len >= TLS_ANSWER_MAX) {
		*why = "no ServerHello within the size limit";
		return SS_ETOOBIG;
	}
	return 0;
}

/* --- SSLv2 --- */

const struct tls_ssl2_kind tls_ssl2_kinds[8] = {
	{0x0700c0, "DES-CBC3-MD5"}, {0x050080, "IDEA-CBC-MD5"},   {0x030080, "RC2-CBC-MD5"},
	{0x010080, "RC4-MD5"},      {0x060040, "DES-CBC-MD5"},    {0x080080, "RC4-64-MD5"},
	{0x040080, "EXP-RC2-CBC-MD5"}, {0x020080, "EXP-RC4-MD5"},
};

const char *tls_ssl2_kind_name(uint32_t kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(tls_ssl2_kinds); i++)
		if (tls_ssl2_kinds[i].id == kind)
			return tls_ssl2_kinds[i].name;
	return NULL;
}

int tls_ssl2_hello_build(struct buf *out)
{
	uint8_t rec[2 + 9 + 3 * ARRAY_SIZE(tls_ssl2_kinds) + 16], challenge[16];
	struct wr w = {rec, 0, sizeof(rec), false};
	size_t body = sizeof(rec) - 2;
	put8(&w, 0x80 | (unsigned)(body >> 8)); /* 2-byte header: no padding */
	put8(&w, (unsigned)body);
	put8(&w, 1); /* MSG-CLIENT-HELLO */
	put16(&w, TLS_V_SSL2);
	put16(&w, 3 * ARRAY_SIZE(tls_ssl2_kinds));
	put16(&w, 0); /* session id */
	put16(&w, sizeof(challenge));
	for (size_t i = 0; i < ARRAY_SIZE(tls_ssl2_kinds); i++) {
		put8(&w, tls_ssl2_kinds[i].id >> 16);
		put16(&w, tls_ssl2_kinds[i].id & 0xffff);
	}
	crypto_random(challenge, sizeof(challenge));
	put_bytes(&w, challenge, sizeof(challenge));
	return buf_append(out, rec, w.len);
}

/* Checks a complete SERVER-HELLO message m of n bytes (n >= 1, m[0] == 4). */
static int parse_ssl2_server_hello(const uint8_t *m, size_t n, struct tls_ssl2_answer *ans,
				   const char **why)
{
	if (n < 11) {
		*why = "SSLv2 SERVER-HELLO too short";
		return SS_EINVAL;
	}
	size_t cert = rd16(m + 5), specs = rd16(m + 7), cid = rd16(m + 9);
	if (m[1] != 0) {
		*why = "SSLv2 SERVER-HELLO resumes a session the client never had";
		return SS_EINVAL;
	}
	if (m[2] != 1 || rd16(m + 3) != TLS_V_SSL2) {
		*why = "SSLv2 SERVER-HELLO with an unknown certificate type or version";
		return SS_EINVAL;
	}
	if (11 + cert + specs + cid != n) {
		*why = "SSLv2 SERVER-HELLO lengths do not add up to its record";
		return SS_EINVAL;
	}
	if (!cert || specs % 3 || cid < 16 || cid > 32) {
		*why = "SSLv2 SERVER-HELLO without a certificate or with malformed cipher specs or connection id";
		return SS_EINVAL;
	}
	const uint8_t *sp = m + 11 + cert;
	for (size_t i = 0; i < specs / 3 && ans->nkinds < TLS_SSL2_KINDS_MAX; i++)
		ans->kinds[ans->nkinds++] = (uint32_t)sp[3 * i] << 16 | rd16(sp + 3 * i + 1);
	ans->cert_len = cert;
	ans->kind = TLS_SSL2_HELLO;
	return 0;
}

int tls_ssl2_answer_parse(const uint8_t *data, size_t len, struct tls_ssl2_answer *ans, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	memset(ans, 0, sizeof(*ans));
	if (!len)
		return 0;
	if (!(data[0] & 0x80)) {
		/* Not an SSLv2 record: a TLS server answers with an alert (or, oddly, a hello). */
		struct tls_answer t;
		int rc = tls_answer_parse(data, len, &t, why);
		if (!rc && t.kind != TLS_ANSWER_INCOMPLETE)
			ans->kind = TLS_SSL2_REFUSED;
		return rc;
	}
	if (len < 2)
		return 0;
	size_t rlen = (size_t)(data[0] & 0x7f) << 8 | data[1];
	if (!rlen) {
		*why = "empty SSLv2 record";
		return SS_EINVAL;
	}
	if (len < 2 + rlen)
		return 0;
	const uint8_t *m = data + 2;
	if (m[0] == 0) { /* MSG-ERROR: error code, 2 bytes */
		if (rlen != 3) {
			*why = "malformed SSLv2 ERROR message";
			return SS_EINVAL;
		}
		ans->kind = TLS_SSL2_REFUSED;
		return 0;
	}
	if (m[0] != 4) {
		*why = "the server did not answer with an SSLv2 SERVER-HELLO";
		return SS_EINVAL;
	}
	return parse_ssl2_server_hello(m, rlen, ans, why);
}
