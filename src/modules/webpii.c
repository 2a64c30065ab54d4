#include "base/common.h"
#include "modules/webpii.h"
#include "base/str.h"
#include <ctype.h>
#include <jansson.h>

/* --- CORS --- */

/* Copies a header value trimmed of white space into out; false if absent or too long. */
static bool cors_trimmed(const char *v, char *out, size_t n)
{
	if (!v || strlen(v) >= n)
		return false;
	str_copy(out, n, v);
	char *t = str_trim(out);
	memmove(out, t, strlen(t) + 1);
	return true;
}

void cors_judge(const char *sent, const char *acao, const char *acac, struct cors_verdict *v)
{
	memset(v, 0, sizeof(*v));
	char a[512], c[32];
	if (cors_trimmed(acao, a, sizeof(a))) {
		v->wildcard = !strcmp(a, "*");
		/* Browsers compare the serialized origin byte for byte (the scheme and host lower case). */
		v->allowed = sent && *sent && !strcasecmp(a, sent);
	}
	v->credentials = cors_trimmed(acac, c, sizeof(c)) && !strcasecmp(c, "true");
}

/* --- redaction --- */

void pii_redact(const char *value, size_t len, char *out, size_t n)
{
	const char *at = memchr(value, '@', len);
	if (at && at > value) {
		const char *dom = at + 1;
		size_t dlen = len - (size_t)(dom - value);
		const char *dot = NULL;
		for (size_t i = 0; i < dlen; i++)
			if (dom[i] == '.')
				dot = dom + i;
		if (dot && dot > dom) {
			snprintf(out, n, "%c***@%c***%.*s", value[0], dom[0], (int)MIN((size_t)16, (size_t)(dom + dlen - dot)),
				 dot);
			return;
		}
	}
	size_t digits = 0;
	for (size_t i = 0; i < len; i++)
		digits += isdigit((unsigned char)value[i]) != 0;
	char last[3] = "";
	for (size_t i = len, k = 2; i > 0 && k > 0; i--)
		if (isdigit((unsigned char)value[i - 1]))
			last[--k] = value[i - 1];
	snprintf(out, n, "<%zu digits, ending %s>", digits, last[0] ? last : "?");
}

/* --- emails and phones in text --- */

static bool pii_local_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool pii_domain_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* File names ("logo@2x.png"), package scopes and documentation domains are not addresses of people. */
static bool pii_email_excluded(const char *dom, size_t dlen, const char *tld, size_t tlen)
{
	static const char *const file_tlds[] = {"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "js", "mjs", "css",
						"map", "json", "ico", "woff", "woff2", "ttf"};
	for (size_t i = 0; i < ARRAY_SIZE(file_tlds); i++)
		if (tlen == strlen(file_tlds[i]) && !strncasecmp(tld, file_tlds[i], tlen))
			return true;
	static const char *const doc_domains[] = {"example.com", "example.org", "example.net", "domain.com",
						  "email.com", "yourdomain.com", "sentry.io"};
	for (size_t i = 0; i < ARRAY_SIZE(doc_domains); i++) {
		size_t n = strlen(doc_domains[i]);
		if (dlen >= n && !strncasecmp(dom + dlen - n, doc_domains[i], n) && (dlen == n || dom[dlen - n - 1] == '.'))
			return true;
	}
	return false;
}

/* The email around the '@' at p in [s, s+len), as [*b, *e); false if it is none. */
static bool pii_email_at(const char *s, size_t len, const char *p, const char **b, const char **e)
{
	const char *end = s + len, *l = p, *r = p + 1;
	while (l > s && pii_local_char(l[-1]) && p - l < 64)
		l--;
	while (r < end && pii_domain_char(*r) && r - p < 255)
		r++;
	while (r > p + 1 && (r[-1] == '.' || r[-1] == '-'))
		r--;
	/* URL user-info (https://key@host, a Sentry DSN) is no address */
	if (l == p || *l == '.' || (l - s >= 1 && (l[-1] == '/' || l[-1] == ':')))
		return false;
	const char *dom = p + 1, *dot = NULL;
	for (const char *q = dom; q < r; q++)
		if (*q == '.')
			dot = q;
	if (!dot || dot == dom || r - dot - 1 < 2)
		return false;
	for (const char *q = dot + 1; q < r; q++)
		if (!isalpha((unsigned char)*q))
			return false;
	if (pii_email_excluded(dom, (size_t)(r - dom), dot + 1, (size_t)(r - dot - 1)))
		return false;
	*b = l;
	*e = r;
	return true;
}

