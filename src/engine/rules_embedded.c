#include "base/common.h"
#include "engine/rules_embedded.h"

const struct embedded_file *rules_embedded_find(const char *path)
{
	for (const struct embedded_file *f = embedded_rules; f->path; f++)
		if (!strcmp(f->path, path))
			return f;
	return NULL;
}
