#ifndef BASE_CONFIG_H
#define BASE_CONFIG_H
#include "base/common.h"

/*
 * A small INI-style configuration file: "[section]" headers, "key = value" lines, "#" or ";"
 * comment lines, blank lines. Keys before the first section belong to section "". Bounded: the
 * file is at most CONFIG_MAX_FILE bytes, a line at most CONFIG_MAX_LINE bytes, and there are at
 * most CONFIG_MAX_ENTRIES keys. Errors name
 * the file and the line ("secscan.conf:7: expected 'key = value'").
 */

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_LINE 4096
#define CONFIG_MAX_ENTRIES 1024

struct config_entry {
	char *section; /* "" before the first [section] */
	char *key;
	char *value;   /* trimmed; "" allowed */
	int line;      /* 1-based line of the file */
};

struct config {
	struct config_entry *items; /* in file order */
	size_t n;
	size_t cap;
};

/*
 * Parses len bytes of text (name is used in messages) into c (which must be empty or released).
 * 0, or SS_EINVAL / SS_ETOOBIG with a message in err; c is left empty on error.
 */
int config_parse(struct config *c, const char *text, size_t len, const char *name, char *err,
		 size_t errlen);
/* Reads and parses the file at path (SS_EIO when it cannot be read). */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* The value of section.key, or NULL. */
const char *config_get(const struct config *c, const char *section, const char *key);
/* Frees the entries; c is empty and reusable. */
void config_release(struct config *c);

#endif
