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
 *
 * Some servers and middleboxes hang or hang up on large hellos (long suite lists, the 256-511
 * byte F5 bug). When the full hello of a version (large: 256 bytes or more, or more than
 * TLS_COMPACT_SUITES suites) goes unanswered (timeout) or is met by a close or reset without a
 * byte, the version is retried once with a compact hello: the TLS_COMPACT_SUITES most usual
 * suites of the offer. If that one is unanswered too, the version counts as refused; if the
 * server answers it (hello or alert), the rest of the offer is enumerated in compact hellos. An
 * alert to the full hello is a refusal and is never retried. Cost: at most one extra connection
 * per version (5) for a server that silently refuses versions; for a size-intolerant server, the
 * versions it speaks are enumerated in parts of TLS_COMPACT_SUITES suites (one more refusal per
 * part). Everything counts against max_probes.
 *
 * One more connection sends an SSLv2 CLIENT-HELLO (DROWN): an SSLv2 SERVER-HELLO is reported.
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
	bool compact;       /* the full hello went unanswered: retried with compact hellos (then
			     * "preferred" is the first suite accepted from a compact offer) */
};

struct tls_enum {
	struct tls_version_result v[5]; /* in tls_versions order */
	int server_order;   /* 1: the server imposes its order, 0: it follows the client's, -1: unknown */
	int order_version;  /* the version the order test used */
	int probes;         /* probes started */
	int answers;        /* probes answered in TLS (a hello or an alert) */
	int failures;       /* probes that ended in an error (refused, timeout, garbage) */
	int retries;        /* versions retried with compact hellos */
	bool limited;       /* stopped by max_probes, the deadline or stop() */
	bool ssl2;          /* the server answered the SSLv2 hello with a SERVER-HELLO */
	uint32_t ssl2_kinds[TLS_SSL2_KINDS_MAX]; /* the SSLv2 cipher kinds it listed */
	size_t ssl2_nkinds;
	char error[192];    /* the first failure, e.g. "the server did not answer with TLS" */
};

/* Runs the enumeration; out is filled (release it with tls_enum_release). Returns 0, or
 * SS_EINVAL if the suite table is unavailable. Network failures are counted in out, not returned. */
int tls_enumerate(const struct tls_probe_config *cfg, struct tls_enum *out);
void tls_enum_release(struct tls_enum *e);
/* The result for a version (one of tls_versions), or NULL. */
const struct tls_version_result *tls_enum_version(const struct tls_enum *e, int version);

#endif
