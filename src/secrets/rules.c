#include "base/common.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/rules_embedded.h"
#include "secrets/rules_int.h"
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

/* Loading rule files (rules/secrets/ (JSON files)) and compiling them into one Vectorscan database. */

#define RULE_FILE_MAX (4 * 1024 * 1024)
#define DB_CACHE_MAX (256 * 1024 * 1024)

static const struct {
	const char *name;
	unsigned bit;
} validator_names[] = {
	{"crc32-github", SV_CRC32_GITHUB}, {"npm-checksum", SV_NPM_CHECKSUM}, {"jwt", SV_JWT},
	{"jwt-role", SV_JWT_ROLE},         {"pem-body", SV_PEM_BODY},         {"stopwords", SV_STOPWORDS},
	{"aws-pair", SV_AWS_PAIR},         {"userinfo", SV_USERINFO},
};

static void err_set(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_set(char **err, const char *fmt, ...)
{
	if (!err || *err)
		return;
	va_list ap;
	va_start(ap, fmt);
	*err = xvasprintf(fmt, ap);
	va_end(ap);
}

static pcre2_code *compile_pcre(const char *pattern, const char *id, char **err)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof(msg));
		err_set(err, "rule %s: pattern error at %zu: %s", id, (size_t)off, (const char *)msg);
		return NULL;
	}
	return re;
}

/* Patterns stay in ASCII: Unicode classes make both engines far slower and are never needed. */
static bool pattern_ascii(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p >= 0x80 || (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P' || p[1] == 'X')))
			return false;
	return true;
}

static const char *json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char **str_array(json_t *arr, size_t *n)
{
	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return NULL;
	char **out = xcalloc(json_array_size(arr), sizeof(char *));
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && json_string_length(v))
			out[(*n)++] = xstrdup(json_string_value(v));
	return out;
}

