// SPDX-License-Identifier: GPL-2.0
/*
 * Other processes' task and thread ports, written as on macOS: task_for_pid,
 * pid_for_task, task_threads, task_info, thread_info, task_suspend and
 * task_resume, thread_suspend and thread_resume, thread_get_state and
 * thread_set_state on a suspended thread, task_set/get_exception_ports on
 * another task, and what becomes of the names when the process is gone.
 *
 * Every test runs as root on children it forks (registered in tasks.h, so
 * the teardown kills them whatever happened).  "Stopped" is a behaviour:
 * a counter the child's threads keep moving stops moving.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <machexc.h>

#include "kselftest_harness.h"
#include "stats.h"
#include "tasks.h"

/*
 * The child's main loop, in assembly so that its registers are known:
 * r12 and xmm0 are stored to out[0] and out[2..3] on every turn and out[1]
 * counts the turns.  Setting r12 or xmm0 while the thread is suspended
 * shows in out[] once it runs again.
 */
__asm__(
	"	.text\n"
	"	.globl r12_loop\n"
	"	.type r12_loop, @function\n"
	"r12_loop:\n"
	"	mov $0x1111, %r12\n"
	"	movdqu (%rsi), %xmm0\n"
	"1:	mov %r12, (%rdi)\n"
	"	movdqu %xmm0, 16(%rdi)\n"
	"	incq 8(%rdi)\n"
	"	pause\n"
	"	jmp 1b\n"
	"	.globl r12_loop_end\n"
	"r12_loop_end:\n"
	"	.size r12_loop, r12_loop_end - r12_loop\n");

void r12_loop(volatile uint64_t *out, const void *xmm0) __attribute__((noreturn));
extern char r12_loop_end[];

static const char xmm_in[16] = "machexc-xmm0-in";
static const char xmm_new[16] = "machexc-xmm0-new";

/* What the parent and its child share (MAP_SHARED before fork). */
struct shm {
	volatile uint64_t loop[4];	/* r12_loop's out[] */
	atomic_long count[8];		/* one per spinning thread */
	atomic_int tid[8];		/* the child's threads, main first */
	atomic_int ready;		/* threads started */
	atomic_int go;			/* the parent's word */
	atomic_int quit[8];		/* thread i: return */
	atomic_int done;
	atomic_long read_ret;
	char read_buf[16];
};

FIXTURE(tasks) {
	struct shm *shm;
	pid_t pid;		/* the child */
	task_t task;		/* its task port */
	int pipe[2];
};

FIXTURE_SETUP(tasks)
{
	ASSERT_EQ(0, registry_init());
	self->shm = shared_map(sizeof(*self->shm));
	ASSERT_NE(NULL, self->shm);
	ASSERT_EQ(0, pipe(self->pipe));
}

FIXTURE_TEARDOWN(tasks)
{
	kill_all();
	if (self->task)
		mach_port_deallocate(ME, self->task);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	munmap(self->shm, sizeof(*self->shm));
	close(self->pipe[0]);
	close(self->pipe[1]);
}

static struct shm *cshm;	/* in the child */

/* Thread i of the child: spin on count[i] until quit[i]. */
static void *spin(void *arg)
{
	long i = (long)arg;

	atomic_store(&cshm->tid[i], gettid());
	atomic_fetch_add(&cshm->ready, 1);
	while (!atomic_load(&cshm->quit[i]))
		atomic_fetch_add(&cshm->count[i], 1);
	return NULL;
}

enum child_main { MAIN_SPIN, MAIN_R12, MAIN_READ, MAIN_FAULT, MAIN_CHURN };

static void *exit_at_once(void *arg)
{
	return arg;
}

static void fault_ill(void)
{
	__asm__ volatile("ud2");	/* 2 bytes */
}

/* The child: @threads - 1 spinning threads, and a main thread doing @what. */
static void child(struct shm *shm, int threads, enum child_main what, int fd)
{
	pthread_t t;
	long i;

	cshm = shm;
	for (i = 1; i < threads; i++)
		if (pthread_create(&t, NULL, spin, (void *)i))
			_exit(90);
	switch (what) {
	case MAIN_SPIN:
		spin((void *)0);
		for (;;)
			pause();
	case MAIN_R12:
		atomic_store(&shm->tid[0], gettid());
		atomic_fetch_add(&shm->ready, 1);
		r12_loop(shm->loop, xmm_in);
	case MAIN_READ:
		atomic_store(&shm->tid[0], gettid());
		atomic_fetch_add(&shm->ready, 1);
		atomic_store(&shm->read_ret, read(fd, shm->read_buf, 5));
		atomic_store(&shm->done, 1);
		for (;;)
			pause();
	case MAIN_FAULT:
		atomic_store(&shm->tid[0], gettid());
		atomic_fetch_add(&shm->ready, 1);
		while (!atomic_load(&shm->go))
			;
		fault_ill();
		spin((void *)0);
		for (;;)
			pause();
	case MAIN_CHURN:
		/* Threads that start and exit at once, as fast as it can. */
		atomic_store(&shm->tid[0], gettid());
		atomic_fetch_add(&shm->ready, 1);
		for (;;) {
			if (pthread_create(&t, NULL, exit_at_once, NULL))
				_exit(92);
			pthread_join(t, NULL);
			atomic_fetch_add(&shm->count[0], 1);
		}
	}
	_exit(91);
}

