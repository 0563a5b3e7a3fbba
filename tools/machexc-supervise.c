// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-supervise: run a program, catch its crashes as Mach exceptions,
 * write a crash report for each (human-readable, and JSON with --json),
 * let the program die by its original signal, optionally restart it, and
 * exit as it did.
 *
 * How: the supervisor's task exception port is set just around fork(), so
 * the child (and anything it forks) inherits it and the supervisor never
 * has one of its own.  Requests come as EXCEPTION_STATE_IDENTITY with
 * 64-bit codes and x86_THREAD_STATE64.  The faulting thread is stopped in
 * the kernel while the report is written: its registers come with the
 * message, its memory is read with process_vm_readv(), and elfutils'
 * libdwfl unwinds and symbolizes the stack from those.  The answer is
 * KERN_FAILURE, so Linux then delivers the original signal (default
 * action, core dump if enabled) and the exit status is unchanged.
 */
#include <elfutils/libdwfl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#define ME mach_task_self()
#define EXIT_SUPERVISOR 125	/* the supervisor itself failed, as env(1) */
#define EXIT_EXEC 127		/* the program could not be run */
#define MAX_FRAMES 64

enum restart { RESTART_NEVER, RESTART_ON_CRASH, RESTART_ALWAYS };

static struct {
	bool json;
	const char *report_dir;
	enum restart restart;
	int max_restarts;
	long backoff_ms;
	char **argv;
} opt = { .restart = RESTART_NEVER, .max_restarts = 5, .backoff_ms = 100 };

/* ---- logging ------------------------------------------------------------- */

static void stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec / 1000000);
}

