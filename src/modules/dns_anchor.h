#ifndef MODULES_DNS_ANCHOR_H
#define MODULES_DNS_ANCHOR_H
#include "base/common.h"

/*
 * The trust anchors the dns module validates DNSSEC from: the root's (compiled in from
 * rules/dns/root-anchors.json) and the user's own file (--trust-anchor), for zones under a
 * private DNSSEC root or an internal view of a zone.
 */

struct ub_ctx;

/* Adds the root's trust anchors to ub: 0, or SS_ENOTFOUND / SS_EINVAL when none are compiled in. */
int dns_anchor_add_root(struct ub_ctx *ub);

/* Adds the anchors of path (DS or DNSKEY records in zone-file format, as unbound's
 * trust-anchor-file) to ub; libunbound reads the file when ub first resolves. 0 or a libunbound
 * error code (ub_strerror). */
int dns_anchor_add_file(struct ub_ctx *ub, const char *path);

/* Checks that path holds at least one DS or DNSKEY record and that libunbound accepts the file
 * (no network: only the local name "localhost" is asked). 0, or SS_EIO (unreadable), SS_ETOOBIG
 * (over 1 MiB) or SS_EINVAL, with "PATH: why" in err. Call it before scans start: it borrows
 * libunbound's process-wide log stream to read the reason. */
int dns_anchor_file_check(const char *path, char *err, size_t errlen);

#endif
