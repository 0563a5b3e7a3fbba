// SPDX-License-Identifier: GPL-2.0
/*
 * EXC_SOFTWARE / EXC_SOFT_SIGNAL: a task that opted in
 * (machexc_task_set_soft_signals()) reports each signal before it is
 * delivered, in the thread that takes it, and the handler decides what
 * the thread takes (machexc_thread_set_soft_signal(), macOS's
 * PT_THUPDATE): the signal, nothing, or another one.
 *
 * The signalled process is a child that inherits the test's task
 * exception port (as on macOS) and opts itself in; the test is the
 * handler.  The child tells what its signal handlers saw through a pipe.
 * Every wait is bounded (a failure shows as such, not as a hang); the
 * teardown kills every process a test started and clears the ports.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "kselftest_harness.h"
#include "exc_msgs.h"
#include "proc.h"
#include "cgroup2.h"

#define ME mach_task_self()
#define WAIT_MS 15000		/* a bound for failures, never the thing tested */
#define OTHER_UID 1000
#define THIRD_UID 1001

/* What the child's signal handlers saw. */
struct result {
	int ran[2];		/* SIGUSR1's and SIGUSR2's handler runs */
	int signo, code, pid, uid, value;	/* the last one's siginfo */
	int segv;		/* SIGSEGV handler runs */
	long ret;		/* what the child's kill() returned */
};

struct shared {
	atomic_int n;
	atomic_int pid[16];	/* every process started, for the teardown */
	kern_return_t kr;
};

FIXTURE(soft) {
	mach_port_t port;	/* the task's EXC_SOFTWARE (and more) port */
	mach_port_t host_port;	/* a host-level one, if a test set it */
	int res[2];		/* child -> test: struct result */
	int go[2];		/* test -> child */
	struct shared *sh;
	struct cg2 cg;		/* a freezer test's cgroup, removed in the teardown */
};

static struct shared *sh;

static void track(pid_t pid)
{
	int i = atomic_fetch_add(&sh->n, 1);

	if (i < 16)
		atomic_store(&sh->pid[i], pid);
}

static mach_port_t new_port(void)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

/* Set the task's port for @mask (children inherit it). */
static int set_task_port(mach_port_t p, exception_mask_t mask)
{
	return task_set_exception_ports(ME, mask, p, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
					THREAD_STATE_NONE);
}

FIXTURE_SETUP(soft)
{
	struct machexc_version v;

	ASSERT_EQ(0, machexc_api_version(&v));
	if (!(v.features & MACHEXC_FEATURE_SOFT_SIGNAL))
		SKIP(return, "no MACHEXC_FEATURE_SOFT_SIGNAL");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	self->sh = sh;
	ASSERT_EQ(0, pipe(self->res));
	ASSERT_EQ(0, pipe(self->go));
	self->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
	ASSERT_EQ(KERN_SUCCESS, set_task_port(self->port, EXC_MASK_SOFTWARE));
}

FIXTURE_TEARDOWN(soft)
{
	int i, n;

	if (!self->sh)
		return;
	n = atomic_load(&sh->n);
	for (i = 0; i < n && i < 16; i++)
		kill(atomic_load(&sh->pid[i]), SIGKILL);
	for (i = 0; i < n && i < 16; i++)
		waitpid(atomic_load(&sh->pid[i]), NULL, 0);	/* ECHILD for grandchildren */
	cg2_remove(&self->cg);		/* its processes reaped */
	task_set_exception_ports(ME, EXC_MASK_ALL | EXC_MASK_CRASH, MACH_PORT_NULL,
				 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
	if (self->host_port) {
		host_set_exception_ports(mach_host_self(), EXC_MASK_SOFTWARE, MACH_PORT_NULL,
					 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
		mach_port_destroy(ME, self->host_port);
	}
	mach_port_destroy(ME, self->port);
	close(self->res[0]);
	close(self->res[1]);
	close(self->go[0]);
	close(self->go[1]);
	munmap(self->sh, sizeof(*self->sh));
}

/* ---- the child's side ---- */

static struct result seen;
static int res_fd;
static volatile char *ro_page;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	seen.ran[sig == SIGUSR2]++;
	seen.signo = si->si_signo;
	seen.code = si->si_code;
	seen.pid = si->si_pid;
	seen.uid = si->si_uid;
	seen.value = si->si_value.sival_int;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	seen.segv++;
	mprotect((void *)ro_page, 4096, PROT_READ | PROT_WRITE);
}

/* Handlers for SIGUSR1 and SIGUSR2; opted in if @opt_in. */
static void child_setup(int opt_in)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct rlimit r = { 0, 0 };

	setrlimit(RLIMIT_CORE, &r);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	if (opt_in && machexc_task_set_soft_signals(ME, TRUE) != KERN_SUCCESS)
		_exit(90);
}

