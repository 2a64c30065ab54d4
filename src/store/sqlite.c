#include "base/common.h"
#include <pthread.h>
#include <sqlite3.h>
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

/*
 * The SQLite backend. One database file in WAL mode, so that readers never wait for the writer.
 * Every thread that touches the store gets its own connection (a connection is not shared
 * between threads), opened on first use and kept in a pthread key; its statements are prepared
 * once, when it opens. Every write transaction starts with BEGIN IMMEDIATE: it takes the write
 * lock first, waiting (busy timeout) instead of failing when a read-then-write transaction finds
 * that another connection wrote in between.
 */

#define SQLITE_BUSY_TIMEOUT_MS 10000
/* last_used_at of a key is rewritten at most this often, so authenticating is usually a read. */
#define KEY_USE_RESOLUTION_S 60

/*
 * Schema migrations, applied in order at open time: entry i moves a database from
 * PRAGMA user_version i to i + 1, in one transaction. A landed entry is never edited; a schema
 * change is a new entry at the end.
 */
static const char *const migrations[] = {
	/* 1: accounts, keys, targets, runs, run targets, findings */
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
	"  plan TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"

	"CREATE TABLE api_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts (id),"
	"  key_hash TEXT NOT NULL CHECK (length(key_hash) = 64),"
	"  prefix TEXT NOT NULL,"
	"  label TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  last_used_at INTEGER NOT NULL DEFAULT 0,"
	"  revoked_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);"
	"CREATE INDEX api_keys_account ON api_keys (account_id);"

	"CREATE TABLE targets ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts (id),"
	"  host TEXT NOT NULL CHECK (host <> ''),"
	"  label TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (account_id, host));"

	/* A run keeps the host it scanned: deleting its target only clears target_id. */
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY CHECK (length(id) = 8),"
	"  account_id INTEGER NOT NULL REFERENCES accounts (id),"
	"  target_id INTEGER REFERENCES targets (id) ON DELETE SET NULL,"
	"  target TEXT NOT NULL,"
	"  label TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'aborted', 'failed')),"
	"  error TEXT,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX runs_account_started ON runs (account_id, started_at);"
	"CREATE INDEX runs_status ON runs (status, started_at);"
	"CREATE INDEX runs_target ON runs (target_id);"

	"CREATE TABLE run_targets ("
	"  run_id TEXT NOT NULL REFERENCES runs (id),"
	"  pos INTEGER NOT NULL,"
	"  host TEXT NOT NULL CHECK (host <> ''),"
	"  label TEXT NOT NULL DEFAULT '',"
	"  server TEXT NOT NULL DEFAULT '',"
	"  framework TEXT NOT NULL DEFAULT '',"
	"  language TEXT NOT NULL DEFAULT '',"
	"  hosting TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (run_id, host));"

	"CREATE TABLE findings ("
	"  run_id TEXT NOT NULL REFERENCES runs (id),"
	"  seq INTEGER NOT NULL CHECK (seq > 0),"
	"  fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),"
	"  check_id TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  severity TEXT NOT NULL CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO')),"
	"  category TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  evidence TEXT NOT NULL,"
	"  tool TEXT NOT NULL,"
	"  location TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, seq),"
	"  UNIQUE (run_id, fingerprint)) WITHOUT ROWID;"
	"CREATE TRIGGER findings_no_update BEFORE UPDATE ON findings"
	"  BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;"
	"CREATE TRIGGER findings_no_delete BEFORE DELETE ON findings"
	"  BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;",
	/* 2: the analysis of a run, made once and kept */
	"CREATE TABLE analyses ("
	"  run_id TEXT PRIMARY KEY REFERENCES runs (id),"
	"  model TEXT NOT NULL,"
	"  content TEXT NOT NULL,"
	"  risk_score INTEGER NOT NULL CHECK (risk_score BETWEEN 0 AND 100),"
	"  chains TEXT NOT NULL,"
	"  note TEXT,"
	"  created_at INTEGER NOT NULL);",
	/* 3: which provider made an analysis; before, the model named it (the local one is
	 * secscan-rules-1, any other was the anthropic provider's) */
	"ALTER TABLE analyses ADD COLUMN provider TEXT NOT NULL DEFAULT '';"
	"UPDATE analyses SET provider = CASE model WHEN 'secscan-rules-1' THEN 'local'"
	"  ELSE 'anthropic' END;",
};

#define KEY_COLUMNS "id, account_id, prefix, label, created_at, last_used_at, revoked_at"
#define TARGET_COLUMNS "id, account_id, host, label, created_at"
#define RUN_COLUMNS \
	"id, account_id, coalesce(target_id, 0), target, label, status, error, started_at, finished_at"
#define FINDING_COLUMNS                                                                         \
	"seq, fingerprint, check_id, target, severity, category, title, description, evidence, " \
	"tool, location"

