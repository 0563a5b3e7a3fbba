/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the tests of other processes' task and thread ports
 * (task_api_test, task_perm_test, yama_final_test): a registry of every
 * process a test starts, so that its teardown can kill them all even when
 * an assertion failed half-way; bounded polls; credentials; Yama.
 *
 * Nothing here waits for a time: every wait polls a condition, at most
 * POLL_TRIES times, 1 ms apart (a bound, never the thing tested).
 */
#ifndef _MACHEXC_SELFTEST_TASKS_H
#define _MACHEXC_SELFTEST_TASKS_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <mach/mach.h>

#include "proc.h"

#define ME mach_task_self()


/* Every process a test started, wherever it was forked from. */
struct registry {
	atomic_int n;
	atomic_int pid[64];
};

static struct registry *procs;

static inline void *shared_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int registry_init(void)
{
	procs = shared_map(sizeof(*procs));
	return procs ? 0 : -1;
}

static inline void registry_add(pid_t pid)
{
	int i = atomic_fetch_add(&procs->n, 1);

	if (i < 64)
		atomic_store(&procs->pid[i], pid);
}

/* fork(), and the child is in the registry before either side goes on. */
static inline pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid > 0)
		registry_add(pid);
	return pid;
}

/* Teardown: SIGKILL everything the test started, reap our own children. */
static inline void kill_all(void)
{
	int i, n;

	if (!procs)
		return;
	n = atomic_load(&procs->n);
	for (i = 0; i < n && i < 64; i++) {
		pid_t pid = atomic_load(&procs->pid[i]);

		if (pid > 0 && pid != getpid())
			kill(pid, SIGKILL);
	}
	for (i = 0; i < n && i < 64; i++) {
		pid_t pid = atomic_load(&procs->pid[i]);

		if (pid > 0 && pid != getpid())
			waitpid(pid, NULL, 0);	/* ECHILD for grandchildren */
	}
	munmap(procs, sizeof(*procs));
	procs = NULL;
}

/*
 * Reap @pid, polling (bounded) so that a child that does not die shows as
 * a failure rather than a hung test.  0 with *status, or -1.
 */
static inline int reap(pid_t pid, int *status)
{
	pid_t r = 0;

	poll_until((r = waitpid(pid, status, WNOHANG)) != 0);
	return r == pid ? 0 : -1;
}

/* An unprivileged user and group; no supplementary groups, no capabilities. */
static inline int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/* Drop CAP_SYS_PTRACE from the effective, permitted and inheritable sets. */
static inline int drop_cap_sys_ptrace(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(CAP_SYS_PTRACE)].effective &= ~CAP_TO_MASK(CAP_SYS_PTRACE);
	d[CAP_TO_INDEX(CAP_SYS_PTRACE)].permitted &= ~CAP_TO_MASK(CAP_SYS_PTRACE);
	d[CAP_TO_INDEX(CAP_SYS_PTRACE)].inheritable &= ~CAP_TO_MASK(CAP_SYS_PTRACE);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

static inline mach_port_type_t type_of(mach_port_t name)
{
	mach_port_type_t t = 0;

	if (mach_port_type(ME, name, &t))
		return 0;
	return t;
}

static inline mach_port_t new_port(void)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

/* A dead name: a send right whose receive right is gone. */
static inline mach_port_t dead_name(void)
{
	mach_port_t p = new_port();

	if (!p || mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1))
		return MACH_PORT_NULL;
	return p;
}

/* /proc/sys/kernel/yama/ptrace_scope: its value, or -1 without Yama. */
static inline int yama_scope(void)
{
	char c = 0;
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c >= '0' && c <= '3' ? c - '0' : -1;
}

/* 0, or -1 with errno (EINVAL once the scope is 3). */
static inline int set_yama_scope(int scope)
{
	char c = (char)('0' + scope);
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_WRONLY), err = 0;

	if (fd < 0)
		return -1;
	if (write(fd, &c, 1) != 1)
		err = errno ? errno : EIO;
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

/* The number of threads of @task through task_threads(), or -1 (kr in *kr). */
static inline int thread_count(task_t task, kern_return_t *kr)
{
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0, i;

	*kr = task_threads(task, &list, &n);
	if (*kr)
		return -1;
	for (i = 0; i < n; i++)
		mach_port_deallocate(ME, list[i]);
	if (list)
		vm_deallocate(ME, (vm_address_t)list, n * sizeof(list[0]));
	return (int)n;
}

#endif
