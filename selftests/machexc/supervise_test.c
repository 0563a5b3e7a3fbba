// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-supervise over crashers of each exception type and a
 * multithreaded one: the report's fields (symbol names in the backtrace
 * included), the exit status and signal, and the restart policy and its
 * limit.  The crashers are this program, run as "supervise_test crash
 * KIND"; it is built with symbols, so frames have names.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>

#include "kselftest_harness.h"

/* ---- the crashers ---------------------------------------------------------- */

static int *volatile bad_pointer = (int *)16;

__attribute__((noinline)) void crash_segv(void)
{
	*bad_pointer = 1;
}

__attribute__((noinline)) void crash_ill(void)
{
	__asm__ volatile("ud2");
}

__attribute__((noinline)) void crash_fpe(void)
{
	__asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; xor %%ecx, %%ecx; div %%ecx"
			 ::: "eax", "ecx", "edx");
}

__attribute__((noinline)) void crash_trap(void)
{
	__asm__ volatile("int3");
}

__attribute__((noinline)) void *crash_thread_main(void *arg)
{
	(void)arg;
	crash_segv();
	return NULL;
}

static pthread_barrier_t together;

/* Two threads crash at once: the second waits while the first is reported. */
__attribute__((noinline)) void *crash_together(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&together);
	crash_ill();
	return NULL;
}

static volatile sig_atomic_t recovered;
static volatile int spins;
static sigjmp_buf recover;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(recover, 1);
}

/* A thread that keeps running (and counting) while another one crashes. */
__attribute__((noinline)) void *spin_thread_main(void *arg)
{
	(void)arg;
	while (!recovered)
		spins++;
	return NULL;
}

/* The crash goes to the program's own SIGSEGV handler; all threads go on. */
static int survive(void)
{
	pthread_t t;
	int before;

	pthread_create(&t, NULL, spin_thread_main, NULL);
	while (!spins)
		;
	signal(SIGSEGV, on_segv);
	if (!sigsetjmp(recover, 1))
		crash_segv();
	before = spins;
	while (spins == before)		/* the spinner was let go again */
		;
	recovered = 1;
	pthread_join(t, NULL);
	return 7;
}

static char self[4096];
static volatile pid_t first_sleeper;

/* A thread that sleeps, the first of them telling its tid. */
__attribute__((noinline)) void *sleeper_thread_main(void *arg)
{
	if (arg)
		first_sleeper = gettid();
	for (;;)
		pause();
	return NULL;
}

/*
 * Has the first sleeper been reached by the reporter: traced (ptrace), or
 * no longer asleep in pause() (parked by thread_suspend(), state D)?
 */
static bool sleeper_reached(void)
{
	char path[64], buf[2048], *state, *tracer;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", first_sleeper);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	state = strstr(buf, "State:\t");
	tracer = strstr(buf, "TracerPid:\t");
	return (state && state[7] != 'S' && state[7] != 'R') || (tracer && atoi(tracer + 11));
}

/*
 * Once the reporter has reached the first sleeper, exec "crash exit3":
 * the exec then runs while the other threads are being stopped for the
 * report.  This thread is made last, so a reporter that goes through the
 * threads in order reaches it last.  (Under the ptrace-based reporter of
 * before, the exec held cred_guard_mutex while it waited for the threads
 * already traced to be reaped by the reporter, which was blocked taking
 * that mutex in its next PTRACE_SEIZE.)
 */
__attribute__((noinline)) void *exec_thread_main(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&together);
	while (!sleeper_reached())
		;
	execl(self, self, "crash", "exit3", (char *)NULL);
	return NULL;
}

static int crasher(const char *kind)
{
	pthread_t t, t2;
	int status;

	if (!strcmp(kind, "segv"))
		crash_segv();
	else if (!strcmp(kind, "ill"))
		crash_ill();
	else if (!strcmp(kind, "fpe"))
		crash_fpe();
	else if (!strcmp(kind, "trap"))
		crash_trap();
	else if (!strcmp(kind, "thread")) {
		pthread_create(&t, NULL, crash_thread_main, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(kind, "two")) {
		pthread_barrier_init(&together, NULL, 2);
		pthread_create(&t, NULL, crash_together, NULL);
		pthread_create(&t2, NULL, crash_together, NULL);
		pthread_join(t, NULL);
		pthread_join(t2, NULL);
	} else if (!strcmp(kind, "child")) {
		/* A program that forks: its child crashes, it survives. */
		if (fork() == 0)
			crash_segv();
		wait(&status);
		return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV ? 5 : 6;
	} else if (!strcmp(kind, "execrace")) {
		int i;

		pthread_create(&t, NULL, sleeper_thread_main, (void *)1);
		for (i = 0; i < 29; i++)
			pthread_create(&t, NULL, sleeper_thread_main, NULL);
		while (!first_sleeper)
			;
		pthread_barrier_init(&together, NULL, 2);
		pthread_create(&t2, NULL, exec_thread_main, NULL);
		pthread_barrier_wait(&together);
		crash_segv();
	} else if (!strcmp(kind, "abort")) {
		abort();
	} else if (!strcmp(kind, "quit")) {
		/* Killed by another process: a child of ours sends SIGQUIT. */
		if (fork() == 0) {
			kill(getppid(), SIGQUIT);
			_exit(0);
		}
		for (;;)
			pause();
	} else if (!strcmp(kind, "survive")) {
		return survive();
	} else if (!strcmp(kind, "exit3"))
		return 3;
	return 0;
}

/* ---- running the supervisor --------------------------------------------------- */

/* Run the supervisor with @opts over "self crash @kind"; its wait status. */
static int supervise(const char *dir, const char *opts, const char *kind)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "exec machexc-supervise --json --report-dir %s %s -- %s "
		 "crash %s 2>>%s/log", dir, opts, self, kind, dir);
	return system(cmd);
}

