// SPDX-License-Identifier: GPL-2.0
/*
 * Thread-state flavors beyond the general registers, on a stopped thread
 * of another process.
 *
 * x86_DEBUG_STATE64: dr0-dr3 and dr7 set a hardware watchpoint or
 * breakpoint; a hit raises EXC_BREAKPOINT with EXC_I386_SGL, and dr6,
 * read from the thread stopped in that exception, says which slot fired.
 * Bad DR7 bits and addresses are refused and change nothing.
 *
 * The AVX thread-state flavors on a suspended thread of another process:
 * x86_AVX_STATE64 and the unified x86_AVX_STATE carry the ymm registers
 * (their low halves in __fpu_xmmN, their high halves in __fpu_ymmhN), a
 * change made while the thread is suspended is what it resumes with, and
 * x86_AVX512_STATE64 is refused where the CPU has no AVX-512.
 *
 * The child runs a loop in assembly that stores ymm0 to shared memory on
 * every turn, so what it holds is seen from outside.
 */
#include <cpuid.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/mach_exc.h>

#include "kselftest_harness.h"
#include "proc.h"

#define ME mach_task_self()

__asm__(
	"	.text\n"
	"	.globl ymm_loop\n"
	"	.type ymm_loop, @function\n"
	"ymm_loop:\n"
	"	vmovdqu (%rsi), %ymm0\n"
	"1:	vmovdqu %ymm0, (%rdi)\n"
	"	incq 32(%rdi)\n"
	"	pause\n"
	"	jmp 1b\n"
	"	.size ymm_loop, . - ymm_loop\n");

void ymm_loop(volatile void *out, const void *ymm0) __attribute__((noreturn));

static const char ymm_in[32] = "machexc-ymm0-lo-machexc-ymm0-hi";
static const char ymmh_new[16] = "machexc-ymmh-new";

struct shm {
	volatile unsigned char ymm0[32];
	volatile uint64_t turns;
};

static int cpu_has(unsigned int leaf, unsigned int sub, int reg, unsigned int bit)
{
	unsigned int r[4];

	if (!__get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]))
		return 0;
	return !!(r[reg] & (1U << bit));
}

/* AVX as the kernel lets user space use it: CPUID and XCR0 (OSXSAVE). */
static int have_avx(void)
{
	unsigned int lo, hi;

	if (!cpu_has(1, 0, 2, 28) || !cpu_has(1, 0, 2, 27))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static int poll_until_turns(volatile struct shm *shm, uint64_t past)
{
	int i;

	for (i = 0; i < 15000; i++) {
		if (shm->turns > past)
			return 1;
		usleep(1000);
	}
	return 0;
}

/* The task port of @pid and the send right to its one thread. */
static kern_return_t only_thread(pid_t pid, task_t *task, thread_act_t *thread)
{
	thread_act_array_t list;
	mach_msg_type_number_t n;
	kern_return_t kr;

	kr = task_for_pid(ME, pid, task);
	if (kr == KERN_SUCCESS)
		kr = task_threads(*task, &list, &n);
	if (kr != KERN_SUCCESS)
		return kr;
	*thread = list[0];
	vm_deallocate(ME, (vm_address_t)list, n * sizeof(*list));
	return n == 1 ? KERN_SUCCESS : KERN_FAILURE;
}

/* Kill @pid and let go of the rights to it. */
static void drop_child(pid_t pid, task_t task, thread_act_t thread)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (thread)
		mach_port_deallocate(ME, thread);
	if (task)
		mach_port_deallocate(ME, task);
}

FIXTURE(avx) {
	struct shm *shm;
	pid_t pid;
	task_t task;
	thread_act_t thread;
};

FIXTURE_SETUP(avx)
{
	self->pid = 0;
	self->task = MACH_PORT_NULL;
	self->thread = MACH_PORT_NULL;
	if (!have_avx())
		SKIP(return, "the CPU (or the kernel) gives user space no AVX");
	self->shm = mmap(NULL, sizeof(*self->shm), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shm);
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid)
		ymm_loop(self->shm, ymm_in);
	ASSERT_TRUE(poll_until_turns(self->shm, 0));
	ASSERT_EQ(KERN_SUCCESS, only_thread(self->pid, &self->task, &self->thread));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->thread));
}

