#ifndef MODULES_WEBFORM_H
#define MODULES_WEBFORM_H
#include "base/common.h"

/* HTML forms and the links of a page, read without a DOM (bounded; the page is untrusted). */

#define WEBFORM_MAX_FORMS 64
#define WEBFORM_PAGE_MAX (2 * 1024 * 1024)

struct webform {
	const char *action; /* absolute URL the form submits to (the page itself when it names none) */
	bool post;          /* method="post" */
	bool password;      /* has an <input type="password"> */
	bool personal;      /* has an email, tel, name, address or birth-date input */
};

/* Calls fn for each <form> of the HTML page at page_url (the first WEBFORM_MAX_FORMS). */
void webform_each(const char *page_url, const char *html, size_t len, void (*fn)(void *ud, const struct webform *f),
		  void *ud);

/*
 * Calls fn for each URL query parameter of the page's links whose name says it carries a
 * credential (token, access_token, api_key, session, password, ...) with a value of at least 8
 * characters: url is the link up to the parameter, name the parameter, value its value (lengths given).
 */
void webform_token_params(const char *html, size_t len,
			  void (*fn)(void *ud, const char *url, size_t ulen, const char *name, size_t nlen,
				     const char *value, size_t vlen),
			  void *ud);

#endif
