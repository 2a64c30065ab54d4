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

#endif