static void str_array_free(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

static void srule_release(struct srule *r)
{
	free(r->pub.id);
	free(r->pub.provider);
	free(r->pub.name);
	free(r->pub.fix);
	free(r->pattern);
	str_array_free(r->triggers, r->ntriggers);
	pcre2_code_free(r->re);
	for (size_t i = 0; i < r->nallow; i++)
		pcre2_code_free(r->allow[i]);
	free(r->allow);
	pcre2_code_free(r->pair_re);
	free(r->pair_name);
}

/* The widest match of a pattern as Vectorscan sees it; UINT_MAX when unbounded, 0 on error.
 * Vectorscan's parser does not know PCRE2's branch reset "(?|", which renumbers captures but
 * leaves widths alone: it reads a plain group there. */
static unsigned pattern_max_width(const char *pattern, const char *id, char **err)
{
	char *plain = xstrdup(pattern);
	for (char *p = plain; (p = strstr(p, "(?|")); p += 3)
		p[2] = ':';
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	int rc = hs_expression_info(plain, HS_FLAG_PREFILTER, &info, &cerr);
	free(plain);
	if (rc != HS_SUCCESS) {
		err_set(err, "rule %s: %s", id, cerr ? cerr->message : "bad pattern");
		hs_free_compile_error(cerr);
		return 0;
	}
	unsigned w = info->max_width;
	free(info);
	return w;
}

/* "gate": {"find": "@", "stop": "/ \n", "within": 200}: a literal trigger counts only when find comes
 * within that many bytes after it, before any stop byte (a URL's "://" with credentials before its path). */
static int parse_gate(struct srule *r, json_t *gate, char **err)
{
	const char *find = json_str(gate, "find"), *stop = json_str(gate, "stop");
	json_int_t within = json_integer_value(json_object_get(gate, "within"));
	if (!r->ntriggers || !find || strlen(find) != 1 || !stop || within < 1 || within > SECRETS_WINDOW_MAX) {
		err_set(err, "rule %s: a gate needs keywords or literals, one find byte, stop bytes and within 1..%d",
			r->pub.id, SECRETS_WINDOW_MAX);
		return SS_EINVAL;
	}
	r->gated = true;
	r->gate_find = find[0];
	r->gate_within = (uint32_t)within;
	for (const unsigned char *p = (const unsigned char *)stop; *p; p++)
		r->gate_stop[*p >> 3] |= (uint8_t)(1u << (*p & 7));
	return 0;
}

static int parse_rule(struct secret_rules *rs, json_t *o, char **err)
{
	const char *id = json_str(o, "id"), *provider = json_str(o, "provider"), *name = json_str(o, "name");
	const char *pattern = json_str(o, "pattern"), *fix = json_str(o, "fix"), *sev = json_str(o, "severity");
	if (!id || !provider || !name || !pattern || !fix || !sev) {
		err_set(err, "rule %s: id, provider, name, pattern, severity and fix are required", id ? id : "?");
		return SS_EINVAL;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->rules[i].pub.id, id)) {
			err_set(err, "rule %s: duplicate id", id);
			return SS_EINVAL;
		}
	if (!pattern_ascii(pattern)) {
		err_set(err, "rule %s: patterns use ASCII classes only", id);
		return SS_EINVAL;
	}
	struct srule r = {0};
	r.pub.id = xstrdup(id);
	r.pub.provider = xstrdup(provider);
	r.pub.name = xstrdup(name);
	r.pub.fix = xstrdup(fix);
	r.pattern = xstrdup(pattern);
	int rc = SS_EINVAL;
	if (severity_parse(sev, &r.pub.severity) < 0) {
		err_set(err, "rule %s: bad severity", id);
		goto out;
	}
	r.pub.entropy = json_number_value(json_object_get(o, "entropy"));
	r.generic = json_is_true(json_object_get(o, "generic"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "validators"), i, v) {
		size_t k = 0;
		while (k < ARRAY_SIZE(validator_names) && strcmp(validator_names[k].name, json_string_value(v) ? json_string_value(v) : ""))
			k++;
		if (k == ARRAY_SIZE(validator_names)) {
			err_set(err, "rule %s: unknown validator", id);
			goto out;
		}
		r.pub.validators |= validator_names[k].bit;
	}
	if (!(r.re = compile_pcre(pattern, id, err)))
		goto out;
	uint32_t ncap = 0;
	pcre2_pattern_info(r.re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	json_t *g = json_object_get(o, "group");
	r.group = g ? (uint32_t)json_integer_value(g) : (ncap ? 1 : 0);
	if (r.group > ncap) {
		err_set(err, "rule %s: group %u does not exist", id, r.group);
		goto out;
	}
	rs->max_captures = MAX(rs->max_captures, ncap);
	json_array_foreach(json_object_get(o, "allowlist"), i, v) {
		pcre2_code *a = json_is_string(v) ? compile_pcre(json_string_value(v), id, err) : NULL;
		if (!a)
			goto out;
		r.allow = xrealloc(r.allow, (r.nallow + 1) * sizeof(*r.allow));
		r.allow[r.nallow++] = a;
	}
	json_t *pair = json_object_get(o, "pair");
	if (pair) {
		const char *pp = json_str(pair, "pattern"), *pn = json_str(pair, "name");
		if (!pp || !pn || severity_parse(json_str(pair, "severity"), &r.pair_sev) < 0 ||
		    !(r.pair_re = compile_pcre(pp, id, err))) {
			err_set(err, "rule %s: pair needs pattern, name and severity", id);
			goto out;
		}
		r.pair_name = xstrdup(pn);
		r.pair_window = (uint32_t)json_integer_value(json_object_get(pair, "window"));
		if (r.pair_window == 0 || r.pair_window > 4096) {
			err_set(err, "rule %s: pair window must be 1..4096", id);
			goto out;
		}
	}
	size_t nlit = 0;
	r.triggers = str_array(json_object_get(o, "keywords"), &r.ncaseless);
	char **lits = str_array(json_object_get(o, "literals"), &nlit);
	r.ntriggers = r.ncaseless + nlit;
	if (nlit) {
		r.triggers = xrealloc(r.triggers, r.ntriggers * sizeof(char *));
		memcpy(r.triggers + r.ncaseless, lits, nlit * sizeof(char *));
	}
	free(lits);
	r.before = (uint32_t)json_integer_value(json_object_get(o, "before"));
	r.window = (uint32_t)json_integer_value(json_object_get(o, "window"));
	json_t *gate = json_object_get(o, "gate");
	if (gate && parse_gate(&r, gate, err) < 0)
		goto out;
	rs->rules = xrealloc(rs->rules, (rs->n + 1) * sizeof(*rs->rules));
	rs->rules[rs->n++] = r;
	return 0;
out:
	srule_release(&r);
	return rc;
}

/* Sets the rule's window around its candidates from the widest match of its pattern. */
static int rule_set_width(struct srule *r, unsigned width, char **err)
{
	if (r->ntriggers) {
		/* the match may start a little (or 'before' bytes) before its trigger and runs at most window bytes after */
		size_t kw = 0;
		for (size_t k = 0; k < r->ntriggers; k++)
			kw = MAX(kw, strlen(r->triggers[k]));
		r->lookback = (uint32_t)kw + (r->before ? r->before : 64);
		r->lookahead = r->window ? r->window : width;
	} else {
		r->lookback = width;
		r->lookahead = 0;
	}
	if (width == 0 || r->lookback > SECRETS_WINDOW_MAX || r->lookahead > SECRETS_WINDOW_MAX) {
		err_set(err, "rule %s: pattern is unbounded or wider than %d bytes: give keywords or literals and a window",
			r->pub.id, SECRETS_WINDOW_MAX);
		return SS_EINVAL;
	}
	r->lookahead = MAX(r->lookahead, SECRETS_LOOKAHEAD_MIN) + r->pair_window;
	r->lookback += r->pair_window;
	return 0;
}

static int parse_file(struct secret_rules *rs, const char *text, size_t len, const char *origin, char **err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		err_set(err, "%s: %s (line %d)", origin, root ? "not an object" : jerr.text, jerr.line);
		json_decref(root);
		return SS_EINVAL;
	}
	int rc = 0;
	size_t i, n;
	json_t *v;
	json_array_foreach(json_object_get(root, "rules"), i, v)
		if ((rc = parse_rule(rs, v, err)) < 0)
			break;
	char **ex = str_array(json_object_get(root, "examples"), &n);
	for (size_t k = 0; k < n; k++) {
		rs->examples = xrealloc(rs->examples, (rs->nexamples + 1) * sizeof(char *));
		rs->examples[rs->nexamples++] = ex[k];
	}
	free(ex);
	char **sw = str_array(json_object_get(root, "stopwords"), &n);
	for (size_t k = 0; k < n; k++) {
		rs->stopwords = xrealloc(rs->stopwords, (rs->nstopwords + 1) * sizeof(char *));
		rs->stopwords[rs->nstopwords++] = sw[k];
	}
	free(sw);
	json_decref(root);
	return rc;
}

