// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-dbg: a small gdb-like debugger built only on libmachexc's Mach
 * API -- task_for_pid(), task_suspend()/task_resume(), task_threads(),
 * thread_get_state()/thread_set_state() (general, debug registers),
 * exception ports and mach_exc_server(), mach_vm_read_overwrite(),
 * mach_vm_write(), mach_vm_region() -- and never ptrace().
 *
 *   machexc-dbg [options] PID
 *   machexc-dbg [options] -- PROGRAM [ARGS...]
 *
 * Files: main.c (this: arguments, commands), target.c (the process, its
 * exception port and loop), threads.c, breakpoints.c, regs.c, memory.c,
 * symbols.c (libdwfl), run.c (continue, steps, stop reports), output.c.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <machexc.h>

#include "breakpoints.h"
#include "main.h"
#include "memory.h"
#include "output.h"
#include "regs.h"
#include "run.h"
#include "symbols.h"
#include "target.h"
#include "threads.h"

#define MAX_SCRIPT 64

static bool quitting;
static int value_history;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: machexc-dbg [options] PID\n"
		"       machexc-dbg [options] -- PROGRAM [ARGS...]\n"
		"A small gdb-like debugger on Mach exception ports (libmachexc): attach to PID,\n"
		"or start PROGRAM stopped at its first instruction.\n\n"
		"  -x FILE       run the commands in FILE (repeatable)\n"
		"  -ex CMD       run CMD (repeatable; with -x, in the order given)\n"
		"  -batch        exit after the -x and -ex commands\n"
		"  --json        one JSON object per line for each event and result\n"
		"  -p PID        attach to PID\n"
		"  -q            quiet (accepted, as gdb)\n"
		"  -h, --help    this text\n\n"
		"See machexc-dbg(1).\n");
}

/* ---- commands -------------------------------------------------------------- */

static void cmd_print(const char *fmt, const char *expr)
{
	uint64_t v, addr, size;
	char name[256];

	if (!expr || !*expr) {
		out_error("Argument required (expression to compute).");
		return;
	}
	if (sscanf(expr, " %255[A-Za-z0-9_.] %c", name, &(char){ 0 }) == 1 &&
	    !isdigit((unsigned char)name[0]) && sym_lookup(name, &addr, &size) == 0 &&
	    (size == 1 || size == 2 || size == 4 || size == 8)) {
		/* A variable: its value, of its size. */
		int shift = 64 - 8 * (int)size;

		v = 0;
		if (mem_read(addr, &v, size) != (long)size) {
			out_error("Cannot access memory at address 0x%" PRIx64, addr);
			return;
		}
		v = (uint64_t)((int64_t)(v << shift) >> shift);
	} else if (sym_eval(expr, &v)) {
		return;
	}
	value_history++;
	if (out_json()) {
		js_begin("value");
		js_str("expression", expr);
		js_int("value", (long long)v);
		js_hex("hex", v);
		js_end();
	} else if (fmt && strchr(fmt, 'x')) {
		out_text("$%d = 0x%" PRIx64 "\n", value_history, v);
	} else {
		out_text("$%d = %" PRId64 "\n", value_history, (int64_t)v);
	}
}

static void cmd_info(const char *arg)
{
	char what[32] = "";
	const char *rest = arg;

	sscanf(arg, "%31s", what);
	rest += strspn(rest, " ");
	rest += strcspn(rest, " ");
	if (!strcmp(what, "registers") || !strcmp(what, "r") || !strcmp(what, "reg") ||
	    !strcmp(what, "all-registers"))
		cmd_info_registers(rest);
	else if (!strcmp(what, "threads") || !strcmp(what, "thr"))
		cmd_info_threads();
	else if (!strcmp(what, "breakpoints") || !strcmp(what, "b") || !strcmp(what, "break") ||
		 !strcmp(what, "watchpoints"))
		cmd_info_breakpoints();
	else if (!strcmp(what, "proc") || !strcmp(what, "regions"))
		cmd_info_regions();
	else
		out_error("Undefined info command: \"%s\".  Try \"help info\".", what);
}

static void cmd_detach(void)
{
	pid_t pid = T.pid;

	if (!target_alive()) {
		out_error("The program is not being run.");
		return;
	}
	target_detach();
	sym_reset();
	if (out_json()) {
		js_begin("detached");
		js_int("pid", pid);
		js_end();
	} else {
		out_text("[Inferior 1 (process %d) detached]\n", pid);
	}
}

static void cmd_kill(void)
{
	pid_t pid = T.pid;

	if (!target_alive()) {
		out_error("The program is not being run.");
		return;
	}
	target_kill();
	sym_reset();
	if (out_json()) {
		js_begin("killed");
		js_int("pid", pid);
		js_end();
	} else {
		out_text("[Inferior 1 (process %d) killed]\n", pid);
	}
}

