#include "base/common.h"
#include "base/url.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/utf8.h"
#include <arpa/inet.h>

/* Longest URL we accept; browsers and servers cut far below anything larger. */
#define URL_MAX 8192
#define HOST_MAX 253
#define LABEL_MAX 63

/* --- punycode (RFC 3492), encoder only: hosts go out as A-labels --- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700, PC_INITIAL_BIAS = 72,
       PC_INITIAL_N = 128 };

static char pc_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static uint32_t pc_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t k = 0;
	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* Appends the punycode form of cps[0..n) (without the "xn--" prefix) to out. */
static int punycode_encode(const uint32_t *cps, size_t n, struct buf *out)
{
	uint32_t cp_n = PC_INITIAL_N, delta = 0, bias = PC_INITIAL_BIAS, h, b = 0;
	for (size_t i = 0; i < n; i++)
		if (cps[i] < 0x80) {
			if (buf_appendc(out, (char)cps[i]))
				return SS_ETOOBIG;
			b++;
		}
	h = b;
	if (b > 0 && buf_appendc(out, '-'))
		return SS_ETOOBIG;
	while (h < n) {
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < n; i++)
			if (cps[i] >= cp_n && cps[i] < m)
				m = cps[i];
		if ((uint64_t)(m - cp_n) * (h + 1) + delta > UINT32_MAX)
			return SS_EINVAL;
		delta += (m - cp_n) * (h + 1);
		cp_n = m;
		for (size_t i = 0; i < n; i++) {
			if (cps[i] < cp_n && ++delta == 0)
				return SS_EINVAL;
			if (cps[i] != cp_n)
				continue;
			uint32_t q = delta;
			for (uint32_t k = PC_BASE;; k += PC_BASE) {
				uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
				if (q < t)
					break;
				if (buf_appendc(out, pc_digit(t + (q - t) % (PC_BASE - t))))
					return SS_ETOOBIG;
				q = (q - t) / (PC_BASE - t);
			}
			if (buf_appendc(out, pc_digit(q)))
				return SS_ETOOBIG;
			bias = pc_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		cp_n++;
	}
	return 0;
}

/*
 * Case folding for host names: ASCII plus the Latin-1, Greek and Cyrillic capitals, which covers
 * the IDNs people type; full UTS #46 mapping is out of scope.
 */
static uint32_t host_fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	/* Ideographic and full-width full stops separate labels like '.' (UTS #46). */
	if (c == 0x3002 || c == 0xFF0E || c == 0xFF61)
		return '.';
	return c;
}

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Validates an ASCII label of a DNS name. */
static bool label_ok(const char *l, size_t n)
{
	if (n == 0 || n > LABEL_MAX || l[0] == '-' || l[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!host_char_ok(l[i]))
			return false;
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Converts a registered name (UTF-8, any case) to its lower-case A-label form. A name whose last
 * label is numeric must be a dotted-quad IPv4 address: "127.1" or "2130706433" are refused because
 * resolvers read them as addresses.
 */
static int host_normalize(const char *in, size_t len, char **out)
{
	struct buf res, lab;
	uint32_t cps[LABEL_MAX * 4];
	size_t ncps = 0;
	bool ascii = true;
	int err = SS_EINVAL;

	if (len == 0 || len > HOST_MAX * 4)
		return SS_EINVAL;
	buf_init(&res, HOST_MAX + 1);
	buf_init(&lab, LABEL_MAX * 8);
	for (size_t i = 0; i <= len;) {
		uint32_t c = '.';
		size_t n = 1;
		if (i < len) {
			n = utf8_decode((const unsigned char *)in + i, len - i, &c);
			if (n == 0 || c < 0x21 || c == 0x7F)
				goto out;
			c = host_fold(c);
		}
		if (c == '.') {
			/* One trailing dot (the DNS root) is dropped. */
			if (ncps == 0 && i >= len && res.len > 0 && i > 0)
				break;
			buf_reset(&lab);
			if (ascii) {
				for (size_t k = 0; k < ncps; k++)
					buf_appendc(&lab, (char)cps[k]);
			} else if (buf_appends(&lab, "xn--") || punycode_encode(cps, ncps, &lab)) {
				goto out;
			}
			if (!label_ok(buf_str(&lab), lab.len))
				goto out;
			if ((res.len && buf_appendc(&res, '.')) || buf_append(&res, lab.data, lab.len))
				goto out;
			ncps = 0;
			ascii = true;
		} else {
			if (ncps == ARRAY_SIZE(cps))
				goto out;
			if (c >= 0x80)
				ascii = false;
			else if (!host_char_ok((char)c))
				goto out;
			cps[ncps++] = c;
		}
		i += n;
	}
	const char *h = buf_str(&res);
	const char *last = strrchr(h, '.');
	last = last ? last + 1 : h;
	if (all_digits(last, strlen(last)) || str_starts_with(last, "0x")) {
		struct in_addr a;
		if (inet_pton(AF_INET, h, &a) != 1)
			goto out;
	}
	*out = buf_detach(&res, NULL);
	err = 0;
out:
	buf_release(&res);
	buf_release(&lab);
	return err;
}

static bool is_unreserved_path_char(unsigned char c)
{
	return c > 0x20 && c < 0x7F && c != '#';
}

/* Appends s[0..n) to b with bytes that are not URL characters percent-encoded. */
static int append_encoded(struct buf *b, const char *s, size_t n, bool encode_space)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int rc;
		if (c < 0x20 || c == 0x7F)
			return SS_EINVAL;
		if (c == ' ' && !encode_space)
			return SS_EINVAL;
		if (is_unreserved_path_char(c))
			rc = buf_appendc(b, (char)c);
		else
			rc = buf_appendf(b, "%%%02X", c);
		if (rc)
			return rc;
	}
	return 0;
}