static void child_report(void)
{
	if (write(res_fd, &seen, sizeof(seen)) != sizeof(seen))
		_exit(91);
}

/* Fork a child that runs @fn with the pipes' child ends; tracked. */
static pid_t start(FIXTURE_DATA(soft) *self, void (*fn)(int go_fd))
{
	pid_t pid = fork();

	if (pid == 0) {
		res_fd = self->res[1];
		fn(self->go[0]);
		_exit(0);
	}
	if (pid > 0)
		track(pid);
	return pid;
}

/* ---- the test's side ---- */

/* Read the child's result (bounded): 0, or -1. */
static int read_result(FIXTURE_DATA(soft) *self, struct result *r)
{
	struct pollfd p = { .fd = self->res[0], .events = POLLIN };

	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	return read(self->res[0], r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

/* Wait (bounded) for a request on @port. */
static mach_msg_return_t wait_request(mach_port_t port, request_t *req)
{
	memset(&req->Head, 0, sizeof(req->Head));
	return mach_msg(&req->Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(*req), port,
			WAIT_MS, MACH_PORT_NULL);
}

/* Reap @pid (bounded): 0 with *status, or -1. */
static int reap(pid_t pid, int *status)
{
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -1;
		usleep(1000);
	}
	return -1;
}

static void go(FIXTURE_DATA(soft) *self)
{
	if (write(self->go[1], "g", 1) != 1)
		abort();
}

static void wait_go(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* Expect an EXC_SOFT_SIGNAL request for @sig on @port. */
#define EXPECT_SOFT(port, req, sig) do {					\
	ASSERT_EQ(MACH_MSG_SUCCESS, wait_request((port), (req)));		\
	ASSERT_EQ(EXC_SOFTWARE, (req)->exception);				\
	ASSERT_EQ(2, (req)->codeCnt);						\
	ASSERT_EQ(EXC_SOFT_SIGNAL, (req)->code[0]);				\
	ASSERT_EQ((sig), (req)->code[1]);					\
} while (0)

static void kill_self_usr1(int go_fd)
{
	(void)go_fd;
	child_setup(1);
	kill(getpid(), SIGUSR1);
	child_report();
}

static void kill_self_usr1_not_opted_in(int go_fd)
{
	(void)go_fd;
	child_setup(0);
	kill(getpid(), SIGUSR1);
	child_report();
}

/* Without the opt-in nothing is reported, though a port is set. */
TEST_F(soft, not_opted_in_no_report)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, kill_self_usr1_not_opted_in);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/* EXC_SOFTWARE, code[0] EXC_SOFT_SIGNAL, code[1] the signal, from the signalled thread. */
TEST_F(soft, report_has_type_codes_and_thread)
{
	int tid = 0, stopped = 0, task_pid = 0, status;
	struct machexc_thread_fault f;
	struct result r;
	request_t req;
	pid_t pid;

	pid = start(self, kill_self_usr1);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(2405, req.Head.msgh_id);	/* mach_exception_raise */
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(req.task.name, &task_pid));
	EXPECT_EQ(pid, task_pid);
	EXPECT_EQ(0, machexc_thread_fault(req.thread.name, &tid, &stopped, &f));
	EXPECT_EQ(pid, tid);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	ASSERT_EQ(0, reap(pid, &status));
}

/* What the handler reads from the child's memory during its report. */
static volatile uint64_t marker;
#define MARKER 0x5eed50f7c0ffee11ull

static void kill_self_usr1_marked(int go_fd)
{
	(void)go_fd;
	child_setup(1);
	marker = MARKER;
	seen.ret = syscall(SYS_kill, getpid(), SIGUSR1);
	child_report();
}

/*
 * During the report the thread's registers and the task's memory are the
 * handler's to read and write through the ports the message carries: the
 * signal comes as kill() returns, so its rax is the call's result, and
 * what the handler writes there is what the call returns.
 */
TEST_F(soft, registers_and_memory_readable_and_writable_during_the_report)
{
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	x86_thread_state64_t ts;
	mach_vm_size_t got = 0;
	uint64_t value = 0;
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, kill_self_usr1_marked);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(req.task.name, (uintptr_t)&marker,
						       sizeof(value), (uintptr_t)&value, &got));
	EXPECT_EQ(sizeof(value), got);
	EXPECT_EQ(MARKER, value);
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(req.thread.name, x86_THREAD_STATE64,
						 (thread_state_t)&ts, &n));
	EXPECT_EQ(0, ts.__rax);		/* kill() succeeded */
	EXPECT_NE(0, ts.__rip);
	ts.__rax = 123;
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(req.thread.name, x86_THREAD_STATE64,
						 (thread_state_t)&ts, n));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);		/* the signal was delivered... */
	EXPECT_EQ(123, r.ret);		/* ...and kill() returned what the handler wrote */
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status));
}

