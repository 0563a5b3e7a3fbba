// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: 64 processes x 8 threads fault at once into the task-level
 * exception ports of 8 handler processes (libmachexc's MIG servers, every
 * behavior); one handler answers KERN_FAILURE half of the time, one is
 * SIGKILLed by itself as soon as it has received an exception and one by
 * the test while it holds one, both before replying.  Every faulting
 * thread must come back either resumed by its handler or through its own
 * signal handler, every process must end, and the module's live objects
 * must be back where they were.
 *
 * Then: the module cannot be unloaded while a process uses it (a thread
 * waiting in an exception, the device open), can be once nobody does, and
 * works after it is loaded again (modprobe, as the VM's job loads it).
 * That case runs last and needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>
#include <mach/exc.h>
#include <mach/mach_exc.h>

#include "kselftest_harness.h"
#include "proc.h"
#include "stats.h"

#define GROUPS		8
#define PER_GROUP	8
#define THREADS		8
#define ROUNDS		4
#define FAULT_MASK	(EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION | \
			 EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT)

/* What each group's handler does. */
#define FAILS_HALF	5	/* KERN_FAILURE to every other exception */
#define DIES_ITSELF	6	/* SIGKILLs itself once it holds its DIES_AFTER'th */
#define KILLED		7	/* waits holding its KILLED_AFTER'th; the test kills it */
#define DIES_AFTER	5
#define KILLED_AFTER	10

/* Bounded polls, 1 ms apart: never the thing tested. */
#define POLL_MS		240000

struct thread_result {
	atomic_int handled, signaled, done;
};

struct shared {
	atomic_int ready, go;
	atomic_int received[GROUPS];
	atomic_int holding[GROUPS];	/* KILLED's handler holds one, unanswered */
	atomic_int pids[GROUPS][PER_GROUP];
	struct thread_result th[GROUPS][PER_GROUP][THREADS];
};

static struct shared *sh;
static int group;			/* in a handler process: which one */

/* --- the faulting processes --- */

static _Thread_local sigjmp_buf *jb;

static void on_signal(int sig)
{
	(void)sig;
	siglongjmp(*jb, 1);
}

/* Where a handler sends the thread when it answers KERN_SUCCESS. */
__attribute__((noinline, noreturn)) static void resumed(void)
{
	siglongjmp(*jb, 2);
}

static void fault(int kind)
{
	switch (kind) {
	case 0:
		__asm__ volatile("movl $1, (%0)" : : "r"(0UL) : "memory");
		break;
	case 1:
		__asm__ volatile("ud2");
		break;
	case 2:
		__asm__ volatile("int3");
		break;
	default:
		__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\tcltd\n\tidivl %%ecx"
				 : : : "eax", "ecx", "edx", "cc");
		break;
	}
}

struct faulter {
	int g, p, t;
};

static void *faulting_thread(void *arg)
{
	struct faulter *f = arg;
	struct thread_result *r = &sh->th[f->g][f->p][f->t];
	sigjmp_buf buf;
	volatile int i;
	int n;

	jb = &buf;
	atomic_fetch_add(&sh->ready, 1);
	/* Asleep until the test wakes every thread at once (bounded: 1 s waits). */
	for (n = 0; n < POLL_MS / 1000 && !atomic_load(&sh->go); n++) {
		struct timespec ts = { .tv_sec = 1 };

		syscall(SYS_futex, &sh->go, FUTEX_WAIT, 0, &ts, NULL, 0);
	}
	for (i = 0; i < ROUNDS; i++) {
		switch (sigsetjmp(buf, 1)) {
		case 0:
			fault((f->t + i) % 4);
			break;		/* not reached */
		case 1:
			atomic_fetch_add(&r->signaled, 1);
			break;
		default:
			atomic_fetch_add(&r->handled, 1);
			break;
		}
	}
	atomic_store(&r->done, 1);
	return NULL;
}

