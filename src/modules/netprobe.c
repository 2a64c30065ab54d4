#include "base/common.h"
#include "modules/netprobe.h"
#include "base/str.h"

/* Evidence kept per result; the finding cuts to FINDING_EVIDENCE_MAX anyway. */
#define NP_EVIDENCE_MAX 450

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void np_result_init(struct np_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->evidence, NP_EVIDENCE_MAX);
}

void np_result_release(struct np_result *r)
{
	buf_release(&r->evidence);
}

void np_fail(struct np_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static void set_service(struct np_result *r, const char *service)
{
	str_copy(r->service, sizeof(r->service), service);
}

/* Copies printable bytes of data (at most n - 1) into out, control bytes as spaces, trimmed. */
static void printable(char *out, size_t n, const char *data, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len && w + 1 < n; i++) {
		unsigned char c = (unsigned char)data[i];
		out[w++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
	}
	out[w] = '\0';
	char *t = str_trim(out);
	if (t != out)
		memmove(out, t, strlen(t) + 1);
}

static bool secret_name(const char *w, size_t n)
{
	static const char *suffixes[] = {"password", "passwd", "pass", "pwd", "secret", "token", "apikey",
					 "api_key", "key", "auth", "credential", "credentials"};
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t l = strlen(suffixes[i]);
		/* a bare "key" names an entry (etcd, Consul), not a secret; "api_key", "privateKey" do */
		if (n >= l && strncasecmp(w + n - l, suffixes[i], l) == 0 && (l > 3 || n > l))
			return true;
	}
	return false;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

char *np_redact(const char *s)
{
	struct buf out;
	buf_init(&out, SIZE_MAX / 2);
	size_t r = 0, n = strlen(s);
	while (r < n) {
		if (!word_char(s[r]) || (r > 0 && word_char(s[r - 1]))) {
			buf_appendc(&out, s[r++]);
			continue;
		}
		size_t start = r;
		while (r < n && word_char(s[r]))
			r++;
		buf_append(&out, s + start, r - start);
		if (!secret_name(s + start, r - start))
			continue;
		/* name["] [:=] ["]value */
		size_t p = r;
		if (p < n && s[p] == '"')
			p++;
		while (p < n && s[p] == ' ')
			p++;
		if (p >= n || (s[p] != ':' && s[p] != '='))
			continue;
		p++;
		while (p < n && s[p] == ' ')
			p++;
		if (p < n && s[p] == '"')
			p++;
		size_t v = p;
		while (v < n && !strchr("\",; &}\r\n", s[v]))
			v++;
		if (v == p)
			continue;
		buf_append(&out, s + r, p - r);
		buf_appends(&out, "[redacted]");
		r = v;
	}
	return buf_detach(&out, NULL);
}

void np_evidence_add(struct np_result *r, const char *data, size_t len)
{
	size_t room = r->evidence.max > r->evidence.len ? r->evidence.max - r->evidence.len : 0;
	if (room < 2)
		return;
	char *tmp = xmalloc(MIN(len, NP_EVIDENCE_MAX) + 1);
	printable(tmp, MIN(len, NP_EVIDENCE_MAX) + 1, data, MIN(len, NP_EVIDENCE_MAX));
	char *clean = np_redact(tmp);
	free(tmp);
	if (r->evidence.len && room > 3) {
		/* "GET /x answered 200:" introduces what follows; other pieces are a list */
		bool intro = r->evidence.data[r->evidence.len - 1] == ':';
		buf_appends(&r->evidence, intro ? " " : "; ");
		room -= intro ? 1 : 2;
	}
	size_t l = strlen(clean);
	buf_append(&r->evidence, clean, MIN(l, room - 1));
	free(clean);
}

/* --- server-first greetings --- */

/* Length of a MySQL packet at the start of data, or 0 when it does not look like one. */
static size_t mysql_packet_len(const uint8_t *d, size_t len)
{
	if (len < 5 || d[3] != 0)
		return 0;
	size_t plen = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16;
	if (plen < 1 || plen > NP_MAX_ANSWER || (d[4] != 10 && d[4] != 0xFF))
		return 0;
	return plen;
}

int np_ftp_reply_code(const struct buf *b)
{
	const char *s = b->data;
	size_t len = b->len;
	if (len < 3)
		return 0;
	for (int i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return SS_EINVAL;
	const char *nl = memchr(s, '\n', len);
	if (len > 3 && s[3] != '-') {
		if (s[3] != ' ' && s[3] != '\r' && s[3] != '\n')
			return SS_EINVAL;
		return nl ? (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0') : 0;
	}
	if (len == 3)
		return 0;
	/* multi-line: ends with a line "ddd " with the same code */
	while (nl) {
		const char *line = nl + 1;
		size_t left = len - (size_t)(line - s);
		const char *end = memchr(line, '\n', left);
		if (!end)
			return 0;
		if (left >= 4 && !memcmp(line, s, 3) && line[3] == ' ')
			return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		nl = end;
	}
	return 0;
}

bool np_ftp_complete(const struct buf *b, void *ud)
{
	return np_ftp_reply_code(b) != 0;
}

bool np_banner_complete(const struct buf *b, void *ud)
{
	const uint8_t *d = (const uint8_t *)b->data;
	if (!b->len)
		return false;
	if (d[0] == 0xFF)
		return b->len >= 3;
	size_t plen = mysql_packet_len(d, b->len);
	if (plen)
		return b->len >= 4 + plen;
	if (b->len >= 4 && d[0] >= '0' && d[0] <= '9' && d[3] == '-')
		return np_ftp_reply_code(b) != 0;
	return memchr(b->data, '\n', b->len) != NULL;
}

static int parse_ssh(const char *data, size_t len, struct np_result *r)
{
	char line[256];
	const char *nl = memchr(data, '\n', len);
	printable(line, sizeof(line), data, nl ? (size_t)(nl - data) : len);
	/* SSH-protoversion-softwareversion [comments] */
	const char *dash = strchr(line + 4, '-');
	if (!nl || !dash || dash == line + 4 || dash[1] == '\0' || dash[1] == ' ') {
		np_fail(r, "malformed SSH identification line");
		return SS_EINVAL;
	}
	set_service(r, "ssh");
	str_copy(r->product, sizeof(r->product), line);
	np_evidence_add(r, line, strlen(line));
	return 0;
}

static int parse_mysql(const uint8_t *d, size_t len, struct np_result *r)
{
	size_t plen = mysql_packet_len(d, len);
	if (!plen || len < 4 + plen) {
		np_fail(r, "MySQL greeting cut short");
		return SS_EINVAL;
	}
	const uint8_t *p = d + 4;
	set_service(r, "mysql");
	if (p[0] == 0xFF) {
		/* error packet: code, then (4.1+) '#' and SQL state, then the message */
		size_t off = 3;
		if (plen > off && p[off] == '#')
			off += 6;
		char msg[160] = "";
		if (plen > off)
			printable(msg, sizeof(msg), (const char *)p + off, plen - off);
		r->auth = NP_AUTH_REQUIRED;
		snprintf(r->product, sizeof(r->product), "MySQL (refuses this client)");
		np_evidence_add(r, msg, strlen(msg));
		return 0;
	}
	const uint8_t *end = memchr(p + 1, 0, plen - 1);
	if (!end) {
		np_fail(r, "MySQL greeting without a version string");
		return SS_EINVAL;
	}
	char ver[64];
	printable(ver, sizeof(ver), (const char *)p + 1, (size_t)(end - (p + 1)));
	snprintf(r->product, sizeof(r->product), "%s %s", strstr(ver, "MariaDB") ? "MariaDB" : "MySQL", ver);
	np_evidence_add(r, r->product, strlen(r->product));
	return 0;
}

static int parse_rfb(const char *data, size_t len, struct np_result *r)
{
	/* "RFB 003.008\n" exactly */
	if (len < 12 || data[11] != '\n' || data[7] != '.') {
		np_fail(r, "malformed VNC (RFB) version greeting");
		return SS_EINVAL;
	}
	for (int i = 4; i < 11; i++)
		if (i != 7 && (data[i] < '0' || data[i] > '9')) {
			np_fail(r, "malformed VNC (RFB) version greeting");
			return SS_EINVAL;
		}
	set_service(r, "vnc");
	r->vnc_minor = (data[8] - '0') * 100 + (data[9] - '0') * 10 + (data[10] - '0');
	snprintf(r->product, sizeof(r->product), "RFB %.7s", data + 4);
	return 0;
}

int np_banner_identify(const char *data, size_t len, struct np_result *r)
{
	const uint8_t *d = (const uint8_t *)data;
	if (len >= 4 && !memcmp(data, "SSH-", 4))
		return parse_ssh(data, len, r);
	if (len >= 4 && !memcmp(data, "RFB ", 4))
		return parse_rfb(data, len, r);
	if (len >= 2 && d[0] == 0xFF && d[1] >= 0xFB && d[1] <= 0xFE) {
		set_service(r, "telnet");
		return 0;
	}
	if (mysql_packet_len(d, len))
		return parse_mysql(d, len, r);
	char line[200];
	const char *nl = memchr(data, '\n', len);
	printable(line, sizeof(line), data, nl ? (size_t)(nl - data) : len);
	if (len >= 4 && !memcmp(data, "220", 3) && (data[3] == ' ' || data[3] == '-')) {
		set_service(r, str_find_nocase(data, len, "SMTP") ? "smtp" : "ftp");
		str_copy(r->product, sizeof(r->product), line + 4);
		np_evidence_add(r, line, strlen(line));
		return 0;
	}
	if (len >= 3 && !memcmp(data, "+OK", 3)) {
		set_service(r, "pop3");
		np_evidence_add(r, line, strlen(line));
		return 0;
	}
	if (len >= 4 && !memcmp(data, "* OK", 4)) {
		set_service(r, "imap");
		np_evidence_add(r, line, strlen(line));
		return 0;
	}
	return SS_ENOTFOUND;
}

/* Compares dotted version numbers ("7.4p1" against "8.0"): <0, 0, >0. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = 0, y = 0;
		while (*a >= '0' && *a <= '9')
			x = x * 10 + (*a++ - '0');
		while (*b >= '0' && *b <= '9')
			y = y * 10 + (*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		if (*a != '.' || *b != '.')
			return 0;
		a++;
		b++;
	}
	return 0;
}

bool np_ssh_outdated(const char *software, const char *product, const char *minimum)
{
	/* software: the part after "SSH-2.0-", e.g. "OpenSSH_7.4p1 Debian-10" or "dropbear_2019.78" */
	size_t pl = strlen(product);
	if (strncasecmp(software, product, pl) != 0 || software[pl] != '_')
		return false;
	const char *v = software + pl + 1;
	if (*v < '0' || *v > '9')
		return false;
	return version_cmp(v, minimum) < 0;
}

/* --- Redis --- */

const char np_redis_request[] = "INFO\r\n";

/* Parses "$N\r\n" at the start of data: N (-1 for null), the header length in *hl; SS_EINVAL. */
static long resp_bulk_len(const char *data, size_t len, size_t *hl)
{
	const char *crlf = str_find(data, len, "\r\n");
	if (!crlf)
		return SS_ENOTFOUND;
	char num[16];
	size_t nl = (size_t)(crlf - data) - 1;
	if (nl == 0 || nl >= sizeof(num))
		return SS_EINVAL;
	memcpy(num, data + 1, nl);
	num[nl] = '\0';
	long n;
	if (str_to_long(num, -1, 512L * 1024 * 1024, &n) < 0)
		return SS_EINVAL;
	*hl = nl + 3;
	return n;
}

bool np_redis_complete(const struct buf *b, void *ud)
{
	if (!b->len)
		return false;
	if (b->data[0] == '$') {
		size_t hl;
		long n = resp_bulk_len(b->data, b->len, &hl);
		if (n == SS_ENOTFOUND)
			return false;
		if (n < 0)
			return true; /* malformed or null: nothing more to wait for */
		return b->len >= hl + (size_t)n + 2;
	}
	return memchr(b->data, '\n', b->len) != NULL;
}

/* Appends "name:value" of an INFO field to the evidence when present. */
static void info_field(struct np_result *r, const char *data, size_t len, const char *name,
		       char *out, size_t n)
{
	const char *p = str_find(data, len, name);
	if (!p)
		return;
	size_t left = len - (size_t)(p - data);
	const char *e = memchr(p, '\r', left);
	size_t l = e ? (size_t)(e - p) : left;
	np_evidence_add(r, p, MIN(l, 120));
	if (out) {
		size_t nl = strlen(name);
		printable(out, n, p + nl, l - nl);
	}
}

int np_redis_parse(const char *data, size_t len, struct np_result *r)
{
	if (!len)
		return SS_ENOTFOUND;
	if (data[0] == '-') {
		char line[160];
		const char *nl = memchr(data, '\n', len);
		printable(line, sizeof(line), data + 1, nl ? (size_t)(nl - data) - 1 : len - 1);
		set_service(r, "redis");
		if (str_starts_with(line, "NOAUTH") || str_starts_with(line, "DENIED") ||
		    str_find_nocase(line, strlen(line), "auth") || str_find_nocase(line, strlen(line), "permission"))
			r->auth = NP_AUTH_REQUIRED;
		np_evidence_add(r, line, strlen(line));
		return 0;
	}
	if (data[0] != '$')
		return SS_ENOTFOUND;
	size_t hl;
	long n = resp_bulk_len(data, len, &hl);
	if (n < 0 || len < hl + (size_t)n) {
		np_fail(r, "malformed or truncated Redis reply");
		return SS_EINVAL;
	}
	const char *info = data + hl;
	if (!str_find(info, (size_t)n, "redis_version:")) {
		np_fail(r, "Redis-like reply without redis_version");
		return SS_EINVAL;
	}
	set_service(r, "redis");
	r->auth = NP_AUTH_OPEN;
	char ver[32] = "";
	info_field(r, info, (size_t)n, "redis_version:", ver, sizeof(ver));
	snprintf(r->product, sizeof(r->product), "Redis %s", ver);
	info_field(r, info, (size_t)n, "os:", NULL, 0);
	info_field(r, info, (size_t)n, "connected_clients:", NULL, 0);
	info_field(r, info, (size_t)n, "used_memory_human:", NULL, 0);
	info_field(r, info, (size_t)n, "\ndb0:", NULL, 0);
	return 0;
}

/* --- Memcached --- */

const char np_memcached_request[] = "stats\r\n";

/* True when the last complete line of b is exactly word. */
static bool ends_with_line(const struct buf *b, const char *word)
{
	size_t wl = strlen(word);
	if (b->len < wl + 2 || memcmp(b->data + b->len - 2, "\r\n", 2) != 0)
		return false;
	size_t start = b->len - 2 - wl;
	return !memcmp(b->data + start, word, wl) && (start == 0 || b->data[start - 1] == '\n');
}

bool np_memcached_complete(const struct buf *b, void *ud)
{
	if (ends_with_line(b, "END") || ends_with_line(b, "ERROR"))
		return true;
	/* one-line errors ("CLIENT_ERROR ...", "SERVER_ERROR ...") end the answer too */
	return b->len && (str_starts_with(b->data, "CLIENT_ERROR") || str_starts_with(b->data, "SERVER_ERROR")) &&
	       memchr(b->data, '\n', b->len);
}

int np_memcached_parse(const char *data, size_t len, struct np_result *r)
{
	if (len >= 12 && !memcmp(data, "CLIENT_ERROR", 12)) {
		set_service(r, "memcached");
		r->auth = str_find_nocase(data, len, "auth") ? NP_AUTH_REQUIRED : NP_AUTH_UNKNOWN;
		np_evidence_add(r, data, MIN(len, 120));
		return 0;
	}
	if (len < 5 || memcmp(data, "STAT ", 5) != 0)
		return SS_ENOTFOUND;
	set_service(r, "memcached");
	r->auth = NP_AUTH_OPEN;
	static const char *keep[] = {"STAT version ", "STAT uptime ", "STAT curr_items ", "STAT curr_connections ",
				     "STAT total_items "};
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		const char *p = str_find(data, len, keep[i]);
		if (!p)
			continue;
		size_t left = len - (size_t)(p - data);
		const char *e = memchr(p, '\r', left);
		size_t l = e ? (size_t)(e - p) : left;
		np_evidence_add(r, p + 5, MIN(l - 5, 80));
		if (i == 0) {
			char v[32];
			printable(v, sizeof(v), p + 13, l - 13);
			snprintf(r->product, sizeof(r->product), "Memcached %s", v);
		}
	}
	return 0;
}

/* --- MongoDB --- */

/* BSON element lookup in a document: 0 with type and value, SS_ENOTFOUND, SS_EINVAL when malformed. */
static int bson_get(const uint8_t *doc, size_t len, const char *key, uint8_t *type, const uint8_t **val,
		    size_t *vlen)
{
	if (len < 5)
		return SS_EINVAL;
	size_t total = le32(doc);
	if (total < 5 || total > len || doc[total - 1] != 0)
		return SS_EINVAL;
	size_t off = 4;
	while (off < total - 1) {
		uint8_t t = doc[off++];
		const uint8_t *name = doc + off;
		const uint8_t *nul = memchr(name, 0, total - off);
		if (!nul)
			return SS_EINVAL;
		off = (size_t)(nul - doc) + 1;
		size_t left = total - 1 - off;
		size_t sz;
		switch (t) {
		case 0x01: case 0x09: case 0x11: case 0x12: sz = 8; break;
		case 0x10: sz = 4; break;
		case 0x08: sz = 1; break;
		case 0x07: sz = 12; break;
		case 0x13: sz = 16; break;
		case 0x06: case 0x0A: case 0x7F: case 0xFF: sz = 0; break;
		case 0x02: case 0x0D: case 0x0E:
			if (left < 4)
				return SS_EINVAL;
			sz = 4 + (size_t)le32(doc + off);
			if (sz < 5)
				return SS_EINVAL;
			break;
		case 0x03: case 0x04:
			if (left < 4)
				return SS_EINVAL;
			sz = le32(doc + off);
			if (sz < 5)
				return SS_EINVAL;
			break;
		case 0x05:
			if (left < 5)
				return SS_EINVAL;
			sz = 5 + (size_t)le32(doc + off);
			break;
		case 0x0B: {
			const uint8_t *a = memchr(doc + off, 0, left);
			const uint8_t *b = a ? memchr(a + 1, 0, (size_t)(doc + total - 1 - (a + 1))) : NULL;
			if (!b)
				return SS_EINVAL;
			sz = (size_t)(b - (doc + off)) + 1;
			break;
		}
		default:
			return SS_EINVAL;
		}
		if (sz > left)
			return SS_EINVAL;
		if (!strcmp((const char *)name, key)) {
			*type = t;
			*val = doc + off;
			*vlen = sz;
			return 0;
		}
		off += sz;
	}
	return SS_ENOTFOUND;
}

/* A numeric BSON field as a double; false when missing or not a number. */
static bool bson_number(const uint8_t *doc, size_t len, const char *key, double *out)
{
	uint8_t t;
	const uint8_t *v;
	size_t vl;
	if (bson_get(doc, len, key, &t, &v, &vl) < 0)
		return false;
	if (t == 0x01) {
		memcpy(out, v, 8);
		return true;
	}
	if (t == 0x10) {
		*out = (int32_t)le32(v);
		return true;
	}
	if (t == 0x12) {
		int64_t x;
		memcpy(&x, v, 8);
		*out = (double)x;
		return true;
	}
	if (t == 0x08) {
		*out = v[0] ? 1 : 0;
		return true;
	}
	return false;
}

/* A string BSON field (printable copy), or false. */
static bool bson_string(const uint8_t *doc, size_t len, const char *key, char *out, size_t n)
{
	uint8_t t;
	const uint8_t *v;
	size_t vl;
	if (bson_get(doc, len, key, &t, &v, &vl) < 0 || t != 0x02)
		return false;
	printable(out, n, (const char *)v + 4, vl - 5);
	return true;
}

/* Appends one BSON element header and name. */
static size_t bson_elem(uint8_t *out, size_t o, uint8_t type, const char *name)
{
	out[o++] = type;
	size_t l = strlen(name) + 1;
	memcpy(out + o, name, l);
	return o + l;
}

size_t np_mongo_request(uint8_t *out, size_t cap, int32_t request_id, bool list)
{
	if (cap < 128)
		return 0;
	size_t o = 21; /* header 16, flagBits 4, section kind 1 */
	size_t doc = o;
	o += 4;
	o = bson_elem(out, o, 0x10, list ? "listDatabases" : "hello");
	put_le32(out + o, 1);
	o += 4;
	if (list) {
		o = bson_elem(out, o, 0x08, "nameOnly");
		out[o++] = 1;
	}
	o = bson_elem(out, o, 0x02, "$db");
	put_le32(out + o, 6);
	o += 4;
	memcpy(out + o, "admin", 6);
	o += 6;
	out[o++] = 0;
	put_le32(out + doc, (uint32_t)(o - doc));
	put_le32(out, (uint32_t)o);
	put_le32(out + 4, (uint32_t)request_id);
	put_le32(out + 8, 0);
	put_le32(out + 12, 2013); /* OP_MSG */
	put_le32(out + 16, 0);
	out[20] = 0;
	return o;
}

bool np_mongo_complete(const struct buf *b, void *ud)
{
	if (b->len < 4)
		return false;
	size_t mlen = le32((const uint8_t *)b->data);
	return mlen < 16 || mlen > NP_MAX_ANSWER || b->len >= mlen;
}

int np_mongo_parse(const uint8_t *data, size_t len, bool list, struct np_result *r)
{
	if (len < 16)
		return SS_ENOTFOUND;
	size_t mlen = le32(data);
	uint32_t opcode = le32(data + 12);
	if (mlen < 16 || mlen > len || (opcode != 2013 && opcode != 1))
		return SS_ENOTFOUND;
	if (opcode == 1) {
		set_service(r, "mongodb");
		str_copy(r->product, sizeof(r->product), "MongoDB (legacy wire protocol)");
		return 0;
	}
	if (mlen < 21 || data[20] != 0) {
		np_fail(r, "malformed MongoDB OP_MSG answer");
		return SS_EINVAL;
	}
	const uint8_t *doc = data + 21;
	size_t dlen = mlen - 21;
	double ok = 0;
	if (!bson_number(doc, dlen, "ok", &ok)) {
		np_fail(r, "MongoDB answer without an ok field");
		return SS_EINVAL;
	}
	set_service(r, "mongodb");
	double wire;
	if (!list) {
		if (bson_number(doc, dlen, "maxWireVersion", &wire))
			snprintf(r->product, sizeof(r->product), "MongoDB (wire version %d)", (int)wire);
		else
			str_copy(r->product, sizeof(r->product), "MongoDB");
		return 0;
	}
	if (ok == 1) {
		uint8_t t;
		const uint8_t *v;
		size_t vl;
		if (bson_get(doc, dlen, "databases", &t, &v, &vl) < 0 || t != 0x04) {
			np_fail(r, "MongoDB listDatabases answer without databases");
			return SS_EINVAL;
		}
		r->auth = NP_AUTH_OPEN;
		struct buf names;
		buf_init(&names, 300);
		buf_appends(&names, "listDatabases answered: ");
		/* the array is a document keyed "0", "1", ...: each element a {name: ...} document */
		for (int i = 0; i < 50; i++) {
			char key[8], name[64];
			snprintf(key, sizeof(key), "%d", i);
			const uint8_t *ev;
			size_t el;
			if (bson_get(v, vl, key, &t, &ev, &el) < 0 || t != 0x03)
				break;
			if (bson_string(ev, el, "name", name, sizeof(name)))
				buf_appendf(&names, "%s%s", i ? ", " : "", name);
		}
		np_evidence_add(r, names.data, names.len);
		buf_release(&names);
		return 0;
	}
	char msg[160] = "";
	double code = 0;
	bson_string(doc, dlen, "errmsg", msg, sizeof(msg));
	bson_number(doc, dlen, "code", &code);
	if (code == 13 || str_find_nocase(msg, strlen(msg), "auth"))
		r->auth = NP_AUTH_REQUIRED;
	np_evidence_add(r, msg, strlen(msg));
	return 0;
}

/* --- PostgreSQL --- */

size_t np_pg_request(uint8_t *out, size_t cap)
{
	static const char params[] = "user\0postgres\0database\0postgres\0application_name\0secscan\0";
	size_t len = 8 + sizeof(params); /* sizeof includes the final terminating zero */
	if (cap < len)
		return 0;
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = 0;
	out[5] = 3; /* protocol 3.0 */
	out[6] = 0;
	out[7] = 0;
	memcpy(out + 8, params, sizeof(params));
	return len;
}

/* The first message's length (type byte included) or 0 if not yet known; SIZE_MAX when malformed. */
static size_t pg_msg_len(const uint8_t *d, size_t len)
{
	if (len < 5)
		return 0;
	size_t l = be32(d + 1);
	if (l < 4 || l > 8192)
		return SIZE_MAX;
	return l + 1;
}

bool np_pg_complete(const struct buf *b, void *ud)
{
	const uint8_t *d = (const uint8_t *)b->data;
	size_t off = 0;
	/* after AuthenticationOk the server sends parameters until ReadyForQuery ('Z') */
	for (;;) {
		size_t l = pg_msg_len(d + off, b->len - off);
		if (l == SIZE_MAX)
			return true;
		if (l == 0 || off + l > b->len)
			return false;
		bool auth_ok = d[off] == 'R' && l >= 9 && be32(d + off + 5) == 0;
		if (d[off] == 'Z' || (off == 0 && !auth_ok))
			return true;
		off += l;
	}
}

int np_pg_parse(const uint8_t *d, size_t len, struct np_result *r)
{
	size_t l = pg_msg_len(d, len);
	if (l == 0 || (d[0] != 'R' && d[0] != 'E'))
		return SS_ENOTFOUND;
	if (l == SIZE_MAX || l > len) {
		np_fail(r, "malformed PostgreSQL message");
		return SS_EINVAL;
	}
	set_service(r, "postgres");
	str_copy(r->product, sizeof(r->product), "PostgreSQL");
	if (d[0] == 'E') {
		/* fields: type byte + string, up to a zero byte; 'M' is the message */
		size_t off = 5;
		while (off < l && d[off]) {
			uint8_t ft = d[off++];
			const uint8_t *nul = memchr(d + off, 0, l - off);
			if (!nul)
				break;
			if (ft == 'M')
				np_evidence_add(r, (const char *)d + off, (size_t)(nul - (d + off)));
			off = (size_t)(nul - d) + 1;
		}
		r->auth = NP_AUTH_REQUIRED;
		return 0;
	}
	if (l < 9) {
		np_fail(r, "malformed PostgreSQL authentication request");
		return SS_EINVAL;
	}
	uint32_t code = be32(d + 5);
	static const char *methods[] = {"none (trust)", "", "Kerberos", "cleartext password", "", "MD5 password",
					"", "GSSAPI", "", "SSPI", "SCRAM-SHA-256"};
	const char *m = code < ARRAY_SIZE(methods) && methods[code][0] ? methods[code] : "unknown";
	char ev[200];
	snprintf(ev, sizeof(ev), "authentication requested for user postgres: %s", m);
	r->auth = code == 0 ? NP_AUTH_OPEN : NP_AUTH_REQUIRED;
	np_evidence_add(r, ev, strlen(ev));
	/* ParameterStatus messages after AuthenticationOk carry the server version */
	for (size_t off = l; off < len;) {
		size_t ml = pg_msg_len(d + off, len - off);
		if (ml == 0 || ml == SIZE_MAX || off + ml > len)
			break;
		static const char key[] = "server_version";
		if (d[off] == 'S' && ml > 5 + sizeof(key) && !memcmp(d + off + 5, key, sizeof(key))) {
			char v[40];
			printable(v, sizeof(v), (const char *)d + off + 5 + sizeof(key), ml - 5 - sizeof(key));
			snprintf(r->product, sizeof(r->product), "PostgreSQL %s", v);
			np_evidence_add(r, r->product, strlen(r->product));
		}
		off += ml;
	}
	return 0;
}

/* --- VNC --- */

size_t np_vnc_client_version(int minor, char *out, size_t cap)
{
	int m = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
	return (size_t)snprintf(out, cap, "RFB 003.%03d\n", m);
}

bool np_vnc_complete(const struct buf *b, void *ud)
{
	const struct np_result *r = ud;
	const uint8_t *d = (const uint8_t *)b->data;
	if (r->vnc_minor < 7)
		return b->len >= 4;
	return b->len >= 1 && (d[0] == 0 || b->len >= 1u + d[0]);
}

int np_vnc_parse_security(const uint8_t *d, size_t len, struct np_result *r)
{
	static const char *names[] = {"Invalid", "None", "VNC password", "", "", "RA2", "RA2ne", "", "",
				      "", "", "", "", "", "", "", "Tight", "Ultra", "TLS", "VeNCrypt"};
	uint8_t types[255];
	size_t n;
	if (r->vnc_minor < 7) {
		if (len < 4) {
			np_fail(r, "VNC security type cut short (%zu of 4 bytes)", len);
			return SS_EINVAL;
		}
		uint32_t t = be32(d);
		if (t > 255) {
			np_fail(r, "VNC security type %u is not valid", t);
			return SS_EINVAL;
		}
		types[0] = (uint8_t)t;
		n = 1;
	} else {
		if (len < 1) {
			np_fail(r, "VNC server sent no security types");
			return SS_EINVAL;
		}
		n = d[0];
		if (n == 0) {
			r->auth = NP_AUTH_REQUIRED;
			np_evidence_add(r, "server refused the connection", 29);
			return 0;
		}
		if (len < 1 + n) {
			np_fail(r, "VNC security type list cut short (%zu of %zu bytes)", len - 1, n);
			return SS_EINVAL;
		}
		memcpy(types, d + 1, n);
	}
	char ev[300];
	size_t w = (size_t)snprintf(ev, sizeof(ev), "%s, security types:", r->product);
	r->auth = NP_AUTH_REQUIRED;
	for (size_t i = 0; i < n && w < sizeof(ev); i++) {
		if (types[i] == 1)
			r->auth = NP_AUTH_OPEN;
		const char *nm = types[i] < ARRAY_SIZE(names) && names[types[i]][0] ? names[types[i]] : NULL;
		if (nm)
			w += (size_t)snprintf(ev + w, sizeof(ev) - w, " %s", nm);
		else
			w += (size_t)snprintf(ev + w, sizeof(ev) - w, " %u", types[i]);
	}
	np_evidence_add(r, ev, strlen(ev));
	return 0;
}

/* --- SMB --- */

size_t np_smb_request(uint8_t *out, size_t cap)
{
	static const uint8_t hdr[32] = {0xFF, 'S', 'M', 'B', 0x72, 0, 0, 0, 0, 0x18, 0x53, 0xC8,
					0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE, 0, 0, 0, 0};
	static const char dialects[] = "\2NT LM 0.12\0\2SMB 2.002\0\2SMB 2.???";
	size_t dl = sizeof(dialects); /* with the final zero */
	size_t len = 4 + 32 + 1 + 2 + dl;
	if (cap < len)
		return 0;
	size_t body = len - 4;
	out[0] = 0;
	out[1] = (uint8_t)(body >> 16);
	out[2] = (uint8_t)(body >> 8);
	out[3] = (uint8_t)body;
	memcpy(out + 4, hdr, 32);
	out[36] = 0; /* word count */
	out[37] = (uint8_t)dl;
	out[38] = (uint8_t)(dl >> 8);
	memcpy(out + 39, dialects, dl);
	return len;
}

bool np_smb_complete(const struct buf *b, void *ud)
{
	return b->len >= 8;
}

int np_smb_parse(const uint8_t *d, size_t len, struct np_result *r)
{
	if (len < 8 || d[0] != 0 || (d[4] != 0xFF && d[4] != 0xFE) || memcmp(d + 5, "SMB", 3) != 0)
		return SS_ENOTFOUND;
	set_service(r, "smb");
	str_copy(r->product, sizeof(r->product), d[4] == 0xFE ? "SMB 2/3" : "SMB 1");
	np_evidence_add(r, r->product, strlen(r->product));
	return 0;
}

/* --- RDP --- */

size_t np_rdp_request(uint8_t *out, size_t cap)
{
	/* TPKT(4) + X.224 Connection Request(7) + RDP_NEG_REQ asking for TLS and CredSSP(8) */
	static const uint8_t req[19] = {3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0};
	if (cap < sizeof(req))
		return 0;
	memcpy(out, req, sizeof(req));
	return sizeof(req);
}

bool np_rdp_complete(const struct buf *b, void *ud)
{
	const uint8_t *d = (const uint8_t *)b->data;
	return b->len >= 4 && (d[0] != 3 || b->len >= (size_t)(d[2] << 8 | d[3]));
}

int np_rdp_parse(const uint8_t *d, size_t len, struct np_result *r)
{
	if (len < 11 || d[0] != 3 || d[1] != 0 || (size_t)(d[2] << 8 | d[3]) > len || (d[5] & 0xF0) != 0xD0)
		return SS_ENOTFOUND;
	set_service(r, "rdp");
	r->rdp_protocol = UINT32_MAX;
	if (len >= 19 && d[11] == 2) {
		r->rdp_protocol = le32(d + 15);
		static const char *names[] = {"standard RDP security", "TLS", "CredSSP (NLA)"};
		snprintf(r->product, sizeof(r->product), "RDP, selected protocol: %s",
			 r->rdp_protocol < ARRAY_SIZE(names) ? names[r->rdp_protocol] : "CredSSP/other");
	} else if (len >= 19 && d[11] == 3) {
		snprintf(r->product, sizeof(r->product), "RDP, negotiation failure code %u", le32(d + 15));
	} else {
		str_copy(r->product, sizeof(r->product), "RDP");
	}
	np_evidence_add(r, r->product, strlen(r->product));
	return 0;
}

/* --- HTTP APIs --- */

/* The string value of "key": "value" in a JSON body, found by search; false if absent. */
static bool json_str(const char *body, size_t len, const char *key, char *out, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	const char *p = str_find(body, len, pat);
	if (!p)
		return false;
	const char *end = body + len;
	p += strlen(pat);
	while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	if (p >= end || *p != '"')
		return false;
	p++;
	const char *q = memchr(p, '"', (size_t)(end - p));
	if (!q)
		return false;
	printable(out, n, p, (size_t)(q - p));
	return true;
}

static bool has(const char *body, size_t len, const char *s)
{
	return str_find(body, len, s) != NULL;
}

static void auth_by_status(struct np_result *r, long status)
{
	if (status == 200)
		r->auth = NP_AUTH_OPEN;
	else if (status == 401 || status == 403)
		r->auth = NP_AUTH_REQUIRED;
}

static int identify_root(long status, const char *body, size_t len, struct np_result *r)
{
	char v[48] = "";
	if (has(body, len, "You Know, for Search") || has(body, len, "The OpenSearch Project")) {
		bool os = has(body, len, "OpenSearch");
		set_service(r, os ? "opensearch" : "elasticsearch");
		json_str(body, len, "number", v, sizeof(v));
		snprintf(r->product, sizeof(r->product), "%s %s", os ? "OpenSearch" : "Elasticsearch", v);
		auth_by_status(r, status);
		if (r->auth == NP_AUTH_OPEN) {
			char name[64] = "";
			json_str(body, len, "cluster_name", name, sizeof(name));
			char ev[160];
			snprintf(ev, sizeof(ev), "GET / answered 200: cluster_name %s, version %s", name, v);
			np_evidence_add(r, ev, strlen(ev));
		}
		return 0;
	}
	if (status == 401 && has(body, len, "security_exception")) {
		set_service(r, "elasticsearch");
		str_copy(r->product, sizeof(r->product), "Elasticsearch (security enabled)");
		r->auth = NP_AUTH_REQUIRED;
		return 0;
	}
	if (has(body, len, "\"couchdb\"") && has(body, len, "Welcome")) {
		set_service(r, "couchdb");
		json_str(body, len, "version", v, sizeof(v));
		snprintf(r->product, sizeof(r->product), "CouchDB %s", v);
		return 0;
	}
	if (has(body, len, "RabbitMQ Management")) {
		set_service(r, "rabbitmq");
		str_copy(r->product, sizeof(r->product), "RabbitMQ management");
		return 0;
	}
	return SS_ENOTFOUND;
}

static int identify_version(long status, const char *body, size_t len, struct np_result *r)
{
	char v[48] = "";
	if (has(body, len, "\"ApiVersion\"") && (has(body, len, "\"Os\"") || has(body, len, "\"GoVersion\""))) {
		set_service(r, "docker");
		json_str(body, len, "Version", v, sizeof(v));
		snprintf(r->product, sizeof(r->product), "Docker Engine %s", v);
		auth_by_status(r, status);
		np_evidence_add(r, body, MIN(len, 200));
		return 0;
	}
	if (has(body, len, "\"etcdserver\"")) {
		set_service(r, "etcd");
		json_str(body, len, "etcdserver", v, sizeof(v));
		snprintf(r->product, sizeof(r->product), "etcd %s", v);
		return 0;
	}
	if (has(body, len, "\"gitVersion\"") && has(body, len, "\"major\"")) {
		set_service(r, "kubernetes");
		json_str(body, len, "gitVersion", v, sizeof(v));
		snprintf(r->product, sizeof(r->product), "Kubernetes %s", v);
		return 0;
	}
	if ((status == 401 || status == 403) && has(body, len, "\"kind\"") && has(body, len, "\"Status\"")) {
		set_service(r, "kubernetes");
		str_copy(r->product, sizeof(r->product), "Kubernetes");
		r->auth = NP_AUTH_REQUIRED;
		return 0;
	}
	return SS_ENOTFOUND;
}

int np_http_identify(const char *path, long status, const char *body, size_t len, struct np_result *r)
{
	if (!strcmp(path, "/"))
		return identify_root(status, body, len, r);
	if (!strcmp(path, "/version"))
		return identify_version(status, body, len, r);
	bool pods = !strcmp(path, "/api/v1/pods?limit=5") || !strcmp(path, "/pods");
	bool listing = (!strcmp(path, "/_all_dbs") && len && body[0] == '[') ||
		       (!strcmp(path, "/v2/keys") && has(body, len, "\"action\"")) ||
		       (pods && has(body, len, "\"PodList\"")) ||
		       (!strcmp(path, "/api/overview") && has(body, len, "rabbitmq_version"));
	if (status == 200 && listing) {
		r->auth = NP_AUTH_OPEN;
		char ev[64];
		snprintf(ev, sizeof(ev), "GET %s answered 200:", path);
		np_evidence_add(r, ev, strlen(ev));
		np_evidence_add(r, body, MIN(len, 300));
		return 0;
	}
	if (status == 401 || status == 403) {
		r->auth = NP_AUTH_REQUIRED;
		return 0;
	}
	return SS_ENOTFOUND;
}