/* The statements of a connection, prepared when it opens. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_ACCOUNT_INSERT,
	ST_ACCOUNT_BY_ID,
	ST_ACCOUNT_BY_NAME,
	ST_ACCOUNT_COUNT,
	ST_KEY_INSERT,
	ST_KEY_BY_HASH,
	ST_KEY_TOUCH,
	ST_KEY_LIST,
	ST_KEY_REVOKE,
	ST_TARGET_INSERT,
	ST_TARGET_BY_ID,
	ST_TARGET_BY_HOST,
	ST_TARGET_LIST,
	ST_TARGET_COUNT,
	ST_TARGET_DELETE,
	ST_RUN_INSERT,
	ST_RUN_BY_ID,
	ST_RUN_LIST,
	ST_RUN_SUMMARY,
	ST_RUN_FINISH,
	ST_RUN_EXISTS,
	ST_RUN_PREVIOUS,
	ST_RUN_COUNT_SINCE,
	ST_RUN_ABORT_ALL,
	ST_RUN_TARGET_UPSERT,
	ST_RUN_TARGET_LIST,
	ST_ANALYSIS_GET,
	ST_ANALYSIS_INSERT,
	ST_FINDING_INSERT,
	ST_FINDING_LIST,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_ACCOUNT_INSERT] =
		"INSERT INTO accounts (name, plan, created_at) VALUES (?1, ?2, ?3) RETURNING id",
	[ST_ACCOUNT_BY_ID] = "SELECT id, name, plan, created_at FROM accounts WHERE id = ?1",
	[ST_ACCOUNT_BY_NAME] = "SELECT id, name, plan, created_at FROM accounts WHERE name = ?1",
	[ST_ACCOUNT_COUNT] = "SELECT count(*) FROM accounts",
	[ST_KEY_INSERT] = "INSERT INTO api_keys (account_id, key_hash, prefix, label, created_at)"
			  " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	[ST_KEY_BY_HASH] = "SELECT " KEY_COLUMNS
			   " FROM api_keys WHERE key_hash = ?1 AND revoked_at = 0",
	[ST_KEY_TOUCH] = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND revoked_at = 0",
	[ST_KEY_LIST] = "SELECT " KEY_COLUMNS
			" FROM api_keys WHERE ?1 < 0 OR account_id = ?1 ORDER BY id",
	/* Revoking twice keeps the first revocation time. */
	[ST_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = CASE revoked_at WHEN 0 THEN ?3"
			  " ELSE revoked_at END WHERE id = ?2 AND (?1 < 0 OR account_id = ?1)",
	[ST_TARGET_INSERT] = "INSERT INTO targets (account_id, host, label, created_at)"
			     " VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT (account_id, host) DO NOTHING RETURNING id",
	[ST_TARGET_BY_ID] = "SELECT " TARGET_COLUMNS
			    " FROM targets WHERE account_id = ?1 AND id = ?2",
	[ST_TARGET_BY_HOST] = "SELECT " TARGET_COLUMNS
			      " FROM targets WHERE account_id = ?1 AND host = ?2",
	[ST_TARGET_LIST] = "SELECT " TARGET_COLUMNS " FROM targets WHERE account_id = ?1 ORDER BY id",
	[ST_TARGET_COUNT] = "SELECT count(*) FROM targets WHERE account_id = ?1",
	[ST_TARGET_DELETE] = "DELETE FROM targets WHERE account_id = ?1 AND id = ?2",
	[ST_RUN_INSERT] = "INSERT INTO runs (id, account_id, target_id, target, label, status,"
			  " started_at) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
	[ST_RUN_BY_ID] = "SELECT " RUN_COLUMNS
			 " FROM runs WHERE id = ?1 AND (?2 < 0 OR account_id = ?2)",
	[ST_RUN_LIST] = "SELECT " RUN_COLUMNS " FROM runs WHERE account_id = ?1"
			" ORDER BY started_at DESC, rowid DESC LIMIT ?2",
	[ST_RUN_SUMMARY] = "SELECT severity, count(*) FROM findings WHERE run_id = ?1"
			   " GROUP BY severity",
	[ST_RUN_FINISH] = "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4"
			  " WHERE id = ?1 AND status = 'running'",
	[ST_RUN_EXISTS] = "SELECT count(*) FROM runs WHERE id = ?1",
	/* Same account and host, completed, started earlier (rowid orders runs of the same second). */
	[ST_RUN_PREVIOUS] = "WITH me (a, h, t, r) AS (SELECT account_id, target, started_at, rowid"
			    " FROM runs WHERE id = ?1 AND (?2 < 0 OR account_id = ?2))"
			    " SELECT " RUN_COLUMNS " FROM runs, me WHERE account_id = me.a AND target = me.h"
			    " AND status = 'completed' AND (started_at < me.t OR (started_at = me.t AND"
			    " runs.rowid < me.r)) ORDER BY started_at DESC, runs.rowid DESC LIMIT 1",
	[ST_RUN_COUNT_SINCE] = "SELECT count(*) FROM runs WHERE account_id = ?1 AND started_at >= ?2",
	[ST_RUN_ABORT_ALL] = "UPDATE runs SET status = 'aborted', finished_at = ?1, error = ?2"
			     " WHERE status = 'running'",
	/* A new host goes last; an update only fills what it knows (empty means unknown). */
	[ST_RUN_TARGET_UPSERT] =
		"INSERT INTO run_targets (run_id, pos, host, label, server, framework, language,"
		" hosting) VALUES (?1, (SELECT coalesce(max(pos), 0) + 1 FROM run_targets"
		" WHERE run_id = ?1), ?2, coalesce(?3, ''), coalesce(?4, ''), coalesce(?5, ''),"
		" coalesce(?6, ''), coalesce(?7, '')) ON CONFLICT (run_id, host) DO UPDATE SET"
		" label = coalesce(nullif(?3, ''), label), server = coalesce(nullif(?4, ''), server),"
		" framework = coalesce(nullif(?5, ''), framework),"
		" language = coalesce(nullif(?6, ''), language),"
		" hosting = coalesce(nullif(?7, ''), hosting)",
	[ST_RUN_TARGET_LIST] = "SELECT host, label, server, framework, language, hosting"
			       " FROM run_targets WHERE run_id = ?1 ORDER BY pos",
	[ST_ANALYSIS_GET] = "SELECT model, content, risk_score, chains, note, created_at, provider"
			    " FROM analyses WHERE run_id = ?1",
	[ST_ANALYSIS_INSERT] = "INSERT INTO analyses (run_id, model, content, risk_score, chains, note,"
			       " created_at, provider) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			       " ON CONFLICT (run_id) DO NOTHING",
	/* seq is computed inside the immediate transaction, so two writers never share one. */
	[ST_FINDING_INSERT] =
		"INSERT INTO findings (run_id, seq, fingerprint, check_id, target, severity,"
		" category, title, description, evidence, tool, location, created_at)"
		" VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM findings WHERE run_id = ?1),"
		" ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING seq",
	[ST_FINDING_LIST] = "SELECT " FINDING_COLUMNS
			    " FROM findings WHERE run_id = ?1 AND seq > ?2 ORDER BY seq",
};

