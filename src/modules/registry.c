#include "base/common.h"
#include "engine/module.h"
#include "base/str.h"

/* One line per module; each is defined in its own file of src/modules/. */

extern const struct module tls_module;
extern const struct module network_module;
extern const struct module dns_module;
extern const struct module headers_module;
extern const struct module cookies_module;
extern const struct module exposure_module;
extern const struct module disclosure_module;
extern const struct module secret_scan_module;
extern const struct module discover_module;
extern const struct module baas_module;
extern const struct module ai_safety_module;
extern const struct module api_module;
extern const struct module auth_module;
extern const struct module cloud_module;
extern const struct module edge_module;
extern const struct module privacy_module;

const struct module *const module_registry[] = {
	&tls_module,
	&network_module,
	&dns_module,
	&headers_module,
	&cookies_module,
	&exposure_module,
	&disclosure_module,
	&secret_scan_module,
	&discover_module,
	&baas_module,
	&ai_safety_module,
	&api_module,
	&auth_module,
	&cloud_module,
	&edge_module,
	&privacy_module,
	NULL,
};

const struct module *module_find(const char *name)
{
	for (size_t i = 0; module_registry[i]; i++)
		if (!strcmp(module_registry[i]->name, name))
			return module_registry[i];
	return NULL;
}

int module_list_check(const char *list, char *bad, size_t badlen)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = SS_EINVAL; /* until one name is seen */
	str_copy(bad, badlen, "");
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		name = str_trim(name);
		if (!module_find(name)) {
			str_copy(bad, badlen, name);
			rc = SS_EINVAL;
			break;
		}
		rc = 0;
	}
	free(copy);
	return rc;
}
