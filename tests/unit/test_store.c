#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include <pthread.h>
#include <sqlite3.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "store/store.h"

/* Each test gets a fresh directory with a database path in it. */
struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	int64_t acct, other; /* two accounts, for tenant isolation */
};

static struct store *short_lived_store;

static void remove_db_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		char *p = xasprintf("%s%s", path, suffixes[i]);
		unlink(p);
		free(p);
	}
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/secscan.db", fx->dir);
	fx->s = store_open(fx->path);
	if (!fx->s)
		return -1;
	if (store_account_create(fx->s, "alice", "free", &fx->acct) ||
	    store_account_create(fx->s, "mallory", "pro", &fx->other))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->s);
	remove_db_files(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void hash_of(const char *key, char out[65])
{
	crypto_sha256_hex(key, strlen(key), out);
}

/* A finding of check at location, with its fingerprint computed as the engine does. */
static void make_finding(struct finding *f, const char *check, const char *location,
			 enum severity sev)
{
	memset(f, 0, sizeof(*f));
	f->check = xstrdup(check);
	f->target = xstrdup("example.com");
	f->severity = sev;
	f->category = xstrdup("tls");
	f->title = xasprintf("Title of %s", check);
	f->description = xstrdup("Why it matters.");
	f->evidence = xstrdup("Strict-Transport-Security: (absent)");
	f->tool = xstrdup("headers");
	f->location = xstrdup(location);
	finding_fingerprint(f, NULL);
}

static int add_finding(struct store *s, const char *run_id, const char *check,
		       const char *location, enum severity sev, int64_t *seq)
{
	struct finding f;
	make_finding(&f, check, location, sev);
	int err = store_finding_add(s, run_id, &f);
	if (seq)
		*seq = f.seq;
	finding_release(&f);
	return err;
}

static void create_run(struct store *s, const char *id, int64_t account, int64_t target,
		       int64_t started_at)
{
	struct run r = {.account_id = account, .target_id = target, .started_at = started_at};
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.label = "nightly";
	r.target = target ? NULL : "bare.example"; /* a run without a target row names its host */
	assert_int_equal(store_run_create(s, &r), 0);
}

/* Schema and opening ------------------------------------------------------------------------ */

static void reopen_is_idempotent_and_keeps_data(void **state)
{
	struct fixture *fx = *state;
	int64_t t;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "site", &t), 0);
	store_close(fx->s);

	for (int i = 0; i < 2; i++) {
		fx->s = store_open(fx->path);
		assert_non_null(fx->s);
		struct target got;
		assert_int_equal(store_target_get(fx->s, fx->acct, t, &got), 0);
		assert_string_equal(got.host, "example.com");
		target_release(&got);
		store_close(fx->s);
	}

	/* The schema version is recorded, and WAL is on in the file. */
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 0) >= 1);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);

	fx->s = store_open(fx->path);
	assert_non_null(fx->s);
}