/* Start the child and take its task port; 0 or -1. */
static int start(FIXTURE_DATA(tasks) *self, int threads, enum child_main what)
{
	self->pid = spawn();
	if (self->pid < 0)
		return -1;
	if (self->pid == 0)
		child(self->shm, threads, what, self->pipe[0]);
	if (!poll_until(atomic_load(&self->shm->ready) == threads))
		return -1;
	return task_for_pid(ME, self->pid, &self->task) == KERN_SUCCESS ? 0 : -1;
}

/* Has counter @c moved within a bounded poll? */
static int moves(atomic_long *c)
{
	long v = atomic_load(c);

	return poll_until(atomic_load(c) != v);
}

/*
 * Does counter @c stay still while the child would surely have moved it if
 * it ran: we give up the CPU a few times (the child has the other one).
 */
static int stays(atomic_long *c)
{
	long v = atomic_load(c);
	int i;

	for (i = 0; i < 20; i++) {
		sched_yield();
		usleep(1000);
	}
	return atomic_load(c) == v;
}

static int stays_loop(volatile uint64_t *c)
{
	uint64_t v = *c;
	int i;

	for (i = 0; i < 20; i++) {
		sched_yield();
		usleep(1000);
	}
	return *c == v;
}

static kern_return_t basic_info(thread_act_t th, thread_basic_info_data_t *bi)
{
	mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;

	memset(bi, 0, sizeof(*bi));
	return thread_info(th, THREAD_BASIC_INFO, (thread_info_t)bi, &n);
}

static int task_suspend_count(task_t task)
{
	mach_task_basic_info_data_t ti;
	mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;

	if (task_info(task, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n))
		return -1;
	return ti.suspend_count;
}

/* The child's thread ports, main thread first; their number, or -1. */
static int threads_of(task_t task, thread_act_t *out, int room)
{
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0, i;

	if (task_threads(task, &list, &n))
		return -1;
	for (i = 0; i < n; i++) {
		if ((int)i < room)
			out[i] = list[i];
		else
			mach_port_deallocate(ME, list[i]);
	}
	if (list)
		vm_deallocate(ME, (vm_address_t)list, n * sizeof(list[0]));
	return (int)n;
}

static uint64_t thread_id_of(thread_act_t th)
{
	thread_identifier_info_data_t id;
	mach_msg_type_number_t n = THREAD_IDENTIFIER_INFO_COUNT;

	memset(&id, 0, sizeof(id));
	if (thread_info(th, THREAD_IDENTIFIER_INFO, (thread_info_t)&id, &n))
		return 0;
	return id.thread_id;
}

/* task_for_pid on one's own pid names mach_task_self(). */
TEST_F(tasks, task_for_pid_of_own_pid_is_mach_task_self)
{
	task_t t = MACH_PORT_NULL;

	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, getpid(), &t));
	EXPECT_EQ(ME, t);
	mach_port_deallocate(ME, t);
}

/* pid_for_task of another process's task port: its pid. */
TEST_F(tasks, pid_for_task_of_another_process)
{
	int pid = 0;

	ASSERT_EQ(0, start(self, 1, MAIN_SPIN));
	EXPECT_NE(MACH_PORT_NULL, self->task);
	EXPECT_NE(ME, self->task);
	EXPECT_TRUE(type_of(self->task) & MACH_PORT_TYPE_SEND);
	ASSERT_EQ(KERN_SUCCESS, pid_for_task(self->task, &pid));
	EXPECT_EQ(self->pid, pid);
}

/*
 * Refusals: KERN_FAILURE, *t = MACH_PORT_NULL, nothing created: no such
 * pid, pid <= 0, a tid that is not a process's main thread, a first
 * argument that is not the caller's own task port.
 */