__attribute__((format(printf, 1, 2)))
static void event(const char *fmt, ...)
{
	char when[64];
	va_list ap;

	stamp(when, sizeof(when));
	fprintf(stderr, "machexc-supervise: %s ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- names ----------------------------------------------------------------- */

static const char *exc_name(int type)
{
	static const char *const names[] = {
		NULL, "EXC_BAD_ACCESS", "EXC_BAD_INSTRUCTION", "EXC_ARITHMETIC",
		"EXC_EMULATION", "EXC_SOFTWARE", "EXC_BREAKPOINT", "EXC_SYSCALL",
		"EXC_MACH_SYSCALL", "EXC_RPC_ALERT", "EXC_CRASH", "EXC_RESOURCE", "EXC_GUARD",
		"EXC_CORPSE_NOTIFY",
	};

	return type > 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : "?";
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGKILL: return "SIGKILL";
	}
	return sigabbrev_np(sig) ? sigabbrev_np(sig) : "?";
}

static const char *si_code_name(int sig, int code)
{
	if (code == SI_KERNEL)
		return "SI_KERNEL";
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

/* ---- the report ------------------------------------------------------------ */

#define MAX_THREADS 256		/* listed */
#define MAX_UNWOUND 32		/* other threads unwound */
#define NREGS 17		/* DWARF: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip */

struct frame {
	uint64_t pc;
	char symbol[256];	/* "name+0x1f", or "" */
	char module[256];
};

/* A thread's stack: registers in DWARF order, its frames, or why not. */
struct stack {
	pid_t tid;
	Dwarf_Word regs[NREGS];
	bool have_regs;
	bool seized;		/* PTRACE_SEIZEd by us */
	bool stopped;		/* in a ptrace stop */
	int stop_sig;		/* the signal to deliver on detach */
	const char *note;	/* why it was not unwound */
	struct frame frames[MAX_FRAMES];
	int nframes;
};

struct crash {
	pid_t pid, tid;
	char program[PATH_MAX];
	exception_type_t exception;
	int64_t code[2];
	struct machexc_thread_fault fault;
	bool have_fault;
	x86_thread_state64_t regs;
	x86_float_state64_t fpu;	/* thread_get_state() while it is stopped */
	bool have_fpu;
	char mapping[512];		/* the /proc/PID/maps line of the address */
	struct stack stack;		/* the faulting thread */
	struct stack others[MAX_UNWOUND];
	int nothers;
	pid_t threads[MAX_THREADS];
	int nthreads;
};

/* libdwfl: the threads whose registers we have, and the process's memory. */
struct unwind {
	struct crash *c;
	int next;	/* -1: the faulting thread, then others[] */
	int mem_fd;	/* /proc/PID/mem, where process_vm_readv() is missing */
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwind *u = arg;
	struct stack *s;

	(void)dwfl;
	for (; u->next < u->c->nothers; u->next++) {
		s = u->next < 0 ? &u->c->stack : &u->c->others[u->next];
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
		struct stack *s = i < 0 ? &u->c->stack : &u->c->others[i];

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
	return dwfl_thread_state_registers(thread, 0, NREGS, ((struct stack *)arg)->regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static void symbolize(Dwfl *dwfl, uint64_t pc, struct frame *f)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	const char *name, *file = NULL;
	GElf_Off off = 0;
	GElf_Sym sym;

	f->pc = pc;
	f->symbol[0] = f->module[0] = 0;
	if (!mod)
		return;
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &file, NULL);
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

	if (!dwfl_frame_pc(state, &pc, &activation) || s->nframes == MAX_FRAMES)
		return DWARF_CB_ABORT;
	/* A return address points after the call: look up the call itself. */
	symbolize(dwfl_thread_dwfl(dwfl_frame_thread(state)), activation ? pc : pc - 1,
		  &s->frames[s->nframes]);
	s->frames[s->nframes++].pc = pc;
	return DWARF_CB_OK;
}

/* Unwind and symbolize every thread we have registers for. */
static void backtrace(struct crash *c)
{
	static const Dwfl_Callbacks callbacks = {
		.find_elf = dwfl_linux_proc_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
	};
	struct unwind u = { c, -1, -1 };
	Dwfl *dwfl = dwfl_begin(&callbacks);
	bool attached;
	int i;

	if (!dwfl)
		return;
	attached = dwfl_linux_proc_report(dwfl, c->pid) == 0 &&
		   dwfl_report_end(dwfl, NULL, NULL) == 0 &&
		   dwfl_attach_state(dwfl, NULL, c->pid, &thread_callbacks, &u);
	for (i = -1; i < c->nothers; i++) {
		struct stack *s = i < 0 ? &c->stack : &c->others[i];

		if (!s->have_regs)
			continue;
		if (attached)
			dwfl_getthread_frames(dwfl, s->tid, frame_cb, s);
		if (!s->nframes)	/* no unwinding at all: the pc alone */
			symbolize(dwfl, s->regs[NREGS - 1], &s->frames[s->nframes++]);
	}
	dwfl_end(dwfl);
	if (u.mem_fd >= 0)
		close(u.mem_fd);
}

static void find_mapping(struct crash *c, uint64_t addr)
{
	char path[64], line[512];
	unsigned long lo, hi;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", c->pid);
	f = fopen(path, "r");
	snprintf(c->mapping, sizeof(c->mapping), "(not mapped)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi) {
			line[strcspn(line, "\n")] = 0;
			snprintf(c->mapping, sizeof(c->mapping), "%s", line);
			break;
		}
	}
	fclose(f);
}

static void find_threads(struct crash *c)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", c->pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)) && c->nthreads < MAX_THREADS)
		if (d->d_name[0] != '.')
			c->threads[c->nthreads++] = atoi(d->d_name);
	closedir(dir);
}

/* ---- stopping the other threads ------------------------------------------ */
/*
 * machexc stops only the faulting thread; the others keep running.  To
 * unwind them they are stopped with PTRACE_SEIZE + PTRACE_INTERRUPT (the
 * supervisor is the program's parent or ancestor, which ptrace allows
 * under Yama's default scope), their registers read, and let go with
 * PTRACE_DETACH once unwound.
 *
 * A thread asleep in the kernel uninterruptibly (state D: for example one
 * waiting for the answer to an exception of its own, queued behind this
 * one) does not stop, so it is never waited for without a bound.  One that
 * does not stop in time stays seized: it is "pending", and detached (or
 * reaped, if it died) as soon as it stops, from the supervisor's loop.
 */
#define STOP_WAIT_MS 1000

static pid_t pending[MAX_UNWOUND * 4];
static int npending;
static pid_t leader;		/* the program's pid, whose exit run_once() waits for */
static int leader_status;
static bool leader_reaped;

/* The state letter of /proc/PID/task/TID/stat, or 0 if it has gone. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * waitpid() on a traced thread; 1 stopped, 0 nothing yet, -1 gone.  *@sig
 * is the signal to hand back when detaching: 0 for our own interrupt
 * (PTRACE_EVENT_STOP), else the signal it stopped to deliver, which must
 * not be lost.
 */
static int wait_thread(pid_t tid, int *sig)
{
	int status;
	pid_t r = waitpid(tid, &status, WNOHANG | __WALL);

	if (r == 0)
		return 0;
	if (r == tid && WIFSTOPPED(status)) {
		*sig = status >> 16 ? 0 : WSTOPSIG(status);
		return 1;
	}
	if (r == tid && tid == leader) {	/* the program's own end: keep it */
		leader_status = status;
		leader_reaped = true;
	}
	return -1;
}

/* Detach the pending threads that have stopped since; forget the dead. */
static void reap_pending(void)
{
	int i = 0, r, sig;

	while (i < npending) {
		r = wait_thread(pending[i], &sig);
		/* A detach that fails (it died meanwhile): wait for it again. */
		if (r == 1 && ptrace(PTRACE_DETACH, pending[i], NULL, (void *)(long)sig))
			r = 0;
		if (r)
			pending[i] = pending[--npending];
		else
			i++;
	}
}

static void ptrace_regs(struct stack *s)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, s->tid, NULL, &r)) {
		s->note = "registers could not be read";
		return;
	}
	Dwarf_Word w[NREGS] = {
		r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip,
	};
	memcpy(s->regs, w, sizeof(w));
	s->have_regs = true;
}

