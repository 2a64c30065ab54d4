#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "api/scan_cache.h"

static struct scan_version version(const char *status, int64_t total, bool final)
{
	struct scan_version v = {.total = total, .final = final};
	snprintf(v.status, sizeof(v.status), "%s", status);
	return v;
}

static void hits_only_the_same_version_and_account(void **state)
{
	struct scan_cache *c = scan_cache_new(4, 1024);
	struct scan_version running = version("running", 3, false);
	size_t len;
	scan_cache_put(c, "abc12345", 1, 0, &running, "{\"n\":3}", 7);

	char *hit = scan_cache_get(c, "abc12345", 1, 0, &running, &len);
	assert_non_null(hit);
	assert_int_equal(len, 7);
	assert_string_equal(hit, "{\"n\":3}");
	free(hit);

	struct scan_version more = version("running", 4, false);
	struct scan_version done = version("completed", 3, true);
	assert_null(scan_cache_get(c, "abc12345", 1, 0, &more, &len)); /* a new finding */
	assert_null(scan_cache_get(c, "abc12345", 1, 0, &done, &len)); /* status changed */
	assert_null(scan_cache_get(c, "abc12345", 1, 0, NULL, &len));  /* not final */
	assert_null(scan_cache_get(c, "abc12345", 2, 0, &running, &len)); /* another account */
	assert_null(scan_cache_get(c, "abc12345", 1, 2, &running, &len)); /* another ?since */

	scan_cache_put(c, "abc12345", 1, 0, &done, "{\"done\":1}", 10);
	hit = scan_cache_get(c, "abc12345", 1, 0, NULL, &len);
	assert_non_null(hit);
	assert_string_equal(hit, "{\"done\":1}");
	free(hit);
	assert_null(scan_cache_get(c, "abc12345", 2, 0, NULL, &len));
	scan_cache_free(c);
}

static void evicts_the_least_recently_used_and_skips_large_answers(void **state)
{
	struct scan_cache *c = scan_cache_new(2, 16);
	struct scan_version v = version("completed", 1, true);
	size_t len;
	scan_cache_put(c, "run00001", 1, 0, &v, "one", 3);
	scan_cache_put(c, "run00002", 1, 0, &v, "two", 3);
	free(scan_cache_get(c, "run00001", 1, 0, NULL, &len)); /* run00002 is now the oldest */
	scan_cache_put(c, "run00003", 1, 0, &v, "three", 5);
	char *one = scan_cache_get(c, "run00001", 1, 0, NULL, &len);
	char *three = scan_cache_get(c, "run00003", 1, 0, NULL, &len);
	assert_non_null(one);
	assert_non_null(three);
	assert_null(scan_cache_get(c, "run00002", 1, 0, NULL, &len));
	free(one);
	free(three);
	scan_cache_put(c, "run00004", 1, 0, &v, "an answer larger than the cap", 29);
	assert_null(scan_cache_get(c, "run00004", 1, 0, NULL, &len));
	scan_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hits_only_the_same_version_and_account),
		cmocka_unit_test(evicts_the_least_recently_used_and_skips_large_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
