// SPDX-License-Identifier: GPL-2.0
/*
 * The report of one exception: what the message says (codes, the
 * faulting thread's registers), what the module says about the thread
 * (the Linux signal, si_code, address), and what /proc says about the
 * process (program, command line, memory map); then the other threads
 * (threads.c) and the backtraces (unwind.c).  See report.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mach/mach_excServer.h>

#include "report.h"

const char *exc_name(int type)
{
	static const char *const names[] = {
		NULL, "EXC_BAD_ACCESS", "EXC_BAD_INSTRUCTION", "EXC_ARITHMETIC",
		"EXC_EMULATION", "EXC_SOFTWARE", "EXC_BREAKPOINT", "EXC_SYSCALL",
		"EXC_MACH_SYSCALL", "EXC_RPC_ALERT", "EXC_CRASH", "EXC_RESOURCE", "EXC_GUARD",
		"EXC_CORPSE_NOTIFY",
	};

	return type > 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : "?";
}

const char *signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (!abbrev)
		return "?";
	snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	return buf;
}

const char *si_code_name(int sig, int code)
{
	if (code == SI_KERNEL)
		return "SI_KERNEL";
	if (code == SI_USER)
		return "SI_USER";
	if (code == SI_TKILL)
		return "SI_TKILL";
	if (code == SI_QUEUE)
		return "SI_QUEUE";
	switch (sig) {
	case SIGSEGV:
		return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" :
		       code == SEGV_PKUERR ? "SEGV_PKUERR" : "?";
	case SIGBUS:
		return code == BUS_ADRALN ? "BUS_ADRALN" : code == BUS_ADRERR ? "BUS_ADRERR" :
		       code == BUS_OBJERR ? "BUS_OBJERR" : code == BUS_MCEERR_AR ? "BUS_MCEERR_AR" :
		       "?";
	case SIGILL:
		return code == ILL_ILLOPC ? "ILL_ILLOPC" : code == ILL_ILLOPN ? "ILL_ILLOPN" :
		       code == ILL_PRVOPC ? "ILL_PRVOPC" : "?";
	case SIGFPE:
		return code == FPE_INTDIV ? "FPE_INTDIV" : code == FPE_INTOVF ? "FPE_INTOVF" :
		       code == FPE_FLTDIV ? "FPE_FLTDIV" : code == FPE_FLTINV ? "FPE_FLTINV" : "?";
	case SIGTRAP:
		return code == TRAP_BRKPT ? "TRAP_BRKPT" : code == TRAP_TRACE ? "TRAP_TRACE" :
		       code == TRAP_HWBKPT ? "TRAP_HWBKPT" : "?";
	}
	return "?";
}

int report_signal(const struct crash *c)
{
	if (c->exception == EXC_CRASH)
		return c->crash_signal;
	return c->have_fault ? c->fault.signo : 0;
}

/* A small file of the process's, whole or cut at @size - 1 bytes; its length. */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	buf[0] = 0;
	if (fd < 0)
		return -1;
	while ((size_t)got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

static void read_maps(struct crash *c)
{
	ssize_t n;

	c->maps = malloc(REPORT_MAX_MAPS + 1);
	if (!c->maps)
		return;
	n = read_proc(c->pid, "maps", c->maps, REPORT_MAX_MAPS + 1);
	if (n <= 0) {
		free(c->maps);
		c->maps = NULL;
		return;
	}
	if (n == REPORT_MAX_MAPS) {	/* cut: keep whole lines only */
		char *nl = strrchr(c->maps, '\n');

		if (nl)
			nl[1] = 0;
		c->maps_cut = true;
	}
}

static void find_mapping(struct crash *c, uint64_t addr)
{
	unsigned long lo, hi;
	const char *line;

	snprintf(c->mapping, sizeof(c->mapping), "(not mapped)");
	for (line = c->maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi) {
			snprintf(c->mapping, sizeof(c->mapping), "%.*s", (int)strcspn(line, "\n"),
				 line);
			break;
		}
	}
}

static void read_command(struct crash *c)
{
	ssize_t n = read_proc(c->pid, "cmdline", c->command, sizeof(c->command));
	ssize_t i;

	for (i = 0; i < n - 1; i++)
		if (!c->command[i])
			c->command[i] = ' ';
}

bool report_collect(struct crash *c, mach_port_t thread, mach_port_t task,
		    exception_type_t exception, const mach_exception_data_type_t *code,
		    mach_msg_type_number_t code_count, int flavor, const natural_t *state,
		    mach_msg_type_number_t state_count)
{
	mach_msg_type_number_t n = x86_FLOAT_STATE64_COUNT, i;
	char path[64];
	int stopped = 0;
	ssize_t len;

	memset(c, 0, sizeof(*c));
	clock_gettime(CLOCK_REALTIME, &c->when);
	c->exception = exception;
	for (i = 0; i < code_count && i < 2; i++)
		c->code[i] = code[i];
	if (exception == EXC_CRASH) {	/* XNU's packing of the original exception */
		c->crash_signal = (int)(((uint64_t)c->code[0] >> 24) & 0xff);
		c->crash_orig_exception = (int)(((uint64_t)c->code[0] >> 20) & 0xf);
		c->crash_orig_code = (int)((uint64_t)c->code[0] & 0xfffff);
	}
	if (pid_for_task(task, &c->pid) != KERN_SUCCESS || c->pid <= 0 ||
	    machexc_thread_fault(thread, &c->tid, &stopped, &c->fault) != KERN_SUCCESS ||
	    c->tid <= 0)
		return false;
	/*
	 * A synchronous exception whose thread no longer waits in it was
	 * queued behind another that has killed the process.  (EXC_CRASH is
	 * not judged by the fault: its thread is on its way out.)
	 */
	if (!stopped && exception != EXC_CRASH)
		return false;
	c->stopped = stopped;
	c->have_fault = stopped && c->fault.signo != 0;
	if (flavor == x86_THREAD_STATE64 && state_count >= x86_THREAD_STATE64_COUNT) {
		memcpy(&c->regs, state, sizeof(c->regs));
		report_regs_from_state(&c->stack, &c->regs);
	}
	c->stack.tid = c->tid;
	c->stack.port = thread;
	c->have_fpu = thread_get_state(thread, x86_FLOAT_STATE64, (thread_state_t)&c->fpu,
				       &n) == KERN_SUCCESS;
	snprintf(path, sizeof(path), "/proc/%d/exe", c->pid);
	len = readlink(path, c->program, sizeof(c->program) - 1);
	c->program[len > 0 ? len : 0] = 0;
	read_command(c);
	read_maps(c);
	find_mapping(c, c->have_fault ? c->fault.addr : (uint64_t)c->code[1]);
	threads_list(c, task);
	threads_stop(c);
	unwind_all(c);
	threads_release(c);
	return true;
}

void report_free(struct crash *c)
{
	free(c->maps);
	c->maps = NULL;
}

mach_msg_return_t report_serve_one(mach_port_t port)
{
	mach_msg_size_t size = sizeof(union __RequestUnion__catch_mach_exc_subsystem);

	if (size < catch_mach_exc_subsystem.maxsize)
		size = catch_mach_exc_subsystem.maxsize;
	return mach_msg_server_once(mach_exc_server, size, port, 0);
}
