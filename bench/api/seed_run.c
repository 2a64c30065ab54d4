/*
 * Puts two runs with 50 findings each into a secscan database for the API benchmark: one
 * completed, one left running (so that GET /v1/scan builds its answer on every request).
 * Usage: seed_run DB ACCOUNT  -> prints "COMPLETED_ID RUNNING_ID".
 */
#include "base/common.h"
#include "base/crypto.h"
#include "store/store.h"

static const char *checks[] = {"headers.hsts-missing", "headers.csp-missing", "exposure.env-file",
			       "disclosure.server-version", "cookies.secure-missing"};
static const char *categories[] = {"tls", "edge-infra", "secrets", "disclosure", "auth"};

static int seed(struct store *s, int64_t account, int64_t target, const char *status, char *id)
{
	struct run r = {.account_id = account, .target_id = target, .label = "bench",
			.started_at = (int64_t)time(NULL)};
	crypto_random_id(r.id, RUN_ID_LEN, false);
	int rc = store_run_create(s, &r);
	for (int i = 0; i < 50 && !rc; i++) {
		struct finding f = {0};
		f.check = xstrdup(checks[i % 5]);
		f.target = xstrdup("bench.example.com");
		f.severity = (enum severity)(i % SEV_COUNT);
		f.category = xstrdup(categories[i % 5]);
		f.title = xasprintf("Benchmark finding number %d at /path/%d", i, i);
		f.description = xstrdup("A description of the length a real finding has: why it matters "
					"to a developer, what an attacker does with it, in a sentence or two.");
		f.evidence = xasprintf("GET https://bench.example.com/path/%d -> 200; header value "
				       "'Apache/2.4.49 (Unix) PHP/7.2.1' seen in the response", i);
		f.tool = xstrdup("bench");
		f.location = xasprintf("https://bench.example.com/path/%d", i);
		finding_fingerprint(&f, NULL);
		rc = store_finding_add(s, r.id, &f);
		finding_release(&f);
	}
	if (!rc && strcmp(status, RUN_RUNNING))
		rc = store_run_finish(s, r.id, status, (int64_t)time(NULL), NULL);
	memcpy(id, r.id, RUN_ID_LEN + 1);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: seed_run DB ACCOUNT\n");
		return 2;
	}
	struct store *s = store_open(argv[1]);
	if (!s)
		return 1;
	struct account a;
	int64_t target;
	char done[RUN_ID_LEN + 1], running[RUN_ID_LEN + 1];
	int rc = store_account_find(s, argv[2], &a);
	if (!rc)
		rc = store_target_create(s, a.id, "bench.example.com", "bench", &target);
	if (!rc)
		rc = seed(s, a.id, target, RUN_COMPLETED, done);
	if (!rc)
		rc = seed(s, a.id, target, RUN_RUNNING, running);
	if (rc)
		fprintf(stderr, "seed_run: %s\n", ss_strerror(rc));
	else
		printf("%s %s\n", done, running);
	account_release(&a);
	store_close(s);
	return rc ? 1 : 0;
}