/* "echo TEXT" with gdb's escapes (\n, \t, \\). */
static void cmd_echo(const char *text)
{
	char out[1024];
	size_t n = 0;

	for (; *text && n < sizeof(out) - 1; text++) {
		if (*text == '\\' && text[1]) {
			text++;
			out[n++] = *text == 'n' ? '\n' : *text == 't' ? '\t' : *text;
		} else {
			out[n++] = *text;
		}
	}
	out[n] = 0;
	if (out_json()) {
		js_begin("echo");
		js_str("text", out);
		js_end();
	} else {
		fputs(out, stdout);
		fflush(stdout);
	}
}

static void cmd_set(const char *arg)
{
	arg += strspn(arg, " ");
	if (!strncmp(arg, "var ", 4))
		arg += 4 + strspn(arg + 4, " ");
	if (*arg == '$')
		cmd_set_register(arg + 1);
	else if (*arg == '{')
		cmd_set_memory(arg);
	else if (!strncmp(arg, "confirm", 7) || !strncmp(arg, "pagination", 10) ||
		 !strncmp(arg, "width", 5) || !strncmp(arg, "height", 6))
		;	/* gdb settings that mean nothing here */
	else
		out_error("usage: set $REG = VALUE | set {TYPE} ADDRESS = VALUE");
}

static void cmd_help(void)
{
	out_text("break LOCATION | tbreak | delete [N] | watch/rwatch/awatch EXPR [LEN]\n"
		 "run | start | continue [N] | stepi [N] | step [N] | next [N] | finish\n"
		 "info registers [REG] | info threads | info breakpoints | info proc\n"
		 "set $REG = V | set {TYPE} ADDR = V | x/NFU ADDR | print[/x] EXPR\n"
		 "bt [N] | thread [N] | thread apply all|N... CMD\n"
		 "detach | kill | quit | echo TEXT\n");
}

static const char *word_arg(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(line, word, n) || (line[n] && line[n] != ' ' && line[n] != '\t'))
		return NULL;
	return line + n + strspn(line + n, " \t");
}

/* The command's name, any of: the full name first, then abbreviations. */
static const char *match(const char *line, const char *const *names)
{
	const char *arg;

	for (; *names; names++) {
		arg = word_arg(line, *names);
		if (arg)
			return arg;
	}
	return NULL;
}

#define M(...) ((const char *const[]){ __VA_ARGS__, NULL })

void dbg_command(const char *raw)
{
	char line[4096];
	const char *a;
	size_t n;

	snprintf(line, sizeof(line), "%s", raw);
	line[strcspn(line, "\n")] = 0;
	n = strlen(line);
	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = 0;
	raw = line + strspn(line, " \t");
	if (!*raw || *raw == '#')
		return;
	if ((a = match(raw, M("break", "b", "br", "brea"))))
		bp_add_break(a, false);
	else if ((a = match(raw, M("tbreak", "tb"))))
		bp_add_break(a, true);
	else if ((a = match(raw, M("delete", "d"))))
		cmd_delete(a);
	else if ((a = match(raw, M("watch"))))
		bp_add_watch(a, BP_WATCH);
	else if ((a = match(raw, M("rwatch"))))
		bp_add_watch(a, BP_RWATCH);
	else if ((a = match(raw, M("awatch"))))
		bp_add_watch(a, BP_AWATCH);
	else if ((a = match(raw, M("continue", "c", "cont", "fg"))))
		cmd_continue(a);
	else if ((a = match(raw, M("run", "r"))))
		cmd_continue(NULL);
	else if ((a = match(raw, M("start")))) {
		if (bp_add_break("main", true))
			cmd_continue(NULL);
	} else if ((a = match(raw, M("stepi", "si", "nexti", "ni"))))
		cmd_stepi(a);
	else if ((a = match(raw, M("step", "s"))))
		cmd_step(a, false);
	else if ((a = match(raw, M("next", "n"))))
		cmd_step(a, true);
	else if (match(raw, M("finish", "fin")))
		cmd_finish();
	else if ((a = match(raw, M("backtrace", "bt", "where"))))
		cmd_bt(a);
	else if ((a = match(raw, M("info", "i"))))
		cmd_info(a);
	else if ((a = match(raw, M("thread", "t")))) {
		const char *apply = word_arg(a, "apply");

		if (apply)
			cmd_thread_apply(apply, dbg_command);
		else
			cmd_thread(a);
	} else if (!strncmp(raw, "x/", 2) || word_arg(raw, "x")) {
		const char *fmt = raw[1] == '/' ? raw + 2 : NULL;
		const char *expr = fmt ? fmt + strcspn(fmt, " ") : raw + 1;

		cmd_x(fmt, expr + strspn(expr, " "));
	} else if (!strncmp(raw, "print/", 6) || !strncmp(raw, "p/", 2)) {
		const char *fmt = strchr(raw, '/') + 1;

		cmd_print(fmt, fmt + strcspn(fmt, " ") + strspn(fmt + strcspn(fmt, " "), " "));
	} else if ((a = match(raw, M("print", "p", "output"))))
		cmd_print(NULL, a);
	else if ((a = match(raw, M("set"))))
		cmd_set(a);
	else if (match(raw, M("detach")))
		cmd_detach();
	else if (match(raw, M("kill", "k")))
		cmd_kill();
	else if ((a = match(raw, M("echo"))))
		cmd_echo(a);
	else if (match(raw, M("quit", "q", "exit")))
		quitting = true;
	else if (match(raw, M("help", "h")))
		cmd_help();
	else
		out_error("Undefined command: \"%.*s\".  Try \"help\".", (int)strcspn(raw, " "), raw);
}