static void wait_for_signal(int go_fd)
{
	child_setup(1);
	child_report();		/* ready */
	wait_go(go_fd);
	child_report();
}

/* A signal another process sends is reported, and delivered as sent. */
TEST_F(soft, signal_from_another_process_reported)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, wait_for_signal);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(SI_USER, r.code);
	EXPECT_EQ(getpid(), r.pid);
	ASSERT_EQ(0, reap(pid, &status));
}

static void sigqueue_self(int go_fd)
{
	union sigval v = { .sival_int = 42 };

	(void)go_fd;
	child_setup(1);
	sigqueue(getpid(), SIGUSR1, v);
	child_report();
}

/* KERN_SUCCESS with no choice: the signal's handler runs with its own siginfo. */
TEST_F(soft, success_delivers_the_original_siginfo)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, sigqueue_self);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(SIGUSR1, r.signo);
	EXPECT_EQ(SI_QUEUE, r.code);
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(42, r.value);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Signal 0 chosen: the handler does not run and the process goes on. */
TEST_F(soft, signal_zero_ignores_it)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, kill_self_usr1);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, 0));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	EXPECT_EQ(0, r.ran[1]);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * Another signal chosen: its handler runs, with the siginfo ptrace gives
 * a changed signal (SI_USER, the chooser's pid and uid), and it is not
 * reported again.
 */
TEST_F(soft, replacing_delivers_the_new_signal_with_rewritten_siginfo)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, sigqueue_self);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, SIGUSR2));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	EXPECT_EQ(1, r.ran[1]);
	EXPECT_EQ(SIGUSR2, r.signo);
	EXPECT_EQ(SI_USER, r.code);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ((int)getuid(), r.uid);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/*
 * A failure moves on to the next level (here the host's), and the choice
 * the failing level made is dropped: the original is delivered.
 */
TEST_F(soft, failure_moves_to_the_next_level_and_drops_its_choice)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	self->host_port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->host_port);
	ASSERT_EQ(KERN_SUCCESS, host_set_exception_ports(mach_host_self(), EXC_MASK_SOFTWARE,
							 self->host_port,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
							 THREAD_STATE_NONE));
	pid = start(self, kill_self_usr1);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, 0));
	answer(&req, KERN_FAILURE);
	drop_ports(&req);
	EXPECT_SOFT(self->host_port, &req, SIGUSR1);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	ASSERT_EQ(0, reap(pid, &status));
}

/* A failure at the last level: the original signal, as without the module. */
TEST_F(soft, failure_at_the_last_level_delivers_the_original)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, kill_self_usr1);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, SIGUSR2));
	answer(&req, KERN_FAILURE);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(0, r.ran[1]);
	ASSERT_EQ(0, reap(pid, &status));
}

/*
 * A handler that dies without answering (a process that takes the
 * request and exits): the original signal is delivered.
 */
TEST_F(soft, handler_that_dies_delivers_the_original)
{
	struct result r;
	int status;
	pid_t handler;

	handler = fork();
	ASSERT_LE(0, handler);
	if (handler == 0) {
		mach_port_t p = new_port();
		request_t req;
		pid_t victim;

		if (!p || set_task_port(p, EXC_MASK_SOFTWARE))
			_exit(1);
		victim = fork();
		if (victim == 0) {
			res_fd = self->res[1];
			kill_self_usr1(-1);
			_exit(0);
		}
		if (victim < 0)
			_exit(2);
		track(victim);
		if (wait_request(p, &req) != MACH_MSG_SUCCESS || req.code[1] != SIGUSR1)
			_exit(3);
		_exit(0);	/* its rights die with it, the reply right too */
	}
	track(handler);
	ASSERT_EQ(0, reap(handler, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
}

/* SIGKILL while the thread waits for the handler ends it at once. */
TEST_F(soft, sigkill_during_the_report_ends_it)
{
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, kill_self_usr1);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	mach_port_deallocate(ME, req.Head.msgh_remote_port);
	drop_ports(&req);
}

/* SIGSTOP and SIGKILL, which cannot be caught, are never reported. */
TEST_F(soft, sigstop_and_sigkill_never_reported)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, wait_for_signal);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

static void blocked_then_unblocked(int go_fd)
{
	sigset_t set;

	child_setup(1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	child_report();		/* pending, blocked */
	wait_go(go_fd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	child_report();
}

/* A blocked signal is reported when it is unblocked, not when it is sent. */
TEST_F(soft, blocked_signal_reported_when_unblocked)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, blocked_then_unblocked);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
	go(self);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	ASSERT_EQ(0, reap(pid, &status));
}

static void fault(int go_fd)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

	(void)go_fd;
	child_setup(1);
	sigaction(SIGSEGV, &sa, NULL);
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED)
		_exit(92);
	*ro_page = 1;
	child_report();
}

