#ifndef SERVICE_KEYS_H
#define SERVICE_KEYS_H
#include "base/common.h"
#include "store/store.h"

/*
 * API keys and the accounts they belong to. A key is "sk-sec-" followed by 40 random base62
 * characters; the store keeps only its SHA-256 and a display prefix, so a key is shown once.
 */

#define KEYS_PREFIX "sk-sec-"
#define KEYS_RANDOM_LEN 40
#define KEYS_LEN (sizeof(KEYS_PREFIX) - 1 + KEYS_RANDOM_LEN)
#define KEYS_DISPLAY_LEN (sizeof(KEYS_PREFIX) - 1 + 4) /* "sk-sec-AbCd" */

/* Creates a key for the account: the secret goes to key (shown once), its row id to *id. */
int keys_create(struct store *s, int64_t account_id, const char *label, char key[KEYS_LEN + 1],
		int64_t *id);
/* True when text has the shape of a key (prefix, length, alphabet). */
bool keys_well_formed(const char *text);
/* Hashes a well-formed key as the store keeps it (SHA-256 hex). */
void keys_hash(const char *key, char out[65]);
/* Finds the account by name or creates it on plan; *created tells which (may be NULL). */
int keys_account_ensure(struct store *s, const char *name, const char *plan, struct account *out,
			bool *created);

#endif
