// SPDX-License-Identifier: GPL-2.0
/*
 * Faults become Mach exceptions: a handler thread that fixes an mprotect
 * fault and resumes the faulting thread; a handler that moves the
 * instruction pointer with EXCEPTION_STATE_IDENTITY; KERN_FAILURE, after
 * which Linux delivers the original signal with its original siginfo.
 * The message layouts are MIG's for mach_exc.defs (exc_msgs.h).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>

#include "exc_msgs.h"
#include "kselftest_harness.h"

#define ME mach_task_self()

struct handler {
	mach_port_t port;
	int rounds;			/* exceptions to answer */
	kern_return_t answer;
	int move_rip;			/* with STATE_IDENTITY: skip this many bytes */
	/* what the last request said */
	int id, exception;
	mach_port_t thread, task;
	int64_t code[2];
	int count;
};

static void *handle(void *arg)
{
	struct handler *h = arg;
	long page = sysconf(_SC_PAGESIZE);
	request_t req;
	reply_t rep;
	int i;

	for (i = 0; i < h->rounds; i++) {
		memset(&req, 0, sizeof(req.Head));
		if (mach_msg(&req.Head, MACH_RCV_MSG, 0, sizeof(req), h->port, 0, 0))
			return NULL;
		h->id = req.Head.msgh_id;
		h->exception = req.exception;
		memcpy(h->code, req.code, sizeof(h->code));
		memset(&rep, 0, sizeof(rep));
		rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		rep.Head.msgh_remote_port = req.Head.msgh_remote_port;
		rep.Head.msgh_id = req.Head.msgh_id + 100;
		rep.NDR = NDR_record;
		rep.RetCode = h->answer;
		rep.Head.msgh_size = sizeof(mach_msg_header_t) + sizeof(NDR_record_t) +
				     sizeof(kern_return_t);
		if (h->answer == KERN_SUCCESS && req.exception == EXC_BAD_ACCESS)
			mprotect((void *)(uintptr_t)(req.code[1] & ~(page - 1)), page,
				 PROT_READ | PROT_WRITE);
		if (h->answer == KERN_SUCCESS && req.Head.msgh_id == 2407) {
			uint64_t *regs = (uint64_t *)req.old_state;

			regs[16] += h->move_rip;	/* __rip */
			rep.flavor = req.flavor;
			rep.new_stateCnt = req.old_stateCnt;
			memcpy(rep.new_state, req.old_state, req.old_stateCnt * 4);
			rep.Head.msgh_size += 8 + req.old_stateCnt * 4;
		}
		if (req.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
			h->thread = req.thread.name;
			h->task = req.task.name;
			mach_port_deallocate(ME, req.thread.name);
			mach_port_deallocate(ME, req.task.name);
		}
		if (mach_msg(&rep.Head, MACH_SEND_MSG, rep.Head.msgh_size, 0, 0, 0, 0))
			return NULL;
		h->count++;
	}
	return NULL;
}

static mach_port_t exception_port(exception_mask_t mask, exception_behavior_t behavior,
				  thread_state_flavor_t flavor)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(ME, mask, p, behavior, flavor))
		return MACH_PORT_NULL;
	return p;
}

/*
 * The in-process handler of libsigsegv-style code: fix and resume, 2000
 * times in a row (500 in the debug lane, where KASAN and lockdep under TCG
 * make each round trip ~50 times slower).  A count, not a stress test
 * (stress_test is): 10 000 ran past the harness's 30 s on a loaded
 * machine under TCG.
 */
TEST(mprotect_fault_fixed_and_resumed)
{
	long page = sysconf(_SC_PAGESIZE);
	struct handler h = { .rounds = getenv("MACHEXC_DEBUG_LANE") ? 500 : 2000,
			     .answer = KERN_SUCCESS };
	volatile char *mem;
	pthread_t t;
	int i;

	h.port = exception_port(EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
				THREAD_STATE_NONE);
	ASSERT_NE(MACH_PORT_NULL, h.port);
	mem = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	for (i = 0; i < h.rounds; i++) {
		mem[i % page] = (char)i;	/* faults: the handler makes it writable */
		ASSERT_EQ((char)i, mem[i % page]);
		ASSERT_EQ(0, mprotect((void *)mem, page, PROT_READ));
	}
	pthread_join(t, NULL);
	EXPECT_EQ(h.rounds, h.count);
	EXPECT_EQ(2405, h.id);
	EXPECT_EQ(EXC_BAD_ACCESS, h.exception);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, h.code[0]);
	EXPECT_EQ((int64_t)(uintptr_t)mem + (h.rounds - 1) % page, h.code[1]);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h.port);
	munmap((void *)mem, page);
}