/* A keyword as a literal Vectorscan expression. */
static char *regex_escape(const char *s)
{
	struct buf b;
	buf_init(&b, 4096);
	for (; *s; s++) {
		if (!isalnum_ascii(*s) && *s != '_')
			buf_appendc(&b, '\\');
		buf_appendc(&b, *s);
	}
	return buf_detach(&b, NULL);
}

/* What makes the decoders look around it (its id: the rules' count + the kind): a literal, or a
 * Vectorscan expression where the literal alone would be two bytes (which slows every byte scanned). */
static const struct {
	enum sdec_kind kind;
	const char *trigger;
	bool caseless, regex;
} decoder_triggers[] = {
	/* base64 decoded in code, and base64 of JSON objects and PEM blocks */
	{SDEC_BASE64, "atob(", false, false},          {SDEC_BASE64, "Buffer.from(", false, false},
	{SDEC_BASE64, "b64decode(", false, false},     {SDEC_BASE64, "base64_decode(", false, false},
	{SDEC_BASE64, "base64.decode(", false, false}, {SDEC_BASE64, "fromBase64(", false, false},
	{SDEC_BASE64, "ewogI", false, false},          {SDEC_BASE64, "ewoi", false, false},
	{SDEC_BASE64, "eyJ", false, false},            {SDEC_BASE64, "LS0tLS1CRUdJTi", false, false},
	/* percent-encoded "://", quotes and equal signs */
	{SDEC_PERCENT, "%3A%2F%2F", true, false},      {SDEC_PERCENT, "%22", false, false},
	{SDEC_PERCENT, "%3D", true, false},
	/* JS escapes that can hide a key's characters: a run of hex escapes, not a lone "\x" */
	{SDEC_JS, "\\u00", false, false},              {SDEC_JS, "\\\\x[0-9A-Fa-f]{2}\\\\x", false, true},
	{SDEC_JS, ":\\/\\/", false, false},
};