static void newer_schema_is_refused(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	fx->s = store_open(fx->path);
	assert_null(fx->s);
	/* teardown needs a store: a fresh one next to it. */
	remove_db_files(fx->path);
	fx->s = store_open(fx->path);
	assert_non_null(fx->s);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void bad_locations_fail_cleanly(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/not-a-db", fx->dir);

	write_file(path, "this is a text file, not a database\n", 36);
	assert_null(store_open(path));

	/* A file that starts like a database but whose header is garbage. */
	char junk[8192];
	crypto_random(junk, sizeof(junk));
	memcpy(junk, "SQLite format 3", 16);
	write_file(path, junk, sizeof(junk));
	assert_null(store_open(path));
	remove_db_files(path);
	free(path);

	assert_null(store_open(fx->dir)); /* a directory */
	path = xasprintf("%s/no/such/dir/x.db", fx->dir);
	assert_null(store_open(path));
	free(path);
	assert_null(store_open(""));
	assert_null(store_open("postgres://user:secret@db.internal/secscan"));
}

/* Accounts and keys ------------------------------------------------------------------------- */

static void accounts_are_unique_by_name(void **state)
{
	struct fixture *fx = *state;
	struct account a;
	int64_t id, n;
	assert_int_equal(store_account_create(fx->s, "alice", "pro", &id), SS_EEXIST);
	assert_int_equal(store_account_create(fx->s, "", "pro", &id), SS_EINVAL);
	assert_int_equal(store_account_get(fx->s, fx->acct, &a), 0);
	assert_string_equal(a.name, "alice");
	assert_string_equal(a.plan, "free");
	assert_true(a.created_at > 0);
	account_release(&a);
	assert_int_equal(store_account_find(fx->s, "mallory", &a), 0);
	assert_int_equal(a.id, fx->other);
	assert_string_equal(a.plan, "pro");
	account_release(&a);
	assert_int_equal(store_account_find(fx->s, "nobody", &a), SS_ENOTFOUND);
	assert_int_equal(store_account_get(fx->s, 12345, &a), SS_ENOTFOUND);
	assert_int_equal(store_account_count(fx->s, &n), 0);
	assert_int_equal(n, 2);
}

static void keys_authenticate_until_revoked(void **state)
{
	struct fixture *fx = *state;
	char h1[65], h2[65], h3[65], h4[65];
	int64_t k1, k2, k3, k4;
	struct api_key k;
	hash_of("sk-sec-first-key", h1);
	hash_of("sk-sec-second-key", h2);
	hash_of("sk-sec-mallory-key", h3);
	assert_int_equal(store_key_create(fx->s, fx->acct, h1, "sk-sec-firs", "laptop", &k1), 0);
	assert_int_equal(store_key_create(fx->s, fx->acct, h2, "sk-sec-seco", NULL, &k2), 0);
	assert_int_equal(store_key_create(fx->s, fx->other, h3, "sk-sec-mall", "ci", &k3), 0);
	/* The same key twice, a key in clear, a key of no account. */
	assert_int_equal(store_key_create(fx->s, fx->acct, h1, "sk-sec-firs", "", &k1), SS_EEXIST);
	assert_int_equal(store_key_create(fx->s, fx->acct, "sk-sec-first-key", "sk", "", &k1),
			 SS_EINVAL);
	hash_of("sk-sec-orphan-key", h4);
	assert_int_equal(store_key_create(fx->s, 999, h4, "sk", "", &k4), SS_ENOTFOUND);

	/* First use records last_used_at. */
	assert_int_equal(store_key_authenticate(fx->s, h1, &k), 0);
	assert_int_equal(k.id, k1);
	assert_int_equal(k.account_id, fx->acct);
	assert_string_equal(k.prefix, "sk-sec-firs");
	assert_string_equal(k.label, "laptop");
	int64_t now = (int64_t)time(NULL);
	assert_true(k.last_used_at >= now - 5 && k.last_used_at <= now + 1);
	api_key_release(&k);
	struct api_key *list;
	size_t n;
	assert_int_equal(store_key_list(fx->s, fx->acct, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, k1);
	assert_true(list[0].last_used_at > 0);
	assert_int_equal(list[1].last_used_at, 0);
	assert_string_equal(list[1].label, "");
	api_key_array_free(list, n);
	assert_int_equal(store_key_list(fx->s, -1, &list, &n), 0);
	assert_int_equal(n, 3);
	api_key_array_free(list, n);

	/* Another account cannot revoke alice's key; alice can, and it fails at once. */
	assert_int_equal(store_key_revoke(fx->s, fx->other, k1), SS_ENOTFOUND);
	assert_int_equal(store_key_authenticate(fx->s, h1, &k), 0);
	api_key_release(&k);
	assert_int_equal(store_key_revoke(fx->s, fx->acct, k1), 0);
	assert_int_equal(store_key_authenticate(fx->s, h1, &k), SS_ENOTFOUND);
	assert_int_equal(store_key_revoke(fx->s, fx->acct, 4242), SS_ENOTFOUND);
	/* The admin (any account) revokes mallory's key; the revoked key stays listed. */
	assert_int_equal(store_key_revoke(fx->s, -1, k3), 0);
	assert_int_equal(store_key_authenticate(fx->s, h3, &k), SS_ENOTFOUND);
	assert_int_equal(store_key_list(fx->s, fx->other, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_true(list[0].revoked_at > 0);
	api_key_array_free(list, n);
	/* The other key of alice still works; an unknown hash does not. */
	assert_int_equal(store_key_authenticate(fx->s, h2, &k), 0);
	api_key_release(&k);
	hash_of("sk-sec-unknown", h1);
	assert_int_equal(store_key_authenticate(fx->s, h1, &k), SS_ENOTFOUND);
}

/* Targets ----------------------------------------------------------------------------------- */

static void targets_are_unique_per_account_and_isolated(void **state)
{
	struct fixture *fx = *state;
	int64_t t1, t2, dup, mt, n;
	struct target t;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "prod", &t1), 0);
	assert_int_equal(store_target_create(fx->s, fx->acct, "api.example.com", NULL, &t2), 0);
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "again", &dup),
			 SS_EEXIST);
	assert_int_equal(dup, t1);
	/* The same host is another target in another account. */
	assert_int_equal(store_target_create(fx->s, fx->other, "example.com", "", &mt), 0);
	assert_true(mt != t1);
	assert_int_equal(store_target_create(fx->s, fx->acct, "", "", &dup), SS_EINVAL);

	assert_int_equal(store_target_get(fx->s, fx->acct, t1, &t), 0);
	assert_string_equal(t.host, "example.com");
	assert_string_equal(t.label, "prod");
	assert_int_equal(t.account_id, fx->acct);
	target_release(&t);
	assert_int_equal(store_target_find(fx->s, fx->acct, "api.example.com", &t), 0);
	assert_int_equal(t.id, t2);
	assert_string_equal(t.label, "");
	target_release(&t);

	struct target *list;
	size_t len;
	assert_int_equal(store_target_list(fx->s, fx->acct, &list, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(list[0].id, t1);
	assert_int_equal(list[1].id, t2);
	target_array_free(list, len);
	assert_int_equal(store_target_count(fx->s, fx->acct, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_target_count(fx->s, fx->other, &n), 0);
	assert_int_equal(n, 1);

	/* Mallory sees nothing of alice's targets. */
	assert_int_equal(store_target_get(fx->s, fx->other, t1, &t), SS_ENOTFOUND);
	assert_int_equal(store_target_get(fx->s, -1, t1, &t), SS_ENOTFOUND);
	assert_int_equal(store_target_find(fx->s, fx->other, "api.example.com", &t), SS_ENOTFOUND);
	assert_int_equal(store_target_delete(fx->s, fx->other, t1), SS_ENOTFOUND);
	assert_int_equal(store_target_get(fx->s, fx->acct, t1, &t), 0);
	target_release(&t);

	assert_int_equal(store_target_delete(fx->s, fx->acct, t1), 0);
	assert_int_equal(store_target_get(fx->s, fx->acct, t1, &t), SS_ENOTFOUND);
	assert_int_equal(store_target_delete(fx->s, fx->acct, t1), SS_ENOTFOUND);
	/* The host can be added again after deletion. */
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &dup), 0);
}

/* Runs -------------------------------------------------------------------------------------- */

static void runs_are_created_listed_and_finished(void **state)
{
	struct fixture *fx = *state;
	int64_t t, n;
	struct run r;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "run00001", fx->acct, t, 1000);
	create_run(fx->s, "run00002", fx->acct, t, 2000);
	create_run(fx->s, "run00003", fx->acct, t, 2000); /* same second: later insert is newer */
	create_run(fx->s, "run00004", fx->acct, t, 500);

	/* Refusals: taken id, malformed id, a target of another account, no target at all. */
	struct run bad = {.account_id = fx->acct, .target_id = t, .started_at = 1};
	snprintf(bad.id, sizeof(bad.id), "run00001");
	assert_int_equal(store_run_create(fx->s, &bad), SS_EEXIST);
	snprintf(bad.id, sizeof(bad.id), "RUN-0001");
	assert_int_equal(store_run_create(fx->s, &bad), SS_EINVAL);
	snprintf(bad.id, sizeof(bad.id), "run0001");
	assert_int_equal(store_run_create(fx->s, &bad), SS_EINVAL);
	snprintf(bad.id, sizeof(bad.id), "run00009");
	bad.account_id = fx->other;
	assert_int_equal(store_run_create(fx->s, &bad), SS_ENOTFOUND);
	bad.target_id = 0;
	assert_int_equal(store_run_create(fx->s, &bad), SS_EINVAL);
	/* A run of a bare host (no target row), e.g. from the CLI. */
	bad.target = "10.0.0.1";
	assert_int_equal(store_run_create(fx->s, &bad), 0);

	assert_int_equal(store_run_get(fx->s, fx->acct, "run00002", &r), 0);
	assert_string_equal(r.id, "run00002");
	assert_string_equal(r.status, RUN_RUNNING);
	assert_string_equal(r.target, "example.com");
	assert_string_equal(r.label, "nightly");
	assert_int_equal(r.target_id, t);
	assert_int_equal(r.started_at, 2000);
	assert_int_equal(r.finished_at, 0);
	assert_null(r.error);
	assert_int_equal(r.summary.total, 0);
	run_release(&r);
	assert_int_equal(store_run_get(fx->s, fx->other, "run00009", &r), 0);
	assert_string_equal(r.target, "10.0.0.1");
	assert_int_equal(r.target_id, 0);
	run_release(&r);

	struct run *list;
	size_t len;
	assert_int_equal(store_run_list(fx->s, fx->acct, 3, &list, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(list[0].id, "run00003");
	assert_string_equal(list[1].id, "run00002");
	assert_string_equal(list[2].id, "run00001");
	run_array_free(list, len);
	assert_int_equal(store_run_list(fx->s, fx->other, 50, &list, &len), 0);
	assert_int_equal(len, 1);
	run_array_free(list, len);

	assert_int_equal(store_run_count_since(fx->s, fx->acct, 1000, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_run_count_since(fx->s, fx->acct, 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_run_count_since(fx->s, fx->other, 0, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(store_run_finish(fx->s, "run00001", RUN_COMPLETED, 1100, NULL), 0);
	assert_int_equal(store_run_finish(fx->s, "run00002", RUN_FAILED, 2100, "dns failure"), 0);
	/* A finished run stays finished; unknown runs and states are refused. */
	assert_int_equal(store_run_finish(fx->s, "run00001", RUN_ABORTED, 1200, NULL), SS_EINVAL);
	assert_int_equal(store_run_finish(fx->s, "zzzzzzzz", RUN_ABORTED, 1200, NULL),
			 SS_ENOTFOUND);
	assert_int_equal(store_run_finish(fx->s, "run00003", "paused", 1200, NULL), SS_EINVAL);
	assert_int_equal(store_run_finish(fx->s, "run00003", RUN_RUNNING, 1200, NULL), SS_EINVAL);
	assert_int_equal(store_run_get(fx->s, fx->acct, "run00001", &r), 0);
	assert_string_equal(r.status, RUN_COMPLETED);
	assert_int_equal(r.finished_at, 1100);
	run_release(&r);
	assert_int_equal(store_run_get(fx->s, -1, "run00002", &r), 0);
	assert_string_equal(r.status, RUN_FAILED);
	assert_string_equal(r.error, "dns failure");
	run_release(&r);
}

static void runs_are_isolated_between_accounts(void **state)
{
	struct fixture *fx = *state;
	int64_t t;
	struct run r;
	struct run *list;
	size_t len;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "alice001", fx->acct, t, 10);
	assert_int_equal(store_run_get(fx->s, fx->other, "alice001", &r), SS_ENOTFOUND);
	assert_int_equal(store_run_list(fx->s, fx->other, 50, &list, &len), 0);
	assert_int_equal(len, 0);
	assert_null(list);
	/* Only the admin view (account < 0) reads any account's run. */
	assert_int_equal(store_run_get(fx->s, -1, "alice001", &r), 0);
	run_release(&r);
	assert_int_equal(store_run_get(fx->s, fx->acct, "nosuchid", &r), SS_ENOTFOUND);
	assert_int_equal(store_run_get(fx->s, fx->acct, "../../etc", &r), SS_ENOTFOUND);
}

static void previous_run_is_the_last_completed_one_of_the_host(void **state)
{
	struct fixture *fx = *state;
	int64_t t, u, ot;
	struct run r;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	assert_int_equal(store_target_create(fx->s, fx->acct, "other.example", "", &u), 0);
	assert_int_equal(store_target_create(fx->s, fx->other, "example.com", "", &ot), 0);
	create_run(fx->s, "prev0001", fx->acct, t, 100);
	create_run(fx->s, "prev0002", fx->acct, t, 200);
	create_run(fx->s, "prev0003", fx->acct, t, 200); /* same second, inserted later */
	create_run(fx->s, "prev0004", fx->acct, t, 300); /* aborted: not a base */
	create_run(fx->s, "prev0005", fx->acct, u, 250); /* another host */
	create_run(fx->s, "prev0006", fx->other, ot, 250); /* another account, same host */
	create_run(fx->s, "prev0007", fx->acct, t, 400);
	assert_int_equal(store_run_finish(fx->s, "prev0001", RUN_COMPLETED, 110, NULL), 0);
	assert_int_equal(store_run_finish(fx->s, "prev0002", RUN_COMPLETED, 210, NULL), 0);
	assert_int_equal(store_run_finish(fx->s, "prev0004", RUN_ABORTED, 310, NULL), 0);
	assert_int_equal(store_run_finish(fx->s, "prev0005", RUN_COMPLETED, 260, NULL), 0);
	assert_int_equal(store_run_finish(fx->s, "prev0006", RUN_COMPLETED, 260, NULL), 0);

	assert_int_equal(store_run_previous(fx->s, fx->acct, "prev0007", &r), 0);
	assert_string_equal(r.id, "prev0002"); /* prev0003 is still running, prev0004 aborted */
	run_release(&r);
	assert_int_equal(store_run_finish(fx->s, "prev0003", RUN_COMPLETED, 220, NULL), 0);
	assert_int_equal(store_run_previous(fx->s, fx->acct, "prev0007", &r), 0);
	assert_string_equal(r.id, "prev0003");
	run_release(&r);
	assert_int_equal(store_run_previous(fx->s, fx->acct, "prev0003", &r), 0);
	assert_string_equal(r.id, "prev0002");
	run_release(&r);
	assert_int_equal(store_run_previous(fx->s, fx->acct, "prev0001", &r), SS_ENOTFOUND);
	assert_int_equal(store_run_previous(fx->s, fx->acct, "prev0005", &r), SS_ENOTFOUND);
	/* Another account's run is not found, and its own runs never mix with this account's. */
	assert_int_equal(store_run_previous(fx->s, fx->other, "prev0007", &r), SS_ENOTFOUND);
	assert_int_equal(store_run_previous(fx->s, fx->other, "prev0006", &r), SS_ENOTFOUND);
	assert_int_equal(store_run_previous(fx->s, fx->acct, "../etc00", &r), SS_ENOTFOUND);
}

static void crash_recovery_aborts_running_runs(void **state)
{
	struct fixture *fx = *state;
	int64_t t, n;
	struct run r;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "crash001", fx->acct, t, 10);
	create_run(fx->s, "crash002", fx->other, 0, 10);
	create_run(fx->s, "done0001", fx->acct, t, 10);
	assert_int_equal(add_finding(fx->s, "crash001", "a.b", "/", SEV_HIGH, NULL), 0);
	assert_int_equal(store_run_finish(fx->s, "done0001", RUN_COMPLETED, 20, NULL), 0);

	/* As after a kill -9: the next start finds them running. */
	store_close(fx->s);
	fx->s = store_open(fx->path);
	assert_non_null(fx->s);
	assert_int_equal(store_run_abort_all_running(fx->s, 99, "interrupted by a restart", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_run_get(fx->s, fx->acct, "crash001", &r), 0);
	assert_string_equal(r.status, RUN_ABORTED);
	assert_int_equal(r.finished_at, 99);
	assert_string_equal(r.error, "interrupted by a restart");
	assert_int_equal(r.summary.total, 1); /* findings are kept */
	run_release(&r);
	assert_int_equal(store_run_get(fx->s, fx->acct, "done0001", &r), 0);
	assert_string_equal(r.status, RUN_COMPLETED);
	run_release(&r);
	assert_int_equal(store_run_abort_all_running(fx->s, 100, NULL, &n), 0);
	assert_int_equal(n, 0);
}

static void deleting_a_target_keeps_its_history(void **state)
{
	struct fixture *fx = *state;
	int64_t t;
	struct run r;
	struct finding *fs;
	size_t n;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "hist0001", fx->acct, t, 10);
	assert_int_equal(add_finding(fx->s, "hist0001", "headers.hsts-missing", "/", SEV_MEDIUM, NULL),
			 0);
	assert_int_equal(store_run_finish(fx->s, "hist0001", RUN_COMPLETED, 20, NULL), 0);
	assert_int_equal(store_target_delete(fx->s, fx->acct, t), 0);

	assert_int_equal(store_run_get(fx->s, fx->acct, "hist0001", &r), 0);
	assert_string_equal(r.target, "example.com");
	assert_int_equal(r.target_id, 0);
	assert_int_equal(r.summary.count[SEV_MEDIUM], 1);
	run_release(&r);
	assert_int_equal(store_finding_list(fx->s, "hist0001", 0, &fs, &n), 0);
	assert_int_equal(n, 1);
	finding_array_free(fs, n);
}

/* An analysis keeps the provider that made it; those stored before the provider was recorded get
 * it from their model at migration. */
static void analyses_keep_their_provider(void **state)
{
	struct fixture *fx = *state;
	create_run(fx->s, "anal0001", fx->acct, 0, 1000);
	create_run(fx->s, "anal0002", fx->acct, 0, 1001);
	create_run(fx->s, "anal0003", fx->acct, 0, 1002);
	struct run_analysis a = {.model = (char *)"m", .content = (char *)"c", .risk_score = 5,
				 .chains = (char *)"[]"};
	assert_int_equal(store_analysis_put(fx->s, "anal0001", &a), SS_EINVAL);
	a.provider = (char *)"anthropic";
	assert_int_equal(store_analysis_put(fx->s, "anal0001", &a), 0);
	struct run_analysis got;
	assert_int_equal(store_analysis_get(fx->s, "anal0001", &got), 0);
	assert_string_equal(got.provider, "anthropic");
	assert_string_equal(got.model, "m");
	run_analysis_release(&got);
	store_close(fx->s);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "ALTER TABLE analyses DROP COLUMN provider; PRAGMA user_version = 2;"
				      "INSERT INTO analyses (run_id, model, content, risk_score, chains,"
				      " created_at) VALUES ('anal0002', 'secscan-rules-1', 'c', 1, '[]', 1),"
				      " ('anal0003', 'claude-sonnet-4-6', 'c', 1, '[]', 1);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	fx->s = store_open(fx->path);
	assert_non_null(fx->s);
	const char *want[][2] = {{"anal0001", "anthropic"}, {"anal0002", "local"}, {"anal0003", "anthropic"}};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(store_analysis_get(fx->s, want[i][0], &got), 0);
		assert_string_equal(got.provider, want[i][1]);
		run_analysis_release(&got);
	}
}

static void run_targets_keep_order_and_fill_in(void **state)
{
	struct fixture *fx = *state;
	int64_t t;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "stack001", fx->acct, t, 10);
	struct run_target a = {.host = "example.com", .label = "prod"};
	struct run_target b = {.host = "api.example.com", .server = "nginx", .language = "php"};
	struct run_target a2 = {.host = "example.com", .server = "nginx", .framework = "nextjs",
				.language = "", .hosting = "vercel"};
	assert_int_equal(store_run_target_set(fx->s, "stack001", &a), 0);
	assert_int_equal(store_run_target_set(fx->s, "stack001", &b), 0);
	assert_int_equal(store_run_target_set(fx->s, "stack001", &a2), 0);
	assert_int_equal(store_run_target_set(fx->s, "nosuch01", &a), SS_ENOTFOUND);
	struct run_target empty = {.host = ""};
	assert_int_equal(store_run_target_set(fx->s, "stack001", &empty), SS_EINVAL);

	struct run_target *list;
	size_t n;
	assert_int_equal(store_run_target_list(fx->s, "stack001", &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].host, "example.com");
	assert_string_equal(list[0].label, "prod"); /* kept: the update did not know it */
	assert_string_equal(list[0].server, "nginx");
	assert_string_equal(list[0].framework, "nextjs");
	assert_string_equal(list[0].language, "");
	assert_string_equal(list[0].hosting, "vercel");
	assert_string_equal(list[1].host, "api.example.com");
	assert_string_equal(list[1].label, "");
	assert_string_equal(list[1].language, "php");
	run_target_array_free(list, n);
}

/* Findings ---------------------------------------------------------------------------------- */

static void findings_are_sequenced_and_deduplicated(void **state)
{
	struct fixture *fx = *state;
	int64_t t, seq;
	struct finding *fs;
	size_t n;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "find0001", fx->acct, t, 10);
	create_run(fx->s, "find0002", fx->acct, t, 11);

	assert_int_equal(add_finding(fx->s, "find0001", "headers.hsts-missing", "/", SEV_MEDIUM, &seq),
			 0);
	assert_int_equal(seq, 1);
	assert_int_equal(add_finding(fx->s, "find0001", "exposure.env", "/.env", SEV_CRITICAL, &seq), 0);
	assert_int_equal(seq, 2);
	/* The same problem again is not stored again, and takes no sequence number. */
	assert_int_equal(add_finding(fx->s, "find0001", "exposure.env", "/.env", SEV_CRITICAL, &seq),
			 SS_EEXIST);
	assert_int_equal(add_finding(fx->s, "find0001", "exposure.env", "/.env.bak", SEV_HIGH, &seq),
			 0);
	assert_int_equal(seq, 3);
	assert_int_equal(add_finding(fx->s, "find0001", "disclosure.server", "/", SEV_INFO, &seq), 0);
	assert_int_equal(seq, 4);
	/* Each run counts from 1; the same fingerprint is new in another run. */
	assert_int_equal(add_finding(fx->s, "find0002", "exposure.env", "/.env", SEV_CRITICAL, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(add_finding(fx->s, "nosuch01", "exposure.env", "/.env", SEV_LOW, &seq),
			 SS_ENOTFOUND);

	struct finding bad;
	make_finding(&bad, "x.y", "/", SEV_LOW);
	bad.fingerprint[0] = '\0';
	assert_int_equal(store_finding_add(fx->s, "find0001", &bad), SS_EINVAL);
	finding_release(&bad);

	assert_int_equal(store_finding_list(fx->s, "find0001", 0, &fs, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fs[i].seq, (int64_t)i + 1);
	assert_string_equal(fs[1].check, "exposure.env");
	assert_int_equal(fs[1].severity, SEV_CRITICAL);
	assert_string_equal(fs[1].location, "/.env");
	assert_string_equal(fs[1].target, "example.com");
	assert_string_equal(fs[1].category, "tls");
	assert_string_equal(fs[1].title, "Title of exposure.env");
	assert_string_equal(fs[1].description, "Why it matters.");
	assert_string_equal(fs[1].evidence, "Strict-Transport-Security: (absent)");
	assert_string_equal(fs[1].tool, "headers");
	struct finding expect;
	make_finding(&expect, "exposure.env", "/.env", SEV_CRITICAL);
	assert_string_equal(fs[1].fingerprint, expect.fingerprint);
	finding_release(&expect);
	finding_array_free(fs, n);

	assert_int_equal(store_finding_list(fx->s, "find0001", 2, &fs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(fs[0].seq, 3);
	assert_int_equal(fs[1].seq, 4);
	finding_array_free(fs, n);
	assert_int_equal(store_finding_list(fx->s, "find0001", 4, &fs, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_finding_list(fx->s, "nosuch01", 0, &fs, &n), 0);
	assert_int_equal(n, 0);

	struct run r;
	assert_int_equal(store_run_get(fx->s, fx->acct, "find0001", &r), 0);
	assert_int_equal(r.summary.total, 4);
	assert_int_equal(r.summary.count[SEV_CRITICAL], 1);
	assert_int_equal(r.summary.count[SEV_HIGH], 1);
	assert_int_equal(r.summary.count[SEV_MEDIUM], 1);
	assert_int_equal(r.summary.count[SEV_LOW], 0);
	assert_int_equal(r.summary.count[SEV_INFO], 1);
	run_release(&r);
}

/* Concurrency ------------------------------------------------------------------------------- */

#define WRITER_FINDINGS 2000
#define READERS 3

struct concurrent {
	struct store *s;
	int errors;
	int64_t seen[READERS];
	int64_t max_read_ms;
	pthread_mutex_t lock;
};

static void *writer_main(void *p)
{
	struct concurrent *cc = p;
	for (int i = 0; i < WRITER_FINDINGS; i++) {
		char loc[32];
		snprintf(loc, sizeof(loc), "/path/%d", i);
		int64_t seq = 0;
		int err = add_finding(cc->s, "conc0001", "exposure.file", loc, (enum severity)(i % 5),
				      &seq);
		if (err || seq != i + 1) {
			pthread_mutex_lock(&cc->lock);
			cc->errors++;
			pthread_mutex_unlock(&cc->lock);
		}
	}
	return NULL;
}

struct reader {
	struct concurrent *cc;
	int index;
};

/* Polls as the API does (?since=SEQ) until it has seen every finding, checking the order. */
static void *reader_main(void *p)
{
	struct reader *rd = p;
	struct concurrent *cc = rd->cc;
	int64_t last = 0, max_ms = 0;
	int errors = 0;
	int64_t deadline = clock_mono_ms() + 60000;
	while (last < WRITER_FINDINGS && clock_mono_ms() < deadline) {
		struct finding *fs;
		struct run r;
		size_t n;
		int64_t t0 = clock_mono_ms();
		int err = store_finding_list(cc->s, "conc0001", last, &fs, &n);
		int err2 = store_run_get(cc->s, -1, "conc0001", &r);
		max_ms = MAX(max_ms, clock_mono_ms() - t0);
		if (err || err2) {
			errors++;
			break;
		}
		if (r.summary.total < last + (int64_t)n)
			errors++; /* the summary was read after the list: it cannot have fewer */
		run_release(&r);
		for (size_t i = 0; i < n; i++) {
			if (fs[i].seq != last + 1)
				errors++;
			last = fs[i].seq;
		}
		finding_array_free(fs, n);
	}
	pthread_mutex_lock(&cc->lock);
	cc->errors += errors;
	cc->seen[rd->index] = last;
	cc->max_read_ms = MAX(cc->max_read_ms, max_ms);
	pthread_mutex_unlock(&cc->lock);
	return NULL;
}

static void readers_run_while_a_scan_writes(void **state)
{
	struct fixture *fx = *state;
	struct concurrent cc = {.s = fx->s};
	pthread_mutex_init(&cc.lock, NULL);
	create_run(fx->s, "conc0001", fx->acct, 0, 10);
	pthread_t writer, readers[READERS];
	struct reader rd[READERS];
	assert_int_equal(pthread_create(&writer, NULL, writer_main, &cc), 0);
	for (int i = 0; i < READERS; i++) {
		rd[i] = (struct reader){&cc, i};
		assert_int_equal(pthread_create(&readers[i], NULL, reader_main, &rd[i]), 0);
	}
	pthread_join(writer, NULL);
	for (int i = 0; i < READERS; i++)
		pthread_join(readers[i], NULL);
	pthread_mutex_destroy(&cc.lock);
	assert_int_equal(cc.errors, 0);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(cc.seen[i], WRITER_FINDINGS);
	print_message("max read (list + get) while writing: %" PRId64 " ms\n", cc.max_read_ms);
}

static void reads_do_not_wait_for_an_open_write(void **state)
{
	struct fixture *fx = *state;
	int64_t t;
	assert_int_equal(store_target_create(fx->s, fx->acct, "example.com", "", &t), 0);
	create_run(fx->s, "lock0001", fx->acct, t, 10);
	assert_int_equal(add_finding(fx->s, "lock0001", "a.b", "/1", SEV_LOW, NULL), 0);

	/* Another connection holds the write lock with an uncommitted finding in it. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "BEGIN IMMEDIATE;"
				      "INSERT INTO findings (run_id, seq, fingerprint, check_id, target,"
				      " severity, category, title, description, evidence, tool,"
				      " location, created_at) VALUES ('lock0001', 2, printf('%064d', 7),"
				      " 'c.d', 'example.com', 'HIGH', 'tls', 't', '', '', '', '', 0);",
				      NULL, NULL, NULL),
			 SQLITE_OK);

	int64_t t0 = clock_mono_ms();
	struct finding *fs;
	size_t n;
	struct run r;
	assert_int_equal(store_finding_list(fx->s, "lock0001", 0, &fs, &n), 0);
	assert_int_equal(n, 1); /* the uncommitted one is not seen */
	finding_array_free(fs, n);
	assert_int_equal(store_run_get(fx->s, fx->acct, "lock0001", &r), 0);
	assert_int_equal(r.summary.total, 1);
	run_release(&r);
	struct api_key *keys;
	assert_int_equal(store_key_list(fx->s, -1, &keys, &n), 0);
	api_key_array_free(keys, n);
	int64_t elapsed = clock_mono_ms() - t0;
	/* Waiting for the lock would take the busy timeout (seconds) and then fail. */
	assert_true(elapsed < 1000);

	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_finding_list(fx->s, "lock0001", 1, &fs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fs[0].severity, SEV_HIGH);
	finding_array_free(fs, n);
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void *short_lived_reader(void *p)
{
	int64_t n = -1;
	int *err = p;
	*err = store_account_count(short_lived_store, &n);
	if (!*err && n != 2)
		*err = SS_EIO;
	return NULL;
}

/* A thread that ends takes its connection (and its file descriptors) with it. */
static void ended_threads_close_their_connections(void **state)
{
	struct fixture *fx = *state;
	short_lived_store = fx->s;
	int before = 0;
	/*
	 * SQLite keeps the descriptor of a closed connection pending while another connection of the
	 * process holds locks on the file, and reuses it: count after the first thread.
	 */
	for (int i = 0; i < 21; i++) {
		if (i == 1)
			before = open_fds();
		pthread_t th;
		int err = -1;
		assert_int_equal(pthread_create(&th, NULL, short_lived_reader, &err), 0);
		pthread_join(th, NULL);
		assert_int_equal(err, 0);
	}
	assert_int_equal(open_fds(), before);
}

/* Findings are append-only in the database itself, not just by convention of the code. */
static void findings_cannot_be_changed(void **state)
{
	struct fixture *fx = *state;
	create_run(fx->s, "apnd0001", fx->acct, 0, 10);
	assert_int_equal(add_finding(fx->s, "apnd0001", "a.b", "/", SEV_LOW, NULL), 0);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE findings SET severity = 'INFO'", NULL, NULL,
					  NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM findings", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

int main(void)
{
	log_set_level(LOG_QUIET);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reopen_is_idempotent_and_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_locations_fail_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(accounts_are_unique_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(keys_authenticate_until_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(targets_are_unique_per_account_and_isolated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(runs_are_created_listed_and_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(runs_are_isolated_between_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(previous_run_is_the_last_completed_one_of_the_host,
						setup, teardown),
		cmocka_unit_test_setup_teardown(crash_recovery_aborts_running_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(deleting_a_target_keeps_its_history, setup, teardown),
		cmocka_unit_test_setup_teardown(run_targets_keep_order_and_fill_in, setup, teardown),
		cmocka_unit_test_setup_teardown(analyses_keep_their_provider, setup, teardown),
		cmocka_unit_test_setup_teardown(findings_are_sequenced_and_deduplicated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(readers_run_while_a_scan_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_do_not_wait_for_an_open_write, setup, teardown),
		cmocka_unit_test_setup_teardown(findings_cannot_be_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(ended_threads_close_their_connections, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
