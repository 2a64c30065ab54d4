#ifndef MODULES_DISCOVER_H
#define MODULES_DISCOVER_H
#include "base/common.h"

/*
 * Which hosts named by a site belong to the same app (its Supabase or Firebase backend, its API
 * host, its buckets), from rules/discovery/hosts.json: {"hosts": [{"pattern", "reason",
 * "modules"?}], "public_suffixes": [...]}. "modules" limits what is run against a host the app
 * rents from a provider (its Supabase project, not Supabase's infrastructure). A pattern is a host name where '*' stands for one or more
 * characters and {site} for the registrable domain of the scanned site ("api.{site}").
 */
struct discover_rules;

/* Parses one rules file; NULL (and a message in err) if it is malformed. */
struct discover_rules *discover_rules_parse(const char *text, size_t len, char *err, size_t errsz);
void discover_rules_free(struct discover_rules *r);
/* The registrable domain of host ("shop.example.co.uk" -> "example.co.uk") into out; false for an IP or a one-label name. */
bool discover_site(const struct discover_rules *r, const char *host, char *out, size_t n);
/*
 * The reason when host (lower case, no port) belongs to the app scanned at site_host, else NULL;
 * *modules is set to the rule's comma-separated module list, or NULL when every module applies.
 */
const char *discover_match(const struct discover_rules *r, const char *host, const char *site_host,
			   const char **modules);
/*
 * Calls fn with the origin ("https://host[:port]") of every absolute http(s)/ws(s) URL in text
 * (also with escaped slashes), host in lower case; at most max calls.
 */
void discover_urls(const char *text, size_t len, size_t max, void (*fn)(void *ud, const char *origin, const char *host),
		   void *ud);

#endif