static int default_port(const char *scheme)
{
	return strcmp(scheme, "https") == 0 ? 443 : 80;
}

/* Parses scheme://authority[path][?query][#fragment]; lenient only in resolve (spaces). */
static int url_parse_mode(const char *text, struct url *out, bool encode_space)
{
	const char *p, *auth, *auth_end, *host_end;
	char *host = NULL;
	struct buf path;
	int err = SS_EINVAL;
	long port;

	memset(out, 0, sizeof(*out));
	if (!text || strlen(text) > URL_MAX)
		return SS_EINVAL;
	if (strncasecmp(text, "https://", 8) == 0) {
		out->scheme = xstrdup("https");
		auth = text + 8;
	} else if (strncasecmp(text, "http://", 7) == 0) {
		out->scheme = xstrdup("http");
		auth = text + 7;
	} else {
		return SS_EINVAL;
	}
	auth_end = auth + strcspn(auth, "/?#");
	/* User-info hides the real host from readers ("https://bank.com@evil.example"). */
	for (p = auth; p < auth_end; p++)
		if (*p == '@' || *p == '\\' || *p == '%' || (unsigned char)*p <= 0x20 || *p == 0x7F)
			goto out;
	if (*auth == '[') {
		char tmp[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		const char *close = memchr(auth, ']', (size_t)(auth_end - auth));
		if (!close || (size_t)(close - auth - 1) >= sizeof(tmp))
			goto out;
		memcpy(tmp, auth + 1, (size_t)(close - auth - 1));
		tmp[close - auth - 1] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1 || !inet_ntop(AF_INET6, &a6, tmp, sizeof(tmp)))
			goto out;
		host = xstrdup(tmp);
		host_end = close + 1;
		if (host_end != auth_end && *host_end != ':')
			goto out;
	} else {
		host_end = memchr(auth, ':', (size_t)(auth_end - auth));
		if (!host_end)
			host_end = auth_end;
		if (host_normalize(auth, (size_t)(host_end - auth), &host))
			goto out;
	}
	out->port = default_port(out->scheme);
	if (host_end < auth_end) {
		char digits[8];
		size_t n = (size_t)(auth_end - host_end - 1);
		if (n == 0 || n >= sizeof(digits))
			goto out;
		memcpy(digits, host_end + 1, n);
		digits[n] = '\0';
		if (str_to_long(digits, 1, 65535, &port) || digits[0] == '+' || digits[0] == '-')
			goto out;
		out->port = (int)port;
	}
	out->host = host;
	host = NULL;

	buf_init(&path, URL_MAX * 3);
	size_t rest = strcspn(auth_end, "#");
	if (*auth_end != '/' && buf_appendc(&path, '/'))
		goto out_path;
	if (append_encoded(&path, auth_end, rest, encode_space))
		goto out_path;
	out->path = buf_detach(&path, NULL);
	err = 0;
out_path:
	buf_release(&path);
out:
	free(host);
	if (err)
		url_release(out);
	return err;
}

