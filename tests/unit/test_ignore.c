#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/ignore.h"

static void gitignore_patterns_match_as_git_does(void **state)
{
	struct ignore_list l = {0};
	ignore_add(&l, "", "# a comment");
	ignore_add(&l, "", "");
	ignore_add(&l, "", "*.log");
	ignore_add(&l, "", "!keep.log");
	ignore_add(&l, "", "/build");
	ignore_add(&l, "", "dist/");
	ignore_add(&l, "", "docs/**/draft.md");
	ignore_add(&l, "sub", "local.txt\r");
	assert_true(ignore_match(&l, "a.log", false));
	assert_true(ignore_match(&l, "deep/down/a.log", false));
	assert_false(ignore_match(&l, "keep.log", false));     /* negation, last match wins */
	assert_true(ignore_match(&l, "build", true));
	assert_false(ignore_match(&l, "src/build", true));     /* anchored to the root */
	assert_true(ignore_match(&l, "dist", true));
	assert_true(ignore_match(&l, "web/dist", true));
	assert_false(ignore_match(&l, "dist", false));         /* "dist/" matches directories only */
	assert_true(ignore_match(&l, "docs/a/b/draft.md", false));
	assert_true(ignore_match(&l, "sub/local.txt", false)); /* relative to its .gitignore */
	assert_false(ignore_match(&l, "local.txt", false));
	assert_false(ignore_match(&l, "subway/local.txt", false));
	ignore_release(&l);
}

static void malformed_lines_are_harmless(void **state)
{
	struct ignore_list l = {0};
	ignore_add(&l, "", "!");
	ignore_add(&l, "", "/");
	ignore_add(&l, "", "[");
	ignore_add(&l, "", "\\");
	assert_false(ignore_match(&l, "anything", false));
	assert_int_equal(ignore_add_file(&l, "", "/nonexistent/.gitignore"), SS_EIO);
	ignore_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gitignore_patterns_match_as_git_does),
		cmocka_unit_test(malformed_lines_are_harmless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
