// SPDX-License-Identifier: GPL-2.0
/*
 * EXC_CRASH: a process about to die of a core-dump signal reports it
 * through its thread, task and host exception ports, with XNU's codes,
 * and then dies exactly as it would have without a handler.
 *
 * The crashing process is a child that inherits its parent's task
 * exception port (as on macOS); the test is the handler.  Children run
 * with RLIMIT_CORE 0 unless a test wants a core.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "kselftest_harness.h"
#include "exc_msgs.h"

#define ME mach_task_self()
#define TIMEOUT_PARAM "/sys/module/machexc/parameters/crash_timeout"

/* code[0] of EXC_CRASH, as XNU encodes it. */
static int64_t crash_code(int sig, int type, int64_t code)
{
	return ((int64_t)(sig & 0xff) << 24) | ((type & 0xf) << 20) | (code & 0xfffff);
}

static mach_port_t new_port(void)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

/* A port for this task's @mask exceptions (children inherit it). */
static mach_port_t task_port_for(exception_mask_t mask, exception_behavior_t behavior,
				 thread_state_flavor_t flavor)
{
	mach_port_t p = new_port();

	if (!p || task_set_exception_ports(ME, mask, p, behavior, flavor))
		return MACH_PORT_NULL;
	return p;
}

static void clear_ports(mach_port_t p)
{
	task_set_exception_ports(ME, EXC_MASK_ALL | EXC_MASK_CRASH, MACH_PORT_NULL,
				 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
	mach_port_destroy(ME, p);
}

static void no_core(void)
{
	struct rlimit r = { 0, 0 };

	setrlimit(RLIMIT_CORE, &r);
}

/* A child that runs @fn (which should not return). */
static pid_t child(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		no_core();
		fn();
		_exit(0);
	}
	return pid;
}

static int set_param(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void do_abort(void)
{
	abort();
}

static volatile char *ro_page;

static void do_segv(void)
{
	*ro_page = 1;
}

static void do_pause(void)
{
	for (;;)
		pause();
}

/* The task's port, with its types: what every test starts with. */
#define CRASH_PORT() task_port_for(EXC_MASK_CRASH, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, \
				   THREAD_STATE_NONE)

/* abort(): EXC_CRASH with SIGABRT in code[0], no original exception. */
TEST(abort_reported_with_codes)
{
	mach_port_t port = CRASH_PORT();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = child(do_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(2405, req.Head.msgh_id);
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(2, (int)req.codeCnt);
	EXPECT_EQ(crash_code(SIGABRT, 0, 0), req.code[0]);
	EXPECT_EQ(0, req.code[1]);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);	/* it cannot save the process */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	clear_ports(port);
}

/*
 * A fault no level handles at EXC_BAD_ACCESS is then EXC_CRASH: the
 * original type and code in code[0], the fault address in code[1].
 */
TEST(unhandled_fault_reported_with_its_address)
{
	mach_port_t port = task_port_for(EXC_MASK_BAD_ACCESS | EXC_MASK_CRASH,
					 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
					 THREAD_STATE_NONE);
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_page);
	pid = child(do_segv);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_BAD_ACCESS, req.exception);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, req.code[0]);
	drop_ports(&req);
	answer(&req, KERN_FAILURE);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(crash_code(SIGSEGV, EXC_BAD_ACCESS, KERN_PROTECTION_FAILURE), req.code[0]);
	EXPECT_EQ((int64_t)(uintptr_t)ro_page, req.code[1]);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	munmap((void *)ro_page, 4096);
	clear_ports(port);
}

/* A core-dump signal another process sends (kill(SIGQUIT)) is reported. */
TEST(sigquit_from_another_process_reported)
{
	mach_port_t port = CRASH_PORT();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = child(do_pause);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, kill(pid, SIGQUIT));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(crash_code(SIGQUIT, 0, 0), req.code[0]);
	EXPECT_EQ(0, req.code[1]);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGQUIT, WTERMSIG(status));
	clear_ports(port);
}

/* Kill @pid's child with @sig: nothing is reported (it is dead by then). */
static void not_reported(struct __test_metadata *_metadata, int sig)
{
	mach_port_t port = CRASH_PORT();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = child(do_pause);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, kill(pid, sig));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(sig, WTERMSIG(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(port, &req, 1));
	clear_ports(port);
}