static bool pii_is_role(const char *local, size_t n)
{
	static const char *const roles[] = {"info", "contact", "support", "hello", "help", "sales", "press",
					    "privacy", "security", "admin", "webmaster", "team", "office", "noreply",
					    "no-reply", "legal", "abuse", "hr", "jobs", "careers", "billing",
					    "marketing", "feedback", "enquiries", "service", "dpo", "media", "partners"};
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		if (n == strlen(roles[i]) && !strncasecmp(local, roles[i], n))
			return true;
	return false;
}

/* A phone number starting at p ("+" country code, or right after "tel:"): its end, or NULL. */
static const char *pii_phone_at(const char *p, const char *end, bool tel)
{
	const char *q = p;
	if (q < end && *q == '+')
		q++;
	else if (!tel)
		return NULL;
	size_t digits = 0, seps = 0;
	const char *last = q; /* after the last digit */
	for (; q < end; q++) {
		if (isdigit((unsigned char)*q)) {
			digits++;
			seps = 0;
			last = q + 1;
		} else if ((*q == ' ' || *q == '-' || *q == '.' || *q == '(' || *q == ')') && ++seps <= 2 && digits) {
			continue; /* "+1 (415) 555-0134": at most two separators between digit groups */
		} else {
			break;
		}
	}
	q = last;
	if (digits < 8 || digits > 15 || (q < end && (isalnum((unsigned char)*q) || *q == '_')))
		return NULL;
	return q;
}

struct pii_seen {
	char **v;
	size_t n, cap;
};

static bool pii_new(struct pii_seen *s, const char *b, size_t n)
{
	if (s->n >= 256)
		return false;
	char *k = xstrndup(b, MIN(n, (size_t)128));
	str_lower(k);
	bool added = str_set_insert(&s->v, &s->n, &s->cap, k);
	free(k);
	return added;
}

static void pii_seen_release(struct pii_seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

void pii_text_scan(const char *text, size_t len, struct pii_text *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return;
	len = MIN(len, (size_t)PII_BODY_MAX);
	struct pii_seen seen = {0};
	const char *end = text + len;
	for (const char *p = text; p < end; p++) {
		const char *b, *e;
		if (*p == '@' && pii_email_at(text, len, p, &b, &e)) {
			if (pii_new(&seen, b, (size_t)(e - b))) {
				bool role = pii_is_role(b, (size_t)(p - b));
				char *sample = role ? out->role_sample : out->sample;
				if (!*sample)
					pii_redact(b, (size_t)(e - b), sample, sizeof(out->sample));
				*(role ? &out->role_emails : &out->emails) += 1;
			}
			p = e - 1;
			continue;
		}
		bool tel = p + 4 <= end && !strncasecmp(p, "tel:", 4);
		const char *start = tel ? p + 4 : p;
		if (!tel && (*p != '+' || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == ')' || p[-1] == ']' ||
							  p[-1] == '_' || p[-1] == '+'))))
			continue;
		const char *pe = pii_phone_at(start, end, tel);
		if (!pe)
			continue;
		char digits[32];
		size_t nd = 0;
		for (const char *q = start; q < pe && nd < sizeof(digits) - 1; q++)
			if (isdigit((unsigned char)*q))
				digits[nd++] = *q;
		digits[nd] = '\0';
		if (pii_new(&seen, digits, nd)) {
			out->phones++;
			if (!*out->sample)
				pii_redact(start, (size_t)(pe - start), out->sample, sizeof(out->sample));
		}
		p = pe - 1;
	}
	pii_seen_release(&seen);
}

/* --- personal records in JSON --- */

enum pii_kind { PII_NONE, PII_EMAIL, PII_PHONE, PII_NAME, PII_ADDRESS, PII_ID };

