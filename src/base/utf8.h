#ifndef BASE_UTF8_H
#define BASE_UTF8_H
#include "base/common.h"
#include "base/buf.h"

/*
 * Decodes one UTF-8 character at s (len bytes available) into *cp; returns its length in bytes,
 * or 0 if the sequence is malformed (truncated, overlong, surrogate, past U+10FFFF).
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/*
 * A copy of s[0..len) that is valid UTF-8 and printable: malformed bytes become '?', control
 * characters other than newline and tab become ' '. Caller frees.
 */
char *utf8_sanitize(const char *s, size_t len);
/* Appends code point cp (at most U+10FFFF) to b as UTF-8; 0 or SS_ETOOBIG (b unchanged). */
int utf8_append(struct buf *b, uint32_t cp);

#endif
