// SPDX-License-Identifier: GPL-2.0
/*
 * The program dbg_test debugs with machexc-dbg: a dynamically linked PIE
 * with debug info (built -O0 -g), so that its breakpoints, lines, shared
 * library calls and backtraces are a real program's.
 *
 *   dbg_prog basic      counts with bump() (watch counter), calls puts()
 *   dbg_prog exit3      exits with status 3
 *   dbg_prog fault      faults in fault_insn (a store to address 16)
 *   dbg_prog wait N     prints "ready", ticks N times (20 ms apart),
 *                       prints "done COUNT" and exits with status 3
 *   dbg_prog threads N  N worker threads spinning, main waits forever
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int counter;
volatile int spinning;

__attribute__((noinline)) void bump(void)
{
	counter++;
}

__attribute__((noinline)) int compute(int x)
{
	int y = x * 2;

	return y + 1;
}

/* The faulting store is at its own symbol, for "break fault_insn". */
void fault_at_insn(void);
__asm__(".text\n"
	".globl fault_at_insn\n.type fault_at_insn, @function\n"
	"fault_at_insn:\n"
	"	movq $16, %rax\n"
	".globl fault_insn\n"
	"fault_insn:\n"
	"	movq %rax, (%rax)\n"
	"	ret\n"
	".size fault_at_insn, .-fault_at_insn\n");

__attribute__((noinline)) void tick(void)
{
	counter++;
	usleep(20000);
}

__attribute__((noinline)) void spin_here(void)
{
	for (;;)
		spinning++;
}

__attribute__((noinline)) void *worker(void *arg)
{
	(void)arg;
	spin_here();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "basic";
	int n = argc > 2 ? atoi(argv[2]) : 0, i;

	if (!strcmp(mode, "basic")) {
		bump();
		bump();
		printf("compute %d\n", compute(20));
		puts("hello from dbg_prog");
		bump();
		return counter == 3 ? 0 : 1;
	}
	if (!strcmp(mode, "exit3"))
		return 3;
	if (!strcmp(mode, "fault")) {
		fault_at_insn();
		return 0;
	}
	if (!strcmp(mode, "wait")) {
		printf("ready\n");
		fflush(stdout);
		for (i = 0; i < n; i++)
			tick();
		printf("done %d\n", counter);
		return 3;
	}
	if (!strcmp(mode, "threads")) {
		pthread_t t;

		for (i = 0; i < n; i++)
			pthread_create(&t, NULL, worker, NULL);
		while (spinning < 1000)
			usleep(1000);
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 2;
}
