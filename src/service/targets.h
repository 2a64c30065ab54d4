#ifndef SERVICE_TARGETS_H
#define SERVICE_TARGETS_H
#include "base/common.h"
#include "service/config.h"
#include "store/store.h"

/* Longest host input accepted from users. */
#define TARGETS_INPUT_MAX 2048
#define TARGETS_LABEL_MAX 200

/*
 * Turns what a user typed (a URL, a bare hostname, an IP, with or without port) into the host a
 * target is stored under ("myapp.com", "127.0.0.1:8080"); caller frees *host. SS_EINVAL with a
 * message in err when it cannot be a target, or (allow_private false) when it names a loopback,
 * private or reserved address literally.
 */
int targets_normalize(const char *input, bool allow_private, char **host, char *err, size_t errlen);

/*
 * Adds a target (host already normalized) for the account within its plan. SS_EEXIST with *id
 * set when the account has it already; SS_EDENIED with a message when the plan allows no more.
 */
int targets_add(struct store *s, const struct plan *plan, int64_t account_id, const char *host,
		const char *label, int64_t *id, char *err, size_t errlen);

#endif
