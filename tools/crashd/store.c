// SPDX-License-Identifier: GPL-2.0
/*
 * The reports directory.  Each report is two files, ID.txt and ID.json,
 * where ID is "YYYYMMDDTHHMMSS.mmmZ-PROGRAM-PID" (UTC; PROGRAM the
 * executable's name, cut to 32 characters of [A-Za-z0-9._+-]), so that
 * the names sort oldest first.  Each is written under a temporary name
 * beginning with '.' and renamed, so a reader never sees half a report.
 * The directory is 0700 and the files 0600: reports hold other users'
 * registers, command lines and memory maps.  "counters" holds what the
 * daemon has reported and dropped since it started.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashd.h"

#define MAX_LIST 65536	/* reports looked at by rotate and list */

int store_open(const char *dir)
{
	char path[PATH_MAX], *p;

	/* mkdir -p: the parents 0755, the directory itself 0700. */
	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) {
			log_msg(LOG_P_ERR, "cannot make %s: %s", path, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		log_msg(LOG_P_ERR, "cannot make %s: %s", path, strerror(errno));
		return -1;
	}
	if (access(path, W_OK | X_OK)) {
		log_msg(LOG_P_ERR, "cannot write into %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void store_name(struct crash *c)
{
	const char *base = strrchr(c->program, '/');
	char name[33], stamp[32];
	struct tm tm;
	int i;

	base = base ? base + 1 : c->program[0] ? c->program : "unknown";
	for (i = 0; base[i] && i < 32; i++)
		name[i] = (base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' && base[i] <= 'Z') ||
			  (base[i] >= '0' && base[i] <= '9') || strchr("._+-", base[i]) ?
			  base[i] : '_';
	name[i] = 0;
	gmtime_r(&c->when.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(c->id, sizeof(c->id), "%s.%03ldZ-%s-%d", stamp, c->when.tv_nsec / 1000000, name,
		 c->pid);
}

static int write_one(const char *dir, const struct crash *c, const char *ext)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f;
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%s.tmp", dir, c->id, ext);
	snprintf(path, sizeof(path), "%s/%s.%s", dir, c->id, ext);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		log_msg(LOG_P_ERR, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	(strcmp(ext, "json") ? report_text : report_json)(f, c, "machexc-crashd");
	err = ferror(f) | fflush(f) | fsync(fileno(f));
	if (fclose(f) || err || rename(tmp, path)) {
		log_msg(LOG_P_ERR, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int store_write(const char *dir, const struct crash *c)
{
	char path[PATH_MAX];

	if (write_one(dir, c, "txt"))
		return -1;
	if (write_one(dir, c, "json")) {
		snprintf(path, sizeof(path), "%s/%s.txt", dir, c->id);
		unlink(path);
		return -1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids in @dir (a report is there once its .json is), oldest first. */
static char **ids(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	int cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d)) && *n < MAX_LIST) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		if (*n == cap) {
			char **w = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!w)
				break;
			v = w;
		}
		v[*n] = strndup(e->d_name, len - 5);
		if (v[*n])
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

static void free_ids(char **v, int n)
{
	while (n--)
		free(v[n]);
	free(v);
}

int store_rotate(const char *dir, int keep)
{
	char path[PATH_MAX];
	int n, i, gone = 0;
	char **v = ids(dir, &n);

	for (i = 0; i < n - keep; i++) {
		snprintf(path, sizeof(path), "%s/%s.json", dir, v[i]);
		gone += !unlink(path);
		snprintf(path, sizeof(path), "%s/%s.txt", dir, v[i]);
		unlink(path);
	}
	free_ids(v, n);
	return gone;
}

void store_counters(const char *dir, const struct counters *n)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.counters.tmp", dir);
	snprintf(path, sizeof(path), "%s/counters", dir);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "reported %llu\ndropped_program %llu\ndropped_global %llu\nfailed %llu\n",
		(unsigned long long)n->reported, (unsigned long long)n->dropped_program,
		(unsigned long long)n->dropped_global, (unsigned long long)n->failed);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

/* The value of a "Key:   value" line of a text report, or "". */
static void header(const char *text, const char *key, char *out, size_t size)
{
	const char *p = strstr(text, key);

	out[0] = 0;
	if (!p)
		return;
	p += strlen(key);
	p += strspn(p, " ");
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
}

int store_list(const char *dir)
{
	char path[PATH_MAX], text[4096], program[256], exc[256], sig[256], line[256];
	int n, i;
	char **v = ids(dir, &n);
	FILE *f;

	if (!v && access(dir, R_OK | X_OK)) {
		fprintf(stderr, "machexc-crashd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		ssize_t got;
		int fd;

		snprintf(path, sizeof(path), "%s/%s.txt", dir, v[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		got = fd < 0 ? 0 : read(fd, text, sizeof(text) - 1);
		if (fd >= 0)
			close(fd);
		text[got > 0 ? got : 0] = 0;
		header(text, "\nProgram:", program, sizeof(program));
		header(text, "\nException:", exc, sizeof(exc));
		header(text, "\nSignal:", sig, sizeof(sig));
		exc[strcspn(exc, " ")] = 0;
		sig[strcspn(sig, " ")] = 0;
		printf("%s  %-20s %-8s %s\n", v[i], exc, sig[0] ? sig : "-", program);
	}
	free_ids(v, n);
	snprintf(path, sizeof(path), "%s/counters", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		printf("# %s", line);
	if (f)
		fclose(f);
	return 0;
}

int store_show(const char *dir, const char *id, bool json)
{
	char path[PATH_MAX], buf[65536];
	ssize_t n;
	int fd;

	/* An id names a file of the directory, nothing else. */
	if (!id[0] || id[0] == '.' || strchr(id, '/')) {
		fprintf(stderr, "machexc-crashd: %s: not a report id\n", id);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/%s.%s", dir, id, json ? "json" : "txt");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "machexc-crashd: no report %s in %s (%s)\n", id, dir,
			strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	close(fd);
	return 0;
}
