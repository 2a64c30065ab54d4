#include "base/common.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "secrets/rules_int.h"

/*
 * Streaming matcher. Each stream keeps a window of the bytes it may still need: the tail of the
 * previous chunks (as long as the widest rule looks back) plus what pending candidates need.
 * Vectorscan reports candidates (rule, end offset); candidates of one rule whose windows overlap
 * are merged into one range and PCRE2 runs once on it. A candidate waits until the bytes after it
 * (lookahead) have arrived, or the stream ends.
 */

/* Decoded text is scanned again, at most this deep (base64 inside percent-encoding...). */
#define MAX_DEPTH 2
/* Candidates kept per stream before new ones are dropped (pathological inputs). */
#define MAX_CANDIDATES (1u << 20)
/* Size of the per-stream set that reports a (rule, value) only once. */
#define SEEN_SLOTS 8192
/* A line longer than this is minified: its suppression comments are not honoured. */
#define LINE_MAX_SUPPRESS 1000

struct cand {
	uint32_t id;
	uint64_t end;
};

struct sctx {
	struct secret_scanner *s;
	struct sctx *parent;  /* the stream this decoded text came from, or NULL */
	uint64_t origin;      /* where the decoded text starts in the parent */
	const char *decoded_as;
	int depth;
	hs_stream_t *hs;
	struct cand *cands;
	size_t ncands, capcands;
	const char *view;     /* bytes [base, base + winlen) of the stream: win, or the caller's chunk
			       * while it is looked at in place */
	uint64_t scan_end;    /* while Vectorscan scans: where the bytes it was given end */
	bool borrowed;        /* view is the caller's memory between calls (a mapped file, readable from
			       * its start): lines are counted only up to where a hit needs them */
	char *win;            /* the bytes kept from one chunk to the next */
	size_t winlen, wincap;
	uint64_t base;
	uint64_t *last_end;   /* per rule: end of the last match taken, so overlaps are not taken twice */
	uint64_t dec_done[SDEC_COUNT]; /* per decoder: offset up to which text was decoded */
	/* line cursor: newlines before cur_off, and where the last one was */
	uint64_t cur_off, cur_lines, cur_lastnl;
	bool cur_has_nl;
};

struct secret_scanner {
	const struct secret_rules *rules;
	hs_scratch_t *scratch;
	pcre2_match_data *md;
	pcre2_match_data *pair_md;
	struct sctx top;
	bool active;
	unsigned flags; /* enum secret_stream_flag */
	secret_hit_fn fn;
	void *ud;
	uint64_t *seen;
	size_t nseen;
};

struct secret_scanner *secret_scanner_new(const struct secret_rules *rules)
{
	struct secret_scanner *s = xcalloc(1, sizeof(*s));
	s->rules = rules;
	if (hs_alloc_scratch(rules->db, &s->scratch) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	s->md = pcre2_match_data_create(rules->max_captures + 1, NULL);
	s->pair_md = pcre2_match_data_create(4, NULL);
	s->seen = xcalloc(SEEN_SLOTS, sizeof(uint64_t));
	return s;
}

static void ctx_release(struct sctx *c)
{
	if (c->hs)
		hs_close_stream(c->hs, NULL, NULL, NULL);
	free(c->cands);
	free(c->win);
	free(c->last_end);
	memset(c, 0, sizeof(*c));
}

void secret_scanner_free(struct secret_scanner *s)
{
	if (!s)
		return;
	ctx_release(&s->top);
	hs_free_scratch(s->scratch);
	pcre2_match_data_free(s->md);
	pcre2_match_data_free(s->pair_md);
	free(s->seen);
	free(s);
}

static int ctx_init(struct sctx *c, struct secret_scanner *s, struct sctx *parent, uint64_t origin,
		    const char *decoded_as)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->parent = parent;
	c->origin = origin;
	c->decoded_as = decoded_as;
	c->depth = parent ? parent->depth + 1 : 0;
	c->last_end = xcalloc(s->rules->n, sizeof(uint64_t));
	if (hs_open_stream(s->rules->db, 0, &c->hs) != HS_SUCCESS) {
		c->hs = NULL;
		return SS_EIO;
	}
	return 0;
}