/*
 * A fault's signal has its own exception (EXC_BAD_ACCESS): declined
 * there, it is delivered without an EXC_SOFT_SIGNAL report.
 */
TEST_F(soft, fault_signal_not_reported_as_soft_signal)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, set_task_port(self->port, EXC_MASK_SOFTWARE | EXC_MASK_BAD_ACCESS));
	pid = start(self, fault);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, wait_request(self->port, &req));
	EXPECT_EQ(EXC_BAD_ACCESS, req.exception);
	answer(&req, KERN_FAILURE);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.segv);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

static void kill_self_abrt(int go_fd)
{
	(void)go_fd;
	child_setup(1);
	kill(getpid(), SIGABRT);
	_exit(93);
}

/* A fatal signal let through is then reported as EXC_CRASH, and kills. */
TEST_F(soft, fatal_signal_let_through_then_gets_exc_crash)
{
	struct machexc_version v;
	request_t req;
	int status;
	pid_t pid;

	ASSERT_EQ(0, machexc_api_version(&v));
	if (!(v.features & MACHEXC_FEATURE_CRASH))
		SKIP(return, "no MACHEXC_FEATURE_CRASH");
	ASSERT_EQ(KERN_SUCCESS, set_task_port(self->port, EXC_MASK_SOFTWARE | EXC_MASK_CRASH));
	pid = start(self, kill_self_abrt);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGABRT);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(MACH_MSG_SUCCESS, wait_request(self->port, &req));
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ((int64_t)SIGABRT << 24, req.code[0]);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
}

static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/*
 * Opting in another process needs what every task call needs: a task
 * port handed to a process that may not ptrace its task is refused.
 */
TEST_F(soft, opting_in_a_process_without_access_refused)
{
	int status, hold[2];
	pid_t target, caller;
	task_t t;

	if (getuid() != 0)
		SKIP(return, "needs root to change users");
	ASSERT_EQ(0, pipe(hold));
	sh->kr = -1;
	target = fork();
	ASSERT_LE(0, target);
	if (target == 0) {
		char b;

		close(hold[1]);
		if (become(OTHER_UID))
			_exit(1);
		_exit(read(hold[0], &b, 1) < 0);
	}
	track(target);
	close(hold[0]);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, target, &t));
	ASSERT_EQ(KERN_SUCCESS, task_set_special_port(ME, TASK_BOOTSTRAP_PORT, t));
	caller = fork();
	ASSERT_LE(0, caller);
	if (caller == 0) {
		mach_port_t p = MACH_PORT_NULL;

		if (become(THIRD_UID) ||
		    task_get_special_port(ME, TASK_BOOTSTRAP_PORT, &p) || !p)
			_exit(1);
		sh->kr = machexc_task_set_soft_signals(p, TRUE);
		_exit(0);
	}
	track(caller);
	task_set_special_port(ME, TASK_BOOTSTRAP_PORT, MACH_PORT_NULL);
	ASSERT_EQ(0, reap(caller, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(KERN_FAILURE, sh->kr);
	EXPECT_EQ(KERN_SUCCESS, machexc_task_set_soft_signals(t, TRUE));	/* root may */
	close(hold[1]);
	mach_port_deallocate(ME, t);
}

/* Choosing a signal for a thread that is in no report fails. */
TEST_F(soft, choosing_outside_a_report_fails)
{
	thread_act_t th = mach_thread_self();

	EXPECT_EQ(KERN_FAILURE, machexc_thread_set_soft_signal(th, SIGUSR2));
	mach_port_deallocate(ME, th);
}

/* A signal number above 64 is refused. */
TEST_F(soft, choosing_an_invalid_signal_refused)
{
	thread_act_t th = mach_thread_self();

	EXPECT_EQ(KERN_INVALID_ARGUMENT, machexc_thread_set_soft_signal(th, 65));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, machexc_thread_set_soft_signal(th, -1));
	mach_port_deallocate(ME, th);
}

static atomic_int thread_tid;

static void *second_thread(void *arg)
{
	int go_fd = *(int *)arg;

	atomic_store(&thread_tid, (int)syscall(SYS_gettid));
	wait_go(go_fd);
	return NULL;
}

static void two_threads(int go_fd)
{
	pthread_t t;
	sigset_t set;

	child_setup(1);
	/* Only the second thread can take SIGUSR1. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (pthread_create(&t, NULL, second_thread, &go_fd))
		_exit(94);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&thread_tid))
		sched_yield();
	seen.value = atomic_load(&thread_tid);
	child_report();		/* ready, with the tid */
	pthread_join(t, NULL);
	child_report();
}