static void faulting_process(int g, int p)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_NODEFER };
	int sigs[] = { SIGSEGV, SIGILL, SIGTRAP, SIGFPE };
	struct faulter f[THREADS];
	pthread_t t[THREADS];
	pthread_attr_t a;
	int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, NULL);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 128 * 1024);
	for (i = 0; i < THREADS; i++) {
		f[i] = (struct faulter){ g, p, i };
		if (pthread_create(&t[i], &a, faulting_thread, &f[i]))
			_exit(10);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

/* --- the handlers: libmachexc's servers, calling these --- */

kern_return_t catch_mach_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
					 exception_type_t exception, mach_exception_data_t code,
					 mach_msg_type_number_t n);
kern_return_t catch_mach_exception_raise_state(mach_port_t port, exception_type_t exception,
					       const mach_exception_data_t code,
					       mach_msg_type_number_t n, int *flavor,
					       const thread_state_t old, mach_msg_type_number_t oldn,
					       thread_state_t new_state,
					       mach_msg_type_number_t *newn);
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t port, mach_port_t thread,
							mach_port_t task,
							exception_type_t exception,
							mach_exception_data_t code,
							mach_msg_type_number_t n, int *flavor,
							thread_state_t old,
							mach_msg_type_number_t oldn,
							thread_state_t new_state,
							mach_msg_type_number_t *newn);

/*
 * Every request goes through here first: count it, and die, wait to be
 * killed, or fail, as the group's handler does.  1: answer KERN_SUCCESS.
 */
static int take(void)
{
	int n = atomic_fetch_add(&sh->received[group], 1) + 1;

	if (group == DIES_ITSELF && n >= DIES_AFTER)
		raise(SIGKILL);
	if (group == KILLED && n >= KILLED_AFTER) {
		atomic_store(&sh->holding[group], 1);
		for (;;)
			pause();
	}
	return !(group == FAILS_HALF && n % 2);
}

static void resume_state(x86_thread_state64_t *ts)
{
	ts->__rip = (uint64_t)(uintptr_t)resumed;
	ts->__rsp = ((ts->__rsp - 512) & ~15ULL) - 8;
}

kern_return_t catch_mach_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
					 exception_type_t exception, mach_exception_data_t code,
					 mach_msg_type_number_t n)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t cnt = x86_THREAD_STATE64_COUNT;

	(void)port;
	(void)exception;
	(void)code;
	(void)n;
	if (!take() || thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts, &cnt))
		return KERN_FAILURE;
	resume_state(&ts);
	if (thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts, cnt))
		return KERN_FAILURE;
	mach_port_deallocate(mach_task_self(), thread);
	mach_port_deallocate(mach_task_self(), task);
	return KERN_SUCCESS;
}

static kern_return_t with_state(int *flavor, const thread_state_t old, mach_msg_type_number_t oldn,
				thread_state_t new_state, mach_msg_type_number_t *newn)
{
	if (!take() || *flavor != x86_THREAD_STATE64 || oldn != x86_THREAD_STATE64_COUNT)
		return KERN_FAILURE;
	memcpy(new_state, old, oldn * 4);
	resume_state((x86_thread_state64_t *)new_state);
	*newn = oldn;
	return KERN_SUCCESS;
}

kern_return_t catch_mach_exception_raise_state(mach_port_t port, exception_type_t exception,
					       const mach_exception_data_t code,
					       mach_msg_type_number_t n, int *flavor,
					       const thread_state_t old, mach_msg_type_number_t oldn,
					       thread_state_t new_state,
					       mach_msg_type_number_t *newn)
{
	(void)port;
	(void)exception;
	(void)code;
	(void)n;
	return with_state(flavor, old, oldn, new_state, newn);
}

kern_return_t catch_mach_exception_raise_state_identity(mach_port_t port, mach_port_t thread,
							mach_port_t task,
							exception_type_t exception,
							mach_exception_data_t code,
							mach_msg_type_number_t n, int *flavor,
							thread_state_t old,
							mach_msg_type_number_t oldn,
							thread_state_t new_state,
							mach_msg_type_number_t *newn)
{
	kern_return_t kr = with_state(flavor, old, oldn, new_state, newn);

	(void)port;
	(void)exception;
	(void)code;
	(void)n;
	if (kr == KERN_SUCCESS) {
		mach_port_deallocate(mach_task_self(), thread);
		mach_port_deallocate(mach_task_self(), task);
	}
	return kr;
}

