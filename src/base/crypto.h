#ifndef BASE_CRYPTO_H
#define BASE_CRYPTO_H
#include "base/common.h"

/* SHA-256 of data as 64 lower-case hex digits plus NUL in out. */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);
/* Cryptographically secure random bytes; aborts if the system cannot provide them. */
void crypto_random(void *out, size_t len);
/* n random characters from [a-z0-9] (or [A-Za-z0-9] when mixed_case) plus NUL into out (n+1 bytes). */
void crypto_random_id(char *out, size_t n, bool mixed_case);

#endif
