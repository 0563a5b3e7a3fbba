// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: execution control and stop reports (see run.h). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "breakpoints.h"
#include "memory.h"
#include "output.h"
#include "regs.h"
#include "run.h"
#include "symbols.h"
#include "target.h"

#define MAX_STEPS 200000

/* What a stop means to the user. */
enum event {
	EV_NONE,	/* nothing to show: go on */
	EV_STEP_DONE,	/* the single step completed */
	EV_BREAKPOINT,	/* a user breakpoint */
	EV_INTERNAL,	/* an internal breakpoint (next, finish) */
	EV_WATCH,	/* a watchpoint fired */
	EV_SIGNAL,	/* a fault, or a trap that is not ours */
	EV_EXITED,
	EV_INTERRUPT,
	EV_ERROR,
};

struct event_info {
	enum event ev;
	struct stop st;
	struct breakpoint *bp;
	uint64_t old_value, new_value;
};

static pid_t last_reported_tid;

/* ---- frames -------------------------------------------------------------- */

static bool is_program(const char *module)
{
	return !strcmp(module, T.exe);
}

/* "main () at f.c:12", "0x... in f () at f.c:12", "0x... in f () from lib.so". */
static void frame_text(const struct location *loc, bool show_pc, char *buf, size_t size)
{
	int n = 0;

	if (show_pc || !loc->line)
		n = snprintf(buf, size, "0x%016" PRIx64 " in ", loc->pc);
	n += snprintf(buf + n, size - (size_t)n, "%s ()", loc->func[0] ? loc->func : "??");
	if (loc->line)
		snprintf(buf + n, size - (size_t)n, " at %s:%d", loc->file, loc->line);
	else if (loc->module[0] && !is_program(loc->module))
		snprintf(buf + n, size - (size_t)n, " from %s", loc->module);
}

static void frame_json(const struct location *loc)
{
	js_obj("frame");
	js_hex("pc", loc->pc);
	if (loc->func[0])
		js_str("func", loc->func);
	if (loc->line) {
		js_str("file", loc->file);
		js_str("fullname", loc->path);
		js_int("line", loc->line);
	}
	if (loc->module[0])
		js_str("module", loc->module);
	js_close();
}

void run_frame_text(struct dthread *th, char *buf, size_t size)
{
	struct location loc;

	sym_describe(regs_pc(th), &loc);
	frame_text(&loc, !loc.line_start, buf, size);
}

void run_frame_json(struct dthread *th)
{
	struct location loc;

	sym_describe(regs_pc(th), &loc);
	frame_json(&loc);
}

/* The source line, gdb's way: "12\t  x = 1;" (with the pc when mid-line). */
static void source_line(const struct location *loc, bool with_pc)
{
	char text[1024];

	if (!loc->line)
		return;
	if (with_pc && !loc->line_start)
		out_text("0x%016" PRIx64 "\t", loc->pc);
	if (sym_source_line(loc->path, loc->line, text, sizeof(text)))
		out_text("%d\t%s\n", loc->line, text);
	else
		out_text("%d\tin %s\n", loc->line, loc->path);
}

/* "Breakpoint 1, main () at f.c:12" then the line: where a stop left us. */
static void where_text(const struct location *loc)
{
	char frame[1024];

	frame_text(loc, !loc->line_start, frame, sizeof(frame));
	out_text("%s\n", frame);
	source_line(loc, false);
}

void run_report_start(const char *how)
{
	struct location loc;
	int i;

	sym_invalidate();
	sym_describe(regs_pc(cur_thread), &loc);
	if (out_json()) {
		js_begin("stop");
		js_str("reason", how);
		js_int("pid", T.pid);
		js_int("thread", cur_thread ? cur_thread->num : 0);
		js_arr("threads");
		for (i = 0; i < nthreads; i++)
			js_int(NULL, threads[i].tid);
		js_close();
		frame_json(&loc);
		js_end();
		return;
	}
	if (!strcmp(how, "attached")) {
		out_text("Attaching to process %d\n", T.pid);
		if (T.exe[0])
			out_text("Reading symbols from %s...\n", T.exe);
		for (i = 1; i < nthreads; i++)
			out_text("[New LWP %d]\n", threads[i].tid);
	} else {
		out_text("Program stopped.\n");
	}
	where_text(&loc);
	last_reported_tid = cur_thread ? cur_thread->tid : 0;
}

/* ---- classifying a stop ----------------------------------------------- */

