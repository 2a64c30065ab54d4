#ifndef BASE_CLOCK_H
#define BASE_CLOCK_H
#include "base/common.h"

/* Milliseconds of a monotonic clock, for timeouts and budgets. */
int64_t clock_mono_ms(void);
/* Formats a UTC time as "2026-04-12T10:00:00+00:00" into out (at least 32 bytes). */
void clock_iso8601(time_t t, char *out);
/* Formats a UTC date as "2026-04-12" into out (at least 16 bytes). */
void clock_date(time_t t, char *out);

#endif