static enum pii_kind pii_key_kind(const char *key)
{
	static const struct {
		const char *word;
		enum pii_kind kind;
	} keys[] = {
		{"email", PII_EMAIL}, {"e_mail", PII_EMAIL}, {"mail", PII_EMAIL},
		{"phone", PII_PHONE}, {"mobile", PII_PHONE}, {"tel", PII_PHONE}, {"msisdn", PII_PHONE},
		{"first_name", PII_NAME}, {"firstname", PII_NAME}, {"last_name", PII_NAME}, {"lastname", PII_NAME},
		{"full_name", PII_NAME}, {"fullname", PII_NAME}, {"name", PII_NAME}, {"surname", PII_NAME},
		{"address", PII_ADDRESS}, {"street", PII_ADDRESS}, {"postcode", PII_ADDRESS},
		{"zip", PII_ADDRESS}, {"postal_code", PII_ADDRESS},
		{"ssn", PII_ID}, {"birth", PII_ID}, {"dob", PII_ID}, {"passport", PII_ID}, {"iban", PII_ID},
	};
	char k[64];
	size_t j = 0;
	/* "firstName", "first-name", "EmailAddress" -> "firstname", "first_name", "emailaddress" */
	for (const char *p = key; *p && j < sizeof(k) - 1; p++)
		k[j++] = *p == '-' ? '_' : (char)tolower((unsigned char)*p);
	k[j] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t n = strlen(keys[i].word);
		/* the word is the key, or starts or ends it ("email_address", "user_email") */
		if (!strcmp(k, keys[i].word) || (j > n && !strncmp(k, keys[i].word, n) && keys[i].kind != PII_NAME) ||
		    (j > n && !strcmp(k + j - n, keys[i].word) && (k[j - n - 1] == '_' || keys[i].kind != PII_NAME)))
			return keys[i].kind;
	}
	return PII_NONE;
}

static const char *const pii_kind_names[] = {"", "email", "phone", "name", "address", "identity number"};

/* True if the string value really holds what its key says. */
static bool pii_value_ok(enum pii_kind kind, const char *v, size_t n)
{
	if (n == 0 || n > 200)
		return false;
	const char *b, *e, *at;
	switch (kind) {
	case PII_EMAIL:
		at = memchr(v, '@', n);
		return at && pii_email_at(v, n, at, &b, &e) && b == v && e == v + n;
	case PII_PHONE: {
		size_t digits = 0;
		for (size_t i = 0; i < n; i++)
			digits += isdigit((unsigned char)v[i]) != 0;
		return digits >= 7 && digits <= 15;
	}
	case PII_NAME:
	case PII_ADDRESS:
	case PII_ID:
		return isalnum((unsigned char)v[0]) != 0;
	case PII_NONE:
		break;
	}
	return false;
}

struct pii_walk {
	struct pii_records *out;
	unsigned seen; /* bit per enum pii_kind */
};

static void pii_note(struct pii_walk *w, enum pii_kind kind, const char *v, size_t n)
{
	if (!(w->seen & (1u << kind))) {
		w->seen |= 1u << kind;
		size_t l = strlen(w->out->fields);
		snprintf(w->out->fields + l, sizeof(w->out->fields) - l, "%s%s", l ? ", " : "", pii_kind_names[kind]);
	}
	if (!*w->out->sample && (kind == PII_EMAIL || kind == PII_PHONE))
		pii_redact(v, n, w->out->sample, sizeof(w->out->sample));
}

/* True if the object is a record of a person: an email or phone, or a name with an address or id. */
static bool pii_record(struct pii_walk *w, json_t *obj)
{
	const char *key;
	json_t *v;
	unsigned kinds = 0;
	json_object_foreach(obj, key, v) {
		enum pii_kind k = pii_key_kind(key);
		if (k != PII_NONE && json_is_string(v) && pii_value_ok(k, json_string_value(v), json_string_length(v)))
			kinds |= 1u << k;
	}
	bool person = (kinds & (1u << PII_EMAIL | 1u << PII_PHONE)) ||
		      ((kinds & (1u << PII_NAME)) && (kinds & (1u << PII_ADDRESS | 1u << PII_ID)));
	if (!person)
		return false;
	json_object_foreach(obj, key, v) {
		enum pii_kind k = pii_key_kind(key);
		if (kinds & (1u << k))
			pii_note(w, k, json_string_value(v), json_string_length(v));
	}
	return true;
}

static void pii_walk(struct pii_walk *w, json_t *j, int depth)
{
	if (depth > 12)
		return;
	size_t i;
	const char *key;
	json_t *v;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (json_is_object(v) && pii_record(w, v))
				w->out->records++;
			else
				pii_walk(w, v, depth + 1);
		}
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			pii_walk(w, v, depth + 1);
	}
}

int pii_json_records(const char *body, size_t len, struct pii_records *out)
{
	memset(out, 0, sizeof(*out));
	if (!body || !len || len > PII_BODY_MAX)
		return SS_EINVAL;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return SS_EINVAL;
	struct pii_walk w = {.out = out};
	pii_walk(&w, root, 0);
	json_decref(root);
	return 0;
}