/* EXCEPTION_STATE_IDENTITY: the handler steps over a ud2. */
TEST(handler_moves_rip)
{
	struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	pthread_t t;

	h.port = exception_port(EXC_MASK_BAD_INSTRUCTION,
				EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
				x86_THREAD_STATE64);
	ASSERT_NE(MACH_PORT_NULL, h.port);
	/* Hold our own thread port: the message's right will merge into it. */
	mach_port_t self = mach_thread_self();

	ASSERT_NE(MACH_PORT_NULL, self);
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	__asm__ volatile("ud2");
	pthread_join(t, NULL);
	EXPECT_EQ(1, h.count);
	/* The message names the faulting thread and its task. */
	EXPECT_EQ(self, h.thread);
	EXPECT_EQ(ME, h.task);
	mach_port_type_t type = 0;

	EXPECT_EQ(KERN_SUCCESS, mach_port_type(ME, self, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type);
	/* The same thread, the same name: a second call adds a reference. */
	EXPECT_EQ(self, mach_thread_self());
	mach_port_urefs_t refs = 0;

	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(ME, self, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(2, refs);
	mach_port_mod_refs(ME, self, MACH_PORT_RIGHT_SEND, -2);
	EXPECT_EQ(2407, h.id);
	EXPECT_EQ(EXC_BAD_INSTRUCTION, h.exception);
	EXPECT_EQ(EXC_I386_INVOP, h.code[0]);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h.port);
}

static void *volatile fault_addr;

/* 42 if the siginfo is the one the fault made. */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	_exit(si->si_code == SEGV_ACCERR && si->si_addr == fault_addr ? 42 : 43);
}

/* KERN_FAILURE: the process's own handler runs with the original siginfo. */
TEST(failure_delivers_the_original_signal)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
		struct handler h = { .rounds = 1, .answer = KERN_FAILURE };
		volatile char *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
					  -1, 0);
		pthread_t t;

		fault_addr = (void *)bad;
		sigaction(SIGSEGV, &sa, NULL);
		h.port = exception_port(EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, THREAD_STATE_NONE);
		if (!h.port || pthread_create(&t, NULL, handle, &h))
			_exit(1);
		*bad = 1;
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(42, WEXITSTATUS(status));
}

/* No handler process, no own handler: death by the original signal. */
TEST(failure_kills_by_the_original_signal)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct handler h = { .rounds = 1, .answer = KERN_INVALID_ARGUMENT };
		pthread_t t;

		h.port = exception_port(EXC_MASK_ARITHMETIC, EXCEPTION_DEFAULT, THREAD_STATE_NONE);
		if (!h.port || pthread_create(&t, NULL, handle, &h))
			_exit(1);
		__asm__ volatile("xor %%edx, %%edx; xor %%eax, %%eax; xor %%ecx, %%ecx; div %%ecx"
				 ::: "eax", "ecx", "edx");
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGFPE, WTERMSIG(status));
}

/*
 * The parent handles the child's exceptions (inherited task exception
 * port).  It receives the request and then: @how = 0 destroys the reply
 * right without answering, 1 kills the child while it waits.
 */
static void remote_handler(struct __test_metadata *_metadata, int how)
{
	mach_port_t port = exception_port(EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT,
					  THREAD_STATE_NONE);
	request_t req;
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, port);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		*(volatile char *)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0) = 1;
		_exit(0);
	}
	memset(&req, 0, sizeof(req.Head));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&req.Head, MACH_RCV_MSG, 0, sizeof(req), port, 0,
					     0));
	EXPECT_EQ(2401, req.Head.msgh_id);
	if (how == 0) {
		EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, req.Head.msgh_remote_port));
	} else {
		EXPECT_EQ(0, kill(pid, SIGKILL));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(how == 0 ? SIGSEGV : SIGKILL, WTERMSIG(status));
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, port);
}

/* A handler that drops the reply right: the exception falls through. */
TEST(reply_right_destroyed_falls_back)
{
	remote_handler(_metadata, 0);
}

