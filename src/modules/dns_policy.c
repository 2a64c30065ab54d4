#include "base/common.h"
#include "modules/dns_policy.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/rules_embedded.h"
#include <fnmatch.h>
#include <jansson.h>

bool dns_spf_is_spf(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == '\0' || txt[6] == ' ');
}

static void add_target(struct dns_spf *s, const char *domain, size_t len)
{
	/* A macro (%{i}) is expanded per message: nothing to follow ahead of time. */
	if (!len || memchr(domain, '%', len) || s->ntargets >= DNS_SPF_MAX_TARGETS)
		return;
	s->targets[s->ntargets++] = xstrndup(domain, len);
}

int dns_spf_parse(const char *txt, struct dns_spf *out)
{
	memset(out, 0, sizeof(*out));
	if (!dns_spf_is_spf(txt))
		return SS_EINVAL;
	const char *p = txt + 6;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		size_t tlen = (size_t)(end - p);
		if (!tlen)
			break;
		const char *term = p;
		char qual = '+';
		if (strchr("+-~?", *term)) {
			qual = *term;
			term++;
			tlen--;
		}
		/* name: the mechanism or modifier name, up to ':', '/', '=' */
		size_t nl = 0;
		while (nl < tlen && term[nl] != ':' && term[nl] != '/' && term[nl] != '=')
			nl++;
		const char *arg = nl < tlen && (term[nl] == ':' || term[nl] == '=') ? term + nl + 1 : NULL;
		size_t alen = arg ? (size_t)(end - arg) : 0;
		if (nl == 3 && !strncasecmp(term, "all", 3)) {
			out->all = qual;
		} else if (nl == 7 && !strncasecmp(term, "include", 7)) {
			out->lookups++;
			if (arg)
				add_target(out, arg, alen);
		} else if (nl == 8 && !strncasecmp(term, "redirect", 8) && arg && term[nl] == '=') {
			out->lookups++;
			out->redirect = true;
			add_target(out, arg, alen);
		} else if ((nl == 1 && !strncasecmp(term, "a", 1)) || (nl == 2 && !strncasecmp(term, "mx", 2)) ||
			   (nl == 3 && !strncasecmp(term, "ptr", 3)) || (nl == 6 && !strncasecmp(term, "exists", 6))) {
			out->lookups++;
		}
		p = end;
	}
	return 0;
}

void dns_spf_release(struct dns_spf *s)
{
	for (size_t i = 0; i < s->ntargets; i++)
		free(s->targets[i]);
	s->ntargets = 0;
}

int dns_dmarc_policy(const char *txt, char *out, size_t n)
{
	const char *p = txt;
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "v=DMARC1", 8) != 0 || (p[8] && p[8] != ';' && p[8] != ' '))
		return SS_EINVAL;
	p += 8;
	while (*p) {
		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		const char *end = strchr(p, ';');
		size_t tlen = end ? (size_t)(end - p) : strlen(p);
		if (tlen >= 2 && (p[0] == 'p' || p[0] == 'P')) {
			size_t i = 1;
			while (i < tlen && p[i] == ' ')
				i++;
			if (i < tlen && p[i] == '=') {
				i++;
				while (i < tlen && p[i] == ' ')
					i++;
				size_t vl = tlen - i;
				while (vl && (p[i + vl - 1] == ' ' || p[i + vl - 1] == '\t'))
					vl--;
				if (!vl || vl >= n)
					return SS_EINVAL;
				memcpy(out, p + i, vl);
				out[vl] = '\0';
				str_lower(out);
				return 0;
			}
		}
		p += tlen;
	}
	return SS_EINVAL;
}

static char **string_array(json_t *arr, size_t *n)
{
	*n = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return NULL;
	char **out = xcalloc(json_array_size(arr), sizeof(*out));
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (json_is_string(v))
			out[(*n)++] = xstrdup(json_string_value(v));
	}
	return out;
}

static void provider_release(struct dns_takeover_provider *p)
{
	free(p->name);
	for (size_t k = 0; k < p->ncnames; k++)
		free(p->cnames[k]);
	for (size_t k = 0; k < p->nhttp; k++)
		free(p->http[k]);
	free(p->cnames);
	free(p->http);
}

int dns_takeover_load(struct dns_takeover_set *set, const char *text, size_t len, const char *origin)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *providers = root ? json_object_get(root, "providers") : NULL;
	if (!json_is_array(providers)) {
		log_error("%s: not a takeover rule file (%s)", origin, root ? "no providers array" : jerr.text);
		json_decref(root);
		return SS_EINVAL;
	}
	size_t i;
	json_t *p;
	int rc = 0;
	json_array_foreach(providers, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		struct dns_takeover_provider tp = {0};
		tp.cnames = string_array(json_object_get(p, "cnames"), &tp.ncnames);
		tp.http = string_array(json_object_get(p, "http"), &tp.nhttp);
		tp.nxdomain = json_is_true(json_object_get(p, "nxdomain"));
		if (!name || !tp.ncnames || (!tp.nxdomain && !tp.nhttp)) {
			log_error("%s: provider %zu needs a name, cnames and nxdomain or http", origin, i);
			provider_release(&tp);
			rc = SS_EINVAL;
			continue;
		}
		tp.name = xstrdup(name);
		set->items = xrealloc(set->items, (set->n + 1) * sizeof(*set->items));
		set->items[set->n++] = tp;
	}
	json_decref(root);
	return rc;
}

int dns_takeover_load_embedded(struct dns_takeover_set *set)
{
	int rc = 0;
	for (const struct embedded_file *f = embedded_rules; f->path; f++)
		if (str_starts_with(f->path, "takeover/") && dns_takeover_load(set, f->data, f->len, f->path) < 0)
			rc = SS_EINVAL;
	return rc;
}

const struct dns_takeover_provider *dns_takeover_match(const struct dns_takeover_set *set,
						      const char *target)
{
	for (size_t i = 0; i < set->n; i++)
		for (size_t k = 0; k < set->items[i].ncnames; k++)
			if (fnmatch(set->items[i].cnames[k], target, FNM_CASEFOLD) == 0)
				return &set->items[i];
	return NULL;
}

bool dns_takeover_page_matches(const struct dns_takeover_provider *p, const char *body, size_t len)
{
	for (size_t i = 0; i < p->nhttp; i++)
		if (str_find(body, len, p->http[i]))
			return true;
	return false;
}

void dns_takeover_set_release(struct dns_takeover_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		provider_release(&set->items[i]);
	free(set->items);
	set->items = NULL;
	set->n = 0;
}
