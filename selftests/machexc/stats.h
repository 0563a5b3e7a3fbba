/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's live-object counters, for leak checks in the selftests.
 *
 * Spaces of processes that exited are released on a workqueue, so an
 * earlier test's process may still be going away when a test starts:
 * settled_stats() waits (bounded) until nothing has moved for 200 ms
 * before it hands out a baseline.
 */
#ifndef _MACHEXC_SELFTEST_STATS_H
#define _MACHEXC_SELFTEST_STATS_H

#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/machexc.h>

static inline int same_stats(const struct machexc_stats *a, const struct machexc_stats *b)
{
	return a->spaces == b->spaces && a->ports == b->ports && a->psets == b->psets &&
	       a->kmsgs == b->kmsgs && a->tasks == b->tasks && a->threads == b->threads;
}

static inline int settled_stats(int fd, struct machexc_stats *s)
{
	struct machexc_stats prev;
	int still = 0, tries;

	if (ioctl(fd, MACHEXC_IOC_STATS, &prev))
		return -1;
	*s = prev;
	for (tries = 0; tries < 500 && still < 10; tries++) {
		usleep(20 * 1000);
		if (ioctl(fd, MACHEXC_IOC_STATS, s))
			return -1;
		still = same_stats(s, &prev) ? still + 1 : 0;
		prev = *s;
	}
	return 0;
}

#endif
