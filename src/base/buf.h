#ifndef BASE_BUF_H
#define BASE_BUF_H
#include "base/common.h"

/*
 * A growable byte buffer with a mandatory maximum (like curl's dynbuf). Anything fed by the
 * network goes through one. data is always NUL-terminated (data may be NULL while len == 0).
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* appends that would pass this fail with SS_ETOOBIG and leave the buffer as is */
};

void buf_init(struct buf *b, size_t max);
/* Frees the contents; the buffer can be used again. */
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_appends(struct buf *b, const char *s);
int buf_appendc(struct buf *b, char c);
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the contents (never NULL; caller frees) and leaves the buffer empty. */
char *buf_detach(struct buf *b, size_t *len);
/* Appends the whole file at path: 0, SS_EIO if it cannot be read, SS_ETOOBIG past b->max. */
int buf_read_file(struct buf *b, const char *path);
/* The contents as a C string ("" when empty). */
const char *buf_str(const struct buf *b);

#endif