/* SIGKILL is never reported. */
TEST(sigkill_not_reported)
{
	not_reported(_metadata, SIGKILL);
}

/* A signal that only terminates (SIGTERM with SIG_DFL) is not EXC_CRASH. */
TEST(sigterm_not_reported)
{
	not_reported(_metadata, SIGTERM);
}

static volatile uint64_t magic[4] = { 0x6d61636865786321ULL, 1, 2, 3 };

/*
 * While it reports, the dying thread's registers are readable through
 * the message's thread port and its memory through the task port.
 */
TEST(state_and_memory_readable_during_report)
{
	mach_port_t port = task_port_for(EXC_MASK_CRASH,
					 EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
					 x86_THREAD_STATE64);
	x86_thread_state64_t ts, *sent;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT, cnt = 0;
	vm_offset_t data = 0;
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = child(do_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(2407, req.Head.msgh_id);
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(x86_THREAD_STATE64, req.flavor);
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(req.thread.name, x86_THREAD_STATE64,
						 (thread_state_t)&ts, &n));
	sent = (x86_thread_state64_t *)req.old_state;
	EXPECT_EQ(sent->__rip, ts.__rip);
	EXPECT_EQ(sent->__rsp, ts.__rsp);
	EXPECT_NE(0, ts.__rip);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read(req.task.name, (uintptr_t)magic, sizeof(magic),
					     &data, &cnt));
	EXPECT_EQ(sizeof(magic), cnt);
	EXPECT_EQ(0, memcmp((void *)data, (const void *)magic, sizeof(magic)));
	mach_vm_deallocate(ME, data, cnt);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	clear_ports(port);
}

static volatile uint64_t spins;

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		spins++;
	return NULL;
}

static void spin_and_abort(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, spin, NULL))
		_exit(1);
	while (!spins)
		sched_yield();
	abort();
}

/*
 * The other threads stand still while the crash is reported: each one's
 * state is readable (only a stopped thread has one) and a counter one of
 * them spins on does not move.
 */
TEST(other_threads_held_during_report)
{
	mach_port_t port = CRASH_PORT();
	thread_act_array_t threads;
	mach_msg_type_number_t nthreads = 0, cnt, i;
	uint64_t first = 0, second = 1;
	x86_thread_state64_t ts;
	vm_offset_t data;
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = child(spin_and_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	ASSERT_EQ(KERN_SUCCESS, task_threads(req.task.name, &threads, &nthreads));
	EXPECT_EQ(2, (int)nthreads);
	for (i = 0; i < nthreads; i++) {
		mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;

		EXPECT_EQ(KERN_SUCCESS, thread_get_state(threads[i], x86_THREAD_STATE64,
							 (thread_state_t)&ts, &n));
		mach_port_deallocate(ME, threads[i]);
	}
	mach_vm_deallocate(ME, (uintptr_t)threads, nthreads * sizeof(*threads));
	cnt = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read(req.task.name, (uintptr_t)&spins, 8, &data, &cnt));
	memcpy(&first, (void *)data, 8);
	mach_vm_deallocate(ME, data, cnt);
	usleep(10000);	/* time it would spin in, were it running */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read(req.task.name, (uintptr_t)&spins, 8, &data, &cnt));
	memcpy(&second, (void *)data, 8);
	mach_vm_deallocate(ME, data, cnt);
	EXPECT_NE(0, first);
	EXPECT_EQ(first, second);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	clear_ports(port);
}

/*
 * A return probe of tracefs's own on the core dump's entry (kretprobe,
 * registered after ours: it rewrites the return address before our probe
 * runs, as bpftrace or the function graph tracer would).
 */
#define PROBE_NAME "mxcrashret"

FIXTURE(retprobe) {
	char dir[64];		/* tracefs, or "" */
	int added;
};

static int write_file(const char *dir, const char *file, const char *text, int append)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Where tracefs is (mounted if need be), into @dir: 0, or -1 if nowhere. */
static int tracefs_dir(char *dir, size_t size)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[96];
	unsigned int i;

	if (access("/sys/kernel/tracing/kprobe_events", F_OK))
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(dir, size, "%s", dirs[i]);
			return 0;
		}
	}
	return -1;
}

