// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-dbg, the debugger built only on libmachexc's Mach API, driven
 * with -ex commands over dbg_prog (selftests/machexc/progs/dbg_prog.c, a
 * dynamically linked PIE with debug info): breakpoints in the program and
 * in libc, a hardware watchpoint, stepping onto a faulting instruction,
 * attaching to a process started elsewhere and to a multithreaded one,
 * and detaching so that the process finishes as if never debugged.
 * Every test names its rule; each one kills what it started, even when
 * an assertion fails (the fixture's teardown).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DBG_TIMEOUT 240		/* seconds: TCG is slow, single steps are many */
#define OUT_MAX 65536

FIXTURE(dbg)
{
	pid_t target;		/* a process the test started, or 0 */
	char target_out[256];	/* its standard output */
	char out[OUT_MAX];	/* the debugger's output */
};

FIXTURE_SETUP(dbg)
{
	self->target = 0;
	snprintf(self->target_out, sizeof(self->target_out), "/tmp/dbg-target-%d.out", getpid());
	self->out[0] = 0;
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->target > 0) {
		kill(self->target, SIGKILL);
		waitpid(self->target, NULL, 0);
	}
	unlink(self->target_out);
}

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * Run "machexc-dbg -batch ARGS" (a shell word list), its output (stdout
 * and stderr) into @out; its wait status.  It is killed after DBG_TIMEOUT.
 */
static int run_dbg(char *out, const char *fmt, ...)
{
	char args[4096], cmd[4300], path[64];
	va_list ap;
	int status;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "/tmp/dbg-out-%d", getpid());
	snprintf(cmd, sizeof(cmd), "exec machexc-dbg -batch %s >%s 2>&1", args, path);
	pid = fork();
	if (pid == 0) {
		alarm(DBG_TIMEOUT);	/* survives the exec: a hung debugger dies */
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	read_file(path, out, OUT_MAX);
	unlink(path);
	/* What a failing test shows. */
	fprintf(stderr, "# machexc-dbg %s\n", args);
	for (char *line = strtok(strdup(out), "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "#   | %s\n", line);
	return status;
}

/* Start "dbg_prog ARGS..." elsewhere, its output into @out; wait for "ready". */
static pid_t start_target(const char *out, char *const argv[])
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char buf[256];
	pid_t pid = fork();
	int i, fd;

	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (i = 0; pid > 0 && i < 3000; i++) {
		read_file(out, buf, sizeof(buf));
		if (strstr(buf, "ready"))
			return pid;
		nanosleep(&tick, NULL);
	}
	return -1;
}

/* The count of @needle in @hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* "break main" then "run" from the first instruction stops in main, in the PIE, with its line. */
TEST_F(dbg, break_main_in_pie_after_starti)
{
	int st = run_dbg(self->out, "-ex 'break main' -ex run -ex bt -ex 'info registers rip' "
			 "-- dbg_prog exit3");

	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_NE(NULL, strstr(self->out, "Program stopped."));
	EXPECT_NE(NULL, strstr(self->out, "Breakpoint 1 at 0x"));
	EXPECT_NE(NULL, strstr(self->out, ": file dbg_prog.c, line "));
	EXPECT_NE(NULL, strstr(self->out, "\nBreakpoint 1, main () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, "#0  main () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, "in __libc_start_main () from "));
	EXPECT_NE(NULL, strstr(self->out, "rip            0x"));
	EXPECT_NE(NULL, strstr(self->out, " <main+"));
	/* -batch ends the session: the program it started is killed. */
	EXPECT_NE(NULL, strstr(self->out, "[Inferior 1 (process "));
}

/* A program run to its end reports its exit code, as gdb does. */
TEST_F(dbg, run_to_exit_reports_exit_code)
{
	ASSERT_EQ(0, run_dbg(self->out, "-ex run -- dbg_prog exit3"));
	EXPECT_NE(NULL, strstr(self->out, ") exited with code 03]"));
}

/* A breakpoint on a libc function stops in it; bt leads back to main; the program then ends well. */
TEST_F(dbg, breakpoint_in_shared_library_function)
{
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'break main' -ex run -ex 'break puts' -ex continue "
			     "-ex bt -ex continue -- dbg_prog basic"));
	EXPECT_NE(NULL, strstr(self->out, "\nBreakpoint 2, "));
	/* puts or its alias _IO_puts, as libc's symbol table has them. */
	EXPECT_NE(NULL, strstr(self->out, "puts () from /"));
	EXPECT_NE(NULL, strstr(self->out, "libc.so.6"));
	EXPECT_NE(NULL, strstr(self->out, "#1  0x"));
	EXPECT_NE(NULL, strstr(self->out, " in main () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, "hello from dbg_prog"));
	EXPECT_NE(NULL, strstr(self->out, "compute 41"));
	EXPECT_NE(NULL, strstr(self->out, ") exited normally]"));
}

/* A hardware watchpoint on a variable stops after each write, with the old and new values. */
TEST_F(dbg, hardware_watchpoint_reports_writes)
{
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'break main' -ex run -ex 'watch counter' -ex continue "
			     "-ex continue -ex 'delete' -ex continue -- dbg_prog basic"));
	EXPECT_NE(NULL, strstr(self->out, "Hardware watchpoint 2: counter"));
	EXPECT_NE(NULL, strstr(self->out, "Old value = 0\nNew value = 1\n"));
	EXPECT_NE(NULL, strstr(self->out, "Old value = 1\nNew value = 2\n"));
	EXPECT_NE(NULL, strstr(self->out, "bump () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, ") exited normally]"));
}

/*
 * stepi steps over the breakpoint it stands on; stepi on an instruction
 * that faults reports the fault (EXC_BAD_ACCESS, SIGSEGV) and stays on
 * it; continue then delivers the signal.
 */
TEST_F(dbg, stepi_onto_faulting_instruction_reports_exc_bad_access)
{
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'break fault_at_insn' -ex run -ex stepi "
			     "-ex 'p/x $pc' -ex 'p/x fault_insn' -ex stepi -ex 'p/x $pc' -ex continue "
			     "-- dbg_prog fault"));
	EXPECT_NE(NULL, strstr(self->out, "\nBreakpoint 1, 0x"));
	EXPECT_NE(NULL, strstr(self->out, "Program received signal SIGSEGV, Segmentation fault."));
	EXPECT_NE(NULL, strstr(self->out, "Mach exception EXC_BAD_ACCESS (code=1, subcode=0x10)"));
	EXPECT_NE(NULL, strstr(self->out, "Program terminated with signal SIGSEGV"));
	/* $1 (pc after the first stepi) = $2 (fault_insn) = $3 (pc after the fault). */
	{
		char *a = strstr(self->out, "$1 = "), *b = strstr(self->out, "$2 = "),
		     *c = strstr(self->out, "$3 = ");

		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		ASSERT_NE(NULL, c);
		EXPECT_EQ(strtoull(a + 5, NULL, 0), strtoull(b + 5, NULL, 0));
		EXPECT_EQ(strtoull(a + 5, NULL, 0), strtoull(c + 5, NULL, 0));
	}
}