/* The faulting thread's registers, from the exception message. */
static void stack_from_state(struct stack *s, const x86_thread_state64_t *r)
{
	Dwarf_Word w[NREGS] = {
		r->__rax, r->__rdx, r->__rcx, r->__rbx, r->__rsi, r->__rdi, r->__rbp, r->__rsp,
		r->__r8, r->__r9, r->__r10, r->__r11, r->__r12, r->__r13, r->__r14, r->__r15,
		r->__rip,
	};

	memcpy(s->regs, w, sizeof(w));
	s->have_regs = true;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stop_others(struct crash *c)
{
	long deadline = now_ms() + STOP_WAIT_MS;
	int i, r, room = (int)(sizeof(pending) / sizeof(pending[0])) - npending;
	bool waiting = true;

	for (i = 0; i < c->nthreads && c->nothers < MAX_UNWOUND; i++) {
		struct stack *s = &c->others[c->nothers];
		char state;

		if (c->threads[i] == c->tid)
			continue;
		memset(s, 0, sizeof(*s));
		s->tid = c->threads[i];
		c->nothers++;
		state = thread_state(c->pid, s->tid);
		if (!state || state == 'X' || state == 'Z')
			s->note = "exited";
		else if (state == 'D')
			s->note = "asleep in the kernel (state D), not stopped";
		else if (!room)
			s->note = "not stopped (too many threads still to detach)";
		else if (ptrace(PTRACE_SEIZE, s->tid, NULL, NULL))
			s->note = errno == EPERM ? "not permitted to trace it" : "could not be traced";
		else {
			s->seized = true;	/* from here on ours to detach or reap */
			room--;
			if (ptrace(PTRACE_INTERRUPT, s->tid, NULL, NULL))
				s->note = "could not be stopped";
		}
	}
	while (waiting) {
		waiting = false;
		for (i = 0; i < c->nothers; i++) {
			struct stack *s = &c->others[i];

			if (!s->seized || s->stopped || s->note)
				continue;
			r = wait_thread(s->tid, &s->stop_sig);
			if (r == 1) {
				s->stopped = true;
				ptrace_regs(s);
			} else if (r < 0) {
				s->seized = false;
				s->note = "exited";
			} else if (thread_state(c->pid, s->tid) == 'D' || now_ms() >= deadline) {
				s->note = "did not stop (asleep in the kernel)";
			} else {
				waiting = true;
			}
		}
		if (waiting)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
}

/*
 * Let the stopped threads go on.  Any we still trace (it did not stop yet,
 * or it was killed while we unwound, so the detach failed) is pending: a
 * traced thread that dies is a zombie only its tracer can reap, and it
 * keeps its whole process from being reaped.
 */
static void release_others(struct crash *c)
{
	int i;

	for (i = 0; i < c->nothers; i++) {
		struct stack *s = &c->others[i];

		if (s->stopped && !ptrace(PTRACE_DETACH, s->tid, NULL, (void *)(long)s->stop_sig))
			continue;
		if (s->seized)
			pending[npending++] = s->tid;	/* stop_others() kept room */
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *const reg_names[] = {
	"rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15", "rip", "rflags", "cs", "fs", "gs",
};

static const _STRUCT_XMM_REG *xmm(const x86_float_state64_t *fs, int i)
{
	const _STRUCT_XMM_REG *r[16] = {
		&fs->__fpu_xmm0, &fs->__fpu_xmm1, &fs->__fpu_xmm2, &fs->__fpu_xmm3,
		&fs->__fpu_xmm4, &fs->__fpu_xmm5, &fs->__fpu_xmm6, &fs->__fpu_xmm7,
		&fs->__fpu_xmm8, &fs->__fpu_xmm9, &fs->__fpu_xmm10, &fs->__fpu_xmm11,
		&fs->__fpu_xmm12, &fs->__fpu_xmm13, &fs->__fpu_xmm14, &fs->__fpu_xmm15,
	};

	return r[i];
}

/* An xmm register as one 128-bit hexadecimal number. */
static void xmm_hex(const _STRUCT_XMM_REG *r, char *out)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)r->__xmm_reg[15 - i]);
}

static void fpu_words(const x86_float_state64_t *fs, uint16_t *fcw, uint16_t *fsw)
{
	memcpy(fcw, &fs->__fpu_fcw, sizeof(*fcw));
	memcpy(fsw, &fs->__fpu_fsw, sizeof(*fsw));
}

static void text_fpu(FILE *f, const struct crash *c)
{
	uint16_t fcw, fsw;
	char hex[33];
	int i;

	if (!c->have_fpu)
		return;
	fpu_words(&c->fpu, &fcw, &fsw);
	fprintf(f, "\nFloating point and SSE:\n  fcw    0x%04x  fsw    0x%04x  mxcsr  0x%08x\n",
		fcw, fsw, c->fpu.__fpu_mxcsr);
	for (i = 0; i < 16; i++) {
		xmm_hex(xmm(&c->fpu, i), hex);
		fprintf(f, "  xmm%-2d  0x%s%s", i, hex, i % 2 ? "\n" : "");
	}
}

static void text_stack(FILE *f, const struct stack *s, bool crashed)
{
	int i;

	if (!s->nframes) {
		fprintf(f, "\nThread %d: not unwound: %s\n", s->tid, s->note ? s->note : "?");
		return;
	}
	fprintf(f, "\nBacktrace of thread %d%s:\n", s->tid, crashed ? " (crashed)" : "");
	for (i = 0; i < s->nframes; i++)
		fprintf(f, "  #%-2d 0x%016" PRIx64 " %s (%s)\n", i, s->frames[i].pc,
			s->frames[i].symbol[0] ? s->frames[i].symbol : "??",
			s->frames[i].module[0] ? s->frames[i].module : "?");
}

static void write_text(FILE *f, const struct crash *c)
{
	const uint64_t *r = (const uint64_t *)&c->regs;
	char when[64];
	int i;

	stamp(when, sizeof(when));
	fprintf(f, "Crash report (machexc-supervise) %s\n", when);
	fprintf(f, "Program:   %s\nPID:       %d\nThread:    %d\n", c->program, c->pid, c->tid);
	fprintf(f, "Exception: %s (codes 0x%" PRIx64 ", 0x%" PRIx64 ")\n", exc_name(c->exception),
		(uint64_t)c->code[0], (uint64_t)c->code[1]);
	if (c->have_fault)
		fprintf(f, "Signal:    %s (%s), address 0x%" PRIx64 ", trap %u, error code %u\n",
			signal_name(c->fault.signo), si_code_name(c->fault.signo, c->fault.code),
			(uint64_t)c->fault.addr, c->fault.trapno, c->fault.error_code);
	fprintf(f, "Mapping:   %s\n\nRegisters:\n", c->mapping);
	for (i = 0; i < 21; i++)
		fprintf(f, "  %-6s 0x%016" PRIx64 "%s", reg_names[i], r[i], i % 3 == 2 ? "\n" : "");
	text_fpu(f, c);
	text_stack(f, &c->stack, true);
	for (i = 0; i < c->nothers; i++)
		text_stack(f, &c->others[i], false);
	fprintf(f, "\nThreads (%d):", c->nthreads);
	for (i = 0; i < c->nthreads; i++)
		fprintf(f, " %d%s", c->threads[i], c->threads[i] == c->tid ? "*" : "");
	fputc('\n', f);
}

static void json_stack(FILE *f, const struct stack *s, bool crashed)
{
	int i;

	fprintf(f, "    { \"tid\": %d, \"crashed\": %s, ", s->tid, crashed ? "true" : "false");
	if (!s->nframes) {
		fprintf(f, "\"note\": ");
		json_string(f, s->note ? s->note : "?");
		fprintf(f, " }");
		return;
	}
	fprintf(f, "\"backtrace\": [\n");
	for (i = 0; i < s->nframes; i++) {
		fprintf(f, "      { \"pc\": \"0x%" PRIx64 "\", \"symbol\": ", s->frames[i].pc);
		json_string(f, s->frames[i].symbol);
		fprintf(f, ", \"module\": ");
		json_string(f, s->frames[i].module);
		fprintf(f, " }%s\n", i + 1 < s->nframes ? "," : "");
	}
	fprintf(f, "    ] }");
}

static void write_json(FILE *f, const struct crash *c)
{
	const uint64_t *r = (const uint64_t *)&c->regs;
	char when[64];
	int i;

	stamp(when, sizeof(when));
	fprintf(f, "{\n  \"time\": \"%s\",\n  \"program\": ", when);
	json_string(f, c->program);
	fprintf(f, ",\n  \"pid\": %d,\n  \"tid\": %d,\n", c->pid, c->tid);
	fprintf(f, "  \"exception\": { \"type\": \"%s\", \"codes\": [%" PRId64 ", %" PRId64 "] },\n",
		exc_name(c->exception), c->code[0], c->code[1]);
	if (c->have_fault)
		fprintf(f, "  \"signal\": { \"name\": \"%s\", \"number\": %d, \"code\": \"%s\", "
			"\"si_code\": %d, \"address\": \"0x%" PRIx64 "\", \"trapno\": %u },\n",
			signal_name(c->fault.signo), c->fault.signo,
			si_code_name(c->fault.signo, c->fault.code), c->fault.code,
			(uint64_t)c->fault.addr, c->fault.trapno);
	fprintf(f, "  \"mapping\": ");
	json_string(f, c->mapping);
	fprintf(f, ",\n  \"registers\": {");
	for (i = 0; i < 21; i++)
		fprintf(f, "%s \"%s\": \"0x%" PRIx64 "\"", i ? "," : "", reg_names[i], r[i]);
	fprintf(f, " },\n");
	if (c->have_fpu) {
		uint16_t fcw, fsw;
		char hex[33];

		fpu_words(&c->fpu, &fcw, &fsw);
		fprintf(f, "  \"fpu\": { \"fcw\": \"0x%x\", \"fsw\": \"0x%x\", \"mxcsr\": \"0x%x\", "
			"\"xmm\": [", fcw, fsw, c->fpu.__fpu_mxcsr);
		for (i = 0; i < 16; i++) {
			xmm_hex(xmm(&c->fpu, i), hex);
			fprintf(f, "%s\"0x%s\"", i ? ", " : "", hex);
		}
		fprintf(f, "] },\n");
	}
	fprintf(f, "  \"threads\": [\n");
	json_stack(f, &c->stack, true);
	for (i = 0; i < c->nothers; i++) {
		fprintf(f, ",\n");
		json_stack(f, &c->others[i], false);
	}
	fprintf(f, "\n  ],\n  \"thread_ids\": [");
	for (i = 0; i < c->nthreads; i++)
		fprintf(f, "%s%d", i ? ", " : "", c->threads[i]);
	fprintf(f, "]\n}\n");
}

static int report_seq;

static void write_report(const struct crash *c)
{
	char path[PATH_MAX];
	FILE *f;

	write_text(stderr, c);
	if (!opt.report_dir)
		return;
	report_seq++;
	snprintf(path, sizeof(path), "%s/crash-%d-%d-%d.%s", opt.report_dir, c->pid, c->tid,
		 report_seq, opt.json ? "json" : "txt");
	f = fopen(path, "w");
	if (!f) {
		event("cannot write %s: %s", path, strerror(errno));
		return;
	}
	(opt.json ? write_json : write_text)(f, c);
	fclose(f);
	event("report written to %s", path);
}

/* ---- exceptions -------------------------------------------------------------- */

#pragma pack(push, 4)
struct request {
	mach_msg_header_t head;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t thread, task;
	NDR_record_t ndr;
	exception_type_t exception;
	mach_msg_type_number_t code_count;
	int64_t code[2];
	int flavor;
	mach_msg_type_number_t state_count;
	natural_t state[THREAD_STATE_MAX];
	mach_msg_max_trailer_t trailer;
};
#pragma pack(pop)

static void handle_exception(mach_port_t port)
{
	static struct crash c;
	struct request req;
	mig_reply_error_t rep;
	char path[64];
	ssize_t n;
	int stopped = 0;

	memset(&req.head, 0, sizeof(req.head));
	if (mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port, 0, 0))
		return;
	memset(&c, 0, sizeof(c));
	if (req.head.msgh_id == 2407 && (req.head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
		c.exception = req.exception;
		memcpy(c.code, req.code, sizeof(c.code));
		memcpy(&c.regs, req.state, sizeof(c.regs));
		stack_from_state(&c.stack, &c.regs);
		pid_for_task(req.task.name, &c.pid);
		machexc_thread_fault(req.thread.name, &c.tid, &stopped, &c.fault);
		c.stack.tid = c.tid;
		c.have_fault = stopped;
		if (stopped) {
			mach_msg_type_number_t n = x86_FLOAT_STATE64_COUNT;

			c.have_fpu = thread_get_state(req.thread.name, x86_FLOAT_STATE64,
						      (thread_state_t)&c.fpu, &n) == KERN_SUCCESS;
		}
	}
	if (req.head.msgh_id == 2407 && (!c.pid || !stopped)) {
		/* Queued behind a crash that has since killed its process. */
		event("%s from a process that has exited: no report", exc_name(c.exception));
	} else if (req.head.msgh_id == 2407) {
		snprintf(path, sizeof(path), "/proc/%d/exe", c.pid);
		n = readlink(path, c.program, sizeof(c.program) - 1);
		c.program[n > 0 ? n : 0] = 0;
		find_mapping(&c, c.have_fault ? c.fault.addr : (uint64_t)c.code[1]);
		find_threads(&c);
		stop_others(&c);
		backtrace(&c);
		release_others(&c);
		event("pid %d thread %d: %s, %s", c.pid, c.tid, exc_name(c.exception),
		      c.have_fault ? signal_name(c.fault.signo) : "?");
		write_report(&c);
	}
	/* KERN_FAILURE: the next level, then Linux's own delivery of the signal. */
	memset(&rep, 0, sizeof(rep));
	rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(req.head.msgh_bits), 0);
	rep.Head.msgh_remote_port = req.head.msgh_remote_port;
	rep.Head.msgh_size = sizeof(rep);
	rep.Head.msgh_id = req.head.msgh_id + 100;
	rep.NDR = NDR_record;
	rep.RetCode = KERN_FAILURE;
	if (rep.Head.msgh_remote_port)
		mach_msg(&rep.Head, MACH_SEND_MSG, sizeof(rep), 0, 0, 0, 0);
	req.head.msgh_remote_port = MACH_PORT_NULL;	/* the reply took it */
	mach_msg_destroy(&req.head);	/* the thread and task rights */
}

