#ifndef SERVICE_QUOTA_H
#define SERVICE_QUOTA_H
#include "base/common.h"
#include "service/config.h"
#include "store/store.h"

/*
 * Plan quotas. Each check returns 0 when one more is allowed, SS_EDENIED with a message for the
 * user in err when the plan's limit is reached, or a store error.
 */

/* One more target for the account. */
int quota_check_target(struct store *s, const struct plan *plan, int64_t account_id, char *err,
		       size_t errlen);
/* One more scan for the account at time now (scans are counted over the plan's window). */
int quota_check_scan(struct store *s, const struct plan *plan, int64_t account_id, time_t now,
		     char *err, size_t errlen);

#endif
