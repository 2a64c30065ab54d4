#include "base/common.h"
#include "base/gzip.h"
#include <zlib.h>

int gzip_head(const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	if (len < 10 || p[0] != 0x1f || p[1] != 0x8b || len > UINT_MAX)
		return SS_EINVAL;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* 16: a gzip wrapper, not zlib's */
		abort();
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)len;
	size_t before = out->len;
	unsigned char chunk[4096];
	int rc = Z_OK;
	while (rc == Z_OK && out->len < out->max) {
		size_t room = MIN(sizeof(chunk), out->max - out->len);
		z.next_out = chunk;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		buf_append(out, chunk, room - z.avail_out);
	}
	inflateEnd(&z);
	/* Z_BUF_ERROR (the input ran out, as a file's head does) or a corrupt byte later on: what
	 * came out before is still the file's content */
	return out->len > before ? 0 : SS_EINVAL;
}