TEST_F(tasks, task_for_pid_refusals_create_nothing)
{
	struct machexc_stats before, after;
	mach_port_t recv = new_port();
	thread_act_t th[2];
	pid_t gone;
	task_t t;
	int status;

	ASSERT_NE(MACH_PORT_NULL, recv);
	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	gone = fork();
	ASSERT_LE(0, gone);
	if (gone == 0)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, &status, 0));

	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &before));
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(ME, gone, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(ME, 0, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(ME, -1, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(ME, -self->pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(ME, atomic_load(&self->shm->tid[1]), &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	/* The first argument must be our own task port. */
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(self->task, self->pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(MACH_PORT_NULL, self->pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(recv, self->pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0x1234;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(th[0], self->pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &after));
	EXPECT_EQ(before.spaces, after.spaces);
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.psets, after.psets);
	EXPECT_EQ(before.kmsgs, after.kmsgs);
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
	mach_port_destroy(ME, recv);
}

/*
 * A refusal for lack of permission creates nothing either: a uid-1000
 * process asks for a root process's task port.
 */
TEST_F(tasks, task_for_pid_permission_refusal_creates_nothing)
{
	struct machexc_stats before, after;
	struct shm *s = self->shm;
	int status;
	pid_t pid;

	ASSERT_EQ(0, start(self, 1, MAIN_SPIN));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		task_t t = 0x1234;

		/* Its own space first, so that the baseline has it. */
		if (become(1000) || !new_port())
			_exit(1);
		atomic_store(&s->go, 1);
		while (atomic_load(&s->go) != 2)
			sched_yield();
		atomic_store(&s->read_ret, task_for_pid(ME, self->pid, &t));
		atomic_store(&s->done, t == MACH_PORT_NULL ? 1 : 2);
		while (atomic_load(&s->go) != 3)
			sched_yield();
		_exit(0);
	}
	ASSERT_TRUE(poll_until(atomic_load(&s->go) == 1));
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &before));
	atomic_store(&s->go, 2);
	ASSERT_TRUE(poll_until(atomic_load(&s->done)));
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &after));
	atomic_store(&s->go, 3);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_EQ(KERN_FAILURE, atomic_load(&s->read_ret));
	EXPECT_EQ(1, atomic_load(&s->done));
	EXPECT_EQ(before.spaces, after.spaces);
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.psets, after.psets);
	EXPECT_EQ(before.kmsgs, after.kmsgs);
}

/* task_threads: one send right per live thread, main thread first. */
TEST_F(tasks, task_threads_one_send_right_per_live_thread_main_first)
{
	thread_act_t th[8];
	int n, i, j;
	kern_return_t kr;

	ASSERT_EQ(0, start(self, 4, MAIN_SPIN));
	n = threads_of(self->task, th, 8);
	ASSERT_EQ(4, n);
	EXPECT_EQ((uint64_t)self->pid, thread_id_of(th[0]));
	for (i = 0; i < n; i++) {
		uint64_t id = thread_id_of(th[i]);
		int found = 0;

		EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(th[i]));
		for (j = 0; j < 4; j++)
			found += id == (uint64_t)atomic_load(&self->shm->tid[j]);
		EXPECT_EQ(1, found);
		for (j = 0; j < i; j++)
			EXPECT_NE(th[j], th[i]);
	}
	for (i = 0; i < n; i++)
		mach_port_deallocate(ME, th[i]);

	/* A thread that returns is no longer listed. */
	atomic_store(&self->shm->quit[2], 1);
	EXPECT_TRUE(poll_until(thread_count(self->task, &kr) == 3));
	EXPECT_EQ(KERN_SUCCESS, kr);
}

/*
 * task_threads() on a process whose threads exit while it is listed:
 * each one either is listed or is not, and the call never fails for it
 * (a thread that exits between being found and getting its port is left
 * out; the kernel checks for a splat of the exiting thread's pid).
 */
TEST_F(tasks, task_threads_while_threads_come_and_go)
{
	thread_act_t th[4];
	long before;
	int i, j, n;

	ASSERT_EQ(0, start(self, 1, MAIN_CHURN));
	before = atomic_load(&self->shm->count[0]);
	for (i = 0; i < 1500; i++) {
		n = threads_of(self->task, th, 4);
		ASSERT_GE(n, 1);
		ASSERT_LE(n, 2);
		for (j = 0; j < n && j < 4; j++)
			mach_port_deallocate(ME, th[j]);
	}
	/* The threads did come and go meanwhile. */
	EXPECT_GT(atomic_load(&self->shm->count[0]), before);
}

/* THREAD_IDENTIFIER_INFO: thread_id is the tid. */
TEST_F(tasks, thread_identifier_info_is_the_tid)
{
	thread_act_t th[2], me = mach_thread_self();

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	EXPECT_EQ((uint64_t)atomic_load(&self->shm->tid[0]), thread_id_of(th[0]));
	EXPECT_EQ((uint64_t)atomic_load(&self->shm->tid[1]), thread_id_of(th[1]));
	EXPECT_EQ((uint64_t)gettid(), thread_id_of(me));
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
	mach_port_deallocate(ME, me);
}

/*
 * ... as the caller's pid namespace numbers it: the first process of a
 * new pid namespace sees its child as pid 2 and that child's second
 * thread as 3, whatever their numbers outside.
 */
