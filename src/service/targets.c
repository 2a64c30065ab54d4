#include "base/common.h"
#include "service/targets.h"
#include "base/ssrf.h"
#include "base/str.h"
#include "base/url.h"
#include "engine/scan.h"
#include "service/quota.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>

/* Serializes quota check and creation so that concurrent requests cannot both pass the check. */
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_ip_literal(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

int targets_normalize(const char *input, bool allow_private, char **host, char *err, size_t errlen)
{
	static const char *hint = "expected a URL (https://myapp.com), a hostname or an IP address";
	char *start_url = NULL, *why = NULL;
	struct url u;
	int rc = SS_EINVAL;

	*host = NULL;
	size_t len = strlen(input);
	if (len == 0) {
		snprintf(err, errlen, "host is empty: %s", hint);
		return SS_EINVAL;
	}
	if (len > TARGETS_INPUT_MAX) {
		snprintf(err, errlen, "host is longer than %d characters", TARGETS_INPUT_MAX);
		return SS_EINVAL;
	}
	for (const char *p = input; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "host contains white space or control characters: %s", hint);
			return SS_EINVAL;
		}
	/* The engine's own normalization, so that the stored target is the host the scan reports. */
	if (scan_normalize_target(input, host, &start_url, &why) || url_parse(start_url, &u)) {
		snprintf(err, errlen, "invalid host '%.200s': %s", input, why ? why : hint);
		goto out;
	}
	if (!allow_private && (is_ip_literal(u.host) || !strcasecmp(u.host, "localhost")) &&
	    !ssrf_ip_string_allowed(u.host, false)) {
		snprintf(err, errlen,
			 "host '%.200s' is a loopback, private or reserved address; this service "
			 "scans public addresses only",
			 u.host);
	} else {
		rc = 0;
	}
	url_release(&u);
out:
	if (rc) {
		free(*host);
		*host = NULL;
	}
	free(start_url);
	free(why);
	return rc;
}

int targets_add(struct store *s, const struct plan *plan, int64_t account_id, const char *host,
		const char *label, int64_t *id, char *err, size_t errlen)
{
	struct target existing;
	pthread_mutex_lock(&add_lock);
	int rc = store_target_find(s, account_id, host, &existing);
	if (rc == 0) {
		*id = existing.id;
		target_release(&existing);
		rc = SS_EEXIST;
		goto out;
	}
	if (rc != SS_ENOTFOUND)
		goto out;
	rc = quota_check_target(s, plan, account_id, err, errlen);
	if (rc)
		goto out;
	rc = store_target_create(s, account_id, host, label ? label : "", id);
out:
	pthread_mutex_unlock(&add_lock);
	return rc;
}
