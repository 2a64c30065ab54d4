#ifndef BASE_RESOLVE_H
#define BASE_RESOLVE_H
#include "base/common.h"
#include "base/sock.h"

/*
 * Name resolution for the socket-level modules (TLS, ports): resolve a host once, honour the
 * run's "HOST:PORT:ADDR" overrides (curl's --resolve), and apply the SSRF guard to the result,
 * so that the caller connects to the address it was allowed to (pinned, never re-resolved).
 */

/*
 * Resolves host (a name or an IP literal) for TCP port into out, with the port set.
 * overrides is NULL-terminated and may be NULL. Returns 0, SS_ENOTFOUND when the name does not
 * resolve, or SS_EDENIED when every address is refused by the SSRF guard (allow_private false).
 * ip (may be NULL) receives the numeric address chosen (at least 64 bytes).
 */
int resolve_host(const char *host, int port, const char *const *overrides, bool allow_private,
		 struct sock_addr *out, char *ip, size_t iplen);

/* Whether s is an override as curl's --resolve takes it: "HOST:PORT:ADDR" (a name, a port, one or
 * more addresses). */
bool resolve_override_ok(const char *s);

#endif