static int count_reports(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		n += !strncmp(d->d_name, "crash-", 6);
	closedir(dp);
	return n;
}

/* The (first) report's text. */
static char *read_report(const char *dir)
{
	static char buf[65536];
	char path[4096];
	struct dirent *d;
	DIR *dp = opendir(dir);
	ssize_t n = 0;
	int fd;

	buf[0] = 0;
	while (dp && (d = readdir(dp))) {
		if (strncmp(d->d_name, "crash-", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
		break;
	}
	if (dp)
		closedir(dp);
	return buf;
}

static void fresh_dir(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/supervise-%s-%d", name, getpid());
	mkdir(dir, 0755);
}

struct kind {
	const char *kind, *exception, *signal, *code, *symbol;
	int sig;
};

static const struct kind kinds[] = {
	{ "segv", "EXC_BAD_ACCESS", "SIGSEGV", "SEGV_MAPERR", "crash_segv", SIGSEGV },
	{ "ill", "EXC_BAD_INSTRUCTION", "SIGILL", "ILL_ILLOPN", "crash_ill", SIGILL },
	{ "fpe", "EXC_ARITHMETIC", "SIGFPE", "FPE_INTDIV", "crash_fpe", SIGFPE },
	{ "trap", "EXC_BREAKPOINT", "SIGTRAP", "SI_KERNEL", "crash_trap", SIGTRAP },
};

/* Each exception type: a report with the right fields; death by the signal. */
TEST(crash_report_each_type)
{
	char dir[256], want[256];
	unsigned int i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct kind *k = &kinds[i];
		char *r;
		int st;

		TH_LOG("%s", k->kind);
		fresh_dir(dir, sizeof(dir), k->kind);
		st = supervise(dir, "", k->kind);
		/* system() gives the shell's status: the supervisor died by the signal. */
		ASSERT_TRUE(WIFSIGNALED(st));
		EXPECT_EQ(k->sig, WTERMSIG(st));
		EXPECT_EQ(1, count_reports(dir));
		r = read_report(dir);
		snprintf(want, sizeof(want), "\"type\": \"%s\"", k->exception);
		EXPECT_NE(NULL, strstr(r, want));
		snprintf(want, sizeof(want), "\"name\": \"%s\"", k->signal);
		EXPECT_NE(NULL, strstr(r, want));
		snprintf(want, sizeof(want), "\"code\": \"%s\"", k->code);
		EXPECT_NE(NULL, strstr(r, want));
		EXPECT_NE(NULL, strstr(r, k->symbol));		/* symbolized backtrace */
		EXPECT_NE(NULL, strstr(r, "\"symbol\": \"main+"));
		EXPECT_NE(NULL, strstr(r, "\"rip\": \"0x"));	/* registers */
		EXPECT_NE(NULL, strstr(r, "supervise_test"));	/* program and mapping */
		if (k->sig == SIGSEGV)
			EXPECT_NE(NULL, strstr(r, "\"address\": \"0x10\""));
		/* The float and SSE state too (MXCSR as a new thread has it). */
		EXPECT_NE(NULL, strstr(r, "\"mxcsr\": \"0x1f80\""));
		EXPECT_NE(NULL, strstr(r, "\"xmm\": [\"0x"));
	}
}

/*
 * Where the module raises EXC_CRASH, a death by signal that no fault
 * raised is reported too: abort(), and SIGQUIT sent by another process.
 * One report each, and the supervisor dies of the same signal.
 */
TEST(abort_and_a_signal_from_another_process_reported)
{
	static const struct {
		const char *kind, *signal, *frame;
		int sig;
	} k[] = {
		{ "abort", "SIGABRT", "\"symbol\": \"abort+", SIGABRT },
		{ "quit", "SIGQUIT", "\"symbol\": \"main+", SIGQUIT },
	};
	struct machexc_version v;
	char dir[256], want[256];
	unsigned int i;

	if (machexc_api_version(&v) || !(v.features & MACHEXC_FEATURE_CRASH))
		SKIP(return, "the module raises no EXC_CRASH here (see README: IBT)");
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char *r;
		int st;

		TH_LOG("%s", k[i].kind);
		fresh_dir(dir, sizeof(dir), k[i].kind);
		st = supervise(dir, "", k[i].kind);
		ASSERT_TRUE(WIFSIGNALED(st));
		EXPECT_EQ(k[i].sig, WTERMSIG(st));
		EXPECT_EQ(1, count_reports(dir));
		r = read_report(dir);
		EXPECT_NE(NULL, strstr(r, "\"type\": \"EXC_CRASH\""));
		snprintf(want, sizeof(want), "\"name\": \"%s\"", k[i].signal);
		EXPECT_NE(NULL, strstr(r, want));
		EXPECT_NE(NULL, strstr(r, k[i].frame));
	}
}

