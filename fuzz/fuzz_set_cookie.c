/* libFuzzer harness for the Set-Cookie parser (see README.md). */
#include "base/common.h"
#include "base/buf.h"
#include "modules/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cookie c;
	if (cookie_parse(&c, (const char *)data, size)) {
		if (c.name || c.domain || c.path)
			__builtin_trap();
		return 0;
	}
	/* A name is never empty and never holds the characters that end it. */
	if (!*c.name || strpbrk(c.name, ";=") || (c.path && c.path[0] != '/'))
		__builtin_trap();
	struct buf b;
	buf_init(&b, 4 * COOKIE_MAX_LEN);
	cookie_describe(&c, &b);
	cookie_prefix_violation(&c);
	buf_release(&b);
	cookie_release(&c);
	return 0;
}
