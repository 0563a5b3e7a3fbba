// SPDX-License-Identifier: GPL-2.0
/*
 * Rate limiting: two token buckets must each hold a token for a crash to
 * be reported, one for its program (the executable's path) and one for
 * all programs.  A bucket holds at most `burst` tokens, starts full, and
 * gains one token per `interval` seconds.  A crash that finds either
 * bucket empty takes nothing from either and is dropped: answered at once
 * (the process dies as usual), logged and counted, but not written.  So a
 * program in a crash loop writes `program_burst` reports and then one per
 * `program_interval`, and the whole machine at most `global_burst` and then
 * one per `global_interval`; with rotation (--keep) the directory never
 * holds more than `keep` reports.
 *
 * The per-program buckets are a table of PROGRAMS entries; when it is
 * full, the entry not used for the longest time is reused (a program seen
 * again after that starts with a full bucket).
 */
#include <string.h>

#include "crashd.h"

#define PROGRAMS 256

struct bucket {
	double tokens;
	double last;	/* when tokens was last brought up to date */
};

static struct ratelimit_config cfg;
static struct bucket global;
static bool global_used;
static struct {
	char program[PATH_MAX];
	struct bucket b;
	bool used;
} programs[PROGRAMS];

void ratelimit_init(const struct ratelimit_config *c)
{
	cfg = *c;
	global_used = false;
	memset(programs, 0, sizeof(programs));
}

static void refill(struct bucket *b, double burst, double interval, double now)
{
	if (interval > 0 && now > b->last)
		b->tokens += (now - b->last) / interval;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last = now;
}

static struct bucket *program_bucket(const char *program, double now)
{
	int i, oldest = 0;

	for (i = 0; i < PROGRAMS; i++) {
		if (programs[i].used && !strcmp(programs[i].program, program))
			return &programs[i].b;
		if (!programs[i].used || (programs[oldest].used &&
					  programs[i].b.last < programs[oldest].b.last))
			oldest = i;
	}
	snprintf(programs[oldest].program, sizeof(programs[oldest].program), "%s", program);
	programs[oldest].used = true;
	programs[oldest].b.tokens = cfg.program_burst;
	programs[oldest].b.last = now;
	return &programs[oldest].b;
}

enum ratelimit_verdict ratelimit_take(const char *program, double now)
{
	struct bucket *p = program_bucket(program, now);

	if (!global_used) {
		global.tokens = cfg.global_burst;
		global.last = now;
		global_used = true;
	}
	refill(p, cfg.program_burst, cfg.program_interval, now);
	refill(&global, cfg.global_burst, cfg.global_interval, now);
	if (p->tokens < 1)
		return RL_PROGRAM;
	if (global.tokens < 1)
		return RL_GLOBAL;
	p->tokens -= 1;
	global.tokens -= 1;
	return RL_PASS;
}