static int in_pidns_child(void)
{
	struct shm *shm = shared_map(sizeof(*shm));
	thread_act_t th[2];
	task_t task;
	pid_t pid;
	int p = 0;

	if (!shm)
		return 2;
	pid = fork();
	if (pid == 0)
		child(shm, 2, MAIN_SPIN, -1);
	if (pid != 2)
		return 3;
	if (!poll_until(atomic_load(&shm->ready) == 2))
		return 4;
	if (task_for_pid(ME, pid, &task))
		return 5;
	if (pid_for_task(task, &p) || p != 2)
		return 6;
	if (threads_of(task, th, 2) != 2)
		return 7;
	if (thread_id_of(th[0]) != 2 || thread_id_of(th[1]) != 3 ||
	    atomic_load(&shm->tid[1]) != 3)
		return 8;
	return 0;
}

TEST_F(tasks, thread_identifier_info_numbers_in_callers_pid_namespace)
{
	int status;
	pid_t pid = spawn();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		init = fork();
		if (init == 0)
			_exit(in_pidns_child());	/* pid 1: its exit ends the namespace */
		_exit(waitpid(init, &status, 0) == init && WIFEXITED(status) ?
		      WEXITSTATUS(status) : 9);
	}
	ASSERT_EQ(0, reap(pid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * After task_suspend returns, no thread of the task runs user code, and
 * each one's registers can be read.
 */
TEST_F(tasks, task_suspend_stops_every_thread)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t n;
	thread_act_t th[3];
	int i;

	ASSERT_EQ(0, start(self, 3, MAIN_SPIN));
	ASSERT_TRUE(moves(&self->shm->count[0]));
	ASSERT_TRUE(moves(&self->shm->count[2]));
	ASSERT_EQ(3, threads_of(self->task, th, 3));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	EXPECT_TRUE(stays(&self->shm->count[0]));
	EXPECT_TRUE(stays(&self->shm->count[1]));
	EXPECT_TRUE(stays(&self->shm->count[2]));
	for (i = 0; i < 3; i++) {
		memset(&ts, 0, sizeof(ts));
		n = x86_THREAD_STATE64_COUNT;
		EXPECT_EQ(KERN_SUCCESS, thread_get_state(th[i], x86_THREAD_STATE64,
							 (thread_state_t)&ts, &n));
		/* In user code: below the kernel's half, and in a user stack. */
		EXPECT_NE(0, ts.__rip);
		EXPECT_GT(0x800000000000ULL, ts.__rip);
		EXPECT_NE(0, ts.__rsp);
		mach_port_deallocate(ME, th[i]);
	}
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	EXPECT_TRUE(moves(&self->shm->count[1]));
	EXPECT_TRUE(moves(&self->shm->count[2]));
}

/* Is every thread of @pid in state @c? */
static int all_threads(pid_t pid, char c)
{
	char path[64];
	struct dirent *d;
	int n = 0, ok = 1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		n++;
		if (proc_state_of(pid, atoi(d->d_name)) != c)
			ok = 0;
	}
	closedir(dir);
	return ok && n;
}

/*
 * A suspended task still stops for SIGSTOP: its parked threads step out
 * to the stop ('T', and the parent's waitpid() reports it), park again
 * after SIGCONT, and run only once resumed.
 */
TEST_F(tasks, sigstop_stops_a_suspended_task)
{
	int status;

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(0, kill(self->pid, SIGSTOP));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(SIGSTOP, WSTOPSIG(status));
	EXPECT_TRUE(poll_until(all_threads(self->pid, 'T')));
	ASSERT_EQ(0, kill(self->pid, SIGCONT));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, WCONTINUED));
	EXPECT_TRUE(WIFCONTINUED(status));
	EXPECT_TRUE(poll_until(all_threads(self->pid, 'S')));
	EXPECT_TRUE(stays(&self->shm->count[0]));
	EXPECT_TRUE(stays(&self->shm->count[1]));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	EXPECT_TRUE(moves(&self->shm->count[1]));
}

/* thread_suspend stops that thread only. */
TEST_F(tasks, thread_suspend_stops_that_thread_only)
{
	thread_act_t th[2];

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[1]));
	EXPECT_TRUE(stays(&self->shm->count[1]));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[1]));
	EXPECT_TRUE(moves(&self->shm->count[1]));
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
}

