#ifndef MODULES_KEYSCAN_H
#define MODULES_KEYSCAN_H
#include "base/common.h"
#include "engine/scan.h"
#include "secrets/secrets.h"

/* The secrets engine run over a target's crawled assets, for modules that act on keys (baas, ai-safety). */

typedef void (*keyscan_fn)(void *ud, const struct scan_asset *asset, const struct secret_hit *hit);

/* Calls fn for every key the secrets engine finds in the assets; the hit is valid during the call. 0, or SS_EINVAL when the rules do not compile. */
int keyscan_assets(const struct scan_assets *assets, keyscan_fn fn, void *ud);

#endif
