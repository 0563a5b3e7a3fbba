/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crash report builder that machexc-supervise and machexc-crashd
 * share (built as build/tools/.obj/libreport.a).  One file per concern:
 *
 *   report.c   report_collect(): everything about one exception, from the
 *              message's rights, codes and state, and from /proc; names
 *   threads.c  the other threads: stopped with thread_suspend(), their
 *              registers read with thread_get_state(), resumed after
 *   unwind.c   backtraces with elfutils' libdwfl
 *   output.c   the report as text and as JSON
 *
 * The tools' exception handlers are catch_mach_exception_raise_state_identity()
 * routines called by the library's mach_exc_server(): report_serve_one()
 * receives one request, calls the server and sends its reply.
 *
 * Only Mach calls stop and read the other threads (no ptrace): an exec by
 * another thread of the crashing process cannot deadlock against the
 * reporter on the exec's cred_guard_mutex, as PTRACE_SEIZE could.
 */
#ifndef MACHEXC_TOOLS_REPORT_H
#define MACHEXC_TOOLS_REPORT_H

#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <machexc.h>
#include <mach/mach.h>

#define REPORT_MAX_FRAMES 64
#define REPORT_MAX_THREADS 256	/* listed */
#define REPORT_MAX_UNWOUND 32	/* other threads unwound */
#define REPORT_NREGS 17		/* DWARF: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip */
#define REPORT_MAX_MAPS (256 * 1024)	/* bytes of /proc/PID/maps kept */

struct frame {
	uint64_t pc;
	char symbol[256];	/* "name+0x1f", or "" */
	char module[256];
};

/* A thread's stack: registers in DWARF order, its frames, or why not. */
struct stack {
	pid_t tid;
	mach_port_t port;	/* its thread port (others: ours to release) */
	Dwarf_Word regs[REPORT_NREGS];
	bool have_regs;
	bool suspended;		/* by us: thread_resume() it when done */
	const char *note;	/* why it was not unwound */
	struct frame frames[REPORT_MAX_FRAMES];
	int nframes;
};

struct crash {
	char id[128];			/* the tool's name for the report, or "" */
	struct timespec when;		/* CLOCK_REALTIME at the exception */
	pid_t pid, tid;
	char program[PATH_MAX];		/* /proc/PID/exe */
	char command[1024];		/* /proc/PID/cmdline, spaces between */
	exception_type_t exception;
	int64_t code[2];
	/* EXC_CRASH: its code[0] unpacked (signal, original type and code). */
	int crash_signal, crash_orig_exception, crash_orig_code;
	struct machexc_thread_fault fault;
	bool have_fault;
	bool stopped;			/* the thread waits in the exception */
	x86_thread_state64_t regs;
	x86_float_state64_t fpu;	/* thread_get_state() while it is stopped */
	bool have_fpu;
	char mapping[512];		/* the /proc/PID/maps line of the address */
	char *maps;			/* all of /proc/PID/maps (malloc'd), or NULL */
	bool maps_cut;			/* longer than REPORT_MAX_MAPS */
	struct stack stack;		/* the faulting thread */
	struct stack others[REPORT_MAX_UNWOUND];
	int nothers;
	pid_t threads[REPORT_MAX_THREADS];
	int nthreads;
};

/* ---- report.c ---- */
const char *exc_name(int type);
const char *signal_name(int sig);
const char *si_code_name(int sig, int code);
/* The signal the crash is about: EXC_CRASH's, else the fault's (0: none). */
int report_signal(const struct crash *c);
/*
 * Fill @c from one exception request (EXCEPTION_STATE_IDENTITY,
 * MACH_EXCEPTION_CODES, x86_THREAD_STATE64): the process, the thread, the
 * codes, every register, the memory map, the other threads' stacks.
 * False when there is nothing to report: the process has gone, or the
 * thread no longer waits in the exception (it was killed meanwhile).
 * The caller's rights are left alone; report_free() after.
 */
bool report_collect(struct crash *c, mach_port_t thread, mach_port_t task,
		    exception_type_t exception, const mach_exception_data_type_t *code,
		    mach_msg_type_number_t code_count, int flavor, const natural_t *state,
		    mach_msg_type_number_t state_count);
void report_free(struct crash *c);
/*
 * Receive one request on @port (one is queued: the port's fd polled
 * readable) and serve it with mach_exc_server(): the program's
 * catch_mach_exception_raise_state_identity() is called, and its answer
 * sent.  A mach_msg_return_t.
 */
mach_msg_return_t report_serve_one(mach_port_t port);

/* ---- threads.c ---- */
void threads_list(struct crash *c, mach_port_t task);
/* Stop the other threads and read their registers; and let them go. */
void threads_stop(struct crash *c);
void threads_release(struct crash *c);
/* A thread state as the unwinder's registers (DWARF order). */
void report_regs_from_state(struct stack *s, const x86_thread_state64_t *r);

/* ---- unwind.c ---- */
void unwind_all(struct crash *c);

/* ---- output.c ---- */
void report_stamp(const struct timespec *ts, char *buf, size_t size);
void report_text(FILE *f, const struct crash *c, const char *tool);
void report_json(FILE *f, const struct crash *c, const char *tool);
void json_string(FILE *f, const char *s);

#endif