struct sqlite_store;

/* One thread's connection. */
struct conn {
	sqlite3 *db;
	sqlite3_stmt *stmts[ST_COUNT];
	struct sqlite_store *owner;
	struct conn *next; /* in all_conns */
};

struct sqlite_store {
	char *path;
	pthread_key_t key; /* this thread's struct conn */
};

/*
 * Every open connection of every store. A thread's exit and store_close may race to close the
 * same connection: whoever unlinks it from this list under the lock closes it.
 */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *all_conns;

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* Maps a failed sqlite3 call to an SS_E* code; unexpected failures are logged. */
static int db_error(sqlite3 *db, int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return SS_EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return SS_ENOTFOUND;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
		return SS_EINVAL;
	}
	log_error("store: sqlite: %s (%d)", sqlite3_errmsg(db), rc);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return SS_ETIMEOUT;
	return SS_EIO;
}

/* Runs SQL that returns no rows (pragmas, migrations), outside the statement cache. */
static int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return 0;
	log_error("store: sqlite: %s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return SS_EIO;
}

/* Reads the single integer that sql returns. */
static int db_query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	int err = rc == SQLITE_OK ? 0 : db_error(db, rc);
	sqlite3_finalize(st);
	return err;
}

static void conn_close(struct conn *c)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->stmts[i]);
	sqlite3_close_v2(c->db);
	free(c);
}

/* Removes c from all_conns (the lock held); false when it was not there any more. */
static bool conns_unlink(struct conn *c)
{
	for (struct conn **p = &all_conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return true;
		}
	return false;
}

/* pthread key destructor: a thread that ends closes its connection. */
static void conn_thread_exit(void *p)
{
	pthread_mutex_lock(&conns_lock);
	bool mine = conns_unlink(p);
	pthread_mutex_unlock(&conns_lock);
	if (mine)
		conn_close(p);
}

/* Opens a connection to path with the per-connection settings. */
static int db_connect(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return SS_EIO;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, SQLITE_BUSY_TIMEOUT_MS);
	/* synchronous=NORMAL in WAL mode: a crash of the process loses nothing committed. */
	if (db_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL")) {
		sqlite3_close_v2(db);
		return SS_EIO;
	}
	*out = db;
	return 0;
}

/* Prepares the statements of a new connection and makes it this thread's. */
static int conn_attach(struct sqlite_store *ss, sqlite3 *db, struct conn **out)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->db = db;
	c->owner = ss;
	for (int i = 0; i < ST_COUNT; i++) {
		int rc = sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &c->stmts[i], NULL);
		if (rc != SQLITE_OK) {
			int err = db_error(db, rc);
			conn_close(c);
			return err;
		}
	}
	pthread_mutex_lock(&conns_lock);
	c->next = all_conns;
	all_conns = c;
	pthread_mutex_unlock(&conns_lock);
	pthread_setspecific(ss->key, c);
	*out = c;
	return 0;
}

/* This thread's connection to the store, opened on first use. */
static int conn_get(struct store *s, struct conn **out)
{
	struct sqlite_store *ss = s->impl;
	struct conn *c = pthread_getspecific(ss->key);
	if (c) {
		*out = c;
		return 0;
	}
	sqlite3 *db;
	int err = db_connect(ss->path, &db);
	return err ? err : conn_attach(ss, db, out);
}

/* Brings the schema up to the latest migration, one transaction per step. */
static int migrate(sqlite3 *db, const char *path)
{
	const int64_t latest = (int64_t)ARRAY_SIZE(migrations);
	for (;;) {
		int64_t version = 0;
		int err = db_exec(db, "BEGIN IMMEDIATE");
		if (err)
			return err;
		/* Read under the write lock: another process may have migrated meanwhile. */
		err = db_query_int(db, "PRAGMA user_version", &version);
		if (!err && version > latest) {
			log_error("store: %s has schema version %" PRId64
				  ", newer than this secscan knows (%" PRId64 ")",
				  path, version, latest);
			err = SS_EUNSUPPORTED;
		}
		if (!err && version == latest)
			return db_exec(db, "COMMIT");
		if (!err)
			err = db_exec(db, migrations[version]);
		if (!err) {
			char *set = xasprintf("PRAGMA user_version = %" PRId64, version + 1);
			err = db_exec(db, set);
			free(set);
		}
		if (!err)
			err = db_exec(db, "COMMIT");
		if (err) {
			if (!sqlite3_get_autocommit(db))
				db_exec(db, "ROLLBACK");
			return err;
		}
		log_info("store: %s migrated to schema version %" PRId64, path, version + 1);
	}
}