static const char *at(const struct sctx *c, uint64_t off);

/* false when a gated rule's trigger ending at off is not followed by its gate byte in time; bytes
 * not scanned yet (the chunk's end) do not decide, the rule's pattern will. */
static bool gate_open(const struct sctx *c, const struct srule *r, uint64_t off)
{
	uint64_t limit = off + r->gate_within, end = MIN(c->scan_end, limit);
	for (uint64_t p = off; p < end; p++) {
		unsigned char ch = (unsigned char)*at(c, p);
		if (ch == (unsigned char)r->gate_find)
			return true;
		if (r->gate_stop[ch >> 3] & (1u << (ch & 7)))
			return false;
	}
	return end < limit;
}

static int on_candidate(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ud)
{
	struct sctx *c = ud;
	const struct secret_rules *rs = c->s->rules;
	if (c->ncands >= MAX_CANDIDATES)
		return 0;
	if (id < rs->n && rs->rules[id].gated && !gate_open(c, &rs->rules[id], to))
		return 0;
	c->cands = xgrow(c->cands, &c->capcands, c->ncands + 1, sizeof(*c->cands));
	c->cands[c->ncands++] = (struct cand){id, to};
	return 0;
}

static uint64_t stream_end(const struct sctx *c)
{
	return c->base + c->winlen;
}

static const char *at(const struct sctx *c, uint64_t off)
{
	/* below base only to count lines in a borrowed view, which is readable from the stream's start */
	return off >= c->base ? c->view + (off - c->base) : c->view - (c->base - off);
}

/* --- positions --- */

/* Moves the line cursor over n bytes at p, which are the stream's bytes from the cursor on. */
static void count_lines(struct sctx *c, const char *p, size_t n)
{
	size_t k = sval_count_newlines(p, n);
	if (k) {
		const char *nl = memrchr(p, '\n', n);
		c->cur_lastnl = c->cur_off + (uint64_t)(nl - p);
		c->cur_has_nl = true;
		c->cur_lines += k;
	}
	c->cur_off += n;
}

static void advance_cursor(struct sctx *c, uint64_t to)
{
	if (to > c->cur_off)
		count_lines(c, at(c, c->cur_off), (size_t)(to - c->cur_off));
}

/* 1-based line and column of a stream offset still in the window. */
static void position_of(struct sctx *c, uint64_t off, uint64_t *line, uint64_t *col)
{
	if (c->parent) {
		position_of(c->parent, c->origin, line, col);
		return;
	}
	if (off >= c->cur_off) {
		advance_cursor(c, off);
		*line = c->cur_lines + 1;
		*col = c->cur_has_nl ? off - c->cur_lastnl : off + 1;
		return;
	}
	size_t k = sval_count_newlines(at(c, off), (size_t)(c->cur_off - off));
	*line = c->cur_lines - k + 1;
	const char *nl = memrchr(c->view, '\n', (size_t)(off - c->base));
	if (nl)
		*col = off - (c->base + (uint64_t)(nl - c->view));
	else if (k == 0)
		*col = c->cur_has_nl ? off - c->cur_lastnl : off + 1;
	else
		*col = off - c->base + 1;
}

/* true if the line holding off carries a suppression comment that may be honoured. */
static bool suppressed(struct sctx *c, uint64_t off)
{
	if (c->parent)
		return suppressed(c->parent, c->origin);
	if (!(c->s->flags & SECRET_FIRST_PARTY))
		return false;
	size_t before = (size_t)MIN(off - c->base, (uint64_t)LINE_MAX_SUPPRESS + 1);
	size_t after = (size_t)MIN(stream_end(c) - off, (uint64_t)LINE_MAX_SUPPRESS + 1);
	const char *p = at(c, off);
	const char *ls = memrchr(p - before, '\n', before);
	const char *le = memchr(p, '\n', after);
	if ((!ls && before > LINE_MAX_SUPPRESS) || (!le && after > LINE_MAX_SUPPRESS))
		return false; /* a minified line: a comment in it is not the author's decision */
	ls = ls ? ls + 1 : p - before;
	le = le ? le : p + after;
	size_t n = (size_t)(le - ls);
	return str_find(ls, n, "secscan:ignore") || str_find(ls, n, "gitleaks:allow") ||
	       str_find(ls, n, "pragma: allowlist secret");
}