FIXTURE_SETUP(retprobe)
{
	static const char *const syms[] = { "do_coredump", "vfs_coredump" };
	char cmd[64];
	unsigned int i;

	self->dir[0] = 0;
	self->added = 0;
	if (tracefs_dir(self->dir, sizeof(self->dir)))
		SKIP(return, "no kprobe_events");
	for (i = 0; i < 2 && !self->added; i++) {
		snprintf(cmd, sizeof(cmd), "r:%s %s\n", PROBE_NAME, syms[i]);
		self->added = !write_file(self->dir, "kprobe_events", cmd, 1);
	}
	ASSERT_TRUE(self->added);
}

FIXTURE_TEARDOWN(retprobe)
{
	if (!self->added)
		return;
	write_file(self->dir, "events/kprobes/" PROBE_NAME "/enable", "0", 0);
	write_file(self->dir, "kprobe_events", "-:" PROBE_NAME "\n", 1);
}

/*
 * Another return probe on the core dump's entry (it runs before ours and
 * rewrites the return address): one report, and the process dies of its
 * signal, not redirected again on its way into the real function.
 */
TEST_F(retprobe, return_probe_on_coredump_one_report)
{
	mach_port_t port = CRASH_PORT();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, write_file(self->dir, "events/kprobes/" PROBE_NAME "/enable", "1", 0));
	pid = child(do_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(crash_code(SIGABRT, 0, 0), req.code[0]);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(port, &req, 1));
	clear_ports(port);
}

/*
 * The probe that sends a crashing thread to its report cannot lose that
 * change of course: where it is ftrace-based, it is registered with
 * IPMODIFY (enabled_functions flags the core dump's entry " I").
 */
TEST(crash_probe_registered_to_change_ip)
{
	mach_port_t port = CRASH_PORT();
	char dir[64], path[96], line[512], *rest;
	int found = 0, ip = 0;
	FILE *f;

	ASSERT_NE(MACH_PORT_NULL, port);	/* arms the probe */
	if (tracefs_dir(dir, sizeof(dir))) {
		clear_ports(port);
		SKIP(return, "no tracefs");
	}
	snprintf(path, sizeof(path), "%s/enabled_functions", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "do_coredump ", 12) && strncmp(line, "vfs_coredump ", 13))
			continue;
		found = 1;
		rest = strchr(line, '(');
		ip = rest && strstr(rest, " I");
	}
	if (f)
		fclose(f);
	clear_ports(port);
	if (!found)
		SKIP(return, "the core dump's probe is not ftrace-based here");
	EXPECT_TRUE(ip);
}

/* Crash @fn's child, with a handler (which answers) or not: its waitid(). */
static void crash_status(struct __test_metadata *_metadata, void (*fn)(void), int handled,
			 siginfo_t *si)
{
	mach_port_t port = MACH_PORT_NULL;
	request_t req;
	pid_t pid;

	if (handled) {
		port = CRASH_PORT();
		ASSERT_NE(MACH_PORT_NULL, port);
	}
	pid = child(fn);
	ASSERT_LE(0, pid);
	if (handled) {
		ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
		EXPECT_EQ(EXC_CRASH, req.exception);
		drop_ports(&req);
		answer(&req, KERN_SUCCESS);
	}
	memset(si, 0, sizeof(*si));
	ASSERT_EQ(0, waitid(P_PID, pid, si, WEXITED));
	if (handled)
		clear_ports(port);
}

/*
 * The parent sees the same death with a handler as without: the wait
 * status and the SIGCHLD-style siginfo (CLD_KILLED, the signal).
 */
TEST(wait_status_same_with_and_without_handler)
{
	siginfo_t without, with;

	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_page);
	crash_status(_metadata, do_segv, 0, &without);
	crash_status(_metadata, do_segv, 1, &with);
	EXPECT_EQ(CLD_KILLED, without.si_code);
	EXPECT_EQ(SIGSEGV, without.si_status);
	EXPECT_EQ(without.si_code, with.si_code);
	EXPECT_EQ(without.si_status, with.si_status);
	crash_status(_metadata, do_abort, 0, &without);
	crash_status(_metadata, do_abort, 1, &with);
	EXPECT_EQ(without.si_code, with.si_code);
	EXPECT_EQ(without.si_status, with.si_status);
	munmap((void *)ro_page, 4096);
}