int url_parse(const char *text, struct url *out)
{
	return url_parse_mode(text, out, false);
}

char *url_host_port(const struct url *u)
{
	bool v6 = strchr(u->host, ':') != NULL;
	if (u->port == default_port(u->scheme))
		return xstrdup(u->host);
	return v6 ? xasprintf("[%s]:%d", u->host, u->port) : xasprintf("%s:%d", u->host, u->port);
}

char *url_origin(const struct url *u)
{
	bool v6 = strchr(u->host, ':') != NULL;
	const char *lb = v6 ? "[" : "", *rb = v6 ? "]" : "";
	if (u->port == default_port(u->scheme))
		return xasprintf("%s://%s%s%s", u->scheme, lb, u->host, rb);
	return xasprintf("%s://%s%s%s:%d", u->scheme, lb, u->host, rb, u->port);
}

char *url_format(const struct url *u)
{
	char *origin = url_origin(u);
	char *s = xasprintf("%s%s", origin, u->path);
	free(origin);
	return s;
}

/* RFC 3986 5.2.4: removes "." and ".." segments from an absolute path (query kept as is). */
static char *remove_dot_segments(const char *path)
{
	size_t qpos = strcspn(path, "?");
	char *out = xmalloc(strlen(path) + 2);
	size_t o = 0;
	const char *in = path;
	const char *end = path + qpos;
	while (in < end) {
		const char *seg_end = memchr(in + 1, '/', (size_t)(end - in - 1));
		if (!seg_end)
			seg_end = end;
		size_t seg_len = (size_t)(seg_end - in); /* includes the leading '/' */
		if (seg_len == 2 && in[1] == '.') {
			if (seg_end == end)
				out[o++] = '/';
		} else if (seg_len == 3 && in[1] == '.' && in[2] == '.') {
			while (o > 0 && out[--o] != '/')
				;
			if (seg_end == end)
				out[o++] = '/';
		} else {
			memcpy(out + o, in, seg_len);
			o += seg_len;
		}
		in = seg_end;
	}
	if (o == 0)
		out[o++] = '/';
	size_t qlen = strlen(end);
	memcpy(out + o, end, qlen + 1);
	return out;
}

static bool has_scheme(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s && *s != ':'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '+' || *s == '-' || *s == '.'))
			return false;
	return *s == ':';
}

char *url_resolve(const struct url *base, const char *ref)
{
	char *copy, *trimmed, *origin, *joined = NULL, *result = NULL;
	struct url u;

	if (!ref || strlen(ref) > URL_MAX)
		return NULL;
	copy = xstrdup(ref);
	trimmed = str_trim(copy);
	origin = url_origin(base);
	if (has_scheme(trimmed)) {
		joined = xstrdup(trimmed);
	} else if (str_starts_with(trimmed, "//")) {
		joined = xasprintf("%s:%s", base->scheme, trimmed);
	} else if (trimmed[0] == '/') {
		joined = xasprintf("%s%s", origin, trimmed);
	} else if (trimmed[0] == '?') {
		joined = xasprintf("%s%.*s%s", origin, (int)strcspn(base->path, "?"), base->path, trimmed);
	} else if (trimmed[0] == '#' || trimmed[0] == '\0') {
		joined = xasprintf("%s%s", origin, base->path);
	} else {
		size_t dir = strcspn(base->path, "?");
		while (dir > 0 && base->path[dir - 1] != '/')
			dir--;
		joined = xasprintf("%s%.*s%s", origin, (int)dir, base->path, trimmed);
	}
	if (url_parse_mode(joined, &u, true) == 0) {
		char *clean = remove_dot_segments(u.path);
		free(u.path);
		u.path = clean;
		result = url_format(&u);
		url_release(&u);
	}
	free(joined);
	free(origin);
	free(copy);
	return result;
}

void url_release(struct url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}