/* WAL is what lets readers go on while a scan writes; it is a property of the file. */
static int enable_wal(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		log_error("store: cannot use %s: %s", path, sqlite3_errmsg(db));
		err = SS_EIO;
	} else if (strcasecmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		log_error("store: %s cannot use write-ahead logging (journal mode %s)", path,
			  sqlite3_column_text(st, 0));
		err = SS_EUNSUPPORTED;
	}
	sqlite3_finalize(st);
	return err;
}

/*
 * Memory statistics make every SQLite allocation take one process-wide mutex, which threads
 * reading in parallel then fight over (SQLite's "recommended compile-time options" page advises
 * SQLITE_DEFAULT_MEMSTATUS=0). Settable only before SQLite initializes; later it is a no-op.
 */
static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sqlite_open(struct store *s, const char *location)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	struct sqlite_store *ss = xcalloc(1, sizeof(*ss));
	sqlite3 *db = NULL;
	struct conn *c;
	int err;
	pthread_once(&configured, sqlite_configure);
	if (pthread_key_create(&ss->key, conn_thread_exit)) {
		log_error("store: no thread-local key left");
		free(ss);
		return SS_EIO;
	}
	ss->path = xstrdup(location);
	s->impl = ss;
	err = db_connect(location, &db);
	if (!err)
		err = enable_wal(db, location);
	if (!err)
		err = migrate(db, location);
	if (err) {
		sqlite3_close_v2(db);
		goto fail;
	}
	err = conn_attach(ss, db, &c);
	if (!err)
		return 0;
fail:
	pthread_key_delete(ss->key);
	free(ss->path);
	free(ss);
	s->impl = NULL;
	return err;
}

static void sqlite_close(struct store *s)
{
	struct sqlite_store *ss = s->impl;
	if (!ss)
		return;
	pthread_mutex_lock(&conns_lock);
	/* After this no thread's exit reaches conn_thread_exit for this store. */
	pthread_key_delete(ss->key);
	for (struct conn **p = &all_conns; *p;) {
		struct conn *c = *p;
		if (c->owner == ss) {
			*p = c->next;
			conn_close(c);
		} else {
			p = &c->next;
		}
	}
	pthread_mutex_unlock(&conns_lock);
	free(ss->path);
	free(ss);
	s->impl = NULL;
}

/* Statements -------------------------------------------------------------------------------- */

/* The cached statement id, ready to bind. */
static sqlite3_stmt *stmt(struct conn *c, enum stmt_id id)
{
	return c->stmts[id];
}

/* Makes a statement ready for its next use and drops references to the caller's strings. */
static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Binds a string (NULL binds SQL NULL); the string must live until stmt_done. */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

/* A copy of a text column, "" for NULL. */
static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return xstrdup(v ? (const char *)v : "");
}

static int64_t col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

/* How to read a row into, and release, one element of a result. */
struct row_type {
	size_t size;
	void (*read)(sqlite3_stmt *st, void *out);
	void (*release)(void *p);
};

/* Runs a query for at most one row, read into out; SS_ENOTFOUND when there is none. */
static int query_one(struct conn *c, sqlite3_stmt *st, const struct row_type *type, void *out)
{
	int err = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, type->size);
		type->read(st, out);
	} else if (rc == SQLITE_DONE) {
		err = SS_ENOTFOUND;
	} else {
		err = db_error(c->db, rc);
	}
	stmt_done(st);
	return err;
}

/* Runs a query and returns all its rows in a new array of *n elements; *err tells success. */
static void *query_all(struct conn *c, sqlite3_stmt *st, const struct row_type *type, size_t *n,
		       int *err)
{
	char *arr = NULL;
	size_t cap = 0, count = 0;
	int rc;
	*err = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		arr = xgrow(arr, &cap, count + 1, type->size);
		memset(arr + count * type->size, 0, type->size);
		type->read(st, arr + count * type->size);
		count++;
	}
	if (rc != SQLITE_DONE) {
		*err = db_error(c->db, rc);
		for (size_t i = 0; i < count; i++)
			type->release(arr + i * type->size);
		free(arr);
		arr = NULL;
		count = 0;
	}
	stmt_done(st);
	*n = count;
	return arr;
}

/* Runs a query whose one row is one integer; SS_ENOTFOUND when there is no row. */
static int query_int(struct conn *c, sqlite3_stmt *st, int64_t *out)
{
	int err = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = col_int(st, 0);
	else
		err = rc == SQLITE_DONE ? SS_ENOTFOUND : db_error(c->db, rc);
	stmt_done(st);
	return err;
}

