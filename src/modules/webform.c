#include "base/common.h"
#include "modules/webform.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/url.h"
#include "modules/modutil.h"
#include <ctype.h>

/* The attribute's value in the tag [s, e) into out, lower case; false if absent. */
static bool webform_attr_lower(const char *s, const char *e, const char *name, struct buf *out)
{
	if (!modutil_tag_attr(s, e, name, out))
		return false;
	str_lower(out->data ? out->data : (char *)"");
	return true;
}

/* True if an <input>/<select>/<textarea> tag asks for personal data. */
static bool webform_personal_input(const char *s, const char *e, struct buf *v)
{
	if (webform_attr_lower(s, e, "type", v) && (!strcmp(buf_str(v), "email") || !strcmp(buf_str(v), "tel")))
		return true;
	static const char *const words[] = {"email", "e-mail", "phone", "tel", "mobile", "name", "address", "street",
					    "zip", "postcode", "birth", "dob", "ssn", "iban", "card"};
	static const char *const attrs[] = {"name", "autocomplete", "id"};
	for (size_t a = 0; a < ARRAY_SIZE(attrs); a++) {
		if (!webform_attr_lower(s, e, attrs[a], v))
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(words); w++)
			if (strstr(buf_str(v), words[w]) && !strstr(buf_str(v), "username") && !strstr(buf_str(v), "hostname"))
				return true;
	}
	return false;
}

void webform_each(const char *page_url, const char *html, size_t len, void (*fn)(void *ud, const struct webform *f),
		  void *ud)
{
	struct url base;
	if (!html || !page_url || url_parse(page_url, &base))
		return;
	len = MIN(len, (size_t)WEBFORM_PAGE_MAX);
	const char *end = html + len;
	struct buf v;
	buf_init(&v, 8192);
	int forms = 0;
	for (const char *p = html; p < end && forms < WEBFORM_MAX_FORMS; forms++) {
		const char *tag = str_find_nocase(p, (size_t)(end - p), "<form");
		if (!tag)
			break;
		const char *te = memchr(tag, '>', (size_t)(end - tag));
		if (!te)
			break;
		const char *close = str_find_nocase(te, (size_t)(end - te), "</form");
		const char *body_end = close ? close : end;
		struct webform f = {0};
		char *action = NULL;
		if (modutil_tag_attr(tag + 5, te, "action", &v) && v.len)
			action = url_resolve(&base, buf_str(&v));
		f.action = action ? action : page_url;
		f.post = webform_attr_lower(tag + 5, te, "method", &v) && !strcmp(buf_str(&v), "post");
		for (const char *q = te; q < body_end;) {
			const char *in = memchr(q, '<', (size_t)(body_end - q));
			if (!in)
				break;
			const char *ie = memchr(in, '>', (size_t)(body_end - in));
			if (!ie)
				break;
			size_t rest = (size_t)(ie - in);
			bool input = rest > 6 && !strncasecmp(in, "<input", 6);
			if (input && webform_attr_lower(in + 6, ie, "type", &v) && !strcmp(buf_str(&v), "password"))
				f.password = true;
			else if ((input || (rest > 7 && !strncasecmp(in, "<select", 7)) ||
				  (rest > 9 && !strncasecmp(in, "<textarea", 9))) &&
				 webform_personal_input(in + 1, ie, &v))
				f.personal = true;
			q = ie + 1;
		}
		fn(ud, &f);
		free(action);
		p = close ? close + 6 : end;
	}
	buf_release(&v);
	url_release(&base);
}

static bool webform_token_name(const char *n, size_t len)
{
	static const char *const names[] = {"token", "access_token", "accesstoken", "id_token", "refresh_token",
					    "auth", "auth_token", "authtoken", "api_key", "apikey", "api-key", "session",
					    "sessionid", "session_id", "sid", "jwt", "password", "passwd", "pwd", "secret",
					    "client_secret"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (len == strlen(names[i]) && !strncasecmp(n, names[i], len))
			return true;
	return false;
}

static bool webform_url_char(char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && c != '(' && c != ')';
}

void webform_token_params(const char *html, size_t len,
			  void (*fn)(void *ud, const char *url, size_t ulen, const char *name, size_t nlen,
				     const char *value, size_t vlen),
			  void *ud)
{
	if (!html)
		return;
	len = MIN(len, (size_t)WEBFORM_PAGE_MAX);
	const char *end = html + len;
	for (const char *p = html; p < end; p++) {
		if (*p != '?' && *p != '&')
			continue;
		const char *n = p + 1;
		if (*p == '&' && end - n >= 4 && !strncmp(n, "amp;", 4))
			n += 4;
		const char *ne = n;
		while (ne < end && (isalnum((unsigned char)*ne) || *ne == '_' || *ne == '-'))
			ne++;
		if (ne >= end || *ne != '=' || !webform_token_name(n, (size_t)(ne - n)))
			continue;
		const char *vs = ne + 1, *ve = vs;
		while (ve < end && (isalnum((unsigned char)*ve) || strchr("-._~%+/=", *ve)))
			ve++;
		if (ve - vs < 8)
			continue;
		/* the link this query belongs to: back to the quote or space that starts it */
		const char *us = p;
		while (us > html && webform_url_char(us[-1]) && p - us < 2048)
			us--;
		if (!memchr(us, '/', (size_t)(p - us)))
			continue; /* "a?token=..." in prose or code, not a link */
		fn(ud, us, (size_t)(n - us), n, (size_t)(ne - n), vs, (size_t)(ve - vs));
		p = ve - 1;
	}
}
