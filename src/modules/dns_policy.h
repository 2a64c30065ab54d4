#ifndef MODULES_DNS_POLICY_H
#define MODULES_DNS_POLICY_H
#include "base/common.h"

/*
 * The mail and hosting policies the dns module reads from records: SPF (RFC 7208), DMARC
 * (RFC 7489) and the subdomain-takeover fingerprints of rules/takeover/ files.
 */

/* True when a TXT string is an SPF record ("v=spf1" alone or followed by a space). */
bool dns_spf_is_spf(const char *txt);

/* SPF terms that make the receiver look something up, at most this many kept per record. */
#define DNS_SPF_MAX_TARGETS 32

struct dns_spf {
	char all;          /* qualifier of the "all" mechanism ('+', '?', '~', '-'), 0 if none */
	int lookups;       /* terms of this record that cost a DNS lookup (include, a, mx, ptr, exists, redirect) */
	char *targets[DNS_SPF_MAX_TARGETS]; /* domains of include: and redirect= to follow (no macros) */
	size_t ntargets;
	bool redirect;     /* has a redirect= modifier */
};
/* Parses an SPF record; SS_EINVAL when txt is not one. Release with dns_spf_release. */
int dns_spf_parse(const char *txt, struct dns_spf *out);
void dns_spf_release(struct dns_spf *s);

/* The p= policy of a DMARC record ("none", "quarantine", "reject") into out; SS_EINVAL if not DMARC1 or no p. */
int dns_dmarc_policy(const char *txt, char *out, size_t n);

/* A hosting provider whose deprovisioned resources can be claimed by anyone. */
struct dns_takeover_provider {
	char *name;          /* "Heroku" */
	char **cnames;       /* fnmatch patterns of CNAME targets ("*.herokuapp.com") */
	size_t ncnames;
	bool nxdomain;       /* a target that does not resolve is claimable */
	char **http;         /* body fragments of the "no such app / bucket" page */
	size_t nhttp;
};
struct dns_takeover_set {
	struct dns_takeover_provider *items;
	size_t n;
};
/*
 * Loads the providers from the JSON text of a rules/takeover file into set (appending);
 * SS_EINVAL (with origin logged) on malformed rules.
 */
int dns_takeover_load(struct dns_takeover_set *set, const char *text, size_t len, const char *origin);
/* Loads every embedded rules/takeover/ files. */
int dns_takeover_load_embedded(struct dns_takeover_set *set);
/* The provider whose patterns match a CNAME target, or NULL. */
const struct dns_takeover_provider *dns_takeover_match(const struct dns_takeover_set *set,
						      const char *target);
/* True when body (len bytes, not NUL-terminated) holds one of the provider's page fragments. */
bool dns_takeover_page_matches(const struct dns_takeover_provider *p, const char *body, size_t len);
void dns_takeover_set_release(struct dns_takeover_set *set);

#endif
