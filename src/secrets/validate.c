#include "base/common.h"
#include "base/str.h"
#include "secrets/secrets_int.h"
#include <jansson.h>
#include <math.h>
#include <pthread.h>

/* The precision layer's checks on one candidate value. */

double secret_entropy(const char *s, size_t len)
{
	if (!len)
		return 0;
	unsigned count[256] = {0};
	for (size_t i = 0; i < len; i++)
		count[(unsigned char)s[i]]++;
	double h = 0;
	for (int c = 0; c < 256; c++)
		if (count[c]) {
			double p = (double)count[c] / (double)len;
			h -= p * log2(p);
		}
	return h;
}

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc32_of(const char *p, size_t len)
{
	pthread_once(&crc_once, crc_init);
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++)
		c = crc_table[(c ^ (unsigned char)p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

bool secret_crc32_token_valid(const char *tok, size_t len)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	const char *us = memchr(tok, '_', len);
	if (!us)
		return false;
	const char *rnd = us + 1;
	size_t rlen = len - (size_t)(rnd - tok);
	if (rlen != 36)
		return false;
	/* The checksum covers the 30 random characters and is base62, left-padded to 6 with '0'. */
	uint32_t crc = crc32_of(rnd, 30);
	char sum[7];
	for (int i = 5; i >= 0; i--) {
		sum[i] = b62[crc % 62];
		crc /= 62;
	}
	sum[6] = '\0';
	return crc == 0 && memcmp(rnd + 30, sum, 6) == 0;
}

/* Markers that only placeholders contain (case-insensitive substrings). */
static const char *const placeholder_words[] = {
	"example", "xxxx", "your_", "your-", "yourkey", "your key", "placeholder", "changeme",
	"change_me", "redacted", "dummy", "insert", "replace_me", "replaceme", "sample", "<", ">",
	"${", "{{", "}}", "process.env", "import.meta.env", "os.environ", "getenv", "****", "....",
	"…",
};

/* Longest run of one character and longest run of consecutive (+1 or -1) characters. */
static void runs_of(const char *s, size_t len, size_t *same, size_t *seq)
{
	size_t a = 1, b = 1;
	*same = *seq = len ? 1 : 0;
	for (size_t i = 1; i < len; i++) {
		int d = (unsigned char)s[i] - (unsigned char)s[i - 1];
		a = d == 0 ? a + 1 : 1;
		b = (d == 1 || d == -1) && isalnum_ascii(s[i]) ? b + 1 : 1;
		*same = MAX(*same, a);
		*seq = MAX(*seq, b);
	}
}

bool secret_is_placeholder(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(placeholder_words); i++)
		if (str_find_nocase(s, len, placeholder_words[i]))
			return true;
	if (len >= 3 && s[0] == '[' && s[len - 1] == ']')
		return true; /* "[secret_block]": a field to fill in */
	size_t same, seq;
	runs_of(s, len, &same, &seq);
	return same >= 6 || seq >= 6;
}

bool sval_has_stopword(const char *s, size_t len, char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (str_find_nocase(s, len, words[i]))
			return true;
	return false;
}

void secret_redact(const char *value, size_t len, char *out, size_t outsz)
{
	/* A quarter of the value, at most 12 characters, and nothing of short values. */
	size_t keep = len >= 16 ? MIN(len / 4, 12) : 0;
	for (size_t i = 0; i < keep; i++)
		if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] >= 0x7f) {
			keep = i;
			break;
		}
	snprintf(out, outsz, "%.*s\xe2\x80\xa6(%zu chars)", (int)keep, value, len);
}

