#include "engine/finding.h"
#include "base/buf.h"
#include "base/crypto.h"

static const char *const sev_names[SEV_COUNT] = {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
static const char *const sev_keys[SEV_COUNT] = {"info", "low", "medium", "high", "critical"};

const char *severity_name(enum severity sev)
{
	return (unsigned)sev < SEV_COUNT ? sev_names[sev] : "INFO";
}

const char *severity_key(enum severity sev)
{
	return (unsigned)sev < SEV_COUNT ? sev_keys[sev] : "info";
}

int severity_parse(const char *name, enum severity *out)
{
	for (int i = 0; i < SEV_COUNT; i++)
		if (name && strcasecmp(name, sev_names[i]) == 0) {
			*out = (enum severity)i;
			return 0;
		}
	return SS_EINVAL;
}

bool category_valid(const char *category)
{
	static const char *const cats[] = {"secrets", "auth", "baas", "api", "cloud", "network", "tls",
					   "dns", "edge-infra", "privacy", "disclosure", "ai-safety"};
	for (size_t i = 0; i < ARRAY_SIZE(cats); i++)
		if (category && strcmp(category, cats[i]) == 0)
			return true;
	return false;
}

void finding_fingerprint(struct finding *f, const char *discriminator)
{
	struct buf b;
	buf_init(&b, SIZE_MAX / 2);
	/* NUL separators: no field can run into the next. */
	buf_append(&b, f->check ? f->check : "", strlen(f->check ? f->check : "") + 1);
	buf_append(&b, f->target ? f->target : "", strlen(f->target ? f->target : "") + 1);
	buf_append(&b, f->location ? f->location : "", strlen(f->location ? f->location : "") + 1);
	if (discriminator)
		buf_appends(&b, discriminator);
	crypto_sha256_hex(b.data, b.len, f->fingerprint);
	buf_release(&b);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void finding_copy(struct finding *dst, const struct finding *src)
{
	*dst = *src;
	dst->check = dup_or_null(src->check);
	dst->target = dup_or_null(src->target);
	dst->category = dup_or_null(src->category);
	dst->title = dup_or_null(src->title);
	dst->description = dup_or_null(src->description);
	dst->evidence = dup_or_null(src->evidence);
	dst->tool = dup_or_null(src->tool);
	dst->location = dup_or_null(src->location);
}

void finding_release(struct finding *f)
{
	free(f->check);
	free(f->target);
	free(f->category);
	free(f->title);
	free(f->description);
	free(f->evidence);
	free(f->tool);
	free(f->location);
	memset(f, 0, sizeof(*f));
}

void finding_array_free(struct finding *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		finding_release(&arr[i]);
	free(arr);
}

void severity_counts_add(struct severity_counts *c, enum severity sev)
{
	if ((unsigned)sev < SEV_COUNT) {
		c->count[sev]++;
		c->total++;
	}
}
