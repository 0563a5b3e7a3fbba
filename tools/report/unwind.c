// SPDX-License-Identifier: GPL-2.0
/*
 * Backtraces with elfutils' libdwfl: the modules from /proc/PID/maps, the
 * files opened through /proc/PID/root (so a process in another mount
 * namespace, a container or a service's private /tmp, is symbolized from
 * its own files), the registers the report has for each thread, the
 * memory read with process_vm_readv() (or /proc/PID/mem where the kernel
 * lacks it).  Every thread with registers is unwound; one whose unwinding
 * fails at once gets its pc alone, symbolized.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "report.h"

/* libdwfl: the threads whose registers we have, and the process's memory. */
struct unwind {
	struct crash *c;
	int next;	/* -1: the faulting thread, then others[] */
	int mem_fd;	/* /proc/PID/mem, where process_vm_readv() is missing */
};

static pid_t unwind_pid;	/* for find_elf() */

static struct stack *stack_at(struct crash *c, int i)
{
	return i < 0 ? &c->stack : &c->others[i];
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwind *u = arg;

	(void)dwfl;
	for (; u->next < u->c->nothers; u->next++) {
		struct stack *s = stack_at(u->c, u->next);

		if (s->have_regs) {
			u->next++;
			*thread_argp = s;
			return s->tid;
		}
	}
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct unwind *u = arg;
	int i;

	(void)dwfl;
	for (i = -1; i < u->c->nothers; i++) {
		struct stack *s = stack_at(u->c, i);

		if (s->tid == tid && s->have_regs) {
			*thread_argp = s;
			return true;
		}
	}
	return false;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwind *u = arg;
	struct iovec local = { result, sizeof(*result) };
	struct iovec remote = { (void *)(uintptr_t)addr, sizeof(*result) };

	(void)dwfl;
	if (u->mem_fd < 0 &&
	    process_vm_readv(u->c->pid, &local, 1, &remote, 1, 0) == sizeof(*result))
		return true;
	/* Kernels without CONFIG_CROSS_MEMORY_ATTACH: the same, through /proc. */
	if (u->mem_fd < 0 && errno == ENOSYS) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", u->c->pid);
		u->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return u->mem_fd >= 0 &&
	       pread(u->mem_fd, result, sizeof(*result), (off_t)addr) == sizeof(*result);
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	return dwfl_thread_state_registers(thread, 0, REPORT_NREGS, ((struct stack *)arg)->regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* A mapped file, as the process sees it: through /proc/PID/root first. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	char path[PATH_MAX];
	int fd;

	if (name[0] == '/' &&
	    snprintf(path, sizeof(path), "/proc/%d/root%s", unwind_pid, name) < (int)sizeof(path)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*file_name = strdup(path);
			*elfp = NULL;
			return fd;
		}
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

static void symbolize(Dwfl *dwfl, uint64_t pc, struct frame *f)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	const char *name, *file = NULL, *modname;
	GElf_Off off = 0;
	GElf_Sym sym;

	f->pc = pc;
	f->symbol[0] = f->module[0] = 0;
	if (!mod)
		return;
	/* The module's name is the path the process mapped; file, ours to it. */
	modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &file, NULL);
	if (modname && modname[0] == '/')
		file = modname;
	if (file)
		snprintf(f->module, sizeof(f->module), "%s",
			 strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	if (name)
		snprintf(f->symbol, sizeof(f->symbol), "%s+0x%" PRIx64, name, (uint64_t)off);
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct stack *s = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation) || s->nframes == REPORT_MAX_FRAMES)
		return DWARF_CB_ABORT;
	/* A return address points after the call: look up the call itself. */
	symbolize(dwfl_thread_dwfl(dwfl_frame_thread(state)), activation ? pc : pc - 1,
		  &s->frames[s->nframes]);
	s->frames[s->nframes++].pc = pc;
	return DWARF_CB_OK;
}

void unwind_all(struct crash *c)
{
	static const Dwfl_Callbacks callbacks = {
		.find_elf = find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
	};
	struct unwind u = { c, -1, -1 };
	Dwfl *dwfl;
	bool attached;
	int i;

	unwind_pid = c->pid;
	dwfl = dwfl_begin(&callbacks);
	if (!dwfl)
		return;
	attached = dwfl_linux_proc_report(dwfl, c->pid) == 0 &&
		   dwfl_report_end(dwfl, NULL, NULL) == 0 &&
		   dwfl_attach_state(dwfl, NULL, c->pid, &thread_callbacks, &u);
	for (i = -1; i < c->nothers; i++) {
		struct stack *s = stack_at(c, i);

		if (!s->have_regs)
			continue;
		if (attached)
			dwfl_getthread_frames(dwfl, s->tid, frame_cb, s);
		if (!s->nframes)	/* no unwinding at all: the pc alone */
			symbolize(dwfl, s->regs[REPORT_NREGS - 1], &s->frames[s->nframes++]);
	}
	dwfl_end(dwfl);
	if (u.mem_fd >= 0)
		close(u.mem_fd);
}