/* next runs over calls, step enters a function with lines; registers and memory are written. */
TEST_F(dbg, step_next_registers_and_memory)
{
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'break main' -ex run -ex 'next 5' -ex step "
			     "-ex 'set {int} &counter = 41' -ex 'x/1dw &counter' "
			     "-ex 'set $rax = 0x1234' -ex 'info registers rax' -ex 'p counter' "
			     "-ex 'x/2xg $sp' -ex finish -- dbg_prog basic"));
	EXPECT_NE(NULL, strstr(self->out, "compute () at dbg_prog.c:30\n"));
	EXPECT_NE(NULL, strstr(self->out, "\t41\n"));
	EXPECT_NE(NULL, strstr(self->out, "rax            0x1234             4660\n"));
	EXPECT_NE(NULL, strstr(self->out, "$1 = 41"));
	EXPECT_NE(NULL, strstr(self->out, "Run till exit from #0 "));
}

/* Attaching to a process started elsewhere: its thread, a backtrace, its memory. */
TEST_F(dbg, attach_to_process_started_elsewhere)
{
	char *const argv[] = { "dbg_prog", "wait", "100000", NULL };

	self->target = start_target(self->target_out, argv);
	ASSERT_LT(0, self->target);
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'info threads' -ex bt -ex 'x/1dw &counter' "
			     "-ex 'info proc' -ex detach %d", self->target));
	EXPECT_NE(NULL, strstr(self->out, "Attaching to process "));
	EXPECT_NE(NULL, strstr(self->out, "* 1    Thread "));
	EXPECT_NE(NULL, strstr(self->out, " in tick () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, " in main () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, "<counter>:\t"));
	EXPECT_NE(NULL, strstr(self->out, "r-x"));
	EXPECT_NE(NULL, strstr(self->out, "detached]"));
	/* Still running after the detach. */
	EXPECT_EQ(0, waitpid(self->target, NULL, WNOHANG));
}