/* Two task_suspends need two task_resumes; task_info counts them. */
TEST_F(tasks, task_suspend_counts_nest)
{
	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	EXPECT_EQ(0, task_suspend_count(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	EXPECT_EQ(1, task_suspend_count(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	EXPECT_EQ(2, task_suspend_count(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_EQ(1, task_suspend_count(self->task));
	EXPECT_TRUE(stays(&self->shm->count[0]));
	EXPECT_TRUE(stays(&self->shm->count[1]));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_EQ(0, task_suspend_count(self->task));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	EXPECT_TRUE(moves(&self->shm->count[1]));
}

/* Two thread_suspends need two thread_resumes; thread_info counts them. */
TEST_F(tasks, thread_suspend_counts_nest)
{
	thread_basic_info_data_t bi;
	thread_act_t th[2];

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[1]));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[1]));
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[1], &bi));
	EXPECT_EQ(2, bi.suspend_count);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[1]));
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[1], &bi));
	EXPECT_EQ(1, bi.suspend_count);
	EXPECT_TRUE(stays(&self->shm->count[1]));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[1]));
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[1], &bi));
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_TRUE(moves(&self->shm->count[1]));
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
}

/* Resuming a task or thread that is not suspended: KERN_FAILURE. */
TEST_F(tasks, resume_of_what_is_not_suspended_fails)
{
	thread_act_t th[2];

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	EXPECT_EQ(KERN_FAILURE, task_resume(self->task));
	EXPECT_EQ(KERN_FAILURE, thread_resume(th[0]));
	EXPECT_EQ(KERN_FAILURE, thread_resume(th[1]));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_EQ(KERN_FAILURE, task_resume(self->task));
	/* A task suspension is not the thread's own: it cannot be undone there. */
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	EXPECT_EQ(KERN_FAILURE, thread_resume(th[1]));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[1]));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[1]));
	EXPECT_EQ(KERN_FAILURE, thread_resume(th[1]));
	EXPECT_EQ(0, task_suspend_count(self->task));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	EXPECT_TRUE(moves(&self->shm->count[1]));
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
}

/*
 * THREAD_BASIC_INFO: suspend_count is the thread's own count; run_state is
 * TH_STATE_STOPPED while the thread or its task is suspended.
 */
TEST_F(tasks, thread_basic_info_suspend_count_and_run_state)
{
	thread_basic_info_data_t bi;
	thread_act_t th[2];

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[1], &bi));
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_NE(TH_STATE_STOPPED, bi.run_state);

	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[1]));
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[1], &bi));
	EXPECT_EQ(1, bi.suspend_count);
	EXPECT_EQ(TH_STATE_STOPPED, bi.run_state);
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[0], &bi));
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_NE(TH_STATE_STOPPED, bi.run_state);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[1]));
	EXPECT_TRUE(poll_until(basic_info(th[1], &bi) == KERN_SUCCESS &&
			       bi.run_state != TH_STATE_STOPPED));

	/* The task's suspension stops both; their own counts stay 0. */
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[0], &bi));
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_EQ(TH_STATE_STOPPED, bi.run_state);
	ASSERT_EQ(KERN_SUCCESS, basic_info(th[1], &bi));
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_EQ(TH_STATE_STOPPED, bi.run_state);
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(poll_until(basic_info(th[0], &bi) == KERN_SUCCESS &&
			       bi.run_state != TH_STATE_STOPPED));
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
}

/* MACH_TASK_BASIC_INFO: suspend_count, and sizes that are not zero. */
TEST_F(tasks, task_basic_info_suspend_count_and_sizes)
{
	mach_task_basic_info_data_t ti;
	mach_msg_type_number_t n;

	ASSERT_EQ(0, start(self, 1, MAIN_SPIN));
	memset(&ti, 0, sizeof(ti));
	n = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(self->task, MACH_TASK_BASIC_INFO, (task_info_t)&ti,
					  &n));
	EXPECT_EQ(MACH_TASK_BASIC_INFO_COUNT, n);
	EXPECT_NE(0, ti.virtual_size);
	EXPECT_NE(0, ti.resident_size);
	EXPECT_LE(ti.resident_size, ti.virtual_size);
	EXPECT_EQ(0, ti.suspend_count);
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	n = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(self->task, MACH_TASK_BASIC_INFO, (task_info_t)&ti,
					  &n));
	EXPECT_EQ(1, ti.suspend_count);
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	/* One's own task too. */
	n = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(ME, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n));
	EXPECT_NE(0, ti.virtual_size);
	EXPECT_NE(0, ti.resident_size);
	EXPECT_EQ(0, ti.suspend_count);
}