static int exc_signal(const struct pending *p)
{
	if (p->have_fault && p->fault.signo)
		return p->fault.signo;
	switch (p->exception) {
	case EXC_BAD_ACCESS: return SIGSEGV;
	case EXC_BAD_INSTRUCTION: return SIGILL;
	case EXC_ARITHMETIC: return SIGFPE;
	default: return SIGTRAP;
	}
}

static void classify(struct event_info *e, pid_t stepping)
{
	struct pending *p = e->st.p;
	struct dthread *th = e->st.th;
	x86_thread_state64_t s;

	e->bp = NULL;
	switch (e->st.kind) {
	case STOP_EXITED:
		e->ev = EV_EXITED;
		return;
	case STOP_INTERRUPTED:
		e->ev = EV_INTERRUPT;
		return;
	case STOP_ERROR:
		e->ev = EV_ERROR;
		return;
	case STOP_EXCEPTION:
		break;
	}
	sym_invalidate();
	p->reported = true;
	if (!th || regs_get(th, &s)) {
		e->ev = EV_SIGNAL;
		p->answer = KERN_FAILURE;
		return;
	}
	if (p->exception != EXC_BREAKPOINT) {
		e->ev = EV_SIGNAL;
		p->answer = KERN_FAILURE;	/* continuing delivers the signal */
		return;
	}
	p->answer = KERN_SUCCESS;
	if (p->code[0] == EXC_I386_BPT) {
		struct breakpoint *b = bp_at(s.__rip - 1);
		uint8_t byte = 0;

		if (b || (mem_read_raw(s.__rip - 1, &byte, 1) == 1 && byte != 0xcc)) {
			/* Ours (or one deleted since it was hit): back onto it. */
			s.__rip--;
			regs_set(th, &s);
		}
		if (!b) {
			e->ev = byte == 0xcc ? EV_SIGNAL : EV_NONE;
			return;
		}
		if (!b->num) {
			e->ev = s.__rsp > b->frame_sp ? EV_INTERNAL : EV_NONE;
			return;
		}
		e->bp = bp_user_at(s.__rip);
		e->ev = EV_BREAKPOINT;
		return;
	}
	/* EXC_I386_SGL: a watchpoint, our single step, or a trap of the program's. */
	e->bp = bp_watch_hit(th);
	if (e->bp) {
		e->old_value = e->bp->old_value;
		bp_watch_value(e->bp, &e->new_value);
		e->bp->old_value = e->new_value;
		/* A write of the same value: gdb does not stop for it. */
		e->ev = e->bp->kind == BP_WATCH && e->old_value == e->new_value ?
			(th->tid == stepping ? EV_STEP_DONE : EV_NONE) : EV_WATCH;
		return;
	}
	e->ev = th->tid == stepping ? EV_STEP_DONE : EV_SIGNAL;
}

/* ---- resuming ------------------------------------------------------------- */

/* Step @th over the breakpoint it sits on, if any; EV_STEP_DONE when done. */
static struct event_info step_over(struct dthread *th)
{
	struct event_info e = { .ev = EV_STEP_DONE };
	uint64_t pc = regs_pc(th);
	pid_t tid = th->tid;

	if (!bp_at(pc))
		return e;
	bp_lift(pc);
	target_resume(th, &e.st);
	if (target_alive())
		bp_replant(pc);
	classify(&e, tid);
	return e;
}

/* Run (@step: that thread, one instruction) and classify where it stopped. */
static struct event_info go(struct dthread *step)
{
	struct event_info e = { .ev = EV_NONE };
	int i;

	if (step) {
		pid_t tid = step->tid;

		if (bp_at(regs_pc(step)))
			return step_over(step);		/* that is the step */
		target_resume(step, &e.st);
		classify(&e, tid);
		return e;
	}
	/* Threads sitting on a breakpoint they reported, or the current one. */
	for (i = 0; i < nthreads; i++) {
		struct dthread *th = &threads[i];
		struct pending *p = target_pending_of(th);

		if (th != cur_thread && !(p && p->exception == EXC_BREAKPOINT))
			continue;
		if (!bp_at(regs_pc(th)))
			continue;
		e = step_over(th);
		if (e.ev != EV_STEP_DONE)
			return e;
	}
	target_resume(NULL, &e.st);
	classify(&e, 0);
	return e;
}

/* ---- reporting ----------------------------------------------------------- */

static const char *sig_abbrev(int sig)
{
	static char buf[32];
	const char *a = sigabbrev_np(sig);

	snprintf(buf, sizeof(buf), "SIG%s", a ? a : "?");
	return buf;
}

