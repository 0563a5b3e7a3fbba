// SPDX-License-Identifier: GPL-2.0
/*
 * What happens when an allocation the module makes in atomic context
 * fails: the fault hook's (an exception cannot be raised) and the fork
 * hook's (a child cannot inherit its parent's ports).  Neither is silent:
 * each is counted in the stats (nomem), the fault's signal is delivered
 * as without the module, and the child that would escape supervision is
 * killed before it runs.
 *
 * The failures are made on demand with the kernel's fault injection
 * (debugfs machexc_fail_atomic, task-filter and /proc/self/make-it-fail),
 * which the debug lane's kernel has; elsewhere these tests skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "kselftest_harness.h"

#define KNOBS "/sys/kernel/debug/machexc_fail_atomic/"
#define ME mach_task_self()

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Fail the next atomic allocation of every process that asks for it. */
static int arm(void)
{
	return write_file(KNOBS "task-filter", "Y") || write_file(KNOBS "verbose", "0") ||
	       write_file(KNOBS "interval", "1") || write_file(KNOBS "times", "1") ||
	       write_file(KNOBS "probability", "100");
}

static void disarm(void)
{
	write_file(KNOBS "probability", "0");
	write_file(KNOBS "times", "1");
}

static int make_it_fail(int on)
{
	return write_file("/proc/self/make-it-fail", on ? "1" : "0");
}

static mach_port_t new_port(void)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

FIXTURE(fail) {
	struct machexc_stats before;
};

#define NO_KNOBS "no fault injection in this kernel (the debug lane has it)"

FIXTURE_SETUP(fail)
{
	if (access(KNOBS "probability", W_OK))
		SKIP(return, NO_KNOBS);
	ASSERT_EQ(0, arm());
	ASSERT_EQ(0, machexc_get_stats(&self->before));
}

FIXTURE_TEARDOWN(fail)
{
	disarm();
}

/*
 * The fault hook cannot make its work: the exception is not raised, the
 * signal comes as without the module, and the loss is counted.  (A fresh
 * child's first fault: a process that has raised one keeps its work for
 * the next and allocates nothing.)
 */
TEST_F(fail, a_lost_fault_hook_allocation_is_counted_and_the_signal_delivered)
{
	struct machexc_stats after;
	int status;
	pid_t pid;

	if (access(KNOBS "probability", W_OK))
		SKIP(return, NO_KNOBS);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t p = new_port();

		if (!p || task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, p,
						   EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
		    make_it_fail(1))
			_exit(1);
		__asm__ volatile("ud2");	/* nobody receives on p: it would wait */
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGILL, WTERMSIG(status));
	ASSERT_EQ(0, machexc_get_stats(&after));
	EXPECT_EQ(self->before.nomem + 1, after.nomem);
	EXPECT_EQ(self->before.exc_raised, after.exc_raised);
}

/* In the child: 0 if it inherited its parent's task exception port. */
static int inherited(void)
{
	exception_mask_t m[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT;
	exception_handler_t p[EXC_TYPES_COUNT];
	exception_behavior_t b[EXC_TYPES_COUNT];
	thread_state_flavor_t f[EXC_TYPES_COUNT];

	if (task_get_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, m, &n, p, b, f))
		return 2;
	return n == 1 && p[0] != MACH_PORT_NULL ? 0 : 1;
}

/*
 * The fork hook cannot record what the child inherits: the child would
 * run without its parent's exception ports, unsupervised.  It is killed
 * before its first instruction instead, and the loss is counted; the next
 * fork inherits as always.
 */
static int fork_child(void)
{
	mach_port_t p = new_port();
	int status;
	pid_t pid;

	if (!p || task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, p, EXCEPTION_DEFAULT,
					   THREAD_STATE_NONE) || make_it_fail(1))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(50);	/* must never run */
	make_it_fail(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 2;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return 3;
	pid = fork();
	if (pid == 0)
		_exit(inherited());
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 4;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 5;
}

TEST_F(fail, a_child_that_cannot_inherit_its_ports_is_killed_and_counted)
{
	struct machexc_stats after;
	int status;
	pid_t pid;

	if (access(KNOBS "probability", W_OK))
		SKIP(return, NO_KNOBS);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(fork_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, machexc_get_stats(&after));
	EXPECT_EQ(self->before.nomem + 1, after.nomem);
}

TEST_HARNESS_MAIN
