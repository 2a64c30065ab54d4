#include "base/common.h"
#include "base/buf.h"
#include "base/ignore.h"
#include "base/str.h"
#include <fnmatch.h>

void ignore_add(struct ignore_list *l, const char *base, const char *line)
{
	char *p = xstrdup(line);
	char *s = p;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	struct ignore_rule r = {0};
	if (*s == '!') {
		r.negate = true;
		s++;
		n--;
	}
	if (!*s || *s == '#') {
		free(p);
		return;
	}
	if (n && s[n - 1] == '/') {
		r.dir_only = true;
		s[--n] = '\0';
	}
	if (*s == '/') {
		r.anchored = true;
		s++;
	} else {
		r.anchored = strchr(s, '/') != NULL;
	}
	if (!*s) {
		free(p);
		return;
	}
	r.pattern = xstrdup(s);
	r.base = xstrdup(base ? base : "");
	free(p);
	l->rules = xgrow(l->rules, &l->cap, l->n + 1, sizeof(*l->rules));
	l->rules[l->n++] = r;
}

int ignore_add_file(struct ignore_list *l, const char *base, const char *path)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	int rc = buf_read_file(&b, path);
	if (rc == 0) {
		char *save = NULL;
		for (char *line = strtok_r(b.data ? b.data : (char[]){0}, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			ignore_add(l, base, line);
	}
	buf_release(&b);
	return rc;
}

static bool rule_matches(const struct ignore_rule *r, const char *relpath, bool is_dir)
{
	if (r->dir_only && !is_dir)
		return false;
	const char *sub = relpath;
	if (r->base[0]) {
		size_t bl = strlen(r->base);
		if (strncmp(relpath, r->base, bl) != 0 || relpath[bl] != '/')
			return false;
		sub = relpath + bl + 1;
	}
	/* "**" crosses directories: match without FNM_PATHNAME then */
	int flags = strstr(r->pattern, "**") ? 0 : FNM_PATHNAME;
	if (r->anchored)
		return fnmatch(r->pattern, sub, flags) == 0;
	const char *name = strrchr(sub, '/');
	return fnmatch(r->pattern, name ? name + 1 : sub, 0) == 0;
}

bool ignore_match(const struct ignore_list *l, const char *relpath, bool is_dir)
{
	bool ignored = false;
	for (size_t i = 0; i < l->n; i++)
		if (rule_matches(&l->rules[i], relpath, is_dir))
			ignored = !l->rules[i].negate;
	return ignored;
}

void ignore_release(struct ignore_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->rules[i].pattern);
		free(l->rules[i].base);
	}
	free(l->rules);
	memset(l, 0, sizeof(*l));
}
