#ifndef ENGINE_MODULE_H
#define ENGINE_MODULE_H
#include "engine/scan.h"

/*
 * A scan module: checks of one kind. The engine runs every selected module of a target on its
 * own thread once the target's recon (main page, plain-HTTP answer, stack) is done; run returns
 * when the module is finished. Modules emit findings with scan_emit and fetch through scan_http.
 */
struct module {
	const char *name;     /* also the finding's tool, e.g. "headers" */
	const char *summary;  /* one line for --help and docs */
	void (*run)(struct scan_target *t);
};

/* Every module, NULL-terminated, in the order they start (src/modules/registry.c). */
extern const struct module *const module_registry[];
const struct module *module_find(const char *name);
/* Whether every name of a comma-separated module list is registered: 0, or SS_EINVAL with the
 * first unknown name in bad (an empty list is unknown too: it would run nothing). */
int module_list_check(const char *list, char *bad, size_t badlen);

#endif
