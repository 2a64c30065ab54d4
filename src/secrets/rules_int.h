#ifndef SECRETS_RULES_INT_H
#define SECRETS_RULES_INT_H
#include "base/common.h"
#include "secrets/secrets_int.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>

/* The compiled rule set, shared by rules.c (loading) and scanner.c (matching). */

/* Bytes of context before a window, so that lookbehinds and \b see the real previous bytes. */
#define SECRETS_CONTEXT 64
/* Bytes after a candidate always waited for: a suppression comment at the end of its line. */
#define SECRETS_LOOKAHEAD_MIN 256
/* The widest a rule's window may be on either side. */
#define SECRETS_WINDOW_MAX 16384
/* How far decoders look around their trigger. */
#define SECRETS_DECODE_REGION 4096

enum sdec_kind { SDEC_BASE64, SDEC_PERCENT, SDEC_JS, SDEC_COUNT };

struct srule {
	struct secret_rule pub;
	char *pattern;
	pcre2_code *re;
	uint32_t group;      /* capture holding the secret */
	bool generic;        /* a catch-all rule: yields to any provider rule whose shape the value has */
	uint32_t lookback;   /* bytes before a trigger's end where a match may start */
	uint32_t lookahead;  /* bytes after a trigger's end a match may need */
	uint32_t before;     /* from the rule file: bytes before a trigger (0: default) */
	uint32_t window;     /* from the rule file: bytes after a trigger (0: the pattern's width) */
	char **triggers;     /* when set, these literals trigger the rule instead of its pattern: */
	size_t ntriggers;    /* its "keywords" (any case) first, then its "literals" (exact) */
	size_t ncaseless;
	bool gated;          /* a trigger counts only if the byte gate_find comes within gate_within bytes */
	char gate_find;      /* after it, before any byte of gate_stop: a cheap check on common literals */
	uint32_t gate_within;
	uint8_t gate_stop[32]; /* bitmap of the bytes */
	pcre2_code **allow;  /* values matching any of these are not secrets */
	size_t nallow;
	pcre2_code *pair_re; /* a companion secret that raises the severity when near */
	uint32_t pair_window;
	enum severity pair_sev;
	char *pair_name;
	atomic_bool jitted;  /* its expressions are JIT-compiled (on first use: most rules never see a candidate) */
};

struct secret_rules {
	struct srule *rules;
	size_t n;
	char **examples;  /* documentation example values, never reported */
	size_t nexamples;
	char **stopwords; /* words that generic rules' values must not contain */
	size_t nstopwords;
	hs_database_t *db; /* ids 0..n-1: rules; n + enum sdec_kind: decoders */
	uint32_t maxback;  /* bytes kept from one chunk to the next */
	uint32_t max_captures;
	pthread_mutex_t jit_lock;
};

/* JIT-compiles the rule's expressions unless done; call before matching any of them (scanners of
 * several threads share the rules). */
void srule_ready(const struct secret_rules *rs, const struct srule *r);

#endif