static void report_exit(void)
{
	int st = T.exit_status;

	if (out_json()) {
		js_begin("exited");
		js_int("pid", T.pid);
		if (T.launched && WIFEXITED(st))
			js_int("exit-code", WEXITSTATUS(st));
		else if (T.launched && WIFSIGNALED(st))
			js_str("signal", sig_abbrev(WTERMSIG(st)));
		js_end();
		return;
	}
	if (!T.launched)
		out_text("[Inferior 1 (process %d) exited]\n", T.pid);
	else if (WIFSIGNALED(st))
		out_text("\nProgram terminated with signal %s, %s.\nThe program no longer exists.\n",
			 sig_abbrev(WTERMSIG(st)), strsignal(WTERMSIG(st)));
	else if (WEXITSTATUS(st))
		out_text("[Inferior 1 (process %d) exited with code %02o]\n", T.pid,
			 WEXITSTATUS(st));
	else
		out_text("[Inferior 1 (process %d) exited normally]\n", T.pid);
}

static const char *reason(enum event ev)
{
	switch (ev) {
	case EV_STEP_DONE: return "end-stepping-range";
	case EV_BREAKPOINT: return "breakpoint-hit";
	case EV_INTERNAL: return "function-finished";
	case EV_WATCH: return "watchpoint-trigger";
	case EV_SIGNAL: return "signal-received";
	case EV_INTERRUPT: return "signal-received";
	default: return "unknown";
	}
}

/* Tell the user about a stop (after stepi: @stepi shows the pc mid-line). */
static void report(struct event_info *e, bool stepi)
{
	struct dthread *th = e->st.th ? e->st.th : cur_thread;
	struct pending *p = e->st.p;
	struct location loc;
	char frame[1024];

	if (e->ev == EV_EXITED) {
		report_exit();
		return;
	}
	if (e->ev == EV_ERROR) {
		out_error("lost the target: waiting for it failed");
		return;
	}
	if (th)
		cur_thread = th;
	sym_describe(regs_pc(th), &loc);
	if (e->ev == EV_BREAKPOINT && e->bp)
		e->bp->hits++;
	if (out_json()) {
		js_begin("stop");
		js_str("reason", reason(e->ev));
		js_int("thread", th ? th->num : 0);
		js_int("tid", th ? th->tid : 0);
		if (e->bp && e->ev == EV_BREAKPOINT)
			js_int("bkptno", e->bp->num);
		if (e->bp && e->ev == EV_WATCH) {
			js_int("wpnum", e->bp->num);
			js_str("expression", e->bp->expr);
			js_int("old", bp_value_signed(e->bp, e->old_value));
			js_int("new", bp_value_signed(e->bp, e->new_value));
		}
		if (e->ev == EV_SIGNAL && p) {
			js_str("signal", sig_abbrev(exc_signal(p)));
			js_str("exception", exc_name(p->exception));
			js_arr("codes");
			js_hex(NULL, (uint64_t)p->code[0]);
			js_hex(NULL, (uint64_t)p->code[1]);
			js_close();
		}
		if (e->ev == EV_INTERRUPT)
			js_str("signal", "SIGINT");
		frame_json(&loc);
		js_end();
	} else {
		if (th && last_reported_tid && th->tid != last_reported_tid && nthreads > 1)
			out_text("[Switching to thread %d (Thread %d (LWP %d))]\n", th->num, th->tid,
				 th->tid);
		switch (e->ev) {
		case EV_BREAKPOINT:
			out_text("\n%s %d, ", e->bp && e->bp->temporary ? "Temporary breakpoint" :
					      "Breakpoint", e->bp ? e->bp->num : 0);
			where_text(&loc);
			break;
		case EV_WATCH:
			out_text("\n%s %d: %s\n\n",
				 e->bp->kind == BP_RWATCH ? "Hardware read watchpoint" :
				 e->bp->kind == BP_AWATCH ? "Hardware access (read/write) watchpoint" :
							    "Hardware watchpoint",
				 e->bp->num, e->bp->expr);
			if (e->old_value != e->new_value)
				out_text("Old value = %lld\nNew value = %lld\n",
					 bp_value_signed(e->bp, e->old_value),
					 bp_value_signed(e->bp, e->new_value));
			else
				out_text("Value = %lld\n", bp_value_signed(e->bp, e->new_value));
			where_text(&loc);
			break;
		case EV_SIGNAL: {
			int sig = p ? exc_signal(p) : SIGTRAP;

			out_text("\nProgram received signal %s, %s.\n", sig_abbrev(sig),
				 strsignal(sig));
			if (p)
				out_text("Mach exception %s (code=%" PRId64 ", subcode=0x%" PRIx64 ")\n",
					 exc_name(p->exception), p->code[0], (uint64_t)p->code[1]);
			where_text(&loc);
			break;
		}
		case EV_INTERRUPT:
			out_text("\nProgram received signal SIGINT, Interrupt.\n");
			where_text(&loc);
			break;
		case EV_INTERNAL:
		case EV_STEP_DONE:
		default:
			if (!loc.line) {
				frame_text(&loc, true, frame, sizeof(frame));
				out_text("%s\n", frame);
			} else if (stepi) {
				source_line(&loc, true);
			} else {
				source_line(&loc, false);
			}
			break;
		}
	}
	if (e->ev == EV_BREAKPOINT && e->bp && e->bp->temporary)
		bp_delete(e->bp);
	last_reported_tid = th ? th->tid : 0;
}

