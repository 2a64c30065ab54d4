#ifndef SECRETS_SECRETS_H
#define SECRETS_SECRETS_H
#include "base/common.h"
#include "engine/finding.h"

/*
 * The secrets engine: finds leaked keys in any stream of bytes (web assets, files, later git
 * blobs and app packages). Rules are data (rules/secrets/ (JSON files), format in docs/secret-rules.md).
 * Matching has two stages: one Vectorscan streaming database holding every rule finds candidates
 * (a key split across two chunks is still found), then each rule's PCRE2-JIT pattern runs on a
 * bounded window around the candidate to get the exact span. A precision layer (documentation
 * examples, placeholders, entropy, checksums, JWT payloads, PEM bodies, allowlists, inline
 * suppression in first-party files) runs before anything is reported, and values are reported
 * redacted only.
 */

/* Validators a rule can ask for (bit flags). */
enum secret_validator {
	SV_CRC32_GITHUB = 1 << 0, /* base62 CRC32 of the random part in the last 6 characters */
	SV_NPM_CHECKSUM = 1 << 1, /* npm_ tokens: same scheme as GitHub's */
	SV_JWT = 1 << 2,          /* header and payload decode to JSON objects, header has "alg" */
	SV_JWT_ROLE = 1 << 3,     /* Supabase role (service_role/anon) and expiry decide severity */
	SV_PEM_BODY = 1 << 4,     /* the key body is real base64 of a key structure */
	SV_STOPWORDS = 1 << 5,     /* generic rules: no common code word inside the value */
	SV_AWS_PAIR = 1 << 6,     /* escalates when the pair pattern matches near the key */
	SV_USERINFO = 1 << 7,     /* a URL's password that repeats its user name is a default, not a secret */
};

/* One rule, as loaded; read-only after loading. */
struct secret_rule {
	char *id;        /* "anthropic-api-key" */
	char *provider;  /* "Anthropic" */
	char *name;      /* "Anthropic API key" (a finding's {detail}) */
	char *fix;       /* how and where to rotate, with the provider's revoke page */
	enum severity severity;
	double entropy;  /* minimal Shannon entropy of the secret, bits per character */
	unsigned validators; /* enum secret_validator bits */
};

struct secret_rules;

/* Compiles the embedded rules/secrets/ (JSON files) plus extra_dir's JSON files (may be NULL). 0 or SS_EINVAL (logged). */
int secret_rules_load(const char *extra_dir, struct secret_rules **out);
/* Compiles rules from JSON texts (each a rule file); for tests and --rules. 0 or SS_EINVAL with *err set (caller frees). */
int secret_rules_compile(const char *const *texts, size_t n, struct secret_rules **out, char **err);
/* The process-wide rules compiled from the embedded files, built on first use (thread-safe); NULL if they do not compile. */
const struct secret_rules *secret_rules_default(void);
size_t secret_rules_count(const struct secret_rules *r);
const struct secret_rule *secret_rules_at(const struct secret_rules *r, size_t i);
/* The rule with that id, or NULL. */
const struct secret_rule *secret_rules_find(const struct secret_rules *r, const char *id);
void secret_rules_free(struct secret_rules *r);

/* One reported secret. Pointers are valid during the callback only. */
struct secret_hit {
	const struct secret_rule *rule;
	enum severity severity;  /* the rule's, adjusted by validators (JWT role, pairs) */
	const char *name;        /* the rule's name, or a more precise one ("Supabase service_role key") */
	const char *value;       /* the secret itself: never print it; use redacted */
	size_t value_len;
	uint64_t offset;         /* byte offset of the secret in the stream (of the encoded text if decoded) */
	uint64_t line, column;   /* 1-based */
	const char *decoded;     /* NULL, or "base64", "percent", "js-escape" when found in decoded text */
	char redacted[48];       /* "sk-ant-api03-…(108 chars)" */
	char value_hash[65];     /* sha256 hex of the value: for fingerprints, never the value */
};

typedef void (*secret_hit_fn)(void *ud, const struct secret_hit *hit);

/* Per-thread matching state (Vectorscan scratch, PCRE2 match data); one stream at a time. */
struct secret_scanner;

struct secret_scanner *secret_scanner_new(const struct secret_rules *rules);
void secret_scanner_free(struct secret_scanner *s);

/* What a stream is, for the precision layer. */
enum secret_stream_flag {
	/* The project's own file: inline suppression comments ("secscan:ignore") are honoured (never
	 * for vendored or minified files; lines longer than 1000 bytes ignore them anyway). */
	SECRET_FIRST_PARTY = 1 << 0,
	/* Tests, documentation, examples or vendored code: their values are examples or someone
	 * else's, so the catch-all (generic) rules and LOW/INFO hits are not reported there; a
	 * provider's key of its own shape still is. */
	SECRET_EXAMPLES = 1 << 1,
};

/*
 * What a file holds, told by its path below what was asked to be scanned (a directory given, a
 * site's root; never the directories above it, which are the user's business): enum
 * secret_stream_flag. Vendored code is someone else's; tests, documentation and examples hold
 * example values; the comments of vendored, generated or minified files are not the project's
 * decisions.
 */
unsigned secret_path_flags(const char *rel);

