/*
 * Do API readers wait for a scan that writes findings? Readers do what GET /v1/scan/{id} does
 * (run_get + finding_list of a completed run with 50 findings) for a few seconds, first alone,
 * then while a writer thread appends findings to another run as fast as it can, then, as a
 * control, while a thread only burns CPU (on a small shared machine, part of what a writer costs
 * readers is the CPU it takes, not any lock).
 * Usage: bench_store DB_PATH [SECONDS] [READERS]   (DB_PATH is created; remove it afterwards)
 */
#include "base/common.h"
#include <pthread.h>
#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "store/store.h"

#define MAX_SAMPLES 4000000

struct sampler {
	int64_t *us;
	size_t n;
};

struct shared {
	struct store *s;
	volatile int stop;
	int errors;
	pthread_mutex_t lock;
};

struct worker {
	struct shared *sh;
	struct sampler lat;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sample(struct sampler *sm, int64_t us)
{
	if (sm->n < MAX_SAMPLES)
		sm->us[sm->n++] = us;
}

static void fail(struct shared *sh)
{
	pthread_mutex_lock(&sh->lock);
	sh->errors++;
	pthread_mutex_unlock(&sh->lock);
}

static void fill_finding(struct finding *f, const char *check, long i)
{
	memset(f, 0, sizeof(*f));
	f->check = xstrdup(check);
	f->target = xstrdup("example.com");
	f->severity = (enum severity)(i % SEV_COUNT);
	f->category = xstrdup("disclosure");
	f->title = xasprintf("Finding number %ld", i);
	f->description = xstrdup("A description of a length a real finding has, a sentence or two "
				 "that tells a developer why the problem matters to them.");
	f->evidence = xstrdup("HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu)\r\nX-Powered-By: PHP");
	f->tool = xstrdup("disclosure");
	f->location = xasprintf("https://example.com/path/%ld", i);
	finding_fingerprint(f, NULL);
}

static void *reader_main(void *p)
{
	struct worker *w = p;
	while (!w->sh->stop) {
		struct run r;
		struct finding *fs;
		size_t n;
		int64_t t0 = now_us();
		if (store_run_get(w->sh->s, -1, "bench001", &r) ||
		    store_finding_list(w->sh->s, "bench001", 0, &fs, &n)) {
			fail(w->sh);
			break;
		}
		sample(&w->lat, now_us() - t0);
		if (n != 50)
			fail(w->sh);
		run_release(&r);
		finding_array_free(fs, n);
	}
	return NULL;
}

static void *writer_main(void *p)
{
	struct worker *w = p;
	for (long i = 0; !w->sh->stop; i++) {
		struct finding f;
		fill_finding(&f, "bench.write", i);
		int64_t t0 = now_us();
		if (store_finding_add(w->sh->s, "bench002", &f))
			fail(w->sh);
		sample(&w->lat, now_us() - t0);
		finding_release(&f);
	}
	return NULL;
}

static void *spinner_main(void *p)
{
	struct worker *w = p;
	volatile uint64_t x = 0;
	while (!w->sh->stop)
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1;
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Merges the samples of n workers and prints count/s and percentiles. */
static void report(const char *what, struct worker *w, int n, double seconds)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += w[i].lat.n;
	int64_t *all = xcalloc(total ? total : 1, sizeof(*all));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		memcpy(all + k, w[i].lat.us, w[i].lat.n * sizeof(*all));
		k += w[i].lat.n;
	}
	qsort(all, total, sizeof(*all), cmp_i64);
	if (total)
		printf("%-34s %9.0f/s  p50 %6" PRId64 " us  p99 %6" PRId64 " us  max %7" PRId64 " us\n",
		       what, (double)total / seconds, all[total / 2], all[total * 99 / 100],
		       all[total - 1]);
	free(all);
}

enum company { ALONE, WRITER, SPINNER };

/* Runs readers (with a writer or a CPU burner) for seconds and reports their latencies. */
static void phase(struct shared *sh, int readers, enum company with, double seconds)
{
	static const char *const names[] = {"alone", "writer on", "cpu burner on"};
	void *(*const other[])(void *) = {NULL, writer_main, spinner_main};
	struct worker *w = xcalloc((size_t)readers + 1, sizeof(*w));
	pthread_t *th = xcalloc((size_t)readers + 1, sizeof(*th));
	int nth = readers + (with != ALONE ? 1 : 0);
	sh->stop = 0;
	for (int i = 0; i < nth; i++) {
		w[i].sh = sh;
		w[i].lat.us = xcalloc(MAX_SAMPLES, sizeof(int64_t));
		pthread_create(&th[i], NULL, i < readers ? reader_main : other[with], &w[i]);
	}
	struct timespec d = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
	nanosleep(&d, NULL);
	sh->stop = 1;
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	char what[64];
	snprintf(what, sizeof(what), "read (get+list 50), %s", names[with]);
	report(what, w, readers, seconds);
	if (with == WRITER)
		report("write (finding_add)", &w[readers], 1, seconds);
	for (int i = 0; i < nth; i++)
		free(w[i].lat.us);
	free(w);
	free(th);
}

int main(int argc, char **argv)
{
	long seconds = 3, readers = 2;
	if (argc < 2 || (argc > 2 && str_to_long(argv[2], 1, 600, &seconds)) ||
	    (argc > 3 && str_to_long(argv[3], 1, 64, &readers))) {
		fprintf(stderr, "usage: bench_store DB_PATH [SECONDS] [READERS]\n");
		return 2;
	}
	struct shared sh = {0};
	pthread_mutex_init(&sh.lock, NULL);
	sh.s = store_open(argv[1]);
	if (!sh.s)
		return 1;
	int64_t acct, target;
	struct run r = {.started_at = time(NULL), .label = "bench"};
	if (store_account_create(sh.s, "bench", "unlimited", &acct) ||
	    store_target_create(sh.s, acct, "example.com", "", &target)) {
		fprintf(stderr, "bench_store: use a new database path\n");
		return 1;
	}
	r.account_id = acct;
	r.target_id = target;
	str_copy(r.id, sizeof(r.id), "bench001");
	store_run_create(sh.s, &r);
	str_copy(r.id, sizeof(r.id), "bench002");
	store_run_create(sh.s, &r);
	for (long i = 0; i < 50; i++) {
		struct finding f;
		fill_finding(&f, "bench.read", i);
		store_finding_add(sh.s, "bench001", &f);
		finding_release(&f);
	}
	store_run_finish(sh.s, "bench001", RUN_COMPLETED, time(NULL), NULL);

	printf("%ld reader thread(s), %ld s per phase\n", readers, seconds);
	phase(&sh, (int)readers, ALONE, (double)seconds);
	phase(&sh, (int)readers, WRITER, (double)seconds);
	phase(&sh, (int)readers, SPINNER, (double)seconds);
	store_close(sh.s);
	printf("errors: %d\n", sh.errors);
	return sh.errors ? 1 : 0;
}