/* The report comes from the thread that takes the signal (tgkill). */
TEST_F(soft, report_comes_from_the_thread_that_takes_it)
{
	int tid = 0, stopped = 0, status;
	struct machexc_thread_fault f;
	struct result r;
	request_t req;
	pid_t pid;

	pid = start(self, two_threads);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_NE(pid, r.value);
	ASSERT_EQ(0, syscall(SYS_tgkill, pid, r.value, SIGUSR1));
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(0, machexc_thread_fault(req.thread.name, &tid, &stopped, &f));
	EXPECT_EQ(r.value, tid);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	ASSERT_EQ(0, reap(pid, &status));
}

static void broken_pipe(int go_fd)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
	int p[2];

	(void)go_fd;
	child_setup(1);
	sigaction(SIGPIPE, &sa, NULL);
	if (pipe(p))
		_exit(95);
	close(p[0]);
	if (write(p[1], "x", 1) != -1 || errno != EPIPE)
		_exit(96);
	child_report();
}

/* A signal the kernel sends (SIGPIPE of a write to a closed pipe) is reported. */
TEST_F(soft, kernel_sigpipe_reported)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, broken_pipe);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGPIPE);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(SIGPIPE, r.signo);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void child_exits(int go_fd)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
	sigset_t set;
	pid_t gc;

	(void)go_fd;
	child_setup(1);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	gc = fork();
	if (gc == 0)
		_exit(7);
	if (gc < 0 || waitpid(gc, NULL, 0) != gc)
		_exit(97);
	seen.value = gc;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	child_report();
}

/* SIGCHLD of a child's exit, sent by the kernel, is reported. */
TEST_F(soft, kernel_sigchld_reported)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, child_exits);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGCHLD);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(SIGCHLD, r.signo);
	EXPECT_EQ(CLD_EXITED, r.code);
	ASSERT_EQ(0, reap(pid, &status));
}

static void wait_then_kill_self_usr1(int go_fd)
{
	child_setup(1);
	child_report();		/* ready */
	wait_go(go_fd);
	kill(getpid(), SIGUSR1);
	child_report();
}

/*
 * Under ptrace the report comes first; the tracer's signal-delivery-stop
 * then sees the signal the handler chose.
 */
TEST_F(soft, report_comes_before_ptraces_signal_delivery_stop)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, wait_then_kill_self_usr1);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	go(self);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));	/* no stop yet */
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, SIGUSR2));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(SIGUSR2, WSTOPSIG(status));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status)));
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	EXPECT_EQ(1, r.ran[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

static void own_group_waits(int go_fd)
{
	if (setpgid(0, 0))
		_exit(98);
	wait_for_signal(go_fd);
}

/* A job-control stop signal is reported; let through, it stops the process. */
TEST_F(soft, stop_signal_reported_then_stops)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, own_group_waits);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, kill(pid, SIGTSTP));
	EXPECT_SOFT(self->port, &req, SIGTSTP);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(SIGTSTP, WSTOPSIG(status));
}

static void kill_self_usr2(int go_fd)
{
	(void)go_fd;
	child_setup(1);
	kill(getpid(), SIGUSR2);
	child_report();
}

/* A signal that arrives during a report and comes first is reported next. */
TEST_F(soft, signal_arriving_during_a_report_reported_next)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, kill_self_usr2);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR2);
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(1, r.ran[1]);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/*
 * Stops during a report.  A thread waiting in its report holds every
 * signal but SIGKILL and SIGSTOP, and still stops with its process
 * (SIGSTOP, a ptrace trap, the cgroup v2 freezer); continued, it waits on
 * in the same report, and the handler's answer then applies.  Nothing is
 * timed: every wait polls, at most POLL_TRIES times 1 ms apart (proc.h).
 */

