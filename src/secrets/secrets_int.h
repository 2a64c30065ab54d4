#ifndef SECRETS_SECRETS_INT_H
#define SECRETS_SECRETS_INT_H
#include "base/common.h"
#include "base/buf.h"
#include "secrets/secrets.h"

/* Internals shared by the files of src/secrets/ (not for other layers). */

/* Largest input a decoder or a validator looks at. */
#define SECRETS_DECODE_MAX (16 * 1024)

static inline bool isalnum_ascii(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Decodes standard or URL-safe base64 (padding optional, no whitespace) into out; SS_EINVAL on a bad character. */
int sdec_base64(const char *in, size_t len, struct buf *out);
/* Decodes %XX sequences (and '+' as space when plus_space); returns how many %XX were decoded. */
size_t sdec_percent(const char *in, size_t len, struct buf *out);
/* Decodes JS/JSON string escapes (\n \t \r \" \' \\ \/ \xXX \uXXXX as UTF-8); returns how many escapes were decoded. */
size_t sdec_js(const char *in, size_t len, struct buf *out);
/* Share of printable ASCII (plus tab/CR/LF) bytes in [0, 1]. */
double sdec_printable_ratio(const char *s, size_t len);

/* What a JWT's payload says, for SV_JWT / SV_JWT_ROLE. */
struct sval_jwt {
	bool valid;        /* header and payload are JSON objects and the header has "alg" */
	char role[32];     /* payload "role", "" if none */
	char iss[64];      /* payload "iss" */
	int64_t exp;       /* payload "exp", 0 if none */
};
void sval_jwt_inspect(const char *tok, size_t len, struct sval_jwt *out);
/* true if a PEM/OpenSSH/PGP block's body is plausible key material (not a placeholder). */
bool sval_pem_body_ok(const char *block, size_t len);
/* true if the value contains one of the stopwords (case-insensitive). */
bool sval_has_stopword(const char *s, size_t len, char *const *words, size_t n);
/* Counts '\n' bytes. */
size_t sval_count_newlines(const char *p, size_t len);

#endif
