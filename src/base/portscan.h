#ifndef BASE_PORTSCAN_H
#define BASE_PORTSCAN_H
#include "base/common.h"
#include "base/sock.h"

/*
 * A TCP connect scanner: many non-blocking connects in flight at once, driven by poll, each with
 * its own timeout, all within a deadline. The caller checks the address against the SSRF guard.
 */

struct portscan_options {
	int concurrency;         /* connects in flight at once (default 256, capped by the fd limit) */
	long connect_timeout_ms; /* per port (default 1500) */
	int64_t deadline_ms;     /* clock_mono_ms() at which the scan stops; 0 = none */
};
void portscan_options_init(struct portscan_options *o);

/* The result: open ports in increasing order; scanned says how many ports got an answer or timed out. */
struct portscan_result {
	uint16_t *open;
	size_t nopen;
	size_t scanned;
};

/*
 * Connects to each port of addr; returns 0 when every port was tried, SS_ETIMEOUT when the deadline
 * cut the scan short (r holds what was found). Release r with portscan_result_release.
 */
int portscan_run(const struct sock_addr *addr, const uint16_t *ports, size_t nports,
		 const struct portscan_options *o, struct portscan_result *r);
void portscan_result_release(struct portscan_result *r);

/*
 * Parses a port list such as "22,80,8000-8100" (or "1-65535") into a sorted array without
 * duplicates (caller frees); SS_EINVAL on anything else (ports are 1-65535, ranges ascending).
 */
int portscan_parse_list(const char *spec, uint16_t **ports, size_t *n);

#endif
