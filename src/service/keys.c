#include "base/common.h"
#include "service/keys.h"
#include "base/crypto.h"
#include "base/str.h"
#include <ctype.h>

int keys_create(struct store *s, int64_t account_id, const char *label, char key[KEYS_LEN + 1],
		int64_t *id)
{
	char random[KEYS_RANDOM_LEN + 1];
	char hash[65];
	char prefix[KEYS_DISPLAY_LEN + 1];

	crypto_random_id(random, KEYS_RANDOM_LEN, true);
	snprintf(key, KEYS_LEN + 1, "%s%s", KEYS_PREFIX, random);
	keys_hash(key, hash);
	str_copy(prefix, sizeof(prefix), key);
	int rc = store_key_create(s, account_id, hash, prefix, label ? label : "", id);
	crypto_random(random, sizeof(random)); /* do not leave the secret on the stack */
	return rc;
}

bool keys_well_formed(const char *text)
{
	if (strlen(text) != KEYS_LEN || !str_starts_with(text, KEYS_PREFIX))
		return false;
	for (const char *p = text + sizeof(KEYS_PREFIX) - 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	return true;
}

void keys_hash(const char *key, char out[65])
{
	crypto_sha256_hex(key, strlen(key), out);
}

int keys_account_ensure(struct store *s, const char *name, const char *plan, struct account *out,
			bool *created)
{
	int rc = store_account_find(s, name, out);
	if (created)
		*created = false;
	if (rc != SS_ENOTFOUND)
		return rc;
	int64_t id;
	rc = store_account_create(s, name, plan, &id);
	if (rc == SS_EEXIST) /* created meanwhile by another process */
		return store_account_find(s, name, out);
	if (rc)
		return rc;
	if (created)
		*created = true;
	return store_account_get(s, id, out);
}