/* --- the precision layer --- */

static uint64_t value_key(size_t rule, const char *v, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (rule * 0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)v[i]) * 1099511628211ull;
	return h ? h : 1;
}

/* true the first time a (rule, value) is seen in this stream. */
static bool first_sighting(struct secret_scanner *s, uint64_t key)
{
	size_t i = key & (SEEN_SLOTS - 1);
	for (size_t probe = 0; probe < SEEN_SLOTS; probe++, i = (i + 1) & (SEEN_SLOTS - 1)) {
		if (s->seen[i] == key)
			return false;
		if (!s->seen[i]) {
			/* half full: stop remembering rather than slow down (may report a value twice) */
			if (s->nseen < SEEN_SLOTS / 2) {
				s->seen[i] = key;
				s->nseen++;
			}
			return true;
		}
	}
	return true;
}

static bool re_matches(pcre2_code *re, pcre2_match_data *md, const char *s, size_t len)
{
	return pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0;
}

static bool is_example(const struct secret_rules *rs, const char *v, size_t len)
{
	for (size_t i = 0; i < rs->nexamples; i++)
		if (strlen(rs->examples[i]) == len && memcmp(rs->examples[i], v, len) == 0)
			return true;
	return false;
}

/* true if a provider rule's pattern matches inside the value: then that rule alone judges it
 * (a GitHub token with a bad checksum is no "generic API key" either). */
static bool has_provider_shape(const struct secret_rules *rs, pcre2_match_data *md, const char *v, size_t len)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->rules[i].generic)
			continue;
		srule_ready(rs, &rs->rules[i]);
		if (re_matches(rs->rules[i].re, md, v, len))
			return true;
	}
	return false;
}

/* Whether the URL password v (in "scheme://user:v@host") is the user name again, as in the
 * postgres://postgres:postgres@localhost of every tutorial. The pattern puts "//user:" right
 * before v, inside the match, so the bytes read are the window's. */
static bool password_is_user(const struct sctx *c, const char *v, size_t len, uint64_t off)
{
	size_t room = (size_t)MIN(off - c->base, (uint64_t)66);
	if (room < 3 || v[-1] != ':')
		return false;
	const char *colon = v - 1, *user = colon, *stop = v - room;
	while (user > stop && user[-1] != '/')
		user--;
	return user > stop && (size_t)(colon - user) == len && strncasecmp(user, v, len) == 0;
}

/* Validators; may refine the severity and the name. false: not a secret. */
static bool validate(struct sctx *c, const struct srule *r, const char *v, size_t len, uint64_t off,
		     struct secret_hit *hit)
{
	struct secret_scanner *s = c->s;
	unsigned val = r->pub.validators;
	if ((val & (SV_CRC32_GITHUB | SV_NPM_CHECKSUM)) && !secret_crc32_token_valid(v, len))
		return false;
	if (val & (SV_JWT | SV_JWT_ROLE)) {
		struct sval_jwt j;
		sval_jwt_inspect(v, len, &j);
		if (!j.valid)
			return false;
		if (val & SV_JWT_ROLE) {
			if (!strcmp(j.role, "service_role")) {
				hit->severity = SEV_CRITICAL;
				hit->name = "Supabase service_role key";
			} else if (!strcmp(j.role, "anon")) {
				hit->severity = SEV_INFO;
				hit->name = "Supabase anon key (public by design)";
			} else if (j.exp && j.exp < (int64_t)time(NULL)) {
				hit->severity = SEV_LOW;
				hit->name = "Expired JSON Web Token";
			}
		}
	}
	if ((val & SV_PEM_BODY) && !sval_pem_body_ok(v, len))
		return false;
	if ((val & SV_STOPWORDS) && sval_has_stopword(v, len, s->rules->stopwords, s->rules->nstopwords))
		return false;
	if ((val & SV_USERINFO) && password_is_user(c, v, len, off))
		return false;
	if (r->pair_re) {
		uint64_t from = off - MIN(off - c->base, (uint64_t)r->pair_window);
		uint64_t to = MIN(stream_end(c), off + len + r->pair_window);
		if (re_matches(r->pair_re, s->pair_md, at(c, from), (size_t)(to - from))) {
			hit->severity = r->pair_sev;
			hit->name = r->pair_name;
		}
	}
	return true;
}