#include "exc32.h"

static boolean_t demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	return in->msgh_id >= 2405 ? mach_exc_server(in, out) : exc_server(in, out);
}

static void *serve(void *arg)
{
	mach_port_t port = (mach_port_t)(uintptr_t)arg;

	mach_msg_server(demux, 4096, port, 0);
	return NULL;
}

/*
 * A handler process: its task-level port, inherited by the 8 faulting
 * processes it forks, served by 2 threads until its children are done.
 */
static void handler_process(int g)
{
	static const exception_behavior_t behaviors[] = {
		EXCEPTION_DEFAULT, EXCEPTION_STATE, EXCEPTION_STATE_IDENTITY,
	};
	exception_behavior_t b = behaviors[g % 3] | (g % 2 ? MACH_EXCEPTION_CODES : 0);
	mach_port_t port;
	pthread_t t;
	int i;

	group = g;
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(mach_task_self(), FAULT_MASK, port, b, x86_THREAD_STATE64))
		_exit(20);
	for (i = 0; i < PER_GROUP; i++) {
		pid_t pid = fork();

		if (pid == 0)
			faulting_process(g, i);
		if (pid < 0)
			_exit(21);
		atomic_store(&sh->pids[g][i], pid);
	}
	/* Our own faults (there should be none) are not ours to handle. */
	task_set_exception_ports(mach_task_self(), FAULT_MASK, MACH_PORT_NULL, b,
				 x86_THREAD_STATE64);
	for (i = 0; i < 2; i++)
		if (pthread_create(&t, NULL, serve, (void *)(uintptr_t)port))
			_exit(22);
	for (i = 0; i < PER_GROUP; i++)
		wait(NULL);
	_exit(0);
}

/* --- the test --- */

static int all_done(void)
{
	int g, p, t;

	for (g = 0; g < GROUPS; g++)
		for (p = 0; p < PER_GROUP; p++)
			for (t = 0; t < THREADS; t++)
				if (!atomic_load(&sh->th[g][p][t].done))
					return 0;
	return 1;
}

static void kill_everything(pid_t *handlers)
{
	int g, p;

	for (g = 0; g < GROUPS; g++) {
		if (handlers[g] > 0)
			kill(handlers[g], SIGKILL);
		for (p = 0; p < PER_GROUP; p++)
			if (atomic_load(&sh->pids[g][p]) > 0)
				kill(atomic_load(&sh->pids[g][p]), SIGKILL);
	}
}

FIXTURE(stress) {
	int fd;
};

