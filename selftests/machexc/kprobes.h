/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobes a stoppable wait needs to step out for a stop (on
 * dequeue_signal() and recalc_sigpending()) are armed only while a thread
 * waits in an exception or parked, and for kprobe_linger_ms after
 * (exc_deliver_test, lifecycle_test).
 */
#ifndef _MACHEXC_SELFTEST_KPROBES_H
#define _MACHEXC_SELFTEST_KPROBES_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINGER "/sys/module/machexc/parameters/kprobe_linger_ms"

/* How many of the two are in, from debugfs; -1 without the list. */
static inline int signal_kprobes(void)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/list", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "dequeue_signal") || strstr(line, "recalc_sigpending");
	fclose(f);
	return n;
}

/* Set kprobe_linger_ms to @ms; 0, or -1. */
static inline int set_linger(const char *ms)
{
	int fd = open(LINGER, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, ms, strlen(ms)) == (ssize_t)strlen(ms);
	close(fd);
	return ok ? 0 : -1;
}

/* kprobe_linger_ms as it is, into @buf (left as it was if unreadable). */
static inline void get_linger(char *buf, size_t len)
{
	int fd = open(LINGER, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n > 0)
		buf[n] = 0;
}
#endif