static void consider(struct sctx *c, size_t ri, const char *v, size_t len, uint64_t off)
{
	struct secret_scanner *s = c->s;
	const struct srule *r = &s->rules->rules[ri];
	if (!len || len > SECRETS_DECODE_MAX)
		return;
	if (is_example(s->rules, v, len))
		return;
	for (size_t i = 0; i < r->nallow; i++)
		if (re_matches(r->allow[i], s->pair_md, v, len))
			return;
	/* key bodies legitimately hold long runs (AAAA... in DER); their validator judges them */
	if (!(r->pub.validators & SV_PEM_BODY) && secret_is_placeholder(v, len))
		return;
	if (r->pub.entropy > 0 && secret_entropy(v, len) < r->pub.entropy)
		return;
	if (r->generic && has_provider_shape(s->rules, s->pair_md, v, len))
		return;
	struct secret_hit hit = {.rule = &r->pub, .severity = r->pub.severity, .name = r->pub.name};
	if (!validate(c, r, v, len, off, &hit))
		return;
	if ((s->flags & SECRET_EXAMPLES) && (r->generic || hit.severity <= SEV_LOW))
		return;
	if (suppressed(c, off))
		return;
	if (!first_sighting(s, value_key(ri, v, len)))
		return;
	hit.value = v;
	hit.value_len = len;
	hit.decoded = c->decoded_as;
	hit.offset = c->parent ? c->origin : off;
	for (struct sctx *p = c->parent; p && p->parent; p = p->parent)
		hit.offset = p->origin;
	position_of(c, off, &hit.line, &hit.column);
	secret_redact(v, len, hit.redacted, sizeof(hit.redacted));
	crypto_sha256_hex(v, len, hit.value_hash);
	s->fn(s->ud, &hit);
}

/* Runs rule ri's pattern over [from, to) of the window. */
static void run_range(struct sctx *c, size_t ri, uint64_t from, uint64_t to)
{
	struct secret_scanner *s = c->s;
	const struct srule *r = &s->rules->rules[ri];
	from = MAX(from, c->base);
	to = MIN(to, stream_end(c));
	if (from >= to)
		return;
	srule_ready(s->rules, r);
	uint64_t subj = from - MIN(from - c->base, (uint64_t)SECRETS_CONTEXT);
	PCRE2_SIZE start = (PCRE2_SIZE)(from - subj), len = (PCRE2_SIZE)(to - subj);
	const char *p = at(c, subj);
	while (start < len) {
		int rc = pcre2_match(r->re, (PCRE2_SPTR)p, len, start, 0, s->md, NULL);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		uint64_t mstart = subj + ov[0], mend = subj + ov[1];
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		if (mstart < c->last_end[ri])
			continue;
		c->last_end[ri] = mend;
		if ((uint32_t)rc > r->group && ov[2 * r->group] != PCRE2_UNSET)
			consider(c, ri, p + ov[2 * r->group], ov[2 * r->group + 1] - ov[2 * r->group],
				 subj + ov[2 * r->group]);
	}
}

static void scan_decoded(struct sctx *c, uint64_t origin, const char *as, const char *data, size_t len);

