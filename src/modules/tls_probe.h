#ifndef MODULES_TLS_PROBE_H
#define MODULES_TLS_PROBE_H
#include "base/common.h"
#include "modules/tls_hello.h"
#include <sys/socket.h>

/*
 * Enumeration of the protocol versions and cipher suites a TLS server accepts, the way sslscan 2
 * does it: offer a list in a hand-built ClientHello, note the suite the server picks, remove it,
 * offer again, until the server refuses. Many probes run at once over non-blocking sockets
 * (poll), each with a timeout, and the whole enumeration is bounded in probes and time.
 */

struct tls_probe_config {
	const struct sockaddr *addr; /* already resolved and allowed by the SSRF guard */
	socklen_t addrlen;
	const char *sni;       /* host name for server_name, or NULL */
	long timeout_ms;       /* per probe, connect to answer (default 5000) */
	int parallel;          /* connections at once (default 8) */
	int max_probes;        /* bound on the probes of one enumeration (default 800) */
	int64_t deadline_ms;   /* clock_mono_ms() after which no probe starts; 0 = none */
	bool (*stop)(void *ud);/* polled between steps; true ends the enumeration early; may be NULL */
	void *ud;
};

/* What one protocol version accepts. */
struct tls_version_result {
	int version;
	bool accepted;
	uint16_t preferred; /* what the server picked from the full offer */
	uint16_t *suites;   /* every accepted suite, the preferred one first */
	size_t nsuites;
};

struct tls_enum {
	struct tls_version_result v[5]; /* in tls_versions order */
	int server_order;   /* 1: the server imposes its order, 0: it follows the client's, -1: unknown */
	int order_version;  /* the version the order test used */
	int probes;         /* probes started */
	int answers;        /* probes answered in TLS (a hello or an alert) */
	int failures;       /* probes that ended in an error (refused, timeout, garbage) */
	bool limited;       /* stopped by max_probes, the deadline or stop() */
	char error[192];    /* the first failure, e.g. "the server did not answer with TLS" */
};

/* Runs the enumeration; out is filled (release it with tls_enum_release). Returns 0, or
 * SS_EINVAL if the suite table is unavailable. Network failures are counted in out, not returned. */
int tls_enumerate(const struct tls_probe_config *cfg, struct tls_enum *out);
void tls_enum_release(struct tls_enum *e);
/* The result for a version (one of tls_versions), or NULL. */
const struct tls_version_result *tls_enum_version(const struct tls_enum *e, int version);

#endif
