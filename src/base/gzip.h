#ifndef BASE_GZIP_H
#define BASE_GZIP_H
#include "base/common.h"
#include "base/buf.h"

/*
 * The start of a gzip file's content, for recognising what a compressed file holds (a heap dump,
 * an SQL dump) from its first bytes without taking the whole file.
 */

/*
 * Inflates the gzip data [in, in+len), which may be only the start of a file (a Range answer),
 * appending to out until out is full (out->max bounds a decompression bomb), the data ends or the
 * gzip stream does. 0 when some content came out; SS_EINVAL when in is no gzip data or its first
 * bytes are corrupt.
 */
int gzip_head(const void *in, size_t len, struct buf *out);

#endif
