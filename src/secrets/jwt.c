#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "secrets/secrets.h"
#include "secrets/secrets_int.h"
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* JWT signatures: how a token handed to a browser is signed, and whether a well-known secret signs it. */

#define JWT_MAX 8192

void secret_jwt_signature(const char *tok, size_t len, const char *const *keys, size_t n, struct secret_jwt_sig *out)
{
	memset(out, 0, sizeof(*out));
	out->weak_key = -1;
	if (!tok || len == 0 || len > JWT_MAX)
		return;
	const char *d1 = memchr(tok, '.', len);
	const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)))
		return; /* exactly three segments (a JWS in compact form) */
	struct buf hdr, sig;
	buf_init(&hdr, JWT_MAX);
	buf_init(&sig, JWT_MAX);
	json_t *h = NULL;
	if (sdec_base64(tok, (size_t)(d1 - tok), &hdr) || !hdr.len ||
	    !(h = json_loadb(hdr.data, hdr.len, JSON_REJECT_DUPLICATES, NULL)) || !json_is_object(h))
		goto out;
	const char *alg = json_string_value(json_object_get(h, "alg"));
	if (!alg)
		goto out;
	struct sval_jwt payload;
	sval_jwt_inspect(tok, len, &payload);
	if (!payload.valid && strcasecmp(alg, "none"))
		goto out;
	out->valid = true;
	str_copy(out->alg, sizeof(out->alg), alg);
	const EVP_MD *md = !strcmp(alg, "HS256") ? EVP_sha256() : !strcmp(alg, "HS384") ? EVP_sha384()
			 : !strcmp(alg, "HS512") ? EVP_sha512() : NULL;
	if (!md || sdec_base64(d2 + 1, len - (size_t)(d2 + 1 - tok), &sig) || !sig.len)
		goto out;
	/* the signing input is the first two segments as they stand */
	for (size_t i = 0; i < n; i++) {
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned int maclen = 0;
		if (!HMAC(md, keys[i], (int)strlen(keys[i]), (const unsigned char *)tok, (size_t)(d2 - tok), mac, &maclen))
			continue;
		if (maclen == sig.len && !CRYPTO_memcmp(mac, sig.data, maclen)) {
			out->weak_key = (int)i;
			break;
		}
	}
out:
	json_decref(h);
	buf_release(&hdr);
	buf_release(&sig);
}