/* Steps a statement that changes rows; *returned (if set) gets the first column it returns. */
static int exec_write(struct conn *c, sqlite3_stmt *st, int64_t *changes, int64_t *returned)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (returned)
			*returned = col_int(st, 0);
	int err = rc == SQLITE_DONE ? 0 : db_error(c->db, rc);
	if (!err && changes)
		*changes = sqlite3_changes64(c->db);
	stmt_done(st);
	return err;
}

static int tx_begin(struct conn *c)
{
	return exec_write(c, stmt(c, ST_BEGIN), NULL, NULL);
}

/* Commits when err is 0, rolls back otherwise; returns the transaction's outcome. */
static int tx_end(struct conn *c, int err)
{
	if (!err) {
		err = exec_write(c, stmt(c, ST_COMMIT), NULL, NULL);
		if (!err)
			return 0;
	}
	if (!sqlite3_get_autocommit(c->db))
		exec_write(c, stmt(c, ST_ROLLBACK), NULL, NULL);
	return err;
}

/* Runs one bound write statement in its own immediate transaction. */
static int write_one(struct conn *c, sqlite3_stmt *st, int64_t *changes, int64_t *returned)
{
	int err = tx_begin(c);
	if (err) {
		stmt_done(st);
		return err;
	}
	return tx_end(c, exec_write(c, st, changes, returned));
}

/* Row readers ------------------------------------------------------------------------------- */

static void read_account(sqlite3_stmt *st, void *p)
{
	struct account *a = p;
	a->id = col_int(st, 0);
	a->name = col_text(st, 1);
	a->plan = col_text(st, 2);
	a->created_at = col_int(st, 3);
}

static void release_account(void *p)
{
	account_release(p);
}

static const struct row_type account_row = {sizeof(struct account), read_account, release_account};

static void read_key(sqlite3_stmt *st, void *p)
{
	struct api_key *k = p;
	k->id = col_int(st, 0);
	k->account_id = col_int(st, 1);
	k->prefix = col_text(st, 2);
	k->label = col_text(st, 3);
	k->created_at = col_int(st, 4);
	k->last_used_at = col_int(st, 5);
	k->revoked_at = col_int(st, 6);
}

static void release_key(void *p)
{
	api_key_release(p);
}

static const struct row_type key_row = {sizeof(struct api_key), read_key, release_key};

static void read_target(sqlite3_stmt *st, void *p)
{
	struct target *t = p;
	t->id = col_int(st, 0);
	t->account_id = col_int(st, 1);
	t->host = col_text(st, 2);
	t->label = col_text(st, 3);
	t->created_at = col_int(st, 4);
}

static void release_target(void *p)
{
	target_release(p);
}

static const struct row_type target_row = {sizeof(struct target), read_target, release_target};

static void read_run(sqlite3_stmt *st, void *p)
{
	struct run *r = p;
	const unsigned char *id = sqlite3_column_text(st, 0);
	str_copy(r->id, sizeof(r->id), id ? (const char *)id : "");
	r->account_id = col_int(st, 1);
	r->target_id = col_int(st, 2);
	r->target = col_text(st, 3);
	r->label = col_text(st, 4);
	r->status = col_text(st, 5);
	r->error = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : col_text(st, 6);
	r->started_at = col_int(st, 7);
	r->finished_at = col_int(st, 8);
}

static void release_run(void *p)
{
	run_release(p);
}

static const struct row_type run_row = {sizeof(struct run), read_run, release_run};

static void read_run_target(sqlite3_stmt *st, void *p)
{
	struct run_target *t = p;
	t->host = col_text(st, 0);
	t->label = col_text(st, 1);
	t->server = col_text(st, 2);
	t->framework = col_text(st, 3);
	t->language = col_text(st, 4);
	t->hosting = col_text(st, 5);
}

static void release_run_target(void *p)
{
	run_target_release(p);
}

static const struct row_type run_target_row = {sizeof(struct run_target), read_run_target,
					       release_run_target};

static void read_finding(sqlite3_stmt *st, void *p)
{
	struct finding *f = p;
	const unsigned char *fp = sqlite3_column_text(st, 1);
	f->seq = col_int(st, 0);
	str_copy(f->fingerprint, sizeof(f->fingerprint), fp ? (const char *)fp : "");
	f->check = col_text(st, 2);
	f->target = col_text(st, 3);
	const unsigned char *sev = sqlite3_column_text(st, 4);
	if (!sev || severity_parse((const char *)sev, &f->severity))
		f->severity = SEV_INFO;
	f->category = col_text(st, 5);
	f->title = col_text(st, 6);
	f->description = col_text(st, 7);
	f->evidence = col_text(st, 8);
	f->tool = col_text(st, 9);
	f->location = col_text(st, 10);
}

static void release_finding(void *p)
{
	finding_release(p);
}

static const struct row_type finding_row = {sizeof(struct finding), read_finding, release_finding};

/* Accounts ---------------------------------------------------------------------------------- */

static int sqlite_account_create(struct store *s, const char *name, const char *plan, int64_t *id)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!name || !*name || !plan || !*plan)
		return SS_EINVAL;
	sqlite3_stmt *st = stmt(c, ST_ACCOUNT_INSERT);
	bind_text(st, 1, name);
	bind_text(st, 2, plan);
	bind_int(st, 3, now_s());
	return write_one(c, st, NULL, id);
}

static int sqlite_account_get(struct store *s, int64_t id, struct account *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_ACCOUNT_BY_ID);
	bind_int(st, 1, id);
	return query_one(c, st, &account_row, out);
}