static void core_abort(void)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	setrlimit(RLIMIT_CORE, &r);
	abort();
}

/* The core dump is still written after the report (core_pattern to a file). */
TEST(core_dump_still_written)
{
	char old[256] = "", path[64];
	mach_port_t port = CRASH_PORT();
	struct stat sb;
	request_t req;
	int status, fd;
	ssize_t n;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, set_param("/proc/sys/kernel/core_pattern", "/tmp/machexc-core.%p"));
	pid = child(core_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	set_param("/proc/sys/kernel/core_pattern", old);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	EXPECT_TRUE(WCOREDUMP(status));
	snprintf(path, sizeof(path), "/tmp/machexc-core.%d", pid);
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_LT(0, sb.st_size);
	unlink(path);
	clear_ports(port);
}

/*
 * SIGKILL while the handler holds the report ends it at once (with no
 * crash_timeout at all, only the kill can end it).
 */
TEST(sigkill_during_report_ends_it)
{
	mach_port_t port = CRASH_PORT();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, set_param(TIMEOUT_PARAM, "0"));
	pid = child(do_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	set_param(TIMEOUT_PARAM, "30");
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	drop_ports(&req);
	mach_port_deallocate(ME, req.Head.msgh_remote_port);
	clear_ports(port);
}

/* A handler that never answers: crash_timeout (here 1 s) ends the wait. */
TEST(handler_never_answers_bounded_by_crash_timeout)
{
	mach_port_t port = CRASH_PORT();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, set_param(TIMEOUT_PARAM, "1"));
	pid = child(do_abort);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));	/* no answer */
	set_param(TIMEOUT_PARAM, "30");
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	drop_ports(&req);
	mach_port_deallocate(ME, req.Head.msgh_remote_port);
	clear_ports(port);
}

static int vfork_pipe = -1;	/* the write end: the vfork() child's pid */
static volatile int vforked;

/* A thread that waits in vfork() for good: it never halts. */
static void *vfork_and_wait(void *arg)
{
	pid_t me;

	(void)arg;
	if (vfork() == 0) {
		me = getpid();
		if (write(vfork_pipe, &me, sizeof(me)) != sizeof(me))
			_exit(1);
		vforked = 1;
		for (;;)
			pause();
	}
	return NULL;
}

static void abort_beside_vfork(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, vfork_and_wait, NULL))
		_exit(1);
	while (!vforked)
		sched_yield();
	abort();
}

/*
 * The hold of the other threads used up crash_timeout (here 1 s: a thread
 * waiting in vfork() never halts): no request is made that late (the
 * module's count of raised requests stands still), and the process dies
 * of its signal.
 */
TEST(no_request_once_crash_timeout_passed)
{
	mach_port_t port = CRASH_PORT();
	struct machexc_stats a, b;
	int fds[2], status;
	pid_t pid, gc = 0;
	request_t req;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, set_param(TIMEOUT_PARAM, "1"));
	ASSERT_EQ(0, machexc_get_stats(&a));
	vfork_pipe = fds[1];
	pid = child(abort_beside_vfork);
	ASSERT_LE(0, pid);
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(gc), read(fds[0], &gc, sizeof(gc)));
	close(fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	set_param(TIMEOUT_PARAM, "30");
	kill(gc, SIGKILL);
	ASSERT_EQ(0, machexc_get_stats(&b));
	EXPECT_EQ(a.exc_raised, b.exc_raised);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(port, &req, 1));
	clear_ports(port);
}

#define HOLD_PARAM "/sys/module/machexc/parameters/crash_hold_timeout"

/*
 * The hold of the other threads without crash_timeout: a process whose
 * second thread waits in vfork() for good (it never halts); the teardown
 * kills both and puts the parameters back, whatever failed.
 */
FIXTURE(hold) {
	mach_port_t port;
	pid_t pid;		/* the crashing process */
	pid_t gc;		/* its vfork() child */
};

FIXTURE_SETUP(hold)
{
	self->port = CRASH_PORT();
	ASSERT_NE(MACH_PORT_NULL, self->port);
}

FIXTURE_TEARDOWN(hold)
{
	if (self->gc > 0)
		kill(self->gc, SIGKILL);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	set_param(TIMEOUT_PARAM, "30");
	set_param(HOLD_PARAM, "10");
	clear_ports(self->port);
}

