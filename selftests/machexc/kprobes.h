/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks a stoppable wait needs to step out for a stop (on
 * dequeue_signal() and recalc_sigpending(): a direct call, or kprobes)
 * are armed only while a thread waits in an exception or parked, and for
 * kprobe_linger_ms after (exc_deliver_test, lifecycle_test).
 */
#ifndef _MACHEXC_SELFTEST_KPROBES_H
#define _MACHEXC_SELFTEST_KPROBES_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define LINGER "/sys/module/machexc/parameters/kprobe_linger_ms"

/* Lines of @path that name one of the two; -1 without the file. */
static inline int signal_hook_lines(const char *path, int at_start)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += at_start ? !strncmp(line, "dequeue_signal ", 15) ||
				!strncmp(line, "recalc_sigpending ", 18) :
				!!strstr(line, "dequeue_signal") + !!strstr(line, "recalc_sigpending");
	fclose(f);
	return n;
}

/*
 * How many of the two hooks are in: a direct call shows in ftrace's list
 * of the functions it patched, a kprobe in the kprobes' list (and in
 * ftrace's too when it sits on the function's ftrace site): the larger
 * count; -1 without either list.
 */
static inline int signal_kprobes(void)
{
	const char *ef = "/sys/kernel/tracing/enabled_functions";
	int a, b;

	/* tracefs where the VM's init did not mount it (root only). */
	if (access(ef, R_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	a = signal_hook_lines(ef, 1);
	if (a < 0)
		a = signal_hook_lines("/sys/kernel/debug/tracing/enabled_functions", 1);
	b = signal_hook_lines("/sys/kernel/debug/kprobes/list", 0);
	return a > b ? a : b;
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