static int sqlite_account_find(struct store *s, const char *name, struct account *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!name)
		return SS_ENOTFOUND;
	sqlite3_stmt *st = stmt(c, ST_ACCOUNT_BY_NAME);
	bind_text(st, 1, name);
	return query_one(c, st, &account_row, out);
}

static int sqlite_account_count(struct store *s, int64_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	return err ? err : query_int(c, stmt(c, ST_ACCOUNT_COUNT), n);
}

/* API keys ---------------------------------------------------------------------------------- */

static bool is_sha256_hex(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789abcdef", *p))
			return false;
	return true;
}

static int sqlite_key_create(struct store *s, int64_t account_id, const char *key_hash,
			     const char *prefix, const char *label, int64_t *id)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	/* Refusing anything but a digest keeps a key from being stored in clear by mistake. */
	if (!is_sha256_hex(key_hash) || !prefix)
		return SS_EINVAL;
	sqlite3_stmt *st = stmt(c, ST_KEY_INSERT);
	bind_int(st, 1, account_id);
	bind_text(st, 2, key_hash);
	bind_text(st, 3, prefix);
	bind_text(st, 4, label ? label : "");
	bind_int(st, 5, now_s());
	return write_one(c, st, NULL, id);
}

static int sqlite_key_authenticate(struct store *s, const char *key_hash, struct api_key *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!key_hash)
		return SS_ENOTFOUND;
	sqlite3_stmt *st = stmt(c, ST_KEY_BY_HASH);
	bind_text(st, 1, key_hash);
	err = query_one(c, st, &key_row, out);
	if (err)
		return err;
	int64_t now = now_s();
	if (now - out->last_used_at < KEY_USE_RESOLUTION_S)
		return 0;
	int64_t changes = 0;
	st = stmt(c, ST_KEY_TOUCH);
	bind_int(st, 1, out->id);
	bind_int(st, 2, now);
	err = write_one(c, st, &changes, NULL);
	if (err) {
		/* The key is good; only its last-use time could not be written. */
		log_warn("store: cannot record the use of key %" PRId64 ": %s", out->id,
			 ss_strerror(err));
		return 0;
	}
	if (changes == 0) {
		/* Revoked between the read and the write. */
		api_key_release(out);
		return SS_ENOTFOUND;
	}
	out->last_used_at = now;
	return 0;
}

static int sqlite_key_list(struct store *s, int64_t account_id, struct api_key **out, size_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_KEY_LIST);
	bind_int(st, 1, account_id);
	*out = query_all(c, st, &key_row, n, &err);
	return err;
}

static int sqlite_key_revoke(struct store *s, int64_t account_id, int64_t key_id)
{
	struct conn *c;
	int64_t changes = 0;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_KEY_REVOKE);
	bind_int(st, 1, account_id);
	bind_int(st, 2, key_id);
	bind_int(st, 3, now_s());
	err = write_one(c, st, &changes, NULL);
	return err ? err : changes ? 0 : SS_ENOTFOUND;
}

/* Targets ----------------------------------------------------------------------------------- */

static int sqlite_target_create(struct store *s, int64_t account_id, const char *host,
				const char *label, int64_t *id)
{
	struct conn *c;
	int64_t changes = 0;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!host || !*host)
		return SS_EINVAL;
	if ((err = tx_begin(c)))
		return err;
	sqlite3_stmt *st = stmt(c, ST_TARGET_INSERT);
	bind_int(st, 1, account_id);
	bind_text(st, 2, host);
	bind_text(st, 3, label ? label : "");
	bind_int(st, 4, now_s());
	err = exec_write(c, st, &changes, id);
	if (!err && changes == 0) {
		/* The host is there already: tell the caller which target it is. */
		st = stmt(c, ST_TARGET_BY_HOST);
		bind_int(st, 1, account_id);
		bind_text(st, 2, host);
		err = query_int(c, st, id);
		if (!err)
			err = SS_EEXIST;
	}
	return tx_end(c, err);
}

static int sqlite_target_get(struct store *s, int64_t account_id, int64_t id, struct target *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_TARGET_BY_ID);
	bind_int(st, 1, account_id);
	bind_int(st, 2, id);
	return query_one(c, st, &target_row, out);
}

static int sqlite_target_find(struct store *s, int64_t account_id, const char *host,
			      struct target *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!host)
		return SS_ENOTFOUND;
	sqlite3_stmt *st = stmt(c, ST_TARGET_BY_HOST);
	bind_int(st, 1, account_id);
	bind_text(st, 2, host);
	return query_one(c, st, &target_row, out);
}

static int sqlite_target_list(struct store *s, int64_t account_id, struct target **out, size_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_TARGET_LIST);
	bind_int(st, 1, account_id);
	*out = query_all(c, st, &target_row, n, &err);
	return err;
}

static int sqlite_target_count(struct store *s, int64_t account_id, int64_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_TARGET_COUNT);
	bind_int(st, 1, account_id);
	return query_int(c, st, n);
}

static int sqlite_target_delete(struct store *s, int64_t account_id, int64_t id)
{
	struct conn *c;
	int64_t changes = 0;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_TARGET_DELETE);
	bind_int(st, 1, account_id);
	bind_int(st, 2, id);
	err = write_one(c, st, &changes, NULL);
	return err ? err : changes ? 0 : SS_ENOTFOUND;
}