/* A crash in a second thread: its tid, its stack. */
TEST(multithreaded_crash)
{
	char dir[256], *r, *pid, *tid;
	int st;

	fresh_dir(dir, sizeof(dir), "thread");
	st = supervise(dir, "", "thread");
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	r = read_report(dir);
	EXPECT_NE(NULL, strstr(r, "crash_thread_main"));
	EXPECT_NE(NULL, strstr(r, "crash_segv"));
	pid = strstr(r, "\"pid\": ");
	tid = strstr(r, "\"tid\": ");
	ASSERT_NE(NULL, pid);
	ASSERT_NE(NULL, tid);
	EXPECT_NE(atoi(pid + 7), atoi(tid + 7));	/* not the main thread */
	/* The main thread, waiting in pthread_join(), stopped and unwound too. */
	EXPECT_NE(NULL, strstr(r, "\"crashed\": true, \"backtrace\""));
	EXPECT_NE(NULL, strstr(r, "\"crashed\": false, \"backtrace\""));
	EXPECT_NE(NULL, strstr(r, "\"symbol\": \"main+"));
}

/*
 * The other threads were only stopped to be unwound: a program that
 * survives its crash (its own SIGSEGV handler) goes on with every thread,
 * none left traced.
 */
TEST(other_threads_go_on)
{
	char dir[256], *r;
	int st;

	fresh_dir(dir, sizeof(dir), "survive");
	st = supervise(dir, "", "survive");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(7, WEXITSTATUS(st));
	EXPECT_EQ(1, count_reports(dir));
	r = read_report(dir);
	EXPECT_NE(NULL, strstr(r, "\"symbol\": \"spin_thread_main+"));
}

/* Two threads crash at once: both reported, one after the other. */
TEST(crash_while_reporting)
{
	char dir[256];
	int st;

	fresh_dir(dir, sizeof(dir), "two");
	st = supervise(dir, "", "two");
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGILL, WTERMSIG(st));
	/* The first crash kills the process; the second was already waiting. */
	EXPECT_LE(1, count_reports(dir));
	EXPECT_NE(NULL, strstr(read_report(dir), "crash_together"));
}

/* A program that forks: its child's crash is reported, with the child's pid. */
TEST(program_that_forks)
{
	char dir[256], *r, *pid;
	int st;

	fresh_dir(dir, sizeof(dir), "child");
	st = supervise(dir, "", "child");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(5, WEXITSTATUS(st));		/* the program itself survived */
	EXPECT_EQ(1, count_reports(dir));
	r = read_report(dir);
	EXPECT_NE(NULL, strstr(r, "crash_segv"));
	pid = strstr(r, "\"pid\": ");
	ASSERT_NE(NULL, pid);
	EXPECT_NE(0, atoi(pid + 7));
}

/* --restart=on-crash with a limit: 1 + N runs, N + 1 reports, then its signal. */
TEST(restart_on_crash_with_limit)
{
	char dir[256], log[512];
	FILE *f;
	int st, restarts = 0;
	char line[512];

	fresh_dir(dir, sizeof(dir), "restart");
	st = supervise(dir, "--restart=on-crash --max-restarts 2 --backoff-ms 10", "ill");
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGILL, WTERMSIG(st));
	EXPECT_EQ(3, count_reports(dir));
	snprintf(log, sizeof(log), "%s/log", dir);
	f = fopen(log, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		restarts += !!strstr(line, "restarting in");
	fclose(f);
	EXPECT_EQ(2, restarts);
}

