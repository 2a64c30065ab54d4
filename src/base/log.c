#include "base/log.h"
#include "base/clock.h"

static enum log_level current = LOG_INFO;

void log_set_level(enum log_level level)
{
	current = level;
}

int log_parse_level(const char *name, enum log_level *out)
{
	static const char *names[] = {"debug", "info", "warn", "error", "quiet"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(name, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return SS_EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *tags[] = {"debug", "info", "warn", "error"};
	if (level < current || level >= LOG_QUIET)
		return;
	char when[40];
	clock_iso8601(time(NULL), when);
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s\n", when, tags[level], msg);
	free(msg);
}
