#ifndef ENGINE_STACK_H
#define ENGINE_STACK_H
#include "base/http.h"
#include "engine/scan.h"

/*
 * Technology detection from a response (headers, cookies, body), driven by the fingerprints of
 * rules/fingerprints/stack.json. Fields of st already set are kept, so calling it on several
 * responses fills what the first did not show.
 */
void stack_detect(const struct http_response *r, struct tech_stack *st);

/*
 * The CDN or WAF in front of a response, from the fingerprints that name one ("cdn"): its name
 * into name and the header (or text) that shows it into why; false if none is recognised.
 */
bool stack_cdn(const struct http_response *r, char *name, size_t n, char *why, size_t wn);

#endif