FIXTURE_TEARDOWN(avx)
{
	drop_child(self->pid, self->task, self->thread);
}

TEST_F(avx, avx_state_carries_both_halves_of_the_ymm_registers)
{
	mach_msg_type_number_t n = x86_AVX_STATE64_COUNT;
	x86_avx_state64_t s;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_AVX_STATE64,
						 (thread_state_t)&s, &n));
	EXPECT_EQ(x86_AVX_STATE64_COUNT, n);
	EXPECT_EQ(0, memcmp(&s.__fpu_xmm0, ymm_in, 16));
	EXPECT_EQ(0, memcmp(&s.__fpu_ymmh0, ymm_in + 16, 16));
	EXPECT_EQ(0x1f80, s.__fpu_mxcsr);
}

TEST_F(avx, avx_state_is_readable_after_the_thread_state_was)
{
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	x86_thread_state64_t ts;
	x86_avx_state64_t s;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_THREAD_STATE64,
						 (thread_state_t)&ts, &n));
	n = x86_AVX_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_AVX_STATE64,
						 (thread_state_t)&s, &n));
	EXPECT_EQ(0, memcmp(&s.__fpu_ymmh0, ymm_in + 16, 16));
}

TEST_F(avx, unified_avx_state_has_its_header)
{
	mach_msg_type_number_t n = x86_AVX_STATE_COUNT;
	x86_avx_state_t s;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_AVX_STATE,
						 (thread_state_t)&s, &n));
	EXPECT_EQ(x86_AVX_STATE_COUNT, n);
	EXPECT_EQ(x86_AVX_STATE64, s.ash.flavor);
	EXPECT_EQ(x86_AVX_STATE64_COUNT, s.ash.count);
	EXPECT_EQ(0, memcmp(&s.ufs.as64.__fpu_ymmh0, ymm_in + 16, 16));
}

TEST_F(avx, avx_state_set_while_suspended_is_what_the_thread_resumes_with)
{
	mach_msg_type_number_t n = x86_AVX_STATE64_COUNT;
	uint64_t turns;
	x86_avx_state64_t s;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_AVX_STATE64,
						 (thread_state_t)&s, &n));
	memcpy(&s.__fpu_ymmh0, ymmh_new, 16);
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(self->thread, x86_AVX_STATE64,
						 (thread_state_t)&s, x86_AVX_STATE64_COUNT));
	/* Nothing runs while suspended ... */
	EXPECT_EQ(0, memcmp((const void *)self->shm->ymm0 + 16, ymm_in + 16, 16));
	turns = self->shm->turns;
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->thread));
	/* ... and the loop then stores the new high half, the low one kept. */
	ASSERT_TRUE(poll_until_turns(self->shm, turns));
	EXPECT_EQ(0, memcmp((const void *)self->shm->ymm0 + 16, ymmh_new, 16));
	EXPECT_EQ(0, memcmp((const void *)self->shm->ymm0, ymm_in, 16));
}

TEST_F(avx, a_float_state_set_after_an_avx_state_wins_for_the_low_halves)
{
	static const char xmm_new[16] = "machexc-xmm0-new";
	mach_msg_type_number_t n = x86_AVX_STATE64_COUNT;
	x86_float_state64_t f;
	x86_avx_state64_t s;
	uint64_t turns;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_AVX_STATE64,
						 (thread_state_t)&s, &n));
	memcpy(&s.__fpu_ymmh0, ymmh_new, 16);
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(self->thread, x86_AVX_STATE64,
						 (thread_state_t)&s, x86_AVX_STATE64_COUNT));
	n = x86_FLOAT_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_FLOAT_STATE64,
						 (thread_state_t)&f, &n));
	memcpy(&f.__fpu_xmm0, xmm_new, 16);
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(self->thread, x86_FLOAT_STATE64,
						 (thread_state_t)&f, x86_FLOAT_STATE64_COUNT));
	turns = self->shm->turns;
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->thread));
	ASSERT_TRUE(poll_until_turns(self->shm, turns));
	EXPECT_EQ(0, memcmp((const void *)self->shm->ymm0, xmm_new, 16));
	EXPECT_EQ(0, memcmp((const void *)self->shm->ymm0 + 16, ymmh_new, 16));
}