/* ---- the commands ------------------------------------------------------ */

static bool running_check(void)
{
	if (target_alive())
		return true;
	out_error("The program is not being run.");
	return false;
}

static long count_arg(const char *arg)
{
	long n = arg && *arg ? strtol(arg, NULL, 0) : 1;

	return n > 0 ? n : 1;
}

/* An exception another thread took meanwhile is the next stop. */
static bool report_queued(void)
{
	struct pending *p = target_unreported();
	struct event_info e = { .ev = EV_NONE };

	while (p) {
		e.st.kind = STOP_EXCEPTION;
		e.st.p = p;
		e.st.th = thread_by_tid(p->tid);
		classify(&e, 0);
		if (e.ev != EV_NONE) {
			report(&e, false);
			return true;
		}
		p = target_unreported();
	}
	return false;
}

void cmd_continue(const char *arg)
{
	long ignore = count_arg(arg) - 1;
	struct event_info e;

	if (!running_check())
		return;
	if (!out_json())
		out_text("Continuing.\n");
	if (report_queued())
		return;
	for (;;) {
		e = go(NULL);
		if (e.ev == EV_NONE || e.ev == EV_INTERNAL || e.ev == EV_STEP_DONE)
			continue;
		if (e.ev == EV_BREAKPOINT && e.bp && ignore > 0) {
			ignore--;
			e.bp->hits++;
			continue;
		}
		break;
	}
	bp_remove_internal();
	report(&e, false);
}

void cmd_stepi(const char *arg)
{
	long n = count_arg(arg), i;
	struct event_info e = { .ev = EV_NONE };

	if (!running_check())
		return;
	for (i = 0; i < n; i++) {
		e = go(cur_thread);
		if (e.ev != EV_STEP_DONE)
			break;
	}
	report(&e, true);
}

/* Run to an internal breakpoint at @addr in the frame above @sp. */
static struct event_info run_to(uint64_t addr, uint64_t sp)
{
	struct event_info e;

	if (!bp_add_internal(addr, sp)) {
		e.ev = EV_ERROR;
		memset(&e.st, 0, sizeof(e.st));
		e.st.kind = STOP_ERROR;
		return e;
	}
	do
		e = go(NULL);
	while (e.ev == EV_NONE || e.ev == EV_STEP_DONE);
	bp_remove_internal();
	return e;
}

/* One source line (@over: calls run through). */
static struct event_info step_line(bool over)
{
	struct event_info e = { .ev = EV_NONE };
	struct location start, loc;
	x86_thread_state64_t s;
	long i;

