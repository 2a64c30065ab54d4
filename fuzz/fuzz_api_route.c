/* libFuzzer harness for the API router's path matching (src/api/routes.c; see README.md). */
#include "base/common.h"
#include "api/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *methods[] = {"GET", "POST", "DELETE", "PUT", "HEAD"};
	char path[1024];
	char params[API_MAX_PARAMS][API_PARAM_MAX];
	char allow[64];
	const struct route *route = NULL;

	if (size < 1 || size > sizeof(path))
		return 0;
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	enum route_match m = routes_match(methods[data[0] % 5], path, &route, params, allow, sizeof(allow));
	/* A found route has its parameters filled within bounds; a wrong method names the allowed ones. */
	if (m == ROUTE_FOUND && (!route || memchr(params[0], '\0', API_PARAM_MAX) == NULL))
		__builtin_trap();
	if (m == ROUTE_BAD_METHOD && !allow[0])
		__builtin_trap();
	return 0;
}