TEST_F(avx, avx_state_with_the_wrong_count_is_refused)
{
	mach_msg_type_number_t n = x86_AVX_STATE64_COUNT - 1;
	x86_avx_state64_t s;

	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_get_state(self->thread, x86_AVX_STATE64,
							  (thread_state_t)&s, &n));
	memset(&s, 0, sizeof(s));
	s.__fpu_mxcsr = 0x1f80;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_state(self->thread, x86_AVX_STATE64,
							  (thread_state_t)&s,
							  x86_AVX_STATE64_COUNT - 1));
}

TEST_F(avx, avx512_state_exactly_where_the_cpu_has_avx512)
{
	mach_msg_type_number_t n = x86_AVX512_STATE64_COUNT;
	static x86_avx512_state64_t s;
	kern_return_t kr;

	kr = thread_get_state(self->thread, x86_AVX512_STATE64, (thread_state_t)&s, &n);
	if (cpu_has(7, 0, 1, 16)) {	/* AVX512F */
		ASSERT_EQ(KERN_SUCCESS, kr);
		EXPECT_EQ(0, memcmp(&s.__fpu_ymmh0, ymm_in + 16, 16));
	} else {
		EXPECT_EQ(KERN_INVALID_ARGUMENT, kr);
	}
}

/* ---- a thread suspended in a system call ---- */

/*
 * A thread parked while it slept in read() reads as about to make that
 * call again: rip at its syscall instruction, rax the call's number.  Set
 * nothing, and it makes it when resumed (the read still gets its data).
 */
TEST(a_thread_suspended_in_a_system_call_reads_as_about_to_make_it)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;
	thread_act_array_t list;
	int p[2], status, i;
	task_t task;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(read(p[0], &c, 1) == 1 && c == 'x' ? 0 : 1);
	/* Asleep in read(): /proc says S. */
	for (i = 0; i < 15000 && proc_state_of(pid, pid) != 'S'; i++)
		usleep(1000);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, pid, &task));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(task));
	ASSERT_EQ(KERN_SUCCESS, task_threads(task, &list, &n));
	n = x86_THREAD_STATE64_COUNT;
	EXPECT_EQ(KERN_SUCCESS, thread_get_state(list[0], x86_THREAD_STATE64,
						 (thread_state_t)&ts, &n));
	EXPECT_EQ(SYS_read, ts.__rax);
	/* The same static binary: the child's text is ours. */
	EXPECT_EQ(0x0f, ((const unsigned char *)(uintptr_t)ts.__rip)[0]);
	EXPECT_EQ(0x05, ((const unsigned char *)(uintptr_t)ts.__rip)[1]);
	EXPECT_EQ(KERN_SUCCESS, task_resume(task));
	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	mach_port_deallocate(ME, list[0]);
	vm_deallocate(ME, (vm_address_t)list, sizeof(*list));
	mach_port_deallocate(ME, task);
}

/* ---- a thread judged on its own credentials ---- */

struct creds_shm {
	atomic_int b_ready, ready;
	kern_return_t r_main, r_b;
};

static struct creds_shm *creds;

static void *other_uid_thread(void *arg)
{
	(void)arg;
	/* The raw call changes this thread only (glibc's would do all). */
	if (syscall(SYS_setresuid, 1001, 1001, 1001))
		return NULL;
	atomic_store(&creds->b_ready, 1);
	for (;;)
		pause();
}

/*
 * Threads of one process may hold different credentials; ptrace judges
 * the thread it attaches to, and so does every thread call: the process
 * is the caller's uid (task_for_pid allowed), one of its threads is not
 * (refused for that thread only).  The caller is the target's parent, so
 * Yama's default scope allows it.
 */