/* A suspended thread's registers: rip in its loop, r12, rdi, xmm0, trapno. */
TEST_F(tasks, suspended_thread_state_is_readable)
{
	x86_thread_state64_t ts;
	x86_float_state64_t fs;
	x86_exception_state64_t es;
	mach_msg_type_number_t n;
	thread_act_t th[1];

	ASSERT_EQ(0, start(self, 1, MAIN_R12));
	ASSERT_TRUE(poll_until(self->shm->loop[1] != 0));
	ASSERT_EQ(1, threads_of(self->task, th, 1));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));

	n = x86_THREAD_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	EXPECT_EQ(x86_THREAD_STATE64_COUNT, n);
	EXPECT_LE((uint64_t)(uintptr_t)r12_loop, ts.__rip);
	EXPECT_GT((uint64_t)(uintptr_t)r12_loop_end, ts.__rip);
	EXPECT_EQ(0x1111, ts.__r12);
	EXPECT_EQ((uint64_t)(uintptr_t)self->shm->loop, ts.__rdi);

	n = x86_FLOAT_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_FLOAT_STATE64, (thread_state_t)&fs,
						 &n));
	EXPECT_EQ(x86_FLOAT_STATE64_COUNT, n);
	EXPECT_EQ(0, memcmp(&fs.__fpu_xmm0, xmm_in, 16));

	n = x86_EXCEPTION_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_EXCEPTION_STATE64,
						 (thread_state_t)&es, &n));
	EXPECT_EQ(x86_EXCEPTION_STATE64_COUNT, n);

	/* Still stopped after all that reading. */
	EXPECT_TRUE(stays_loop(&self->shm->loop[1]));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	mach_port_deallocate(ME, th[0]);
}

/* Registers set while suspended are the ones the thread resumes with. */
TEST_F(tasks, suspended_thread_state_is_settable)
{
	x86_thread_state64_t ts;
	x86_float_state64_t fs;
	mach_msg_type_number_t n;
	thread_act_t th[1];

	ASSERT_EQ(0, start(self, 1, MAIN_R12));
	ASSERT_TRUE(poll_until(self->shm->loop[1] != 0));
	ASSERT_EQ(1, threads_of(self->task, th, 1));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[0]));
	EXPECT_EQ(0x1111, self->shm->loop[0]);

	n = x86_THREAD_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	ts.__r12 = 0x2222;
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 x86_THREAD_STATE64_COUNT));
	n = x86_FLOAT_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_FLOAT_STATE64, (thread_state_t)&fs,
						 &n));
	memcpy(&fs.__fpu_xmm0, xmm_new, 16);
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(th[0], x86_FLOAT_STATE64, (thread_state_t)&fs,
						 x86_FLOAT_STATE64_COUNT));
	/* Read back while still suspended. */
	n = x86_THREAD_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	EXPECT_EQ(0x2222, ts.__r12);
	EXPECT_EQ(0x1111, self->shm->loop[0]);

	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[0]));
	EXPECT_TRUE(poll_until(self->shm->loop[0] == 0x2222));
	EXPECT_TRUE(poll_until(!memcmp((const void *)&self->shm->loop[2], xmm_new, 16)));
	mach_port_deallocate(ME, th[0]);
}

/* A running thread's state cannot be read or set: KERN_FAILURE. */
TEST_F(tasks, running_thread_state_is_refused)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	thread_act_t th[1];

	ASSERT_EQ(0, start(self, 1, MAIN_SPIN));
	ASSERT_EQ(1, threads_of(self->task, th, 1));
	EXPECT_EQ(KERN_FAILURE, thread_get_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	memset(&ts, 0, sizeof(ts));
	EXPECT_EQ(KERN_FAILURE, thread_set_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 x86_THREAD_STATE64_COUNT));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	mach_port_deallocate(ME, th[0]);
}

/* A blocked read is interrupted by the suspension and restarted on resume. */
TEST_F(tasks, blocked_syscall_restarts_on_resume)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	thread_act_t th[1];
	int i;

	ASSERT_EQ(0, start(self, 1, MAIN_READ));
	ASSERT_TRUE(poll_until(proc_state_of(self->pid, self->pid) == 'S'));
	ASSERT_EQ(1, threads_of(self->task, th, 1));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	/* Stopped: its registers can be read. */
	EXPECT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	ASSERT_EQ(5, write(self->pipe[1], "hello", 5));
	for (i = 0; i < 20; i++) {
		sched_yield();
		usleep(1000);
	}
	EXPECT_EQ(0, atomic_load(&self->shm->done));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	ASSERT_TRUE(poll_until(atomic_load(&self->shm->done)));
	EXPECT_EQ(5, atomic_load(&self->shm->read_ret));
	EXPECT_EQ(0, memcmp(self->shm->read_buf, "hello", 5));
	mach_port_deallocate(ME, th[0]);
}

/* waitpid sees nothing of a suspension: no stop, no continue. */
TEST_F(tasks, suspension_is_invisible_to_waitpid)
{
	int status = 0;

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG | WUNTRACED | WCONTINUED));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG | WUNTRACED | WCONTINUED));
	EXPECT_EQ(0, status);
}