	sym_describe(regs_pc(cur_thread), &start);
	if (!start.line) {
		/* No line information: run until the function returns (gdb does too). */
		struct frame frames[2];

		if (sym_backtrace(cur_thread, frames, 2) < 2 || regs_get(cur_thread, &s))
			return go(cur_thread);
		return run_to(frames[1].pc, s.__rsp);
	}
	for (i = 0; i < MAX_STEPS; i++) {
		uint64_t old_sp, old_pc, ret = 0;

		if (regs_get(cur_thread, &s))
			break;
		old_sp = s.__rsp;
		old_pc = s.__rip;
		e = go(cur_thread);
		if (e.ev != EV_STEP_DONE)
			return e;
		if (regs_get(cur_thread, &s))
			break;
		sym_describe(s.__rip, &loc);
		/* A call: the return address is on the stack, just after it. */
		if (s.__rsp == old_sp - 8 && mem_read(s.__rsp, &ret, 8) == 8 && ret > old_pc &&
		    ret <= old_pc + 16) {
			if (over || !loc.line) {
				e = run_to(ret, s.__rsp);
				if (e.ev != EV_INTERNAL || regs_get(cur_thread, &s))
					return e;
				/* Back in the caller, perhaps at the start of the next line. */
				e.ev = EV_STEP_DONE;
				sym_describe(s.__rip, &loc);
				if (loc.line_start && loc.line != start.line)
					return e;
				continue;
			}
			/* Into a function with lines: stop past its prologue. */
			uint64_t body;

			if (loc.func[0] && sym_break_address(loc.func, &body) == 0 &&
			    body != s.__rip) {
				e = run_to(body, 0);
				if (e.ev == EV_INTERNAL)
					e.ev = EV_STEP_DONE;
			}
			e.bp = NULL;
			return e;
		}
		if (!loc.line)
			return e;	/* returned into code without lines */
		if (loc.line_start && (loc.line != start.line || s.__rip <= start.pc ||
				       strcmp(loc.path, start.path)))
			return e;
	}
	return e;
}

void cmd_step(const char *arg, bool over)
{
	long n = count_arg(arg), i;
	struct location before, after;
	struct event_info e = { .ev = EV_NONE };
	char frame[1024];

	if (!running_check())
		return;
	sym_describe(regs_pc(cur_thread), &before);
	for (i = 0; i < n; i++) {
		e = step_line(over);
		if (e.ev != EV_STEP_DONE && e.ev != EV_INTERNAL)
			break;
	}
	if ((e.ev == EV_STEP_DONE || e.ev == EV_INTERNAL) && !out_json()) {
		sym_describe(regs_pc(cur_thread), &after);
		if (after.line && strcmp(after.func, before.func)) {
			/* A new function: say which, as gdb does. */
			frame_text(&after, !after.line_start, frame, sizeof(frame));
			out_text("%s\n", frame);
			source_line(&after, false);
			return;
		}
	}
	report(&e, false);
}

void cmd_finish(void)
{
	struct frame frames[2];
	x86_thread_state64_t s;
	struct event_info e;
	char frame[1024];

	if (!running_check())
		return;
	if (sym_backtrace(cur_thread, frames, 2) < 2 || regs_get(cur_thread, &s)) {
		out_error("\"finish\" not meaningful in the outermost frame.");
		return;
	}
	if (!out_json()) {
		frame_text(&frames[0].loc, true, frame, sizeof(frame));
		out_text("Run till exit from #0  %s\n", frame);
	}
	e = run_to(frames[1].pc, s.__rsp);
	if (e.ev == EV_INTERNAL && !out_json()) {
		struct location loc;

		sym_describe(regs_pc(cur_thread), &loc);
		where_text(&loc);
		if (regs_get(cur_thread, &s) == 0)
			out_text("Value returned is $rax = %" PRId64 "\n", (int64_t)s.__rax);
		return;
	}
	report(&e, false);
}

void cmd_bt(const char *arg)
{
	struct frame frames[MAX_FRAMES];
	long max = arg && *arg ? strtol(arg, NULL, 0) : MAX_FRAMES;
	int n, i;

	if (!target_alive() || !cur_thread) {
		out_error("No stack.");
		return;
	}
	if (max <= 0 || max > MAX_FRAMES)
		max = MAX_FRAMES;
	n = sym_backtrace(cur_thread, frames, (int)max);
	if (out_json()) {
		js_begin("backtrace");
		js_int("thread", cur_thread->num);
		js_int("tid", cur_thread->tid);
		js_arr("frames");
	}
	for (i = 0; i < n; i++) {
		char frame[1024];

		if (out_json()) {
			js_obj(NULL);
			js_int("level", i);
			js_hex("pc", frames[i].pc);
			if (frames[i].loc.func[0])
				js_str("func", frames[i].loc.func);
			if (frames[i].loc.line) {
				js_str("file", frames[i].loc.file);
				js_int("line", frames[i].loc.line);
			}
			if (frames[i].loc.module[0])
				js_str("module", frames[i].loc.module);
			js_close();
			continue;
		}
		frame_text(&frames[i].loc, i > 0 || !frames[i].loc.line_start, frame, sizeof(frame));
		out_text("#%-2d %s\n", i, frame);
	}
	if (out_json())
		js_end();
}