/* Runs -------------------------------------------------------------------------------------- */

static bool run_id_valid(const char *id)
{
	if (!id || strlen(id) != RUN_ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789", *p))
			return false;
	return true;
}

static int sqlite_run_create(struct store *s, const struct run *r)
{
	struct conn *c;
	struct target t = {0};
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!run_id_valid(r->id))
		return SS_EINVAL;
	if (r->target_id <= 0 && (!r->target || !*r->target))
		return SS_EINVAL;
	if ((err = tx_begin(c)))
		return err;
	const char *host = r->target;
	if (r->target_id > 0) {
		sqlite3_stmt *st = stmt(c, ST_TARGET_BY_ID);
		bind_int(st, 1, r->account_id);
		bind_int(st, 2, r->target_id);
		err = query_one(c, st, &target_row, &t);
		host = t.host;
	}
	if (!err) {
		sqlite3_stmt *st = stmt(c, ST_RUN_INSERT);
		bind_text(st, 1, r->id);
		bind_int(st, 2, r->account_id);
		if (r->target_id > 0)
			bind_int(st, 3, r->target_id);
		else
			sqlite3_bind_null(st, 3);
		bind_text(st, 4, host);
		bind_text(st, 5, r->label ? r->label : "");
		bind_int(st, 6, r->started_at ? r->started_at : now_s());
		err = exec_write(c, st, NULL, NULL);
	}
	err = tx_end(c, err);
	target_release(&t);
	return err;
}

/* Fills r->summary from the run's findings. */
static int run_summarize(struct conn *c, struct run *r)
{
	sqlite3_stmt *st = stmt(c, ST_RUN_SUMMARY);
	int rc;
	memset(&r->summary, 0, sizeof(r->summary));
	bind_text(st, 1, r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum severity sev;
		if (severity_parse((const char *)sqlite3_column_text(st, 0), &sev) == 0) {
			r->summary.count[sev] = col_int(st, 1);
			r->summary.total += r->summary.count[sev];
		}
	}
	int err = rc == SQLITE_DONE ? 0 : db_error(c->db, rc);
	stmt_done(st);
	return err;
}

/* One run found by a statement taking (run_id, account_id), with its summary. */
static int run_read(struct store *s, enum stmt_id id, int64_t account_id, const char *run_id,
		    struct run *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!run_id_valid(run_id))
		return SS_ENOTFOUND;
	sqlite3_stmt *st = stmt(c, id);
	bind_text(st, 1, run_id);
	bind_int(st, 2, account_id);
	err = query_one(c, st, &run_row, out);
	if (!err && (err = run_summarize(c, out)))
		run_release(out);
	return err;
}

static int sqlite_run_get(struct store *s, int64_t account_id, const char *run_id, struct run *out)
{
	return run_read(s, ST_RUN_BY_ID, account_id, run_id, out);
}

static int sqlite_run_list(struct store *s, int64_t account_id, size_t limit, struct run **out,
			   size_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_RUN_LIST);
	bind_int(st, 1, account_id);
	bind_int(st, 2, (int64_t)MIN(limit, (size_t)INT64_MAX));
	*out = query_all(c, st, &run_row, n, &err);
	for (size_t i = 0; !err && i < *n; i++)
		err = run_summarize(c, &(*out)[i]);
	if (err && *n) {
		run_array_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return err;
}

static int sqlite_run_previous(struct store *s, int64_t account_id, const char *run_id,
			       struct run *out)
{
	return run_read(s, ST_RUN_PREVIOUS, account_id, run_id, out);
}

static bool run_status_final(const char *status)
{
	return status && (!strcmp(status, RUN_COMPLETED) || !strcmp(status, RUN_ABORTED) ||
			  !strcmp(status, RUN_FAILED));
}

static int sqlite_run_finish(struct store *s, const char *run_id, const char *status,
			     int64_t finished_at, const char *error)
{
	struct conn *c;
	int64_t changes = 0, exists = 0;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!run_status_final(status))
		return SS_EINVAL;
	if ((err = tx_begin(c)))
		return err;
	sqlite3_stmt *st = stmt(c, ST_RUN_FINISH);
	bind_text(st, 1, run_id);
	bind_text(st, 2, status);
	bind_int(st, 3, finished_at);
	bind_text(st, 4, error);
	err = exec_write(c, st, &changes, NULL);
	if (!err && changes == 0) {
		st = stmt(c, ST_RUN_EXISTS);
		bind_text(st, 1, run_id);
		err = query_int(c, st, &exists);
		if (!err)
			err = exists ? SS_EINVAL : SS_ENOTFOUND;
	}
	return tx_end(c, err);
}

static int sqlite_run_count_since(struct store *s, int64_t account_id, int64_t since, int64_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_RUN_COUNT_SINCE);
	bind_int(st, 1, account_id);
	bind_int(st, 2, since);
	return query_int(c, st, n);
}

static int sqlite_run_abort_all_running(struct store *s, int64_t finished_at, const char *error,
					int64_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_RUN_ABORT_ALL);
	bind_int(st, 1, finished_at);
	bind_text(st, 2, error);
	return write_one(c, st, n, NULL);
}