/* ---- the program ---------------------------------------------------------- */

static pid_t start(mach_port_t port)
{
	const exception_mask_t mask = EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION |
				      EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT;
	kern_return_t kr;
	pid_t pid;

	/* Only around fork(): the child inherits, the supervisor keeps none. */
	kr = task_set_exception_ports(ME, mask, port,
				      EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
				      x86_THREAD_STATE64);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "machexc-supervise: task_set_exception_ports: %s\n",
			mach_error_string(kr));
		exit(EXIT_SUPERVISOR);
	}
	pid = fork();
	if (pid == 0) {
		execvp(opt.argv[0], opt.argv);
		fprintf(stderr, "machexc-supervise: %s: %s\n", opt.argv[0], strerror(errno));
		_exit(EXIT_EXEC);
	}
	task_set_exception_ports(ME, mask, MACH_PORT_NULL, EXCEPTION_DEFAULT, THREAD_STATE_NONE);
	if (pid < 0) {
		fprintf(stderr, "machexc-supervise: fork: %s\n", strerror(errno));
		exit(EXIT_SUPERVISOR);
	}
	leader = pid;
	event("started %s, pid %d", opt.argv[0], pid);
	return pid;
}

/* Run the program until it exits; its wait status. */
static int run_once(mach_port_t port, int port_fd)
{
	pid_t pid = start(port);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), status;

	if (pidfd < 0) {
		fprintf(stderr, "machexc-supervise: pidfd_open: %s\n", strerror(errno));
		exit(EXIT_SUPERVISOR);
	}
	for (;;) {
		struct pollfd p[2] = { { port_fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };

		/* Threads left seized by a report are detached once they stop. */
		reap_pending();
		if (poll(p, 2, npending ? 10 : -1) < 0 && errno != EINTR) {
			fprintf(stderr, "machexc-supervise: poll: %s\n", strerror(errno));
			exit(EXIT_SUPERVISOR);
		}
		/* Exceptions first: a crashing child waits for our answer. */
		if (p[0].revents & POLLIN) {
			handle_exception(port);
			continue;
		}
		if (p[1].revents & POLLIN)
			break;
	}
	close(pidfd);
	if (leader_reaped)	/* by reap_pending(), which waits for the threads */
		status = leader_status;
	else
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	leader_reaped = false;
	if (WIFSIGNALED(status))
		event("pid %d killed by %s%s", pid, signal_name(WTERMSIG(status)),
		      WCOREDUMP(status) ? " (core dumped)" : "");
	else
		event("pid %d exited with status %d", pid, WEXITSTATUS(status));
	return status;
}