/* SIGKILL ends a suspended task at once. */
TEST_F(tasks, sigkill_kills_a_suspended_task)
{
	int status;

	ASSERT_EQ(0, start(self, 3, MAIN_SPIN));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	ASSERT_EQ(0, reap(self->pid, &status));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

/* A suspended process that is killed leaves nothing behind. */
TEST_F(tasks, killed_suspended_process_leaves_nothing_behind)
{
	struct machexc_stats before, after;
	mach_port_t mine = new_port();	/* our own space exists before the baseline */
	thread_act_t th[4];
	int status, i, n;

	ASSERT_NE(MACH_PORT_NULL, mine);
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &before));
	ASSERT_EQ(0, start(self, 4, MAIN_SPIN));
	n = threads_of(self->task, th, 4);
	ASSERT_EQ(4, n);
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[3]));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	ASSERT_EQ(0, reap(self->pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	for (i = 0; i < n; i++)
		mach_port_deallocate(ME, th[i]);
	mach_port_deallocate(ME, self->task);
	self->task = MACH_PORT_NULL;
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &after));
	EXPECT_LE(after.spaces, before.spaces);
	EXPECT_LE(after.ports, before.ports);
	EXPECT_LE(after.psets, before.psets);
	EXPECT_LE(after.kmsgs, before.kmsgs);
	mach_port_destroy(ME, mine);
}

/* The exception ports of another task: set there, read back, used. */
TEST_F(tasks, task_exception_ports_of_another_task)
{
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT;
	exception_handler_t ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	mach_port_t port = new_port();

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, start(self, 1, MAIN_SPIN));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_INSTRUCTION,
			port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(self->task, EXC_MASK_BAD_INSTRUCTION,
			masks, &n, ports, behaviors, flavors));
	ASSERT_EQ(1, n);
	EXPECT_EQ(EXC_MASK_BAD_INSTRUCTION, masks[0]);
	EXPECT_EQ(port, ports[0]);
	EXPECT_EQ(EXCEPTION_STATE_IDENTITY, behaviors[0]);
	EXPECT_EQ(x86_THREAD_STATE64, flavors[0]);
	mach_port_deallocate(ME, ports[0]);
	/* Ours are untouched. */
	n = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, masks, &n,
			ports, behaviors, flavors));
	EXPECT_TRUE(n == 0 || ports[0] == MACH_PORT_NULL);
	mach_port_destroy(ME, port);
}

#pragma pack(push, 4)
struct exc_request {
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	char rest[256];
};

struct exc_reply {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
};
#pragma pack(pop)

/*
 * A thread waiting in an exception while its task is suspended stays
 * stopped after the handler's KERN_SUCCESS: it runs no user code until
 * task_resume (debuggers rely on this).
 */