/* The cache file: a magic line, the rules' widths (uint32 each), then the serialized database. */
#define CACHE_MAGIC "secscan-secrets-db 1\n"

/*
 * Compiling the database takes a second or more, so a serialized copy is kept in the user's cache
 * directory, named by a hash of everything that goes into it (Vectorscan version, expressions,
 * flags, ids) and of the rules' patterns, whose widths it also keeps: any change to the rules
 * makes a new name.
 */
static char *db_cache_path(const struct secret_rules *rs, const char *const *exprs, const unsigned *flags,
			   const unsigned *ids, size_t k)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if ((!xdg || !*xdg) && (!home || !*home))
		return NULL;
	struct buf b;
	buf_init(&b, SIZE_MAX / 2);
	buf_appends(&b, CACHE_MAGIC);
	buf_appends(&b, hs_version());
	for (size_t i = 0; i < k; i++)
		buf_appendf(&b, "\n%u %u %s", flags[i], ids[i], exprs[i]);
	for (size_t i = 0; i < rs->n; i++)
		buf_appendf(&b, "\nwidth of %s", rs->rules[i].pattern);
	char hash[65];
	crypto_sha256_hex(b.data, b.len, hash);
	buf_release(&b);
	return xdg && *xdg ? xasprintf("%s/secscan/secrets-%.32s.hsdb", xdg, hash)
			   : xasprintf("%s/.cache/secscan/secrets-%.32s.hsdb", home, hash);
}


static hs_database_t *db_cache_load(const char *path, unsigned *widths, size_t n)
{
	struct buf b;
	buf_init(&b, DB_CACHE_MAX);
	hs_database_t *db = NULL;
	size_t head = strlen(CACHE_MAGIC) + n * sizeof(uint32_t);
	if (buf_read_file(&b, path) == 0 && b.len > head && !memcmp(b.data, CACHE_MAGIC, strlen(CACHE_MAGIC)) &&
	    hs_deserialize_database(b.data + head, b.len - head, &db) == HS_SUCCESS) {
		for (size_t i = 0; i < n; i++) {
			uint32_t w;
			memcpy(&w, b.data + strlen(CACHE_MAGIC) + i * sizeof(w), sizeof(w));
			widths[i] = w;
		}
	} else {
		db = NULL;
	}
	buf_release(&b);
	return db;
}