/* Has the child written a result (that is, run on)?  No wait. */
static int result_ready(FIXTURE_DATA(soft) *self)
{
	struct pollfd p = { .fd = self->res[0], .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * Wait for the go in read(), which SIGUSR1 interrupts (SA_RESTART: it is
 * restarted unless a handler without it runs); what read() returned, in
 * the second result's value.
 */
static void read_go(int go_fd)
{
	char c;

	child_setup(1);
	child_report();		/* ready */
	seen.value = (int)read(go_fd, &c, 1);
	child_report();
}

/*
 * Is @pid's only thread asleep in system call @nr?  A child's "ready"
 * comes before the call: a signal sent at once may find it still on its
 * way there, and then interrupts no call.
 */
static int asleep_in(pid_t pid, long nr)
{
	return poll_until(proc_syscall_of(pid, pid) == nr && proc_state_of(pid, pid) == 'S');
}

static int asleep_in_read(pid_t pid)
{
	return asleep_in(pid, SYS_read);
}

/*
 * A child whose only thread waits in its report of SIGUSR1, sent by the
 * test while it reads, with the request in *@req: its pid, or -1.
 */
static pid_t child_in_report(FIXTURE_DATA(soft) *self, request_t *req)
{
	struct result r;
	pid_t pid;

	pid = start(self, read_go);
	if (pid < 0 || read_result(self, &r) || !asleep_in_read(pid) || kill(pid, SIGUSR1) ||
	    wait_request(self->port, req) != MACH_MSG_SUCCESS ||
	    req->exception != EXC_SOFTWARE || req->code[1] != SIGUSR1)
		return -1;
	return pid;
}

/* Is the child still in that report (its thread may choose), and asleep in it? */
static int still_in_report(FIXTURE_DATA(soft) *self, pid_t pid, request_t *req)
{
	int status;

	return poll_until(proc_state_of(pid, pid) == 'S') && !result_ready(self) &&
	       waitpid(pid, &status, WNOHANG | __WALL) == 0 &&
	       machexc_thread_set_soft_signal(req->thread.name, SIGUSR1) == KERN_SUCCESS;
}

/*
 * SIGSTOP stops a thread waiting in its report ('T', and the parent's
 * waitpid() sees the stop); after SIGCONT the report is still pending,
 * and the handler's answer then applies (here: the signal is ignored).
 */
TEST_F(soft, a_thread_waiting_in_its_report_stops_for_sigstop)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = child_in_report(self, &req);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_TRUE(poll_until(proc_state_of(pid, pid) == 'T'));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(SIGSTOP, WSTOPSIG(status));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, WCONTINUED));
	EXPECT_TRUE(WIFCONTINUED(status));
	ASSERT_TRUE(still_in_report(self, pid, &req));
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, 0));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	EXPECT_EQ(1, r.value);	/* the read restarted and got the go */
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/*
 * SIGKILL ends a report stopped by SIGSTOP: the process dies of it at
 * once, without SIGCONT (the report's work ends as the thread exits).
 */
TEST_F(soft, sigkill_ends_a_report_stopped_by_sigstop)
{
	request_t req;
	int status;
	pid_t pid;

	pid = child_in_report(self, &req);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_TRUE(poll_until(proc_state_of(pid, pid) == 'T'));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	mach_port_deallocate(ME, req.Head.msgh_remote_port);
	drop_ports(&req);
}

/*
 * A tracer's PTRACE_INTERRUPT stops a thread waiting in its report (a
 * ptrace stop, 't'); PTRACE_CONT lets it wait on in the same report, and
 * the handler's answer then applies (here: another signal, which the
 * tracer then sees in its signal-delivery-stop).
 */
TEST_F(soft, ptrace_interrupt_stops_a_thread_waiting_in_its_report)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, read_go);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_TRUE(asleep_in_read(pid));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	ASSERT_TRUE(poll_until(waitpid(pid, &status, WNOHANG | __WALL) == pid));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(PTRACE_EVENT_STOP, status >> 16);
	EXPECT_EQ('t', proc_state_of(pid, pid));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));
	ASSERT_TRUE(still_in_report(self, pid, &req));
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, SIGUSR2));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(SIGUSR2, WSTOPSIG(status));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status)));
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	EXPECT_EQ(1, r.ran[1]);
	EXPECT_EQ(1, r.value);	/* the read restarted and got the go */
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void read_without_restart(int go_fd)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
	char c;

	child_setup(1);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	child_report();		/* ready */
	seen.value = read(go_fd, &c, 1) < 0 && errno == EINTR;
	child_report();
}

/*
 * A stop during the report does not change what the interrupted system
 * call does: the signal let through then runs its handler (no
 * SA_RESTART) and the call fails with EINTR, as without the stop.
 */
TEST_F(soft, a_stop_during_the_report_keeps_the_interrupted_call_failing_with_eintr)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, read_without_restart);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_TRUE(asleep_in_read(pid));	/* else the signal may come before the read */
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_TRUE(poll_until(proc_state_of(pid, pid) == 'T'));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, WCONTINUED));
	ASSERT_TRUE(still_in_report(self, pid, &req));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));	/* no go: a restarted read would wait */
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(1, r.value);	/* it failed with EINTR */
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * The cgroup v2 freezer freezes a process whose thread waits in its
 * report (cgroup.events: "frozen 1"); thawed, the thread waits on in the
 * same report, and the handler's answer then applies (here: the signal
 * is ignored, and the read it interrupted restarts).
 */
TEST_F(soft, the_cgroup_v2_freezer_freezes_a_thread_waiting_in_its_report)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	if (cg2_make(&self->cg, "machexc-soft-freeze"))
		SKIP(return, "no cgroup v2 here");
	pid = child_in_report(self, &req);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, cg2_enter(&self->cg, pid));
	ASSERT_EQ(0, cg2_freeze(&self->cg, 1));
	EXPECT_TRUE(poll_until(cg2_frozen(&self->cg, 1)));
	ASSERT_EQ(0, cg2_freeze(&self->cg, 0));
	EXPECT_TRUE(poll_until(cg2_frozen(&self->cg, 0)));
	ASSERT_TRUE(still_in_report(self, pid, &req));
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, 0));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(0, r.ran[0]);
	/* Restarted, though nothing else is pending after a thaw (no SIGCONT). */
	EXPECT_EQ(1, r.value);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, cg2_remove(&self->cg));
}