TEST_F(tasks, exception_reply_to_a_suspended_task_waits_for_task_resume)
{
	struct exc_request req;
	struct exc_reply rep;
	x86_thread_state64_t ts;
	thread_basic_info_data_t bi;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	mach_port_t port = new_port(), thread;
	int pid = 0;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(0, start(self, 1, MAIN_FAULT));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_INSTRUCTION,
			port, EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	atomic_store(&self->shm->go, 1);
	memset(&req, 0, sizeof(req));
	/* The timeout only bounds a failure; the request comes at once. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&req.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					     sizeof(req), port, 15000, MACH_PORT_NULL));
	ASSERT_EQ(2401, req.Head.msgh_id);
	thread = req.thread.name;
	ASSERT_EQ(KERN_SUCCESS, pid_for_task(req.task.name, &pid));
	EXPECT_EQ(self->pid, pid);
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	ts.__rip += 2;
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts,
						 x86_THREAD_STATE64_COUNT));
	memset(&rep, 0, sizeof(rep));
	rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep.Head.msgh_remote_port = req.Head.msgh_remote_port;
	rep.Head.msgh_id = req.Head.msgh_id + 100;
	rep.Head.msgh_size = sizeof(rep);
	rep.NDR = NDR_record;
	rep.RetCode = KERN_SUCCESS;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&rep.Head, MACH_SEND_MSG, sizeof(rep), 0,
					     MACH_PORT_NULL, 0, MACH_PORT_NULL));

	/* Answered, but suspended: no user code runs. */
	EXPECT_TRUE(stays(&self->shm->count[0]));
	EXPECT_EQ(0, atomic_load(&self->shm->count[0]));
	ASSERT_EQ(KERN_SUCCESS, basic_info(thread, &bi));
	EXPECT_EQ(TH_STATE_STOPPED, bi.run_state);
	EXPECT_EQ(1, task_suspend_count(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(moves(&self->shm->count[0]));
	mach_port_deallocate(ME, req.thread.name);
	mach_port_deallocate(ME, req.task.name);
	mach_port_destroy(ME, port);
}

/*
 * A name that is not a task (or thread) port: MACH_SEND_INVALID_DEST;
 * a count too small for the flavor: KERN_INVALID_ARGUMENT.
 */
TEST_F(tasks, bad_names_and_counts)
{
	mach_port_t recv = new_port(), dead = dead_name();
	mach_port_t bad[] = { recv, MACH_PORT_NULL, dead };
	mach_task_basic_info_data_t ti;
	thread_basic_info_data_t bi;
	thread_identifier_info_data_t ii;
	x86_thread_state64_t ts;
	thread_act_array_t list;
	thread_act_t th[1];
	mach_msg_type_number_t n;
	unsigned int i;

	ASSERT_NE(MACH_PORT_NULL, recv);
	ASSERT_NE(MACH_PORT_NULL, dead);
	ASSERT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
	ASSERT_EQ(0, start(self, 1, MAIN_SPIN));
	ASSERT_EQ(1, threads_of(self->task, th, 1));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TH_LOG("name %#x", bad[i]);
		EXPECT_EQ(MACH_SEND_INVALID_DEST, task_suspend(bad[i]));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, task_resume(bad[i]));
		n = 0;
		EXPECT_EQ(MACH_SEND_INVALID_DEST, task_threads(bad[i], &list, &n));
		n = MACH_TASK_BASIC_INFO_COUNT;
		EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(bad[i], MACH_TASK_BASIC_INFO,
							    (task_info_t)&ti, &n));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_suspend(bad[i]));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_resume(bad[i]));
		n = THREAD_BASIC_INFO_COUNT;
		EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_info(bad[i], THREAD_BASIC_INFO,
							      (thread_info_t)&bi, &n));
	}
	/* A thread port is not a task port, nor a task port a thread port. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_suspend(th[0]));
	n = MACH_TASK_BASIC_INFO_COUNT;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(th[0], MACH_TASK_BASIC_INFO,
						    (task_info_t)&ti, &n));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_suspend(self->task));
	n = THREAD_BASIC_INFO_COUNT;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_info(self->task, THREAD_BASIC_INFO,
						      (thread_info_t)&bi, &n));

	/* Counts too small for the flavor. */
	n = MACH_TASK_BASIC_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(self->task, MACH_TASK_BASIC_INFO,
						   (task_info_t)&ti, &n));
	n = THREAD_BASIC_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_info(th[0], THREAD_BASIC_INFO,
						     (thread_info_t)&bi, &n));
	n = THREAD_IDENTIFIER_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_info(th[0], THREAD_IDENTIFIER_INFO,
						     (thread_info_t)&ii, &n));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(th[0]));
	n = x86_THREAD_STATE64_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_get_state(th[0], x86_THREAD_STATE64,
							  (thread_state_t)&ts, &n));
	n = x86_THREAD_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(th[0], x86_THREAD_STATE64, (thread_state_t)&ts,
						 &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_state(th[0], x86_THREAD_STATE64,
							  (thread_state_t)&ts,
							  x86_THREAD_STATE64_COUNT - 1));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(th[0]));
	mach_port_deallocate(ME, th[0]);
	mach_port_destroy(ME, recv);
	mach_port_deallocate(ME, dead);
}

/*
 * Once the process has exited and been reaped, its task and thread ports
 * are dead names and every call on them MACH_SEND_INVALID_DEST.
 */
TEST_F(tasks, reaped_process_ports_become_dead_names)
{
	mach_task_basic_info_data_t ti;
	thread_basic_info_data_t bi;
	thread_act_array_t list;
	thread_act_t th[2];
	mach_msg_type_number_t n;
	int status, pid = -1;

	ASSERT_EQ(0, start(self, 2, MAIN_SPIN));
	ASSERT_EQ(2, threads_of(self->task, th, 2));
	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	ASSERT_EQ(0, reap(self->pid, &status));
	EXPECT_TRUE(poll_until(type_of(self->task) == MACH_PORT_TYPE_DEAD_NAME));
	EXPECT_TRUE(poll_until(type_of(th[0]) == MACH_PORT_TYPE_DEAD_NAME));
	EXPECT_TRUE(poll_until(type_of(th[1]) == MACH_PORT_TYPE_DEAD_NAME));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_suspend(self->task));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_resume(self->task));
	n = 0;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_threads(self->task, &list, &n));
	n = MACH_TASK_BASIC_INFO_COUNT;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(self->task, MACH_TASK_BASIC_INFO,
						    (task_info_t)&ti, &n));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_set_exception_ports(self->task, EXC_MASK_ALL,
			MACH_PORT_NULL, EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	EXPECT_NE(KERN_SUCCESS, pid_for_task(self->task, &pid));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_suspend(th[1]));
	n = THREAD_BASIC_INFO_COUNT;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_info(th[1], THREAD_BASIC_INFO,
						      (thread_info_t)&bi, &n));
	mach_port_deallocate(ME, th[0]);
	mach_port_deallocate(ME, th[1]);
}

TEST_HARNESS_MAIN
