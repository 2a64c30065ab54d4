#include "base/common.h"
#include "service/quota.h"

int quota_check_target(struct store *s, const struct plan *plan, int64_t account_id, char *err,
		       size_t errlen)
{
	if (plan->targets == PLAN_UNLIMITED)
		return 0;
	int64_t n;
	int rc = store_target_count(s, account_id, &n);
	if (rc)
		return rc;
	if (n < plan->targets)
		return 0;
	snprintf(err, errlen, "target limit reached: the %s plan allows %ld target%s", plan->name,
		 plan->targets, plan->targets == 1 ? "" : "s");
	return SS_EDENIED;
}

int quota_check_scan(struct store *s, const struct plan *plan, int64_t account_id, time_t now,
		     char *err, size_t errlen)
{
	static const char *per[] = {"", " per day", " per week", " in total"};
	int64_t since;

	if (plan->scans == PLAN_UNLIMITED || plan->window == WINDOW_NONE)
		return 0;
	switch (plan->window) {
	case WINDOW_DAY:
		since = (int64_t)now - 86400;
		break;
	case WINDOW_WEEK:
		since = (int64_t)now - 7 * 86400;
		break;
	default:
		since = 0;
		break;
	}
	int64_t n;
	int rc = store_run_count_since(s, account_id, since, &n);
	if (rc)
		return rc;
	if (n < plan->scans)
		return 0;
	snprintf(err, errlen, "scan limit reached: the %s plan allows %ld scan%s%s", plan->name,
		 plan->scans, plan->scans == 1 ? "" : "s", per[plan->window]);
	return SS_EDENIED;
}