/* Exit as the program did: the same code, or death by the same signal. */
static void exit_like(int status)
{
	struct rlimit none = { 0, 0 };
	int sig;

	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);		/* the child's core is the one */
	signal(sig, SIG_DFL);
	raise(sig);
	exit(128 + sig);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: machexc-supervise [options] -- PROGRAM [ARGS...]\n"
		"Run PROGRAM, write a crash report for each of its crashes (Mach exceptions\n"
		"EXC_BAD_ACCESS, EXC_BAD_INSTRUCTION, EXC_ARITHMETIC, EXC_BREAKPOINT), let it\n"
		"die by its original signal, and exit as it did.\n\n"
		"  --json                   write reports as JSON (with --report-dir)\n"
		"  --report-dir DIR         write each report to DIR/crash-PID-TID-N.{txt,json}\n"
		"                           (DIR is made if it does not exist)\n"
		"  --restart=never|on-crash|always\n"
		"                           restart PROGRAM (default never)\n"
		"  --max-restarts N         at most N restarts (default 5)\n"
		"  --backoff-ms MS          first restart delay, doubled each time (default 100)\n"
		"  -h, --help               this text\n\n"
		"Exit status: PROGRAM's (or death by its signal); 125 if the supervisor\n"
		"fails, 127 if PROGRAM cannot be run, 2 for bad options.\n"
		"See machexc-supervise(1).\n");
}

