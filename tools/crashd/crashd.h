/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc-crashd: the system's crash reporter.  It holds the host's
 * exception port (EXC_CRASH where the module raises it, else the
 * synchronous fault types) and writes one report per crash, text and
 * JSON, into its directory.
 *
 *   main.c       options, the commands (run, list, show), the daemon loop
 *                and its exception handler
 *   store.c      the reports directory: ids, atomic writes, rotation,
 *                the counters file, list and show
 *   ratelimit.c  token buckets, per program and global
 *   log.c        logging to the journal (stderr with <N> priorities) and
 *                sd_notify()
 */
#ifndef MACHEXC_CRASHD_H
#define MACHEXC_CRASHD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../report/report.h"

#define CRASHD_DEFAULT_DIR "/var/lib/machexc/crashes"

/* ---- log.c ---- */
enum { LOG_P_ERR = 3, LOG_P_WARNING = 4, LOG_P_NOTICE = 5, LOG_P_INFO = 6 };
__attribute__((format(printf, 2, 3)))
void log_msg(int prio, const char *fmt, ...);
/* A state change for the service manager ($NOTIFY_SOCKET), if any. */
void notify(const char *state);

/* ---- ratelimit.c ---- */
struct ratelimit_config {
	double program_burst, program_interval;	/* tokens, seconds per token */
	double global_burst, global_interval;
};

enum ratelimit_verdict { RL_PASS, RL_PROGRAM, RL_GLOBAL };

void ratelimit_init(const struct ratelimit_config *cfg);
/* Take a token for a crash of @program at @now (seconds, monotonic). */
enum ratelimit_verdict ratelimit_take(const char *program, double now);

/* ---- store.c ---- */
struct counters {
	uint64_t reported, dropped_program, dropped_global, failed;
};

/* Make @dir (0700) if missing; 0 or -1 (logged). */
int store_open(const char *dir);
/* A new report id for @c ("20261203T081500.123Z-name-PID"), into c->id. */
void store_name(struct crash *c);
/* Write @c as ID.txt and ID.json; 0 or -1 (logged). */
int store_write(const char *dir, const struct crash *c);
/* Delete the oldest reports until @keep are left; how many went. */
int store_rotate(const char *dir, int keep);
void store_counters(const char *dir, const struct counters *n);
/* The commands: exit statuses. */
int store_list(const char *dir);
int store_show(const char *dir, const char *id, bool json);

#endif
