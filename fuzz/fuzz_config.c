/* libFuzzer harness for the INI-style config parser (src/base/config.c; see README.md). */
#include "base/common.h"
#include "base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c = {0};
	char err[256] = "";
	int rc = config_parse(&c, (const char *)data, size, "fuzz.conf", err, sizeof(err));
	/* A failure names the file; a success holds only named keys with their lines. */
	if (rc && !strstr(err, "fuzz.conf"))
		__builtin_trap();
	for (size_t i = 0; i < c.n; i++)
		if (!c.items[i].key[0] || c.items[i].line < 1 || !config_get(&c, c.items[i].section, c.items[i].key))
			__builtin_trap();
	config_release(&c);
	return 0;
}