static void parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "report-dir", required_argument, NULL, 'd' },
		{ "restart", required_argument, NULL, 'r' },
		{ "max-restarts", required_argument, NULL, 'm' },
		{ "backoff-ms", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt.json = true;
			break;
		case 'd':
			opt.report_dir = optarg;
			break;
		case 'r':
			if (!strcmp(optarg, "never"))
				opt.restart = RESTART_NEVER;
			else if (!strcmp(optarg, "on-crash"))
				opt.restart = RESTART_ON_CRASH;
			else if (!strcmp(optarg, "always"))
				opt.restart = RESTART_ALWAYS;
			else
				goto bad;
			break;
		case 'm':
		case 'b': {
			long v = strtol(optarg, &end, 10);

			if (*optarg == 0 || *end || v < 0 || v > INT_MAX)
				goto bad;
			if (c == 'm')
				opt.max_restarts = (int)v;
			else
				opt.backoff_ms = v;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "machexc-supervise: no PROGRAM given\n");
		usage(stderr);
		exit(2);
	}
	if (opt.json && !opt.report_dir) {
		fprintf(stderr, "machexc-supervise: --json needs --report-dir\n");
		exit(2);
	}
	opt.argv = argv + optind;
	return;
bad:
	fprintf(stderr, "machexc-supervise: bad value '%s' for --%s\n", optarg,
		c == 'r' ? "restart" : c == 'm' ? "max-restarts" : "backoff-ms");
	usage(stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct machexc_version v;
	mach_port_t port;
	int port_fd, status, restarts = 0;
	long delay;

	parse(argc, argv);
	if (machexc_api_version(&v) < 0) {
		int err = errno;

		fprintf(stderr, "machexc-supervise: %s: %s\n", MACHEXC_DEVICE_PATH, strerror(err));
		if (err == ENOENT || err == ENXIO || err == ENODEV)
			fprintf(stderr, "machexc-supervise: the machexc module is not loaded: run "
				"'modprobe machexc' (install it with dkms, see the README)\n");
		return EXIT_SUPERVISOR;
	}
	if (!(v.features & MACHEXC_FEATURE_EXC)) {
		fprintf(stderr, "machexc-supervise: this machexc module has no exceptions\n");
		return EXIT_SUPERVISOR;
	}
	if (opt.report_dir && mkdir(opt.report_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "machexc-supervise: --report-dir %s: %s\n", opt.report_dir,
			strerror(errno));
		return EXIT_SUPERVISOR;
	}
	if (opt.report_dir && access(opt.report_dir, W_OK)) {
		fprintf(stderr, "machexc-supervise: --report-dir %s: %s\n", opt.report_dir,
			strerror(errno));
		return EXIT_SUPERVISOR;
	}
	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(ME, port, port, MACH_MSG_TYPE_MAKE_SEND)) {
		fprintf(stderr, "machexc-supervise: cannot make the exception port\n");
		return EXIT_SUPERVISOR;
	}
	port_fd = machexc_port_fd(port, O_CLOEXEC);
	if (port_fd < 0) {
		fprintf(stderr, "machexc-supervise: port fd: %s\n", strerror(errno));
		return EXIT_SUPERVISOR;
	}
	for (delay = opt.backoff_ms;; delay = delay < 30000 ? delay * 2 : delay) {
		bool crashed;

		status = run_once(port, port_fd);
		crashed = WIFSIGNALED(status);
		if (opt.restart == RESTART_NEVER || (opt.restart == RESTART_ON_CRASH && !crashed) ||
		    (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_EXEC))
			break;
		if (restarts == opt.max_restarts) {
			event("not restarting: %d restarts done (--max-restarts)", restarts);
			break;
		}
		restarts++;
		event("restarting in %ld ms (restart %d of %d)", delay, restarts,
		      opt.max_restarts);
		nanosleep(&(struct timespec){ delay / 1000, (delay % 1000) * 1000000 }, NULL);
	}
	exit_like(status);
}