FIXTURE_SETUP(stress)
{
	self->fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

static int load(void);
static int loaded(void);

FIXTURE_TEARDOWN(stress)
{
	if (self->fd >= 0)
		close(self->fd);
	/* Whatever happened, the tests after this one need the module. */
	if (geteuid() == 0 && !loaded())
		load();
}

TEST_F_TIMEOUT(stress, faulting_threads_with_dying_handlers, 900)
{
	struct machexc_stats before, after;
	pid_t handlers[GROUPS] = { 0 }, pid;
	int g, p, t, n, killed = 0, st, back = 0;
	long handled = 0, signaled = 0;

	/* The test process itself never makes a Mach call: it has no port space. */
	ASSERT_EQ(0, settled_stats(self->fd, &before));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	/* Handlers that die leave their children to us. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));

	for (g = 0; g < GROUPS; g++) {
		handlers[g] = fork();
		if (handlers[g] == 0)
			handler_process(g);
		ASSERT_LT(0, handlers[g]);
	}
	for (n = 0; n < POLL_MS && atomic_load(&sh->ready) < GROUPS * PER_GROUP * THREADS; n++)
		usleep(1000);
	EXPECT_EQ(GROUPS * PER_GROUP * THREADS, atomic_load(&sh->ready));
	atomic_store(&sh->go, 1);	/* all at once */
	syscall(SYS_futex, &sh->go, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);

	for (n = 0; n < POLL_MS && !all_done(); n++) {
		if (!killed && atomic_load(&sh->holding[KILLED])) {
			kill(handlers[KILLED], SIGKILL);
			killed = 1;
		}
		usleep(1000);
	}
	EXPECT_TRUE(all_done());
	EXPECT_TRUE(killed);
	if (!all_done())
		kill_everything(handlers);

	/* Every process ends: its parent's wait, or ours (reparented). */
	for (n = 0; n < POLL_MS; n++) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0)
			break;
		if (pid > 0) {
			int expect_kill = pid == handlers[KILLED] || pid == handlers[DIES_ITSELF];

			if (expect_kill) {
				EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
			} else {
				EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
					TH_LOG("process %d: status %#x", pid, st);
			}
			continue;
		}
		usleep(1000);
	}
	EXPECT_EQ(ECHILD, errno);

	for (g = 0; g < GROUPS; g++) {
		long gh = 0, gs = 0;

		for (p = 0; p < PER_GROUP; p++) {
			for (t = 0; t < THREADS; t++) {
				struct thread_result *r = &sh->th[g][p][t];

				/* each fault handled or signalled, exactly once */
				EXPECT_EQ(ROUNDS, atomic_load(&r->handled) + atomic_load(&r->signaled))
					TH_LOG("group %d process %d thread %d", g, p, t);
				gh += atomic_load(&r->handled);
				gs += atomic_load(&r->signaled);
			}
		}
		TH_LOG("group %d: %ld handled, %ld signalled, %d received by the handler",
		       g, gh, gs, atomic_load(&sh->received[g]));
		if (g < FAILS_HALF) {
			EXPECT_EQ(0, gs);
		} else {
			EXPECT_LT(0, gs);	/* failed or handler gone: the signal */
		}
		handled += gh;
		signaled += gs;
	}
	EXPECT_EQ(GROUPS * PER_GROUP * THREADS * ROUNDS, handled + signaled);

	/* Nothing left behind (teardown may be deferred: polled, bounded). */
	for (n = 0; n < 600 && !back; n++) {
		ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_STATS, &after));
		/*
		 * Nothing more than before: a process an earlier test left
		 * to be reaped may have gone meanwhile (seen in the debug
		 * lane), so fewer is no failure.
		 */
		back = after.spaces <= before.spaces && after.ports <= before.ports &&
		       after.psets <= before.psets && after.kmsgs <= before.kmsgs &&
		       after.tasks <= before.tasks && after.threads <= before.threads;
		if (!back)
			usleep(100 * 1000);
	}
	EXPECT_TRUE(back) TH_LOG("spaces %llu/%llu ports %llu/%llu psets %llu/%llu kmsgs %llu/%llu "
				 "tasks %llu/%llu threads %llu/%llu (before/after)",
				 before.spaces, after.spaces, before.ports, after.ports,
				 before.psets, after.psets, before.kmsgs, after.kmsgs,
				 before.tasks, after.tasks, before.threads, after.threads);
	munmap(sh, sizeof(*sh));
}

/* --- unload while in use, and after --- */

static int unload(void)
{
	return (int)syscall(SYS_delete_module, "machexc", O_NONBLOCK);
}

static int loaded(void)
{
	return access("/sys/module/machexc", F_OK) == 0;
}

/* Load the module as the VM's job does (modprobe), else from its file. */
static int load(void)
{
	char path[256];
	struct utsname u;
	pid_t pid = fork();
	int st = -1, fd, n;

	if (pid == 0) {
		execlp("modprobe", "modprobe", "machexc", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (!loaded() && uname(&u) == 0) {
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/machexc.ko", u.release);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			syscall(SYS_finit_module, fd, "", 0);
			close(fd);
		}
	}
	/* devtmpfs makes the node when the device registers. */
	for (n = 0; n < 10000 && access(MACHEXC_DEVICE_PATH, F_OK); n++)
		usleep(1000);
	return loaded() ? 0 : -1;
}

/*
 * A thread blocked in an exception at a port nobody serves, the device
 * open: the module is in use.  Writes to @ready once it is waiting.
 */
static void user_of_the_module(int ready)
{
	mach_port_t port;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, port,
				     EXCEPTION_DEFAULT, x86_THREAD_STATE64))
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	__asm__ volatile("movl $1, (%0)" : : "r"(0UL) : "memory");
	_exit(3);
}

