#include "base/common.h"
#include "base/ignore.h"
#include "base/str.h"
#include "secrets/secrets.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Walking files and directories and streaming each file through the scanner. */

#define MAX_DEPTH 64
#define SNIFF_BYTES 8000

struct walk {
	struct secret_scanner *s;
	const struct secret_files_options *o;
	struct ignore_list gitignores;
	secret_file_hit_fn fn;
	void *ud;
	struct secret_files_stats *st;
	const char *path; /* of the file being scanned */
};

static void on_hit(void *ud, const struct secret_hit *hit)
{
	struct walk *w = ud;
	w->fn(w->ud, w->path, hit);
}

static bool name_in(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(name, list[i], len) == 0)
			return true;
	return false;
}

unsigned secret_path_flags(const char *rel)
{
	static const char *const vendored[] = {"node_modules", "vendor", "third_party", "bower_components",
					       "site-packages", "Pods"};
	static const char *const generated[] = {"dist", "build", ".next"};
	static const char *const examples[] = {"test", "tests", "__tests__", "spec", "specs", "__mocks__",
					       "mocks", "fixtures", "__fixtures__", "testdata", "example",
					       "examples", "sample", "samples", "demo", "demos", "doc", "docs"};
	unsigned flags = SECRET_FIRST_PARTY;
	const char *name = rel;
	for (const char *slash; (slash = strchr(name, '/')); name = slash + 1) {
		size_t len = (size_t)(slash - name);
		if (name_in(name, len, vendored, ARRAY_SIZE(vendored)))
			return SECRET_EXAMPLES;
		if (name_in(name, len, generated, ARRAY_SIZE(generated)) ||
		    (name - rel >= 7 && len == 6 && !strncmp(name - 7, "public/assets", 13)))
			flags &= ~(unsigned)SECRET_FIRST_PARTY; /* Rails' precompiled assets too */
		if (name_in(name, len, examples, ARRAY_SIZE(examples)))
			flags |= SECRET_EXAMPLES;
	}
	if (strstr(name, ".min.") || str_ends_with(name, ".map"))
		flags &= ~(unsigned)SECRET_FIRST_PARTY;
	/* README.md, CHANGELOG, guide.rst, .env.example, config.sample.yml, app.test.ts, foo_test.go, test_foo.py */
	static const char *const doc_ext[] = {".md", ".markdown", ".rst", ".adoc"};
	for (size_t i = 0; i < ARRAY_SIZE(doc_ext); i++)
		if (str_ends_with(name, doc_ext[i]))
			flags |= SECRET_EXAMPLES;
	if (str_starts_with_nocase(name, "readme") || str_starts_with_nocase(name, "changelog") ||
	    strstr(name, ".example") || strstr(name, ".sample") || strstr(name, ".test.") ||
	    strstr(name, ".spec.") || strstr(name, "_test.") || str_starts_with(name, "test_"))
		flags |= SECRET_EXAMPLES;
	return flags;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* false when the file's first chunk shows it is binary (a NUL in its first bytes). */
static bool looks_binary(const struct walk *w, const char *data, size_t n)
{
	return !w->o->binary && memchr(data, '\0', MIN(n, (size_t)SNIFF_BYTES));
}

/* The file mapped: scanned where it lies, without a copy into a window, and as the whole file stays
 * readable, lines are counted only up to a hit. The pages behind the scanner are dropped, so that
 * memory stays bounded by the chunk size whatever the file's size. */
static void scan_mapped(struct walk *w, char *map, size_t size)
{
	size_t chunk = w->o->chunk, page = (size_t)sysconf(_SC_PAGESIZE), dropped = 0;
	madvise(map, size, MADV_SEQUENTIAL);
	if (looks_binary(w, map, size)) {
		w->st->skipped_binary++;
	} else {
		w->st->files++;
		for (size_t off = 0; off < size; off += chunk) {
			size_t n = MIN(chunk, size - off);
			w->st->bytes += n;
			secret_scanner_feed_mapped(w->s, map + off, n);
			size_t kept = (size_t)secret_scanner_kept(w->s) / page * page;
			if (kept > dropped) {
				madvise(map + dropped, kept - dropped, MADV_DONTNEED);
				dropped = kept;
			}
		}
	}
	secret_scanner_end(w->s);
	munmap(map, size);
}

/* Small files, and those that cannot be mapped: read straight into the scanner's window, at most a
 * chunk at a time (size: what fstat said; a small file needs a window of its size, not a chunk's). */
static void scan_read(struct walk *w, int fd, size_t size)
{
	ssize_t n;
	bool first = true;
	size_t want = size && size < w->o->chunk ? size + 1 : w->o->chunk;
	for (;;) {
		char *space = secret_scanner_space(w->s, want);
		if ((n = read(fd, space, want)) <= 0)
			break;
		if (first && looks_binary(w, space, (size_t)n)) {
			w->st->skipped_binary++;
			break;
		}
		w->st->files += first;
		w->st->bytes += (uint64_t)n;
		first = false;
		secret_scanner_commit(w->s, (size_t)n);
	}
	if (n < 0)
		w->st->errors++;
	secret_scanner_end(w->s);
}

/* path: as the user reads it; name: the same file relative to the directory dfd (AT_FDCWD: path);
 * rel: below the PATH given. */
static void scan_file(struct walk *w, const char *path, int dfd, const char *name, const char *rel,
		      const struct stat *sb)
{
	if (w->o->max_size && (uint64_t)sb->st_size > w->o->max_size) {
		w->st->skipped_size++;
		return;
	}
	/* a path given by the user may be a link; one met walking a tree is not followed (it was a regular file) */
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | (dfd == AT_FDCWD ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		w->st->errors++;
		return;
	}
	w->path = path;
	unsigned flags = secret_path_flags(rel);
	if (w->o->everywhere)
		flags &= ~(unsigned)SECRET_EXAMPLES;
	if (secret_scanner_begin(w->s, flags, on_hit, w) < 0) {
		w->st->errors++;
		close(fd);
		return;
	}
	/* a file of one chunk or less is read: mapping it costs more than copying it */
	size_t size = (size_t)sb->st_size;
	char *map = size > w->o->chunk ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	if (map != MAP_FAILED)
		scan_mapped(w, map, size);
	else
		scan_read(w, fd, size);
	close(fd);
}

static bool ignored(struct walk *w, const char *rel, bool is_dir)
{
	if ((w->o->exclude && ignore_match(w->o->exclude, rel, is_dir)) || ignore_match(&w->gitignores, rel, is_dir)) {
		w->st->skipped_ignored++;
		return true;
	}
	return false;
}

/* path: as the user will read it; rel: relative to the PATH given, for ignore patterns. */
/* Walks the directory open as dfd (closed here). Names are looked up relative to it, not by whole
 * paths: deep trees such as node_modules/ cost one lookup per entry instead of one per path part. */
static void walk_dir(struct walk *w, int dfd, const char *path, const char *rel, int depth)
{
	DIR *d = depth <= MAX_DEPTH ? fdopendir(dfd) : NULL;
	if (!d) {
		w->st->errors += depth <= MAX_DEPTH;
		close(dfd);
		return;
	}
	if (w->o->gitignore) {
		char *gi = xasprintf("%s/.gitignore", path);
		ignore_add_file(&w->gitignores, rel, gi);
		free(gi);
	}
	/* sorted, so that output is the same on every run */
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(char *));
		names[n++] = xstrdup(e->d_name);
	}
	if (n > 1) /* an empty directory has no array at all */
		qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *child = xasprintf("%s/%s", path, names[i]);
		char *crel = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat sb;
		if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISDIR(sb.st_mode) && !ignored(w, crel, true)) {
				int sub = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0)
					walk_dir(w, sub, child, crel, depth + 1);
				else
					w->st->errors++;
			} else if (S_ISREG(sb.st_mode) && !ignored(w, crel, false)) {
				scan_file(w, child, dirfd(d), names[i], crel, &sb);
			}
		}
		free(child);
		free(crel);
		free(names[i]);
	}
	free(names);
	closedir(d);
}

int secret_scan_paths(struct secret_scanner *s, const char *const *paths, size_t n,
		      const struct secret_files_options *o, secret_file_hit_fn fn, void *ud,
		      struct secret_files_stats *st)
{
	struct secret_files_options opts = *o;
	if (!opts.chunk)
		opts.chunk = 1 << 20;
	struct walk w = {.s = s, .o = &opts, .fn = fn, .ud = ud, .st = st};
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		if (stat(paths[i], &sb) != 0) {
			rc = SS_EIO;
			st->errors++;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			/* "dir/" and "dir" read the same */
			char *root = xstrdup(paths[i]);
			size_t len = strlen(root);
			while (len > 1 && root[len - 1] == '/')
				root[--len] = '\0';
			int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0)
				walk_dir(&w, dfd, root, "", 0);
			else
				st->errors++;
			free(root);
		} else if (S_ISREG(sb.st_mode)) {
			const char *base = strrchr(paths[i], '/');
			base = base ? base + 1 : paths[i];
			if (!ignored(&w, base, false))
				scan_file(&w, paths[i], AT_FDCWD, paths[i], base, &sb);
		}
	}
	ignore_release(&w.gitignores);
	return rc;
}