/* SIGKILL ends a thread waiting for its handler at once. */
TEST(sigkill_while_blocked)
{
	remote_handler(_metadata, 1);
}

/*
 * The handler process dies with the request outstanding: @received = 1
 * after it took the request (the reply right dies with its space), 0 while
 * the request is still queued (the message dies with the port).  Either
 * way the faulting process falls back to Linux: death by SIGSEGV.  The
 * faulting process is the handler's child, reparented to us (a subreaper)
 * when the handler dies.
 */
static void handler_killed(struct __test_metadata *_metadata, int received)
{
	pid_t handler, faulter = 0, pid;
	int ready[2], status;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pipe(ready));
	handler = fork();
	ASSERT_LE(0, handler);
	if (handler == 0) {
		mach_port_t port = exception_port(EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT,
						  THREAD_STATE_NONE);
		mach_port_status_t st;
		mach_msg_type_number_t n;
		request_t req;

		if (!port)
			_exit(1);
		pid = fork();
		if (pid == 0) {
			*(volatile char *)mmap(NULL, 4096, PROT_READ,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) = 1;
			_exit(0);
		}
		if (received) {
			memset(&req, 0, sizeof(req.Head));
			if (mach_msg(&req.Head, MACH_RCV_MSG, 0, sizeof(req), port, 0, 0))
				_exit(2);
		} else {
			do {	/* until the request is in the queue */
				n = MACH_PORT_RECEIVE_STATUS_COUNT;
				if (mach_port_get_attributes(ME, port, MACH_PORT_RECEIVE_STATUS,
							     (mach_port_info_t)&st, &n))
					_exit(3);
				if (!st.mps_msgcount)
					usleep(1000);
			} while (!st.mps_msgcount);
		}
		if (write(ready[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(4);
		pause();
		_exit(5);
	}
	close(ready[1]);
	ASSERT_EQ(sizeof(faulter), read(ready[0], &faulter, sizeof(faulter)));
	close(ready[0]);
	ASSERT_EQ(0, kill(handler, SIGKILL));
	ASSERT_EQ(handler, waitpid(handler, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(faulter, waitpid(faulter, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(handler_killed_after_receiving_falls_back)
{
	handler_killed(_metadata, 1);
}

TEST(handler_killed_with_request_queued_falls_back)
{
	handler_killed(_metadata, 0);
}

/* A process that uses machexc but handles no exceptions is unchanged. */
TEST(no_exception_ports_no_change)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
		mach_port_t p;

		if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p))
			_exit(1);
		sigaction(SIGSEGV, &sa, NULL);
		fault_addr = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		*(volatile char *)fault_addr = 1;
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(42, WEXITSTATUS(status));
}

static void *fault_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");	/* the handler steps over it */
	return NULL;
}

static int queued(mach_port_t p)
{
	mach_port_status_t st = { 0 };
	mach_msg_type_number_t cnt = MACH_PORT_RECEIVE_STATUS_COUNT;

	if (mach_port_get_attributes(ME, p, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st,
				     &cnt))
		return -1;
	return (int)st.mps_msgcount;
}

/*
 * The kernel sends exception requests as XNU's does (MACH_SEND_ALWAYS):
 * the port's queue limit does not hold them back.  With a limit of 0 a
 * faulting thread's request is queued all the same, nobody receiving yet
 * (it would wait for room forever otherwise), and the answer resumes it.
 */
TEST(exception_request_skips_the_queue_limit)
{
	struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	mach_port_limits_t lim = { .mpl_qlimit = 0 };
	pthread_t f, t;
	int n;

	h.port = exception_port(EXC_MASK_BAD_INSTRUCTION,
				EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
				x86_THREAD_STATE64);
	ASSERT_NE(MACH_PORT_NULL, h.port);
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(ME, h.port, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim,
							  MACH_PORT_LIMITS_INFO_COUNT));
	ASSERT_EQ(0, pthread_create(&f, NULL, fault_ud2, NULL));
	while ((n = queued(h.port)) == 0)
		sched_yield();
	EXPECT_EQ(1, n);
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	pthread_join(t, NULL);
	pthread_join(f, NULL);
	EXPECT_EQ(1, h.count);
	EXPECT_EQ(EXC_BAD_INSTRUCTION, h.exception);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h.port);
}

TEST_HARNESS_MAIN