/* Wait for the go, SIGTERM left at its default action. */
static void wait_with_default_sigterm(int go_fd)
{
	child_setup(1);
	signal(SIGTERM, SIG_DFL);
	child_report();		/* ready */
	wait_go(go_fd);
	child_report();
}

/*
 * A signal whose default action only terminates (SIGTERM at SIG_DFL) is
 * reported when the thread that takes it is ptraced (a PTRACE_SEIZE is
 * enough; as macOS reports signals to a tracer only), sent by another
 * process; the handler may ignore it, and the process lives on.
 */
TEST_F(soft, a_default_terminate_signal_is_reported_when_the_process_is_traced)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, wait_with_default_sigterm);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	EXPECT_SOFT(self->port, &req, SIGTERM);
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, 0));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/*
 * Not ptraced, the same signal ends the process unreported: Linux makes
 * it a SIGKILL of the group when it is sent (complete_signal()), as
 * macOS's psignal_internal() does for an untraced process.  This pins
 * the kernel's behaviour (it passes without the traced-only rule: no
 * thread reaches get_signal() with it); the blocked variant below tests
 * the rule.
 */
TEST_F(soft, a_default_terminate_signal_to_an_untraced_process_ends_it_unreported)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, wait_with_default_sigterm);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGTERM, WTERMSIG(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

static void blocked_default_sigterm(int go_fd)
{
	sigset_t set;

	child_setup(1);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	child_report();		/* ready */
	wait_go(go_fd);		/* SIGTERM pending meanwhile */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	child_report();
}

/*
 * The rule holds where Linux would not make it a SIGKILL at once: sent
 * while blocked, the signal waits, and once unblocked it ends the
 * untraced process unreported all the same.
 */
TEST_F(soft, a_blocked_default_terminate_signal_to_an_untraced_process_ends_it_unreported)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, blocked_default_sigterm);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	go(self);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGTERM, WTERMSIG(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/*
 * Report SIGUSR1, sent to @pid while it sleeps in a call, with a SIGSTOP
 * and SIGCONT during the report; @second, if not 0, is sent while it is
 * stopped.  Then check that no other report began meanwhile, and answer
 * KERN_SUCCESS.  0, or the step that failed.
 */
static int report_across_a_stop(FIXTURE_DATA(soft) *self, pid_t pid, int second)
{
	request_t req, other;
	int status;

	if (kill(pid, SIGUSR1) || wait_request(self->port, &req) != MACH_MSG_SUCCESS ||
	    req.code[1] != SIGUSR1)
		return 1;
	if (kill(pid, SIGSTOP) || !poll_until(proc_state_of(pid, pid) == 'T') ||
	    waitpid(pid, &status, WUNTRACED) != pid)
		return 2;
	if (second && kill(pid, second))
		return 3;
	if (kill(pid, SIGCONT) || waitpid(pid, &status, WCONTINUED) != pid)
		return 4;
	if (!still_in_report(self, pid, &req))
		return 5;
	/* Asleep in its report: a second one would have been sent by now. */
	if (receive(self->port, &other, 1) != MACH_RCV_TIMED_OUT)
		return 6;
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	return 0;
}

/* ppoll() with a mask that lets SIGUSR1 in (blocked before and after). */
static void ppoll_letting_usr1_in(int go_fd)
{
	struct pollfd p = { .fd = go_fd, .events = POLLIN };
	sigset_t usr1, none, after;
	int eintr;

	child_setup(1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	sigemptyset(&none);
	child_report();		/* ready */
	eintr = ppoll(&p, 1, NULL, &none) < 0 && errno == EINTR;
	sigprocmask(SIG_BLOCK, NULL, &after);
	seen.value = eintr | sigismember(&after, SIGUSR1) << 1;
	child_report();
}

/*
 * One report at a time per thread.  A stop during a report made in
 * ppoll() (its own mask saved, to be put back on the way out) keeps that
 * mask saved: a signal the saved mask lets in, sent during the stop, is
 * not reported on top of the first (sharing its reply port), but after
 * it.  The answer applies, the handlers run once each, ppoll() fails
 * with EINTR and the mask from before it is back.
 */
TEST_F(soft, a_stop_during_a_report_in_ppoll_starts_no_second_report)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, ppoll_letting_usr1_in);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_TRUE(asleep_in(pid, SYS_ppoll));
	ASSERT_EQ(0, report_across_a_stop(self, pid, SIGUSR2));
	EXPECT_SOFT(self->port, &req, SIGUSR2);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(1, r.ran[1]);
	EXPECT_EQ(3, r.value);	/* EINTR, and SIGUSR1 blocked again */
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(self->port, &req, 1));
}

