/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread's scheduler state as /proc shows it ('R', 'S', 'D', ...), for
 * tests that must wait until another thread is asleep in a call (never a
 * timed wait: they poll this until it says so).
 */
#ifndef _MACHEXC_SELFTEST_PROC_H
#define _MACHEXC_SELFTEST_PROC_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* 15 s at most, under the harness's 30 s per test, even in the debug lane. */
#define POLL_TRIES 15000

/* Poll @cond, 1 ms apart, at most POLL_TRIES times: 1 once it held, else 0. */
#define poll_until(cond) ({						\
	int __n, __ok = 0;						\
	for (__n = 0; __n < POLL_TRIES; __n++) {			\
		if (cond) {						\
			__ok = 1;					\
			break;						\
		}							\
		usleep(1000);						\
	}								\
	__ok;								\
})

/* The state letter of thread @tid of process @pid, or '?'. */
static inline char proc_state_of(pid_t pid, pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the name may hold anything, even ')' */
	return p && p[1] && p[2] ? p[2] : '?';
}

/*
 * The system call thread @tid of process @pid is in, as
 * /proc/PID/task/TID/syscall shows it: its number while it is blocked in
 * one, else -1 (running, or unreadable).
 */
static inline long proc_syscall_of(pid_t pid, pid_t tid)
{
	char path[64], buf[64];
	ssize_t n;
	long nr;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return sscanf(buf, "%ld", &nr) == 1 ? nr : -1;
}

/* The same for a thread of this process. */
static inline char thread_state_of(pid_t tid)
{
	return proc_state_of(getpid(), tid);
}

#endif
