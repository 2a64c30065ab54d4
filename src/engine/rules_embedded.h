#ifndef ENGINE_RULES_EMBEDDED_H
#define ENGINE_RULES_EMBEDDED_H

/* The files under rules/, compiled in by cmake/embed_rules.cmake; the table ends with a NULL path. */
struct embedded_file {
	const char *path; /* relative to rules/, e.g. "checks/headers.json" */
	const char *data; /* NUL-terminated */
	unsigned long len;
};
extern const struct embedded_file embedded_rules[];

/* The compiled-in rule file at path (relative to rules/, e.g. "tls/ciphers.json"), or NULL. */
const struct embedded_file *rules_embedded_find(const char *path);

#endif
