#include "base/common.h"
#include "modules/soft404.h"
#include "base/buf.h"
#include "base/crypto.h"

/* Fills a with the body's digest after removing every occurrence of path (and of its last
 * segment, which pages such as "foo.php not found" repeat alone). */
static void soft404_digest(struct soft404_answer *a, const char *path, long status, const char *body, size_t len)
{
	const char *seg = strrchr(path, '/');
	seg = (seg && seg[1]) ? seg + 1 : NULL;
	size_t plen = strlen(path), slen = seg ? strlen(seg) : 0;
	char *copy = xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		if (plen && len - i >= plen && !memcmp(body + i, path, plen)) {
			i += plen;
		} else if (slen && len - i >= slen && !memcmp(body + i, seg, slen)) {
			i += slen;
		} else {
			copy[n++] = body[i++];
		}
	}
	a->status = status;
	a->len = n;
	crypto_sha256_hex(copy, n, a->hash);
	free(copy);
}

void soft404_learn(struct soft404 *s, const char *path, long status, const char *body, size_t len)
{
	if (s->n >= SOFT404_MAX)
		return;
	soft404_digest(&s->known[s->n++], path, status, body ? body : "", body ? len : 0);
}

bool soft404_matches(const struct soft404 *s, const char *path, long status, const char *body, size_t len)
{
	struct soft404_answer a;
	soft404_digest(&a, path, status, body ? body : "", body ? len : 0);
	for (size_t i = 0; i < s->n; i++) {
		const struct soft404_answer *k = &s->known[i];
		if (k->status == a.status && (k->len == a.len || !strcmp(k->hash, a.hash)))
			return true;
	}
	return false;
}
