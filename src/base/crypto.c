#include "base/crypto.h"
#include <openssl/evp.h>
#include <openssl/rand.h>

void crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		abort();
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void crypto_random(void *out, size_t len)
{
	if (RAND_bytes(out, (int)len) != 1) {
		fprintf(stderr, "secscan: no secure randomness available\n");
		abort();
	}
}

void crypto_random_id(char *out, size_t n, bool mixed_case)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const char mixed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char *set = mixed_case ? mixed : lower;
	unsigned range = mixed_case ? 62 : 36;
	size_t i = 0;
	while (i < n) {
		unsigned char r[32];
		crypto_random(r, sizeof(r));
		/* Rejection sampling keeps every character equally likely. */
		for (size_t k = 0; k < sizeof(r) && i < n; k++)
			if (r[k] < 256 - (256 % range))
				out[i++] = set[r[k] % range];
	}
	out[n] = '\0';
}