TEST(a_thread_with_other_credentials_is_judged_on_its_own)
{
	int status;
	pid_t c;

	creds = mmap(NULL, sizeof(*creds), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, creds);
	c = fork();
	ASSERT_LE(0, c);
	if (!c) {
		thread_act_array_t list;
		mach_msg_type_number_t n;
		pthread_t b;
		task_t task;
		pid_t t;
		int i;

		t = fork();
		if (t < 0)
			_exit(20);
		if (!t) {
			if (pthread_create(&b, NULL, other_uid_thread, NULL))
				_exit(21);
			while (!atomic_load(&creds->b_ready))
				usleep(1000);
			if (syscall(SYS_setresuid, 1000, 1000, 1000) ||
			    prctl(PR_SET_DUMPABLE, 1))
				_exit(22);
			atomic_store(&creds->ready, 1);
			for (;;)
				pause();
		}
		for (i = 0; i < 15000 && !atomic_load(&creds->ready); i++)
			usleep(1000);
		if (setresuid(1000, 1000, 1000))
			_exit(10);
		if (task_for_pid(ME, t, &task) != KERN_SUCCESS)
			_exit(11);
		if (task_threads(task, &list, &n) != KERN_SUCCESS || n != 2)
			_exit(12);
		creds->r_main = thread_suspend(list[0]);
		if (creds->r_main == KERN_SUCCESS)
			thread_resume(list[0]);
		creds->r_b = thread_suspend(list[1]);
		if (creds->r_b == KERN_SUCCESS)
			thread_resume(list[1]);
		kill(t, SIGKILL);
		waitpid(t, NULL, 0);
		_exit(0);
	}
	ASSERT_EQ(c, waitpid(c, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(KERN_SUCCESS, creds->r_main);
	EXPECT_EQ(KERN_FAILURE, creds->r_b);
	munmap(creds, sizeof(*creds));
}

/* ---- debug registers ---- */

#define DR7_L0			0x1UL
#define DR7_RW_WRITE(i)		(1UL << (16 + 4 * (i)))
#define DR7_RW_IO(i)		(2UL << (16 + 4 * (i)))
#define DR7_LEN4(i)		(3UL << (18 + 4 * (i)))
#define DR7_GD			(1UL << 13)

struct dbg_shm {
	volatile int go;
	volatile int watched;	/* the child writes it once told to */
	volatile int after;	/* and then this, past the watchpoint */
};

FIXTURE(dbg) {
	struct dbg_shm *shm;
	pid_t pid;
	task_t task;
	thread_act_t thread;
	mach_port_t port;
};

FIXTURE_SETUP(dbg)
{
	self->task = self->thread = self->port = MACH_PORT_NULL;
	self->shm = mmap(NULL, sizeof(*self->shm), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shm);
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		while (!self->shm->go)
			;
		self->shm->watched = 42;
		self->shm->after = 1;
		for (;;)
			pause();
	}
	ASSERT_EQ(KERN_SUCCESS, only_thread(self->pid, &self->task, &self->thread));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &self->port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, self->port, self->port,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BREAKPOINT,
							 self->port,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
							 THREAD_STATE_NONE));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->thread));
}

FIXTURE_TEARDOWN(dbg)
{
	drop_child(self->pid, self->task, self->thread);
	if (self->port)
		mach_port_mod_refs(ME, self->port, MACH_PORT_RIGHT_RECEIVE, -1);
}

static kern_return_t set_debug(thread_act_t th, uint64_t dr0, uint64_t dr7)
{
	x86_debug_state64_t d = { .__dr0 = dr0, .__dr7 = dr7 };

	return thread_set_state(th, x86_DEBUG_STATE64, (thread_state_t)&d,
				x86_DEBUG_STATE64_COUNT);
}