/* Starts a stream; flags: enum secret_stream_flag. */
int secret_scanner_begin(struct secret_scanner *s, unsigned flags, secret_hit_fn fn, void *ud);
/* Feeds the next chunk of the stream; hits are reported from here or from _end. Memory stays bounded by the chunk size. */
int secret_scanner_feed(struct secret_scanner *s, const void *data, size_t len);
/* The same without a copy: read up to want bytes into the space returned, then commit the count
 * read (no other call in between). The space is the scanner's own window, so memory stays bounded
 * by want plus the little the rules keep from one chunk to the next. */
void *secret_scanner_space(struct secret_scanner *s, size_t want);
int secret_scanner_commit(struct secret_scanner *s, size_t len);
/* The same for memory that holds the whole stream (a mapped file): data continues the bytes fed
 * before it in memory, and nothing is copied. The stream's bytes must stay readable from its start
 * until _end; pages before stream offset secret_scanner_kept() are read again only to count the
 * lines before a hit, so they may be dropped (MADV_DONTNEED re-reads a file's pages). */
int secret_scanner_feed_mapped(struct secret_scanner *s, const void *data, size_t len);
uint64_t secret_scanner_kept(const struct secret_scanner *s);
/* Ends the stream, reporting what was pending. */
int secret_scanner_end(struct secret_scanner *s);
/* begin + feed + end on one buffer. */
int secret_scan_buffer(struct secret_scanner *s, const void *data, size_t len, unsigned flags,
		       secret_hit_fn fn, void *ud);

/* What a hit becomes as a finding, shared by every face that reports secrets. */
struct secret_finding_text {
	const char *check;       /* "secrets.exposed", or "secrets.public-key" for keys public by design */
	char evidence[200];      /* "Found: sk-ant-api03-…(108 chars) at line 3, column 15" */
	char discriminator[160]; /* "rule-id:sha256-of-value": the fingerprint input, never the value */
	char *description;       /* what it is and the rule's fix; owned, freed by secret_finding_text_release */
};
void secret_hit_describe(const struct secret_hit *hit, struct secret_finding_text *out);
void secret_finding_text_release(struct secret_finding_text *t);

/* --- files and directories (secscan secrets, repository scans) --- */

struct ignore_list;

struct secret_files_options {
	size_t chunk;          /* bytes read at a time (memory is bounded by it); default 1 MiB */
	uint64_t max_size;     /* larger files are skipped; 0: no limit */
	bool binary;           /* also scan files that look binary (a NUL in the first 8000 bytes) */
	bool gitignore;        /* honour .gitignore files met on the way */
	bool everywhere;       /* also report generic and LOW/INFO hits in tests, docs, examples and
	                        * vendored code (SECRET_EXAMPLES is never set) */
	const struct ignore_list *exclude; /* patterns relative to each PATH given; may be NULL */
};

struct secret_files_stats {
	uint64_t files, bytes;  /* scanned */
	uint64_t skipped_binary, skipped_size, skipped_ignored, errors;
};

/* Called for each hit with the file's path as given or found under a directory. */
typedef void (*secret_file_hit_fn)(void *ud, const char *path, const struct secret_hit *hit);

/*
 * Scans files and directories (recursively; symbolic links and .git are not followed), streaming
 * each file in chunks. By its path below the PATH given, a file is vendored (node_modules/,
 * vendor/, third_party/...), a test, documentation or an example (tests/, docs/, examples/,
 * README*, *.md, *.example, *.test.*...), which sets SECRET_EXAMPLES, and its inline suppressions
 * count only if it is first party (not vendored, not under dist/, build/, not *.min.* or *.map).
 * 0, or SS_EIO if a PATH given cannot be read at all (st->errors counts the others).
 */
int secret_scan_paths(struct secret_scanner *s, const char *const *paths, size_t n,
		      const struct secret_files_options *o, secret_file_hit_fn fn, void *ud,
		      struct secret_files_stats *st);

/* --- helpers, exposed for tests and other scanners --- */

/* "first characters…(N chars)" of a secret into out (never the whole value). */
void secret_redact(const char *value, size_t len, char *out, size_t outsz);
/* Shannon entropy in bits per byte. */
double secret_entropy(const char *s, size_t len);
/* true if the GitHub/npm-style token (prefix_ + 30 base62 + 6 base62 CRC32) has a valid checksum. */
bool secret_crc32_token_valid(const char *tok, size_t len);
/* The "role" claim of a JWT's payload ("anon", "service_role", "" if none) into role; false if tok is no JWT. */
bool secret_jwt_role(const char *tok, size_t len, char *role, size_t rolesz);
/* How a JWT (compact JWS) is signed. */
struct secret_jwt_sig {
	bool valid;     /* three segments; the header is a JSON object with "alg" (the payload too, unless alg is none) */
	char alg[16];   /* "HS256", "RS256", "none", ... as written */
	int weak_key;   /* index of the candidate secret that verifies an HS256/384/512 signature, or -1 */
};
/* Reads the token's header and, for HMAC algorithms, tries each of the n candidate secrets offline. */
void secret_jwt_signature(const char *tok, size_t len, const char *const *keys, size_t n, struct secret_jwt_sig *out);

/* true if the value looks like a placeholder (xxxx, <your-key>, ${VAR}, {{ }}, process.env.X, "example")
 * or is made of a long run or sequence of characters. */
bool secret_is_placeholder(const char *s, size_t len);

#endif
