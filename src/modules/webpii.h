#ifndef MODULES_WEBPII_H
#define MODULES_WEBPII_H
#include "base/common.h"
#include "base/buf.h"

/*
 * Verdicts the app-layer modules (api, auth, privacy) draw from what a site answers: CORS grants,
 * personal data in JSON records and in page text. Pure functions over untrusted, bounded input.
 */

/* What a response's CORS headers grant the Origin that was sent. */
struct cors_verdict {
	bool allowed;     /* Access-Control-Allow-Origin names exactly the origin sent */
	bool wildcard;    /* Access-Control-Allow-Origin: * */
	bool credentials; /* Access-Control-Allow-Credentials: true */
};
/* Judges the two header values (either may be NULL) for the origin sent. */
void cors_judge(const char *sent, const char *acao, const char *acac, struct cors_verdict *v);

/* Bodies larger than this are not searched for personal data. */
#define PII_BODY_MAX (2 * 1024 * 1024)

/* Personal records found in a JSON document. */
struct pii_records {
	size_t records;     /* objects (in arrays) that hold an email, a phone number or a name with an address */
	char fields[160];   /* the personal fields seen, "email, phone, address" */
	char sample[96];    /* one value, redacted ("a***@e***.org") */
};
/* Walks a JSON document (depth and size bounded) for arrays of records with personal data; 0, or
 * SS_EINVAL when the body is no JSON (or too large). */
int pii_json_records(const char *body, size_t len, struct pii_records *out);

/* Emails and phone numbers in page text. */
struct pii_text {
	size_t emails;      /* distinct personal-looking addresses */
	size_t role_emails; /* distinct role addresses (info@, contact@, support@, ...) */
	size_t phones;      /* distinct phone numbers written in international or tel: form */
	char sample[96];    /* the first personal one, redacted */
	char role_sample[96];
};
/* Counts the emails and phone numbers in text (at most PII_BODY_MAX bytes are read). */
void pii_text_scan(const char *text, size_t len, struct pii_text *out);
/* "a***@e***.org" for an email, "+*** *** **34" style (last two digits) for anything else, into out. */
void pii_redact(const char *value, size_t len, char *out, size_t n);

#endif
