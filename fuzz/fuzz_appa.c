/* libFuzzer harness for the api/auth/cloud/privacy parsers (CORS verdicts, personal data, forms and
 * links, storage references and listings, JWT signatures; see README.md). */
#include "base/common.h"
#include "modules/bucket.h"
#include "modules/webform.h"
#include "modules/webpii.h"
#include "secrets/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_form(void *ud, const struct webform *f)
{
	/* an action is always an absolute http(s) URL */
	if (strncmp(f->action, "http://", 7) && strncmp(f->action, "https://", 8))
		__builtin_trap();
	(*(size_t *)ud)++;
}

static void fz_param(void *ud, const char *url, size_t ulen, const char *name, size_t nlen, const char *value, size_t vlen)
{
	const char *text = ud;
	(void)text;
	if (!ulen || !nlen || vlen < 8 || name < url || value <= name)
		__builtin_trap();
}

static void fz_ref(void *ud, const struct bucket_ref *r)
{
	(void)ud;
	size_t n = strlen(r->name);
	if (n < 3 || n > 63 || (strncmp(r->origin, "http://", 7) && strncmp(r->origin, "https://", 8)))
		__builtin_trap();
	free(bucket_listing_url(r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a NUL-terminated copy: header values and URLs are C strings */
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	struct cors_verdict v;
	const char *nl = memchr(text, '\n', size);
	cors_judge(text, nl ? nl + 1 : text, text, &v);

	struct pii_records rec;
	if (pii_json_records(text, size, &rec) == 0 && rec.records && !rec.fields[0])
		__builtin_trap();
	struct pii_text pt;
	pii_text_scan(text, size, &pt);
	char red[96];
	pii_redact(text, size, red, sizeof(red));

	size_t forms = 0;
	webform_each("https://app.example/a/b", text, size, fz_form, &forms);
	if (forms > WEBFORM_MAX_FORMS)
		__builtin_trap();
	webform_token_params(text, size, fz_param, text);

	bucket_refs(text, size, 8, fz_ref, NULL);
	struct bucket_listing bl;
	if (bucket_parse_listing(text, size, &bl) == 0 && bl.nkeys > BUCKET_SAMPLE_KEYS)
		__builtin_trap();

	const char *keys[] = {"secret", "your-256-bit-secret"};
	struct secret_jwt_sig sig;
	secret_jwt_signature(text, size, keys, 2, &sig);
	if (sig.weak_key >= 2 || (sig.weak_key >= 0 && !sig.valid))
		__builtin_trap();
	free(text);
	return 0;
}