/* After the reload: an exception goes to a handler, which answers it. */
static int exceptions_work(void)
{
	pid_t pid = fork(), child;
	int st;

	if (pid == 0) {
		struct {
			mach_msg_header_t h;
			char body[1024];
		} req;
		mig_reply_error_t rep;
		mach_port_t port;

		if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
		    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) ||
		    task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_INSTRUCTION, port,
					     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
					     x86_THREAD_STATE64))
			_exit(1);
		child = fork();
		if (child == 0) {
			__asm__ volatile("ud2");
			_exit(0);
		}
		if (mach_msg(&req.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port, 60000,
			     MACH_PORT_NULL) || req.h.msgh_id != 2405)
			_exit(2);
		/* KERN_FAILURE: the child gets its SIGILL. */
		memset(&rep, 0, sizeof(rep));
		rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		rep.Head.msgh_remote_port = req.h.msgh_remote_port;
		rep.Head.msgh_id = req.h.msgh_id + 100;
		rep.Head.msgh_size = sizeof(rep);
		rep.NDR = NDR_record;
		rep.RetCode = KERN_FAILURE;
		if (mach_msg(&rep.Head, MACH_SEND_MSG, sizeof(rep), 0, MACH_PORT_NULL, 0,
			     MACH_PORT_NULL))
			_exit(3);
		if (waitpid(child, &st, 0) != child || !WIFSIGNALED(st) || WTERMSIG(st) != SIGILL)
			_exit(4);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* Last (the harness runs cases in order): it unloads and reloads the module. */
TEST_F_TIMEOUT(stress, unload_refused_while_in_use_and_working_after, 300)
{
	struct machexc_version v;
	int pipefd[2], n, r, err = 0;
	char c;
	pid_t user;

	if (geteuid() != 0 || !loaded())
		SKIP(return, "needs root and the module loaded");
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	user = fork();
	ASSERT_LE(0, user);
	if (user == 0)
		user_of_the_module(pipefd[1]);
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);
	/* Its thread is on its way into the exception, or in it: poll until asleep. */
	for (n = 0; n < 10000 && proc_state_of(user, user) == 'R'; n++)
		usleep(1000);

	/* In use: refused, and the module works on. */
	errno = 0;
	EXPECT_EQ(-1, unload());
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_TRUE(loaded());
	EXPECT_EQ(0, ioctl(self->fd, MACHEXC_IOC_VERSION, &v));
	close(self->fd);
	self->fd = -1;
	/* Our descriptor closed, the other process still a user. */
	errno = 0;
	EXPECT_EQ(-1, unload());
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_TRUE(loaded());

	/* Nobody left: it unloads (deferred teardown may hold it a moment: polled). */
	kill(user, SIGKILL);
	EXPECT_EQ(user, waitpid(user, NULL, 0));
	for (n = 0; n < 30000; n++) {
		r = unload();
		err = errno;
		if (r == 0 || (err != EWOULDBLOCK && err != EBUSY))
			break;
		usleep(1000);
	}
	EXPECT_EQ(0, r) TH_LOG("delete_module: %s", strerror(err));
	EXPECT_FALSE(loaded());

	/* Loaded again, it works: the device, and an exception end to end. */
	ASSERT_EQ(0, load()) TH_LOG("modprobe machexc failed: later tests need the module");
	self->fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, ioctl(self->fd, MACHEXC_IOC_VERSION, &v));
	EXPECT_EQ(MACHEXC_API_MAJOR, v.major);
	EXPECT_EQ(0, exceptions_work());
}

TEST_HARNESS_MAIN
