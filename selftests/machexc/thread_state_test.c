// SPDX-License-Identifier: GPL-2.0
/*
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
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>

#include "kselftest_harness.h"

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

FIXTURE(avx) {
	struct shm *shm;
	pid_t pid;
	task_t task;
	thread_act_t thread;
};

FIXTURE_SETUP(avx)
{
	thread_act_array_t list;
	mach_msg_type_number_t n;

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
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, self->pid, &self->task));
	ASSERT_EQ(KERN_SUCCESS, task_threads(self->task, &list, &n));
	ASSERT_EQ(1, n);
	self->thread = list[0];
	vm_deallocate(ME, (vm_address_t)list, n * sizeof(*list));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->thread));
}

FIXTURE_TEARDOWN(avx)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->thread)
		mach_port_deallocate(ME, self->thread);
	if (self->task)
		mach_port_deallocate(ME, self->task);
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

TEST_HARNESS_MAIN
