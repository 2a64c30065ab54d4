#include "base/common.h"
#include "base/config.h"
#include "base/buf.h"
#include "base/str.h"
#include <ctype.h>

static bool name_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!name_char((unsigned char)*s))
			return false;
	return true;
}

static void add_entry(struct config *c, const char *section, const char *key, const char *value,
		      int line)
{
	c->items = xgrow(c->items, &c->cap, c->n + 1, sizeof(*c->items));
	struct config_entry *e = &c->items[c->n++];
	e->section = xstrdup(section);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = line;
}

static const struct config_entry *find(const struct config *c, const char *section, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->items[i].section, section) && !strcmp(c->items[i].key, key))
			return &c->items[i];
	return NULL;
}

/* Parses one line (NUL-terminated, without its newline); section holds the current section. */
static int parse_line(struct config *c, char *line, int lineno, char *section, size_t seclen,
		      const char **why)
{
	char *s = str_trim(line);
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end) {
			*why = "section header without ']'";
			return SS_EINVAL;
		}
		if (*str_trim(end + 1)) {
			*why = "text after ']'";
			return SS_EINVAL;
		}
		*end = '\0';
		char *name = str_trim(s + 1);
		if (!valid_name(name) || strlen(name) >= seclen) {
			*why = "invalid section name (letters, digits, '_', '-', '.')";
			return SS_EINVAL;
		}
		str_copy(section, seclen, name);
		return 0;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		*why = "expected 'key = value'";
		return SS_EINVAL;
	}
	*eq = '\0';
	char *key = str_trim(s);
	char *value = str_trim(eq + 1);
	if (!valid_name(key)) {
		*why = "invalid key (letters, digits, '_', '-', '.')";
		return SS_EINVAL;
	}
	if (c->n >= CONFIG_MAX_ENTRIES) {
		*why = "too many entries";
		return SS_ETOOBIG;
	}
	if (find(c, section, key)) {
		*why = "duplicate key";
		return SS_EINVAL;
	}
	add_entry(c, section, key, value, lineno);
	return 0;
}

int config_parse(struct config *c, const char *text, size_t len, const char *name, char *err,
		 size_t errlen)
{
	char section[128] = "";
	char line[CONFIG_MAX_LINE + 1];
	const char *why = NULL;
	int lineno = 0, rc = 0;

	if (len > CONFIG_MAX_FILE) {
		snprintf(err, errlen, "%s: file larger than %d bytes", name, CONFIG_MAX_FILE);
		return SS_ETOOBIG;
	}
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n > CONFIG_MAX_LINE) {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes", name, lineno,
				 CONFIG_MAX_LINE);
			rc = SS_ETOOBIG;
			goto out;
		}
		if (memchr(text + pos, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL byte in line", name, lineno);
			rc = SS_EINVAL;
			goto out;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		rc = parse_line(c, line, lineno, section, sizeof(section), &why);
		if (rc) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
			goto out;
		}
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
out:
	if (rc)
		config_release(c);
	return rc;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SS_EIO;
	}
	struct buf b;
	buf_init(&b, CONFIG_MAX_FILE);
	char chunk[8192];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n)) {
			snprintf(err, errlen, "%s: file larger than %d bytes", path, CONFIG_MAX_FILE);
			rc = SS_ETOOBIG;
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = SS_EIO;
		goto out;
	}
	rc = config_parse(c, b.data ? b.data : "", b.len, path, err, errlen);
out:
	fclose(f);
	buf_release(&b);
	return rc;
}

const char *config_get(const struct config *c, const char *section, const char *key)
{
	const struct config_entry *e = find(c, section, key);
	return e ? e->value : NULL;
}

void config_release(struct config *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].section);
		free(c->items[i].key);
		free(c->items[i].value);
	}
	free(c->items);
	c->items = NULL;
	c->n = 0;
	c->cap = 0;
}