/* ---- the loop -------------------------------------------------------------- */

static void run_file(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f) {
		out_error("%s: %s.", path, strerror(errno));
		return;
	}
	while (!quitting && fgets(line, sizeof(line), f))
		dbg_command(line);
	fclose(f);
}

static void interactive(void)
{
	char line[4096], last[4096] = "";
	bool tty = isatty(0);

	while (!quitting) {
		if (tty && !out_json()) {
			printf("(dbg) ");
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		/* An empty line repeats stepping and continuing, as in gdb. */
		if (tty && line[strspn(line, " \t")] == '\n' &&
		    (match(last, M("step", "s", "next", "n", "stepi", "si", "nexti", "ni", "continue",
				   "c"))))
			snprintf(line, sizeof(line), "%s", last);
		dbg_command(line);
		snprintf(last, sizeof(last), "%s", line + strspn(line, " \t"));
		last[strcspn(last, "\n")] = 0;
	}
}

/* What is left at the end: an attached process goes on, one we started dies. */
static void finish_session(void)
{
	if (!target_alive())
		return;
	if (T.launched)
		cmd_kill();
	else
		cmd_detach();
}

struct script {
	bool file;
	const char *text;
};

int main(int argc, char **argv)
{
	struct script script[MAX_SCRIPT];
	struct machexc_version v;
	int nscript = 0, i;
	bool batch = false, json = false;
	pid_t pid = 0;
	char **program = NULL;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			program = argv + i + 1;
			break;
		}
		if ((!strcmp(a, "-x") || !strcmp(a, "-ex") || !strcmp(a, "--ex") ||
		     !strcmp(a, "--command") || !strcmp(a, "-p")) && i + 1 >= argc) {
			fprintf(stderr, "machexc-dbg: option '%s' requires an argument\n", a);
			return 2;
		}
		if (!strcmp(a, "-x") || !strcmp(a, "--command") || !strcmp(a, "-ex") ||
		    !strcmp(a, "--ex")) {
			if (nscript == MAX_SCRIPT) {
				fprintf(stderr, "machexc-dbg: too many -x/-ex\n");
				return 2;
			}
			script[nscript].file = a[1] == 'x' || a[2] == 'c';
			script[nscript++].text = argv[++i];
		} else if (!strcmp(a, "-batch") || !strcmp(a, "--batch")) {
			batch = true;
		} else if (!strcmp(a, "--json") || !strcmp(a, "-json")) {
			json = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "-quiet") || !strcmp(a, "-nx") ||
			   !strcmp(a, "-n")) {
			;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-p") || (isdigit((unsigned char)a[0]) && !pid)) {
			char *end;
			const char *num = a[0] == '-' ? argv[++i] : a;

			pid = (pid_t)strtol(num, &end, 10);
			if (*end || pid <= 0) {
				fprintf(stderr, "machexc-dbg: bad PID '%s'\n", num);
				return 2;
			}
		} else {
			fprintf(stderr, "machexc-dbg: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if ((!pid) == (!program || !*program)) {
		fprintf(stderr, "machexc-dbg: give a PID or -- PROGRAM [ARGS...]\n");
		usage(stderr);
		return 2;
	}
	out_init(json);
	if (machexc_api_version(&v) < 0) {
		fprintf(stderr, "machexc-dbg: %s: %s\n", MACHEXC_DEVICE_PATH, strerror(errno));
		fprintf(stderr, "machexc-dbg: is the machexc module loaded? ('modprobe machexc')\n");
		return 1;
	}
	if (!(v.features & MACHEXC_FEATURE_TASKS)) {
		fprintf(stderr, "machexc-dbg: this machexc module has no task calls\n");
		return 1;
	}
	if (pid ? target_attach(pid) : target_launch(program))
		return 1;
	run_report_start(pid ? "attached" : "exec");
	for (i = 0; i < nscript && !quitting; i++) {
		if (script[i].file)
			run_file(script[i].text);
		else
			dbg_command(script[i].text);
	}
	if (!batch)
		interactive();
	finish_session();
	return 0;
}