static int sqlite_run_target_set(struct store *s, const char *run_id, const struct run_target *t)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!run_id || !t->host || !*t->host)
		return SS_EINVAL;
	sqlite3_stmt *st = stmt(c, ST_RUN_TARGET_UPSERT);
	bind_text(st, 1, run_id);
	bind_text(st, 2, t->host);
	bind_text(st, 3, t->label);
	bind_text(st, 4, t->server);
	bind_text(st, 5, t->framework);
	bind_text(st, 6, t->language);
	bind_text(st, 7, t->hosting);
	return write_one(c, st, NULL, NULL);
}

static int sqlite_run_target_list(struct store *s, const char *run_id, struct run_target **out,
				  size_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_RUN_TARGET_LIST);
	bind_text(st, 1, run_id);
	*out = query_all(c, st, &run_target_row, n, &err);
	return err;
}

/* Analyses ---------------------------------------------------------------------------------- */

static void read_analysis(sqlite3_stmt *st, void *p)
{
	struct run_analysis *a = p;
	a->model = col_text(st, 0);
	a->content = col_text(st, 1);
	a->risk_score = col_int(st, 2);
	a->chains = col_text(st, 3);
	a->note = sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL : col_text(st, 4);
	a->created_at = col_int(st, 5);
	a->provider = col_text(st, 6);
}

static void release_analysis(void *p)
{
	run_analysis_release(p);
}

static const struct row_type analysis_row = {sizeof(struct run_analysis), read_analysis,
					     release_analysis};

static int sqlite_analysis_get(struct store *s, const char *run_id, struct run_analysis *out)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_ANALYSIS_GET);
	bind_text(st, 1, run_id);
	return query_one(c, st, &analysis_row, out);
}

static int sqlite_analysis_put(struct store *s, const char *run_id, const struct run_analysis *a)
{
	struct conn *c;
	int64_t changes = 0;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!run_id_valid(run_id) || !a->provider || !a->model || !a->content || !a->chains ||
	    a->risk_score < 0 || a->risk_score > 100)
		return SS_EINVAL;
	sqlite3_stmt *st = stmt(c, ST_ANALYSIS_INSERT);
	bind_text(st, 1, run_id);
	bind_text(st, 2, a->model);
	bind_text(st, 3, a->content);
	bind_int(st, 4, a->risk_score);
	bind_text(st, 5, a->chains);
	bind_text(st, 6, a->note);
	bind_int(st, 7, a->created_at ? a->created_at : now_s());
	bind_text(st, 8, a->provider);
	err = write_one(c, st, &changes, NULL);
	return err ? err : changes ? 0 : SS_EEXIST;
}

/* Findings ---------------------------------------------------------------------------------- */

static bool finding_storable(const struct finding *f)
{
	return f->check && *f->check && f->target && f->category && f->title &&
	       (unsigned)f->severity < SEV_COUNT && is_sha256_hex(f->fingerprint);
}

static int sqlite_finding_add(struct store *s, const char *run_id, struct finding *f)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	if (!run_id || !finding_storable(f))
		return SS_EINVAL;
	sqlite3_stmt *st = stmt(c, ST_FINDING_INSERT);
	bind_text(st, 1, run_id);
	bind_text(st, 2, f->fingerprint);
	bind_text(st, 3, f->check);
	bind_text(st, 4, f->target);
	bind_text(st, 5, severity_name(f->severity));
	bind_text(st, 6, f->category);
	bind_text(st, 7, f->title);
	bind_text(st, 8, f->description ? f->description : "");
	bind_text(st, 9, f->evidence ? f->evidence : "");
	bind_text(st, 10, f->tool ? f->tool : "");
	bind_text(st, 11, f->location ? f->location : "");
	bind_int(st, 12, now_s());
	return write_one(c, st, NULL, &f->seq);
}

static int sqlite_finding_list(struct store *s, const char *run_id, int64_t since_seq,
			       struct finding **out, size_t *n)
{
	struct conn *c;
	int err = conn_get(s, &c);
	if (err)
		return err;
	sqlite3_stmt *st = stmt(c, ST_FINDING_LIST);
	bind_text(st, 1, run_id);
	bind_int(st, 2, since_seq);
	*out = query_all(c, st, &finding_row, n, &err);
	return err;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.account_create = sqlite_account_create,
	.account_get = sqlite_account_get,
	.account_find = sqlite_account_find,
	.account_count = sqlite_account_count,
	.key_create = sqlite_key_create,
	.key_authenticate = sqlite_key_authenticate,
	.key_list = sqlite_key_list,
	.key_revoke = sqlite_key_revoke,
	.target_create = sqlite_target_create,
	.target_get = sqlite_target_get,
	.target_find = sqlite_target_find,
	.target_list = sqlite_target_list,
	.target_count = sqlite_target_count,
	.target_delete = sqlite_target_delete,
	.run_create = sqlite_run_create,
	.run_get = sqlite_run_get,
	.run_list = sqlite_run_list,
	.run_finish = sqlite_run_finish,
	.run_previous = sqlite_run_previous,
	.run_count_since = sqlite_run_count_since,
	.run_abort_all_running = sqlite_run_abort_all_running,
	.run_target_set = sqlite_run_target_set,
	.run_target_list = sqlite_run_target_list,
	.analysis_get = sqlite_analysis_get,
	.analysis_put = sqlite_analysis_put,
	.finding_add = sqlite_finding_add,
	.finding_list = sqlite_finding_list,
};