/* on-crash does not restart a clean exit; always does; the status passes through. */
TEST(restart_policies_and_exit_status)
{
	char dir[256];
	int st;

	fresh_dir(dir, sizeof(dir), "exit");
	st = supervise(dir, "--restart=on-crash", "exit3");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(3, WEXITSTATUS(st));
	EXPECT_EQ(0, count_reports(dir));
	st = supervise(dir, "--restart=always --max-restarts 1 --backoff-ms 1", "none");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* The lines of @dir/log that contain @what. */
static int log_lines(const char *dir, const char *what)
{
	char path[512], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n += !!strstr(line, what);
	if (f)
		fclose(f);
	return n;
}

/*
 * The restart delay doubles up to 30 s, and a longer --backoff-ms is cut
 * to 30 s too.  MACHEXC_SUPERVISE_NO_WAIT=1 makes the supervisor log each
 * delay without waiting it.
 */
TEST(restart_backoff_is_capped_at_30_s)
{
	char dir[256];
	int st;

	ASSERT_EQ(0, setenv("MACHEXC_SUPERVISE_NO_WAIT", "1", 1));
	fresh_dir(dir, sizeof(dir), "backoff");
	st = supervise(dir, "--restart=always --max-restarts 4 --backoff-ms 20000", "exit3");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(3, WEXITSTATUS(st));
	EXPECT_EQ(1, log_lines(dir, "restarting in 20000 ms"));
	EXPECT_EQ(3, log_lines(dir, "restarting in 30000 ms"));
	EXPECT_EQ(4, log_lines(dir, "restarting in "));
	fresh_dir(dir, sizeof(dir), "backoff-long");
	st = supervise(dir, "--restart=always --max-restarts 1 --backoff-ms 100000", "exit3");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(1, log_lines(dir, "restarting in 30000 ms"));
	EXPECT_EQ(1, log_lines(dir, "restarting in "));
}

/*
 * Another thread execs while the crash is reported: the supervisor stops
 * the other threads with Mach calls, not ptrace, so the exec (holding
 * cred_guard_mutex, waiting for its other threads to go) cannot deadlock
 * against it.  Either the exec or the crash wins; the supervisor ends.
 */
TEST(exec_while_reporting_does_not_deadlock)
{
	char dir[256];
	int st, i;

	for (i = 0; i < 3; i++) {
		fresh_dir(dir, sizeof(dir), "execrace");
		st = supervise(dir, "", "execrace");
		if (WIFEXITED(st)) {
			EXPECT_EQ(3, WEXITSTATUS(st));
		} else {
			EXPECT_EQ(SIGSEGV, WTERMSIG(st));
		}
	}
}

/* Bad options: a clear error and status 2; a missing program: 127. */
TEST(bad_usage)
{
	EXPECT_EQ(2, WEXITSTATUS(system("machexc-supervise --restart=sometimes -- true "
					"2>/dev/null")));
	EXPECT_EQ(2, WEXITSTATUS(system("machexc-supervise 2>/dev/null")));
	EXPECT_EQ(0, WEXITSTATUS(system("machexc-supervise --help | grep -q -- --max-restarts")));
	EXPECT_EQ(2, WEXITSTATUS(system("machexc-supervise --json -- true 2>/dev/null")));
	EXPECT_EQ(127, WEXITSTATUS(system("machexc-supervise -- /nonexistent 2>/dev/null")));
}

/* A --report-dir that does not exist yet is made. */
TEST(report_dir_is_made)
{
	char dir[256], cmd[8192];
	int st;

	snprintf(dir, sizeof(dir), "/tmp/supervise-new-%d", getpid());
	ASSERT_NE(0, access(dir, F_OK));
	snprintf(cmd, sizeof(cmd), "exec machexc-supervise --report-dir %s -- %s crash segv "
		 "2>/dev/null", dir, self);
	st = system(cmd);
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	EXPECT_EQ(1, count_reports(dir));
}

/* No /dev/machexc (here: hidden by an empty /dev): 125, and what to do. */
TEST(missing_device)
{
	char path[] = "/tmp/supervise-nodev-XXXXXX", buf[4096];
	int fd = mkstemp(path), status;
	ssize_t n;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/dev", "tmpfs", 0, NULL) || dup2(fd, 2) < 0)
			_exit(99);
		execlp("machexc-supervise", "machexc-supervise", "--", "true", (char *)NULL);
		_exit(98);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(125, WEXITSTATUS(status));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	EXPECT_NE(NULL, strstr(buf, "/dev/machexc"));
	EXPECT_NE(NULL, strstr(buf, "modprobe machexc"));
	close(fd);
	unlink(path);
}

int main(int argc, char **argv)
{
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	if (argc > 2 && !strcmp(argv[1], "crash"))
		return crasher(argv[2]);
	return test_harness_run(argc, argv);
}
