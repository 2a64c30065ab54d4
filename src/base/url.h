#ifndef BASE_URL_H
#define BASE_URL_H
#include "base/common.h"

/* A parsed absolute http(s) URL. All strings owned. */
struct url {
	char *scheme; /* "http" or "https", lower case */
	char *host;   /* lower case, IDN converted to A-labels (punycode); IPv6 without brackets */
	int port;     /* explicit or the scheme's default */
	char *path;   /* starts with "/" ; includes the query string */
};

/* Parses an absolute http(s) URL. SS_EINVAL for anything else (other schemes, user-info, bad port). */
int url_parse(const char *text, struct url *out);
/* Resolves ref (absolute, scheme-relative, absolute-path or relative) against base. NULL if invalid. */
char *url_resolve(const struct url *base, const char *ref);
/* "scheme://host[:port]" with the port only when not the default; caller frees. */
char *url_origin(const struct url *u);
/* "host" or "host:port" (port only when not the scheme's default); caller frees. */
char *url_host_port(const struct url *u);
/* The URL as text: origin followed by the path; caller frees. */
char *url_format(const struct url *u);
void url_release(struct url *u);

#endif