/* Start the process; 0, or -1. */
static int start_beside_vfork(FIXTURE_DATA(hold) *self)
{
	int fds[2];

	if (pipe(fds))
		return -1;
	vfork_pipe = fds[1];
	self->pid = child(abort_beside_vfork);
	close(fds[1]);
	if (self->pid < 0 ||
	    read(fds[0], &self->gc, sizeof(self->gc)) != (ssize_t)sizeof(self->gc)) {
		close(fds[0]);
		return -1;
	}
	close(fds[0]);
	return 0;
}

/* The report comes (bounded wait: a failure, not a hang), and the process dies of SIGABRT. */
static void expect_report_then_death(struct __test_metadata *_metadata,
				     FIXTURE_DATA(hold) *self)
{
	request_t req;
	int status;

	memset(&req.Head, 0, sizeof(req.Head));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&req.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					     sizeof(req), self->port, 15000, MACH_PORT_NULL));
	EXPECT_EQ(EXC_CRASH, req.exception);
	answer(&req, KERN_SUCCESS);
	drop_ports(&req);
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = 0;
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
}

/*
 * crash_timeout 0 (no limit): a thread that never halts holds the report
 * up for crash_hold_timeout (here 1 s) only; then the handler gets it.
 */
TEST_F(hold, hold_bounded_by_crash_hold_timeout_without_crash_timeout)
{
	ASSERT_EQ(0, set_param(TIMEOUT_PARAM, "0"));
	ASSERT_EQ(0, set_param(HOLD_PARAM, "1"));
	ASSERT_EQ(0, start_beside_vfork(self));
	expect_report_then_death(_metadata, self);
}

/* crash_hold_timeout 0 is taken as 1 s: the hold stays bounded. */
TEST_F(hold, crash_hold_timeout_zero_still_bounds_the_hold)
{
	ASSERT_EQ(0, set_param(TIMEOUT_PARAM, "0"));
	ASSERT_EQ(0, set_param(HOLD_PARAM, "0"));
	ASSERT_EQ(0, start_beside_vfork(self));
	expect_report_then_death(_metadata, self);
}

/*
 * A handler that dies holding the report: the exception falls through to
 * the next level.  The crashing process's thread port goes to a handler
 * process (through the bootstrap port it inherits), its task port to us.
 */
TEST(dead_handler_falls_through)
{
	mach_port_t port = CRASH_PORT();
	pid_t handler, crasher = 0;
	int ready[2], status;
	request_t req;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pipe(ready));
	handler = fork();
	ASSERT_LE(0, handler);
	if (handler == 0) {
		mach_port_t mine = new_port();
		request_t r;
		pid_t pid;

		if (!mine || task_set_bootstrap_port(ME, mine))
			_exit(1);
		pid = fork();
		if (pid == 0) {
			mach_port_t bp = MACH_PORT_NULL;

			no_core();
			if (task_get_bootstrap_port(ME, &bp) || !bp ||
			    thread_set_exception_ports(mach_thread_self(), EXC_MASK_CRASH, bp,
						       EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
						       THREAD_STATE_NONE))
				_exit(2);
			abort();
		}
		if (pid < 0 || write(ready[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(3);
		if (receive(mine, &r, 0) || r.exception != EXC_CRASH)
			_exit(4);
		_exit(0);	/* dies with the reply right */
	}
	close(ready[1]);
	ASSERT_EQ(sizeof(crasher), read(ready[0], &crasher, sizeof(crasher)));
	close(ready[0]);
	ASSERT_EQ(handler, waitpid(handler, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));	/* the next level */
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(crash_code(SIGABRT, 0, 0), req.code[0]);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(crasher, waitpid(crasher, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	clear_ports(port);
}

static atomic_int arrived;
static volatile int *volatile bad_addr = (volatile int *)8;

/* Every thread arrives, then all fault at once. */
static void *fault_together(void *arg)
{
	(void)arg;
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < 5)
		sched_yield();	/* two CPUs under TCG: let the others arrive */
	*bad_addr = 1;
	return NULL;
}

static void threads_crash(void)
{
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, fault_together, NULL))
			_exit(1);
	fault_together(NULL);
}

/*
 * Five threads fault at once: one report for the process.  (The pause
 * before the answer gives a thread that was not held the time to raise a
 * report of its own.)
 */
TEST(one_report_per_process)
{
	mach_port_t port = CRASH_PORT();
	request_t req, more;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = child(threads_crash);
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(crash_code(SIGSEGV, EXC_BAD_ACCESS, KERN_INVALID_ADDRESS), req.code[0]);
	EXPECT_EQ(8, req.code[1]);
	usleep(100000);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(port, &more, 1));
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(port, &more, 1));
	clear_ports(port);
}