/* nanosleep() (ERESTART_RESTARTBLOCK), then pause() (ERESTARTNOHAND). */
static void nanosleep_then_pause(int go_fd)
{
	struct timespec ts = { 3600, 0 };

	(void)go_fd;
	child_setup(1);
	child_report();		/* ready */
	seen.value = syscall(SYS_nanosleep, &ts, NULL) < 0 && errno == EINTR;
	child_report();
	seen.value = syscall(SYS_pause) < 0 && errno == EINTR;
	child_report();
}

/*
 * A stop during the report keeps what the interrupted call does when a
 * handler runs: nanosleep() (restarted through restart_syscall without
 * one) and pause() fail with EINTR, as without the stop.
 */
TEST_F(soft, a_stop_during_the_report_keeps_nanosleep_and_pause_failing_with_eintr)
{
	struct result r;
	int status;
	pid_t pid;

	pid = start(self, nanosleep_then_pause);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_TRUE(asleep_in(pid, SYS_nanosleep));
	ASSERT_EQ(0, report_across_a_stop(self, pid, 0));
	ASSERT_EQ(0, read_result(self, &r));	/* a restarted sleep would go on */
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(1, r.value);
	ASSERT_TRUE(asleep_in(pid, SYS_pause));
	ASSERT_EQ(0, report_across_a_stop(self, pid, 0));
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(2, r.ran[0]);
	EXPECT_EQ(1, r.value);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A tracer that lets the reported signal in during a ptrace stop (its
 * PTRACE_SETSIGMASK) has it delivered then, its handler's frame built;
 * the report goes on, and its end puts neither the saved state (here
 * set, unchanged, by the handler) nor the answer on top of that: the
 * handler runs once, and the read it interrupted restarts.
 */
TEST_F(soft, a_signal_delivered_during_a_stop_is_not_undone_by_the_report)
{
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	x86_thread_state64_t ts;
	uint64_t none = 0;
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	pid = start(self, read_go);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, read_result(self, &r));
	ASSERT_TRUE(asleep_in_read(pid));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	ASSERT_TRUE(poll_until(waitpid(pid, &status, WNOHANG | __WALL) == pid));
	ASSERT_EQ(PTRACE_EVENT_STOP, status >> 16);
	ASSERT_EQ(0, ptrace(PTRACE_SETSIGMASK, pid, sizeof(none), &none));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));	/* its signal-delivery-stop */
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(SIGUSR1, WSTOPSIG(status));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, SIGUSR1));
	ASSERT_TRUE(poll_until(proc_state_of(pid, pid) == 'S'));
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(req.thread.name, x86_THREAD_STATE64,
						 (thread_state_t)&ts, &n));
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(req.thread.name, x86_THREAD_STATE64,
						 (thread_state_t)&ts, n));
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_set_soft_signal(req.thread.name, SIGUSR2));
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	go(self);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	EXPECT_EQ(0, r.ran[1]);
	EXPECT_EQ(1, r.value);	/* the read restarted and got the go */
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * The init of a pid namespace: SIGHUP, left at its default, is discarded
 * by get_signal() there, which goes on to what comes next (kernel/
 * signal.c, SIGNAL_UNKILLABLE); so does the report.  Run by a child that
 * made the namespace (93: it could not).
 */
static void init_with_sighup_before_sigusr1(int go_fd)
{
	sigset_t both;
	pid_t init;
	int status;

	(void)go_fd;
	if (unshare(CLONE_NEWPID))
		_exit(93);
	init = fork();
	if (init < 0)
		_exit(94);
	if (init == 0) {
		child_setup(1);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&both);
		sigaddset(&both, SIGHUP);
		sigaddset(&both, SIGUSR1);
		sigprocmask(SIG_BLOCK, &both, NULL);
		kill(getpid(), SIGHUP);		/* queued while blocked */
		kill(getpid(), SIGUSR1);
		sigprocmask(SIG_UNBLOCK, &both, NULL);
		child_report();
		_exit(0);
	}
	if (waitpid(init, &status, 0) != init)
		_exit(95);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 96);
}

/* Can this process make a pid namespace (as the test's child will)? */
static int can_unshare_pid(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWPID) ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

TEST_F(soft, a_default_signal_the_init_of_a_pid_namespace_discards_is_passed_over)
{
	struct result r;
	request_t req;
	int status;
	pid_t pid;

	if (!can_unshare_pid())
		SKIP(return, "no pid namespace here");
	pid = start(self, init_with_sighup_before_sigusr1);
	ASSERT_LE(0, pid);
	EXPECT_SOFT(self->port, &req, SIGUSR1);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(0, read_result(self, &r));
	EXPECT_EQ(1, r.ran[0]);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