static bool b64_char(char ch)
{
	return isalnum_ascii(ch) || ch == '+' || ch == '/' || ch == '-' || ch == '_';
}

static bool region_char(char ch)
{
	return ch != '"' && ch != '\'' && ch != '`' && ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t' &&
	       ch != '<' && ch != '>';
}

/* A decoder's trigger: decode the text around it and scan what comes out. */
static void run_decoder(struct sctx *c, enum sdec_kind kind, uint64_t end)
{
	if (c->depth >= MAX_DEPTH || end <= c->base)
		return;
	uint64_t lo, hi, pos = end - 1;
	uint64_t limit_hi = MIN(stream_end(c), end + SECRETS_DECODE_REGION);
	if (kind == SDEC_BASE64) {
		/* after a call such as atob( the blob starts past the quote; else the trigger is its start */
		hi = end;
		if (*at(c, end - 1) == '(')
			while (hi < limit_hi && hi < end + 8 && !b64_char(*at(c, hi)))
				hi++;
		uint64_t limit_lo = hi - MIN(hi - c->base, (uint64_t)SECRETS_DECODE_REGION);
		for (lo = hi; lo > limit_lo && b64_char(*at(c, lo - 1)); lo--)
			;
		for (; hi < limit_hi && b64_char(*at(c, hi)); hi++)
			;
		while (hi < limit_hi && *at(c, hi) == '=')
			hi++;
	} else {
		uint64_t limit_lo = pos - MIN(pos - c->base, (uint64_t)SECRETS_DECODE_REGION);
		bool js = kind == SDEC_JS;
		for (lo = pos; lo > limit_lo && (js ? (*at(c, lo - 1) != '"' && *at(c, lo - 1) != '\'' && *at(c, lo - 1) != '\n')
						  : region_char(*at(c, lo - 1)));
		     lo--)
			;
		for (hi = end; hi < limit_hi && (js ? (*at(c, hi) != '"' && *at(c, hi) != '\'' && *at(c, hi) != '\n')
						   : region_char(*at(c, hi)));
		     hi++)
			;
	}
	if (lo < c->dec_done[kind])
		return;
	c->dec_done[kind] = hi;
	struct buf out;
	buf_init(&out, SECRETS_DECODE_MAX);
	size_t n = 0;
	const char *as = "";
	if (kind == SDEC_BASE64) {
		as = "base64";
		if (hi - lo >= 24 && sdec_base64(at(c, lo), (size_t)(hi - lo), &out) == 0 && out.len >= 16 &&
		    sdec_printable_ratio(out.data, out.len) >= 0.95)
			n = 1;
	} else if (kind == SDEC_PERCENT) {
		as = "percent";
		n = sdec_percent(at(c, lo), (size_t)(hi - lo), &out) >= 2;
	} else {
		as = "js-escape";
		n = sdec_js(at(c, lo), (size_t)(hi - lo), &out);
	}
	if (n)
		scan_decoded(c, lo, as, out.data, out.len);
	buf_release(&out);
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

struct range {
	uint32_t rule;
	uint64_t from, to;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* Handles every candidate whose lookahead has arrived (all of them when final). */
static void process(struct sctx *c, bool final)
{
	if (!c->ncands)
		return;
	const struct secret_rules *rs = c->s->rules;
	qsort(c->cands, c->ncands, sizeof(*c->cands), cand_cmp);
	size_t keep = 0, i = 0, nranges = 0;
	struct range *ranges = xmalloc(c->ncands * sizeof(*ranges));
	uint64_t now = stream_end(c);
	while (i < c->ncands) {
		uint32_t id = c->cands[i].id;
		if (id >= rs->n) {
			uint64_t ready = c->cands[i].end + SECRETS_DECODE_REGION;
			if (final || ready <= now)
				run_decoder(c, (enum sdec_kind)(id - rs->n), c->cands[i].end);
			else
				c->cands[keep++] = c->cands[i];
			i++;
			continue;
		}
		const struct srule *r = &rs->rules[id];
		/* merge this rule's candidates whose windows overlap into one range */
		size_t j = i + 1;
		uint64_t from = c->cands[i].end - MIN(c->cands[i].end, (uint64_t)r->lookback);
		uint64_t to = c->cands[i].end + r->lookahead;
		while (j < c->ncands && c->cands[j].id == id && c->cands[j].end - MIN(c->cands[j].end, (uint64_t)r->lookback) <= to) {
			to = c->cands[j].end + r->lookahead;
			j++;
		}
		if (final || to <= now) {
			ranges[nranges++] = (struct range){id, from, to};
		} else {
			memmove(c->cands + keep, c->cands + i, (j - i) * sizeof(*c->cands));
			keep += j - i;
		}
		i = j;
	}
	c->ncands = keep;
	/* in stream order, so that line numbers are counted forward */
	qsort(ranges, nranges, sizeof(*ranges), range_cmp);
	for (size_t k = 0; k < nranges; k++)
		run_range(c, ranges[k].rule, ranges[k].from, ranges[k].to);
	free(ranges);
}

/* Keeps only the bytes a pending or future candidate can need, in the owned window: moved to its
 * front, or copied out of the caller's chunk when it was looked at in place. */
static void trim(struct sctx *c)
{
	const struct secret_rules *rs = c->s->rules;
	uint64_t end = stream_end(c);
	uint64_t keep = end - MIN(end, (uint64_t)rs->maxback);
	for (size_t i = 0; i < c->ncands; i++) {
		uint64_t need = c->cands[i].end - MIN(c->cands[i].end, (uint64_t)rs->maxback);
		keep = MIN(keep, need);
	}
	keep = MAX(keep, c->base);
	if (!c->borrowed)
		advance_cursor(c, keep);
	size_t drop = (size_t)(keep - c->base), n = c->winlen - drop;
	c->base = keep;
	c->winlen = n;
	if (c->borrowed) {
		c->view += drop;
		return;
	}
	if (c->view != c->win) {
		c->win = xgrow(c->win, &c->wincap, n + 1, 1);
		memcpy(c->win, c->view + drop, n);
	} else if (drop) {
		memmove(c->win, c->win + drop, n);
	}
	c->view = c->win;
}

/* Scans the len bytes that follow the window in view, then handles the candidates that are ready. */
static int ctx_commit(struct sctx *c, size_t len)
{
	c->scan_end = stream_end(c) + len;
	if (hs_scan_stream(c->hs, c->view + c->winlen, len, 0, c->s->scratch, on_candidate, c) != HS_SUCCESS)
		return SS_EIO;
	c->winlen += len;
	process(c, false);
	trim(c);
	return 0;
}

/* Copies the bytes kept in the caller's memory into the owned window. */
static void ctx_own(struct sctx *c)
{
	if (!c->borrowed)
		return;
	advance_cursor(c, c->base);
	c->win = xgrow(c->win, &c->wincap, c->winlen + 1, 1);
	memcpy(c->win, c->view, c->winlen);
	c->view = c->win;
	c->borrowed = false;
}

static int ctx_feed(struct sctx *c, const char *data, size_t len)
{
	if (!len)
		return 0;
	ctx_own(c);
	if (!c->winlen) {
		/* nothing kept (a whole buffer, or decoded text): look at the chunk where it lies */
		c->view = data;
		return ctx_commit(c, len);
	}
	c->win = xgrow(c->win, &c->wincap, c->winlen + len + 1, 1);
	c->view = c->win;
	memcpy(c->win + c->winlen, data, len);
	return ctx_commit(c, len);
}

static int ctx_finish(struct sctx *c)
{
	c->scan_end = stream_end(c);
	int rc = hs_close_stream(c->hs, c->s->scratch, on_candidate, c) == HS_SUCCESS ? 0 : SS_EIO;
	c->hs = NULL;
	process(c, true);
	return rc;
}

static void scan_decoded(struct sctx *c, uint64_t origin, const char *as, const char *data, size_t len)
{
	struct sctx sub;
	if (ctx_init(&sub, c->s, c, origin, as) == 0) {
		ctx_feed(&sub, data, len);
		ctx_finish(&sub);
	}
	ctx_release(&sub);
}

int secret_scanner_begin(struct secret_scanner *s, unsigned flags, secret_hit_fn fn, void *ud)
{
	ctx_release(&s->top);
	s->flags = flags;
	s->fn = fn;
	s->ud = ud;
	if (s->nseen) /* most streams remember nothing: clearing 64 KB per small file would cost more than its scan */
		memset(s->seen, 0, SEEN_SLOTS * sizeof(uint64_t));
	s->nseen = 0;
	s->active = ctx_init(&s->top, s, NULL, 0, NULL) == 0;
	return s->active ? 0 : SS_EIO;
}

int secret_scanner_feed(struct secret_scanner *s, const void *data, size_t len)
{
	if (!s->active)
		return SS_EINVAL;
	return ctx_feed(&s->top, data, len);
}

void *secret_scanner_space(struct secret_scanner *s, size_t want)
{
	struct sctx *c = &s->top;
	if (!s->active)
		return NULL;
	ctx_own(c);
	c->win = xgrow(c->win, &c->wincap, c->winlen + want + 1, 1);
	c->view = c->win;
	return c->win + c->winlen;
}

int secret_scanner_feed_mapped(struct secret_scanner *s, const void *data, size_t len)
{
	struct sctx *c = &s->top;
	if (!s->active)
		return SS_EINVAL;
	if (!len)
		return 0;
	bool continues = c->borrowed ? c->view + c->winlen == (const char *)data : !c->winlen;
	if (!continues)
		return ctx_feed(c, data, len); /* not the continuation in memory: copy as any chunk */
	c->view = (const char *)data - c->winlen;
	c->borrowed = true;
	return ctx_commit(c, len);
}

uint64_t secret_scanner_kept(const struct secret_scanner *s)
{
	return s->top.base;
}

int secret_scanner_commit(struct secret_scanner *s, size_t len)
{
	if (!s->active)
		return SS_EINVAL;
	return len ? ctx_commit(&s->top, len) : 0;
}

int secret_scanner_end(struct secret_scanner *s)
{
	if (!s->active)
		return SS_EINVAL;
	int rc = ctx_finish(&s->top);
	ctx_release(&s->top);
	s->active = false;
	return rc;
}

int secret_scan_buffer(struct secret_scanner *s, const void *data, size_t len, unsigned flags,
		       secret_hit_fn fn, void *ud)
{
	int rc = secret_scanner_begin(s, flags, fn, ud);
	if (rc == 0)
		rc = secret_scanner_feed(s, data, len);
	int rc2 = secret_scanner_end(s);
	return rc ? rc : rc2;
}

void secret_hit_describe(const struct secret_hit *hit, struct secret_finding_text *out)
{
	out->check = hit->severity == SEV_INFO ? "secrets.public-key" : "secrets.exposed";
	snprintf(out->evidence, sizeof(out->evidence), "Found: %s at line %" PRIu64 ", column %" PRIu64 "%s%s%s",
		 hit->redacted, hit->line, hit->column, hit->decoded ? " (in " : "", hit->decoded ? hit->decoded : "",
		 hit->decoded ? "-decoded text)" : "");
	snprintf(out->discriminator, sizeof(out->discriminator), "%s:%s", hit->rule->id, hit->value_hash);
	if (hit->severity == SEV_INFO)
		out->description = xasprintf("%s (rule %s). %s", hit->name, hit->rule->id, hit->rule->fix);
	else
		out->description = xasprintf("%s (rule %s): anyone who can read it can use it until it is revoked. "
					     "How to fix: %s", hit->name, hit->rule->id, hit->rule->fix);
}

void secret_finding_text_release(struct secret_finding_text *t)
{
	free(t->description);
	t->description = NULL;
}
