// SPDX-License-Identifier: GPL-2.0
/*
 * Yama's ptrace_scope 3: nobody may attach, not even root, and the scope
 * can never be lowered again.  So this test sets it for the rest of the
 * boot and selftests/vm/job.sh runs it at the very end of a lane.
 *
 * At scope 3 machexc refuses every other process's task port: asked for
 * (task_for_pid), already held (every use re-checks), and as the receiver
 * of an exception; one's own task is still one's own.
 */
#include <sys/ptrace.h>

#include "kselftest_harness.h"
#include "tasks.h"

FIXTURE(yama3) {
	pid_t pid;		/* a child that waits to be killed */
	int no_yama;
};

#define NEED_YAMA() do {						\
	if (self->no_yama)						\
		SKIP(return, "no Yama (/proc/sys/kernel/yama/ptrace_scope)"); \
} while (0)

static pid_t start_child(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

FIXTURE_SETUP(yama3)
{
	self->no_yama = yama_scope() < 0;
	if (self->no_yama)
		return;
	ASSERT_EQ(0, registry_init());
	self->pid = start_child();
	ASSERT_LT(0, self->pid);
}

FIXTURE_TEARDOWN(yama3)
{
	kill_all();
}

/* Must run first: a port taken below scope 3 is refused at use at 3. */
TEST_F(yama3, port_taken_before_scope_3_is_refused_at_use)
{
	mach_task_basic_info_data_t ti;
	mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
	task_t t = MACH_PORT_NULL;
	int pid = 0;

	NEED_YAMA();
	if (yama_scope() == 3)
		SKIP(return, "ptrace_scope was 3 already (this binary ran before in this boot)");
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, self->pid, &t));
	ASSERT_EQ(KERN_SUCCESS, task_info(t, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n));
	ASSERT_EQ(0, set_yama_scope(3));
	ASSERT_EQ(3, yama_scope());
	n = MACH_TASK_BASIC_INFO_COUNT;
	EXPECT_EQ(KERN_FAILURE, task_info(t, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n));
	EXPECT_EQ(KERN_FAILURE, task_suspend(t));
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(t, &pid));
	EXPECT_EQ(self->pid, pid);
	mach_port_deallocate(ME, t);
}

/* Root, with every capability, is refused its own child; so is ptrace. */
TEST_F(yama3, root_is_refused_its_own_child)
{
	task_t t = 0x1234;

	NEED_YAMA();
	ASSERT_EQ(0, set_yama_scope(3));
	EXPECT_EQ(KERN_FAILURE, task_for_pid(ME, self->pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	errno = 0;
	EXPECT_EQ(-1, ptrace(PTRACE_SEIZE, self->pid, 0, 0));
	EXPECT_EQ(EPERM, errno);
}

/* One's own task is not "another process". */
TEST_F(yama3, own_task_still_allowed)
{
	mach_task_basic_info_data_t ti;
	mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
	task_t t = MACH_PORT_NULL;

	NEED_YAMA();
	ASSERT_EQ(0, set_yama_scope(3));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, getpid(), &t));
	EXPECT_EQ(ME, t);
	EXPECT_EQ(KERN_SUCCESS, task_info(ME, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n));
	mach_port_deallocate(ME, t);
}

/* Exceptions of a child skip its parent's handler and become the signal. */
TEST_F(yama3, exception_skips_the_handler)
{
	struct {
		mach_msg_header_t head;
		char body[512];
	} req;
	mach_port_t port = new_port();
	int status = 0, got = 0, i;
	pid_t pid;

	NEED_YAMA();
	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, set_yama_scope(3));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, port,
			EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__asm__ volatile("ud2");
		_exit(0);
	}
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	for (i = 0; i < POLL_TRIES; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		memset(&req.head, 0, sizeof(req.head));
		if (mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port, 0,
			     MACH_PORT_NULL) == MACH_MSG_SUCCESS) {
			got++;
			mach_msg_destroy(&req.head);
		}
		usleep(1000);
	}
	ASSERT_LT(i, POLL_TRIES);
	memset(&req.head, 0, sizeof(req.head));
	if (mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port, 0,
		     MACH_PORT_NULL) == MACH_MSG_SUCCESS)
		got++;
	EXPECT_EQ(0, got);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGILL, WTERMSIG(status));
	mach_port_destroy(ME, port);
}

/* And it cannot be lowered again, not even by root. */
TEST_F(yama3, scope_3_cannot_be_lowered)
{
	int s;

	NEED_YAMA();
	ASSERT_EQ(0, set_yama_scope(3));
	for (s = 0; s < 3; s++) {
		EXPECT_EQ(-1, set_yama_scope(s));
		EXPECT_EQ(3, yama_scope());
	}
}

TEST_HARNESS_MAIN
