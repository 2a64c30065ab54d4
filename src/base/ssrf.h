#ifndef BASE_SSRF_H
#define BASE_SSRF_H
#include "base/common.h"
#include <sys/socket.h>

/*
 * The SSRF guard: a scan may only reach public unicast addresses unless private ones were
 * allowed explicitly. Refused: loopback, private (RFC 1918, ULA), link-local (incl. cloud
 * metadata 169.254.169.254), CGNAT, multicast, unspecified, broadcast, documentation and
 * benchmarking ranges, IPv4-mapped/NAT64 forms of any of those.
 */
bool ssrf_address_allowed(const struct sockaddr *sa, bool allow_private);
/* The same for a numeric address string ("10.0.0.1", "::1"); false for non-numeric input. */
bool ssrf_ip_string_allowed(const char *ip, bool allow_private);

/*
 * True when sa is one of the numeric addresses of list (NULL-terminated, may be NULL), compared in
 * canonical form: the self-hoster's exceptions to the guard (--allow-addr) for socket-level checks.
 */
bool ssrf_address_listed(const struct sockaddr *sa, const char *const *list);

#endif