/* Host level: a process that never used machexc is reported there. */
TEST(host_level_reports_any_process)
{
	mach_port_t host = mach_host_self(), port = new_port();
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, host_set_exception_ports(host, EXC_MASK_CRASH, port,
			EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE));
	pid = child(do_abort);	/* inherits no port: it has no task */
	ASSERT_LE(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(port, &req, 0));
	EXPECT_EQ(EXC_CRASH, req.exception);
	EXPECT_EQ(crash_code(SIGABRT, 0, 0), req.code[0]);
	drop_ports(&req);
	answer(&req, KERN_SUCCESS);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	EXPECT_EQ(KERN_SUCCESS, host_set_exception_ports(host, EXC_MASK_CRASH, MACH_PORT_NULL,
			EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	mach_port_destroy(ME, port);
}

/* Host-level EXC_CRASH takes CAP_SYS_ADMIN, as every host port does. */
TEST(host_level_needs_cap_sys_admin)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t port;

		if (setgid(65534) || setuid(65534))
			_exit(1);
		port = new_port();
		if (!port)
			_exit(2);
		_exit(host_set_exception_ports(mach_host_self(), EXC_MASK_CRASH, port,
					       EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
					       THREAD_STATE_NONE) == KERN_NO_ACCESS ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * A host-level handler set in a child pid namespace does not see a crash
 * outside it (here, in the namespace above).
 */
TEST(host_level_only_its_pid_namespace_and_below)
{
	int go[2], done[2], status;
	pid_t outer, crasher;
	char c = 0;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	outer = fork();
	ASSERT_LE(0, outer);
	if (outer == 0) {
		pid_t h;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		h = fork();
		if (h == 0) {		/* pid 1 of the new namespace */
			mach_port_t host = mach_host_self(), port = new_port();
			request_t r;
			int rc;

			if (!port || host_set_exception_ports(host, EXC_MASK_CRASH, port,
					EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE))
				_exit(2);
			if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
				_exit(3);
			rc = receive(port, &r, 1) == MACH_RCV_TIMED_OUT ? 0 : 4;
			host_set_exception_ports(host, EXC_MASK_CRASH, MACH_PORT_NULL,
						 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
			_exit(rc);
		}
		if (h < 0 || waitpid(h, &status, 0) != h)
			_exit(5);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 6);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	crasher = child(do_abort);
	ASSERT_LE(0, crasher);
	ASSERT_EQ(crasher, waitpid(crasher, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	ASSERT_EQ(1, write(done[1], "x", 1));
	ASSERT_EQ(outer, waitpid(outer, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The exception-port calls take EXC_MASK_CRASH and give it back. */
TEST(crash_mask_set_and_got)
{
	mach_port_t port = CRASH_PORT(), ports[4];
	exception_mask_t masks[4];
	exception_behavior_t behaviors[4];
	thread_state_flavor_t flavors[4];
	mach_msg_type_number_t n = 4;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(ME, EXC_MASK_CRASH, masks, &n, ports,
							 behaviors, flavors));
	ASSERT_EQ(1, (int)n);
	EXPECT_EQ(EXC_MASK_CRASH, (int)masks[0]);
	EXPECT_EQ(port, ports[0]);
	EXPECT_EQ(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, behaviors[0]);
	mach_port_deallocate(ME, ports[0]);
	EXPECT_EQ(KERN_SUCCESS, thread_set_exception_ports(mach_thread_self(), EXC_MASK_CRASH,
			port, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE));
	thread_set_exception_ports(mach_thread_self(), EXC_MASK_CRASH, MACH_PORT_NULL,
				   EXCEPTION_DEFAULT, THREAD_STATE_NONE);
	clear_ports(port);
}

TEST_HARNESS_MAIN