/* Best effort: a cache that cannot be written only costs the next run its compile time. */
static void db_cache_store(const char *path, const hs_database_t *db, const unsigned *widths, size_t n)
{
	char *bytes = NULL;
	size_t len = 0;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	char *parent = xstrdup(dir);
	*strrchr(parent, '/') = '\0';
	mkdir(parent, 0700);
	mkdir(dir, 0700);
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	bool ok = f && fwrite(CACHE_MAGIC, 1, strlen(CACHE_MAGIC), f) == strlen(CACHE_MAGIC);
	for (size_t i = 0; ok && i < n; i++) {
		uint32_t w = widths[i];
		ok = fwrite(&w, sizeof(w), 1, f) == 1;
	}
	ok = ok && fwrite(bytes, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp); /* written whole and renamed, so readers never see half a file */
	free(tmp);
	free(parent);
	free(dir);
	free(bytes);
}

static int build_db(struct secret_rules *rs, char **err)
{
	size_t n = ARRAY_SIZE(decoder_triggers);
	for (size_t i = 0; i < rs->n; i++)
		n += rs->rules[i].ntriggers ? rs->rules[i].ntriggers : 1;
	const char **exprs = xcalloc(n, sizeof(char *));
	char **owned = xcalloc(n, sizeof(char *));
	unsigned *flags = xcalloc(n, sizeof(unsigned));
	unsigned *ids = xcalloc(n, sizeof(unsigned));
	size_t k = 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct srule *r = &rs->rules[i];
		if (!r->ntriggers) {
			exprs[k] = r->pattern;
			flags[k] = HS_FLAG_PREFILTER;
			ids[k++] = (unsigned)i;
		}
		for (size_t j = 0; j < r->ntriggers; j++) {
			exprs[k] = owned[k] = regex_escape(r->triggers[j]);
			flags[k] = j < r->ncaseless ? HS_FLAG_CASELESS : 0;
			ids[k++] = (unsigned)i;
		}
	}
	for (size_t d = 0; d < ARRAY_SIZE(decoder_triggers); d++) {
		const char *t = decoder_triggers[d].trigger;
		exprs[k] = owned[k] = decoder_triggers[d].regex ? xstrdup(t) : regex_escape(t);
		flags[k] = decoder_triggers[d].caseless ? HS_FLAG_CASELESS : 0;
		ids[k++] = (unsigned)(rs->n + decoder_triggers[d].kind);
	}
	hs_compile_error_t *cerr = NULL;
	int rc = 0;
	/* the widths of the patterns come from Vectorscan too: cached with the database */
	unsigned *widths = xcalloc(rs->n, sizeof(unsigned));
	char *cache = db_cache_path(rs, exprs, flags, ids, k);
	if (cache && (rs->db = db_cache_load(cache, widths, rs->n)))
		goto widths;
	for (size_t i = 0; i < rs->n; i++)
		if (!(widths[i] = pattern_max_width(rs->rules[i].pattern, rs->rules[i].pub.id, err))) {
			rc = SS_EINVAL;
			goto done;
		}
	if (hs_compile_multi(exprs, flags, ids, (unsigned)k, HS_MODE_STREAM, NULL, &rs->db, &cerr) != HS_SUCCESS) {
		int e = cerr ? cerr->expression : -1;
		err_set(err, "rule %s: %s", e >= 0 && (size_t)ids[e] < rs->n ? rs->rules[ids[e]].pub.id : "?",
			cerr ? cerr->message : "cannot compile");
		hs_free_compile_error(cerr);
		rc = SS_EINVAL;
	} else if (cache) {
		db_cache_store(cache, rs->db, widths, rs->n);
	}
widths:
	rs->maxback = SECRETS_DECODE_REGION + SECRETS_CONTEXT;
	for (size_t i = 0; rc == 0 && i < rs->n; i++) {
		if (rule_set_width(&rs->rules[i], widths[i], err) < 0)
			rc = SS_EINVAL;
		rs->maxback = MAX(rs->maxback, rs->rules[i].lookback + SECRETS_CONTEXT);
	}
done:
	free(widths);
	free(cache);
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