TEST_F(dbg, a_watchpoint_hit_is_exc_breakpoint_sgl_and_dr6_names_the_slot)
{
	union {
		__Request__mach_exception_raise_t req;
		char buf[1024];
	} m;
	__Reply__mach_exception_raise_t reply = { 0 };
	mach_msg_type_number_t n = x86_DEBUG_STATE64_COUNT;
	x86_debug_state64_t d;
	thread_act_t faulting;

	ASSERT_EQ(KERN_SUCCESS, set_debug(self->thread, (uintptr_t)&self->shm->watched,
					  DR7_L0 | DR7_RW_WRITE(0) | DR7_LEN4(0)));
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_DEBUG_STATE64,
						 (thread_state_t)&d, &n));
	EXPECT_EQ((uintptr_t)&self->shm->watched, d.__dr0);
	EXPECT_EQ(DR7_L0 | DR7_RW_WRITE(0) | DR7_LEN4(0), d.__dr7);
	EXPECT_EQ(0, d.__dr6);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->thread));
	self->shm->go = 1;

	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.req.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					     sizeof(m), self->port, 15000, MACH_PORT_NULL));
	EXPECT_EQ(2405, m.req.Head.msgh_id);
	EXPECT_EQ(EXC_BREAKPOINT, m.req.exception);
	EXPECT_EQ(EXC_I386_SGL, m.req.code[0]);
	/* A data watchpoint traps after the write. */
	EXPECT_EQ(42, self->shm->watched);
	EXPECT_EQ(0, self->shm->after);
	faulting = m.req.thread.name;
	n = x86_DEBUG_STATE64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(faulting, x86_DEBUG_STATE64,
						 (thread_state_t)&d, &n));
	EXPECT_EQ(1, d.__dr6 & 0xf);		/* DR_TRAP0: slot 0 fired */

	reply.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	reply.Head.msgh_size = sizeof(reply);
	reply.Head.msgh_remote_port = m.req.Head.msgh_remote_port;
	reply.Head.msgh_id = m.req.Head.msgh_id + 100;
	reply.NDR = NDR_record;
	reply.RetCode = KERN_SUCCESS;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&reply.Head, MACH_SEND_MSG, sizeof(reply), 0,
					     MACH_PORT_NULL, 0, MACH_PORT_NULL));
	mach_port_deallocate(ME, m.req.thread.name);
	mach_port_deallocate(ME, m.req.task.name);
	/* Resumed past the write. */
	for (n = 0; n < 15000 && !self->shm->after; n++)
		usleep(1000);
	EXPECT_EQ(1, self->shm->after);
}

TEST_F(dbg, bad_debug_registers_are_refused_and_change_nothing)
{
	uintptr_t w = (uintptr_t)&self->shm->watched;
	mach_msg_type_number_t n = x86_DEBUG_STATE64_COUNT;
	x86_debug_state64_t d;

	ASSERT_EQ(KERN_SUCCESS, set_debug(self->thread, w, DR7_L0 | DR7_RW_WRITE(0) |
					  DR7_LEN4(0)));
	/* I/O breakpoints, general detect, a kernel address, a misaligned one. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_debug(self->thread, w, DR7_L0 | DR7_RW_IO(0)));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_debug(self->thread, w, DR7_GD));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_debug(self->thread, 0xffffffff81000000ULL,
						   DR7_L0 | DR7_RW_WRITE(0) | DR7_LEN4(0)));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_debug(self->thread, w + 1, DR7_L0 |
						   DR7_RW_WRITE(0) | DR7_LEN4(0)));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_state(self->thread, x86_DEBUG_STATE64,
							  (thread_state_t)&d,
							  x86_DEBUG_STATE64_COUNT - 1));
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_DEBUG_STATE64,
						 (thread_state_t)&d, &n));
	EXPECT_EQ(w, d.__dr0);
	EXPECT_EQ(DR7_L0 | DR7_RW_WRITE(0) | DR7_LEN4(0), d.__dr7);
}

TEST_F(dbg, debug_state_of_a_running_thread_is_refused)
{
	mach_msg_type_number_t n = x86_DEBUG_STATE64_COUNT;
	x86_debug_state64_t d;

	int tries;

	/* Once resumed, the thread leaves its park as soon as it runs. */
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->thread));
	for (tries = 0; tries < 15000; tries++) {
		n = x86_DEBUG_STATE64_COUNT;
		if (thread_get_state(self->thread, x86_DEBUG_STATE64, (thread_state_t)&d,
				     &n) == KERN_FAILURE)
			break;
		usleep(1000);
	}
	EXPECT_GT(15000, tries);
	EXPECT_EQ(KERN_FAILURE, set_debug(self->thread, 0, 0));
}

TEST_F(dbg, unified_debug_state_has_its_header)
{
	mach_msg_type_number_t n = x86_DEBUG_STATE_COUNT;
	x86_debug_state_t d;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(self->thread, x86_DEBUG_STATE,
						 (thread_state_t)&d, &n));
	EXPECT_EQ(x86_DEBUG_STATE_COUNT, n);
	EXPECT_EQ(x86_DEBUG_STATE64, d.dsh.flavor);
	EXPECT_EQ(x86_DEBUG_STATE64_COUNT, d.dsh.count);
}

TEST_HARNESS_MAIN