/*
 * Detaching after breakpoints were hit and a watchpoint set: the int3s
 * are gone, the debug registers clear, the old exception ports back; the
 * process finishes with its own output and exit status.
 */
TEST_F(dbg, detach_leaves_process_running_correctly)
{
	char *const argv[] = { "dbg_prog", "wait", "150", NULL };
	char out[256];
	int status;

	self->target = start_target(self->target_out, argv);
	ASSERT_LT(0, self->target);
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'break tick' -ex continue -ex continue "
			     "-ex 'watch counter' -ex continue -ex detach %d", self->target));
	EXPECT_EQ(2, count(self->out, "\nBreakpoint 1, tick () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, "Hardware watchpoint 2: counter"));
	EXPECT_NE(NULL, strstr(self->out, "detached]"));
	ASSERT_EQ(self->target, waitpid(self->target, &status, 0));
	self->target = 0;
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(3, WEXITSTATUS(status));
	read_file(self->target_out, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "done 150\n"));
}

/* Attaching to a multithreaded program while its threads spin: all listed, each one unwound. */
TEST_F(dbg, attach_to_running_threads_lists_and_unwinds_all)
{
	char *const argv[] = { "dbg_prog", "threads", "3", NULL };

	self->target = start_target(self->target_out, argv);
	ASSERT_LT(0, self->target);
	ASSERT_EQ(0, run_dbg(self->out, "-ex 'info threads' -ex 'thread apply all bt' -ex 'thread 2' "
			     "-ex 'info registers rip' -ex detach %d", self->target));
	EXPECT_NE(NULL, strstr(self->out, "* 1    Thread "));
	EXPECT_NE(NULL, strstr(self->out, "  4    Thread "));
	EXPECT_EQ(4, count(self->out, "\nThread "));		/* thread apply all */
	/* Frame 0 is "spin_here () at" at a line's start, else "0x... in spin_here () at". */
	EXPECT_LE(3, count(self->out, "spin_here () at dbg_prog.c:"));
	EXPECT_LE(3, count(self->out, " in worker () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, " in main () at dbg_prog.c:"));
	EXPECT_NE(NULL, strstr(self->out, "[Switching to thread 2 "));
	EXPECT_EQ(0, waitpid(self->target, NULL, WNOHANG));
}

/* --json: one object per line, stops with their reason and frame. */
TEST_F(dbg, json_one_object_per_line)
{
	char *line;

	ASSERT_EQ(0, run_dbg(self->out, "--json -ex 'break main' -ex run -ex bt -- dbg_prog exit3"));
	EXPECT_NE(NULL, strstr(self->out, "{\"type\":\"stop\",\"reason\":\"breakpoint-hit\""));
	EXPECT_NE(NULL, strstr(self->out, "\"func\":\"main\""));
	EXPECT_NE(NULL, strstr(self->out, "{\"type\":\"backtrace\""));
	for (line = strtok(self->out, "\n"); line; line = strtok(NULL, "\n")) {
		EXPECT_EQ('{', line[0]);
		EXPECT_EQ('}', line[strlen(line) - 1]);
	}
}

/* Bad usage is status 2; a process that is not there, 1. */
TEST_F(dbg, bad_usage_and_missing_process)
{
	EXPECT_EQ(2, WEXITSTATUS(run_dbg(self->out, "")));
	EXPECT_EQ(2, WEXITSTATUS(run_dbg(self->out, "--frobnicate 1")));
	EXPECT_EQ(1, WEXITSTATUS(run_dbg(self->out, "999999")));
	EXPECT_NE(NULL, strstr(self->out, "Could not attach to process 999999"));
	EXPECT_EQ(1, WEXITSTATUS(run_dbg(self->out, "-- /nonexistent/program")));
}

TEST_HARNESS_MAIN