int secret_rules_compile(const char *const *texts, size_t n, struct secret_rules **out, char **err)
{
	struct secret_rules *rs = xcalloc(1, sizeof(*rs));
	pthread_mutex_init(&rs->jit_lock, NULL);
	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (parse_file(rs, texts[i], strlen(texts[i]), "rules", err) < 0)
			goto fail;
	if (!rs->n) {
		err_set(err, "no secret rules");
		goto fail;
	}
	if (build_db(rs, err) < 0)
		goto fail;
	*out = rs;
	return 0;
fail:
	secret_rules_free(rs);
	return SS_EINVAL;
}

/* Reads a rule file of an extra directory, bounded. */
static char *read_rule_file(const char *path)
{
	struct buf b;
	buf_init(&b, RULE_FILE_MAX);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int secret_rules_load(const char *extra_dir, struct secret_rules **out)
{
	const char **texts = NULL;
	char **owned = NULL;
	size_t n = 0, nowned = 0;
	for (const struct embedded_file *f = embedded_rules; f->path; f++)
		if (str_starts_with(f->path, "secrets/")) {
			texts = xrealloc(texts, (n + 1) * sizeof(char *));
			texts[n++] = f->data;
		}
	DIR *d = extra_dir ? opendir(extra_dir) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (!str_ends_with(e->d_name, ".json"))
			continue;
		char *path = xasprintf("%s/%s", extra_dir, e->d_name);
		char *text = read_rule_file(path);
		free(path);
		if (!text || !strstr(text, "\"rules\"")) {
			free(text);
			continue; /* check catalogues may share the directory */
		}
		owned = xrealloc(owned, (nowned + 1) * sizeof(char *));
		owned[nowned++] = text;
		texts = xrealloc(texts, (n + 1) * sizeof(char *));
		texts[n++] = text;
	}
	if (d)
		closedir(d);
	char *err = NULL;
	int rc = secret_rules_compile(texts, n, out, &err);
	if (rc < 0)
		log_error("secret rules: %s", err ? err : "invalid");
	free(err);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(texts);
	return rc;
}

void srule_ready(const struct secret_rules *rs, const struct srule *r)
{
	if (atomic_load_explicit(&r->jitted, memory_order_acquire))
		return;
	/* the lock and the flag are the rule set's lazily completed state, hence the casts */
	struct srule *w = (struct srule *)r;
	pthread_mutex_lock((pthread_mutex_t *)&rs->jit_lock);
	if (!atomic_load_explicit(&w->jitted, memory_order_relaxed)) {
		/* without JIT (unavailable), pcre2_match falls back to the interpreter */
		pcre2_jit_compile(w->re, PCRE2_JIT_COMPLETE);
		for (size_t i = 0; i < w->nallow; i++)
			pcre2_jit_compile(w->allow[i], PCRE2_JIT_COMPLETE);
		if (w->pair_re)
			pcre2_jit_compile(w->pair_re, PCRE2_JIT_COMPLETE);
		atomic_store_explicit(&w->jitted, true, memory_order_release);
	}
	pthread_mutex_unlock((pthread_mutex_t *)&rs->jit_lock);
}

static struct secret_rules *default_rules;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_load(void)
{
	if (secret_rules_load(NULL, &default_rules) < 0)
		default_rules = NULL;
}

const struct secret_rules *secret_rules_default(void)
{
	pthread_once(&default_once, default_load);
	return default_rules;
}

size_t secret_rules_count(const struct secret_rules *r)
{
	return r->n;
}

const struct secret_rule *secret_rules_at(const struct secret_rules *r, size_t i)
{
	return i < r->n ? &r->rules[i].pub : NULL;
}

const struct secret_rule *secret_rules_find(const struct secret_rules *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->rules[i].pub.id, id))
			return &r->rules[i].pub;
	return NULL;
}

void secret_rules_free(struct secret_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		srule_release(&r->rules[i]);
	free(r->rules);
	str_array_free(r->examples, r->nexamples);
	str_array_free(r->stopwords, r->nstopwords);
	hs_free_database(r->db);
	pthread_mutex_destroy(&r->jit_lock);
	free(r);
}
