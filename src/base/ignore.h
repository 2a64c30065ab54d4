#ifndef BASE_IGNORE_H
#define BASE_IGNORE_H
#include "base/common.h"

/*
 * .gitignore-style path patterns ("*.log", "/build", "dist/", "!keep.me", double stars) and comments.
 * A pattern with a slash (other than a trailing one) is anchored to the directory of the file
 * that gave it; others match a name at any depth below it. The last matching pattern wins.
 */
struct ignore_rule {
	char *pattern;
	char *base;     /* directory the pattern is relative to ("" for the root) */
	bool negate;    /* "!pattern" re-includes */
	bool dir_only;  /* "pattern/" matches directories only */
	bool anchored;
};

struct ignore_list {
	struct ignore_rule *rules;
	size_t n, cap;
};

/* Adds one pattern line relative to base (a relative path, "" for the root). */
void ignore_add(struct ignore_list *l, const char *base, const char *line);
/* Adds the patterns of a .gitignore file (at most 1 MiB); 0 or SS_EIO. */
int ignore_add_file(struct ignore_list *l, const char *base, const char *path);
/* true if relpath (relative to the root, '/'-separated) is ignored. */
bool ignore_match(const struct ignore_list *l, const char *relpath, bool is_dir);
void ignore_release(struct ignore_list *l);

#endif