/* Decodes one base64url JWT segment as a JSON object; NULL if it is not one. */
static json_t *jwt_segment(const char *p, size_t len)
{
	if (len == 0 || len > SECRETS_DECODE_MAX)
		return NULL;
	struct buf b;
	buf_init(&b, SECRETS_DECODE_MAX);
	json_t *j = NULL;
	if (sdec_base64(p, len, &b) == 0 && b.len)
		j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	buf_release(&b);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

void sval_jwt_inspect(const char *tok, size_t len, struct sval_jwt *out)
{
	memset(out, 0, sizeof(*out));
	const char *d1 = memchr(tok, '.', len);
	if (!d1)
		return;
	const char *rest = d1 + 1;
	const char *d2 = memchr(rest, '.', len - (size_t)(rest - tok));
	if (!d2)
		return;
	json_t *h = jwt_segment(tok, (size_t)(d1 - tok));
	json_t *p = jwt_segment(rest, (size_t)(d2 - rest));
	if (h && p && json_is_string(json_object_get(h, "alg"))) {
		out->valid = true;
		const char *role = json_string_value(json_object_get(p, "role"));
		const char *iss = json_string_value(json_object_get(p, "iss"));
		json_t *exp = json_object_get(p, "exp");
		str_copy(out->role, sizeof(out->role), role ? role : "");
		str_copy(out->iss, sizeof(out->iss), iss ? iss : "");
		out->exp = json_is_integer(exp) ? (int64_t)json_integer_value(exp) : 0;
	}
	json_decref(h);
	json_decref(p);
}

bool secret_jwt_role(const char *tok, size_t len, char *role, size_t rolesz)
{
	struct sval_jwt j;
	sval_jwt_inspect(tok, len, &j);
	str_copy(role, rolesz, j.role);
	return j.valid;
}

/* The base64 body of a PEM-like block: between the BEGIN and END lines, without armor headers,
 * escaped newlines, quotes or string concatenation. */
static void pem_body(const char *block, size_t len, struct buf *out)
{
	const char *end = block + len;
	const char *q = len > 10 ? str_find(block + 10, len - 10, "-----") : NULL;
	q = q ? q + 5 : end;
	const char *foot = end;
	for (const char *f = q; f + 8 <= end; f++)
		if (memcmp(f, "-----END", 8) == 0) {
			foot = f;
			break;
		}
	while (q < foot) {
		/* skip armor header lines ("Proc-Type: ...", "Comment: ...") */
		const char *eol = q;
		while (eol < foot && *eol != '\n' && !(eol + 1 < foot && eol[0] == '\\' && eol[1] == 'n'))
			eol++;
		bool header = memchr(q, ':', (size_t)(eol - q)) != NULL;
		for (const char *c = q; !header && c < eol; c++)
			if (*c == '\\')
				c++; /* an escape such as \r is not base64 */
			else if (isalnum_ascii(*c) || *c == '+' || *c == '/' || *c == '=')
				buf_appendc(out, *c);
		q = eol < foot ? eol + (*eol == '\n' ? 1 : 2) : foot;
	}
}

/* Whether DER holds the whole SEQUENCE its header declares: documentation shows keys cut short
 * ("MIIEpQIBAAKCAQEA...") and a cut key is no key. */
static bool der_sequence_whole(const unsigned char *d, size_t n)
{
	if (n < 2 || d[0] != 0x30)
		return false;
	size_t body = d[1], head = 2;
	if (body & 0x80) {
		size_t bytes = body & 0x7f;
		if (bytes == 0 || bytes > 3 || n < 2 + bytes)
			return false; /* indefinite or absurd lengths are no key file's */
		body = 0;
		for (size_t i = 0; i < bytes; i++)
			body = body << 8 | d[2 + i];
		head += bytes;
	}
	return n >= head + body;
}

bool sval_pem_body_ok(const char *block, size_t len)
{
	if (len < 20)
		return false;
	struct buf body, der;
	buf_init(&body, SECRETS_DECODE_MAX);
	buf_init(&der, SECRETS_DECODE_MAX);
	pem_body(block, len, &body);
	bool ok = false;
	/* PGP armor ends with a "=XXXX" checksum line that is not part of the data */
	if (body.len >= 64 && !secret_is_placeholder(body.data, body.len)) {
		size_t n = body.len;
		const char *eq = memchr(body.data, '=', n);
		if (eq && str_find(block, len, "PGP"))
			n = (size_t)(eq - body.data);
		if (sdec_base64(body.data, n, &der) == 0 && der.len >= 40) {
			const unsigned char *d = (const unsigned char *)der.data;
			if (str_find(block, MIN(len, 60), "OPENSSH"))
				ok = der.len > 15 && memcmp(d, "openssh-key-v1", 15) == 0;
			else if (str_find(block, MIN(len, 60), "PGP"))
				ok = (d[0] & 0x80) != 0; /* an OpenPGP packet tag */
			else
				ok = der_sequence_whole(d, der.len);
			ok = ok && secret_entropy(body.data, body.len) > 4.5;
		}
	}
	buf_release(&body);
	buf_release(&der);
	return ok;
}

size_t sval_count_newlines(const char *p, size_t len)
{
	/* 32 bytes per step in two 16-byte vectors of the compiler (SSE2, NEON): a lane of
	 * (x == '\n') is all ones (255), so subtracting it adds 1; a lane holds at most 255 before they are summed */
	typedef unsigned char v16 __attribute__((vector_size(16)));
	const v16 nl = {'\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n'};
	size_t n = 0, i = 0;
	while (i + 32 <= len) {
		v16 a = {0}, b = {0};
		for (int k = 0; k < 255 && i + 32 <= len; k++, i += 32) {
			v16 x, y;
			memcpy(&x, p + i, 16);
			memcpy(&y, p + i + 16, 16);
			a -= (v16)(x == nl);
			b -= (v16)(y == nl);
		}
		for (int lane = 0; lane < 16; lane++)
			n += (size_t)a[lane] + b[lane];
	}
	for (; i < len; i++)
		n += p[i] == '\n';
	return n;
}
