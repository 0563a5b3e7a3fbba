// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-crashd, run as the system's crash reporter against crashing
 * programs: a report per crash in both formats with the exception, the
 * signal and symbolized frames; `list` and `show`; the per-program and
 * global rate limits (the excess dropped and counted); rotation keeping
 * the newest N; the other threads unwound; the host port's privilege.
 *
 * The crashers are this program ("crashd_test crash KIND").  No test
 * waits for time: the daemon tells it is ready with sd_notify's READY=1,
 * and it writes a report before it answers the exception, so the report
 * is there once the crasher's wait status is.  Rate limits use intervals
 * of days, so no token comes back during a test.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
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

static pthread_barrier_t ready;

__attribute__((noinline)) void *waiting_thread_main(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
	return NULL;
}

__attribute__((noinline)) void crash_abort(void)
{
	abort();
}

/* Says it is ready on standard output, then waits for a fatal signal. */
__attribute__((noinline)) void wait_for_a_signal(void)
{
	if (write(1, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int crasher(const char *kind)
{
	pthread_t t;

	if (!strcmp(kind, "abort"))
		crash_abort();
	else if (!strcmp(kind, "wait"))
		wait_for_a_signal();
	else if (!strcmp(kind, "segv"))
		crash_segv();
	else if (!strcmp(kind, "ill"))
		crash_ill();
	else if (!strcmp(kind, "fpe"))
		crash_fpe();
	else if (!strcmp(kind, "trap"))
		crash_trap();
	else if (!strcmp(kind, "threads")) {
		/* A second thread, waiting in pause(), when the main one crashes. */
		pthread_barrier_init(&ready, NULL, 2);
		pthread_create(&t, NULL, waiting_thread_main, NULL);
		pthread_barrier_wait(&ready);
		crash_segv();
	}
	return 0;
}

/* ---- the daemon ------------------------------------------------------------- */

static char self_exe[4096];
static bool crash_feature;

struct daemon {
	pid_t pid;
	char dir[256];
};

/*
 * Start machexc-crashd --dir @d->dir @opts; wait for its READY=1 (false if
 * it exited first).  Its stderr goes to DIR.log.
 */
static bool daemon_start(struct daemon *d, const char *name, const char *opts)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char sock[108], buf[256], cmd[1024];
	int fd, pidfd;
	ssize_t n;

	snprintf(d->dir, sizeof(d->dir), "/tmp/crashd-%s-%d", name, getpid());
	snprintf(sock, sizeof(sock), "@crashd-test-%d", getpid());
	memcpy(sa.sun_path + 1, sock + 1, strlen(sock) - 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sock))))
		return false;
	snprintf(cmd, sizeof(cmd), "exec machexc-crashd --dir %s %s 2>>%s.log", d->dir, opts,
		 d->dir);
	d->pid = fork();
	if (d->pid == 0) {
		setenv("NOTIFY_SOCKET", sock, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			n = recv(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = 0;
			if (!strcmp(buf, "READY=1"))
				break;
			continue;
		}
		close(fd);
		close(pidfd);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
		return false;
	}
	close(fd);
	close(pidfd);
	return true;
}

/* SIGTERM: it gives the host port up and exits 0.  Its exit status. */
static int daemon_stop(struct daemon *d)
{
	int status;

	if (!d->pid)
		return -1;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run "@prog crash @kind"; its wait status. */
static int run_crasher(const char *prog, const char *kind)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execl(prog, prog, "crash", kind, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return status;
}

/* Start "@prog crash wait"; its pid once it waits for the signal. */
static pid_t start_waiter(const char *prog)
{
	int fd[2];
	char c;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		execl(prog, prog, "crash", "wait", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(fd[0]);
	return pid;
}

static int count(const char *dir, const char *ext)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		n += e->d_name[0] != '.' && len > strlen(ext) &&
		     !strcmp(e->d_name + len - strlen(ext), ext);
	}
	if (d)
		closedir(d);
	return n;
}

/* The contents of a file (static buffer). */
static char *slurp(const char *path)
{
	static char buf[1 << 20];
	ssize_t n = 0, r;
	int fd = open(path, O_RDONLY);

	while (fd >= 0 && (size_t)n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	if (fd >= 0)
		close(fd);
	buf[n] = 0;
	return buf;
}

/* The first report's id (its name without .json), into @id. */
static bool first_id(const char *dir, char *id, size_t size)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	bool found = false;

	while (d && (e = readdir(d)) && !found) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] != '.' && len > 5 && !strcmp(e->d_name + len - 5, ".json")) {
			snprintf(id, size, "%.*s", (int)(len - 5), e->d_name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

static char *report(const char *dir, const char *ext)
{
	char id[256], path[1024];

	if (!first_id(dir, id, sizeof(id)))
		return "";
	snprintf(path, sizeof(path), "%s/%s.%s", dir, id, ext);
	return slurp(path);
}

/* The output of a shell command (static buffer) and its status. */
static char *output(const char *cmd, int *status)
{
	static char buf[65536];
	size_t n = 0;
	FILE *p = popen(cmd, "r");

	buf[0] = 0;
	if (!p)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	*status = pclose(p);
	return buf;
}

static long counter(const char *dir, const char *name)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/counters", dir);
	p = strstr(slurp(path), name);
	return p ? atol(p + strlen(name) + 1) : -1;
}

struct kind {
	const char *kind, *exception, *signal, *symbol;
	int sig;
};

static const struct kind kinds[] = {
	{ "segv", "EXC_BAD_ACCESS", "SIGSEGV", "crash_segv", SIGSEGV },
	{ "ill", "EXC_BAD_INSTRUCTION", "SIGILL", "crash_ill", SIGILL },
	{ "fpe", "EXC_ARITHMETIC", "SIGFPE", "crash_fpe", SIGFPE },
	{ "trap", "EXC_BREAKPOINT", "SIGTRAP", "crash_trap", SIGTRAP },
};

/* ---- the tests ------------------------------------------------------------------ */

/* Seconds per test: TCG is slow, and each crash is unwound. */
#define CRASHD_TIMEOUT 300

FIXTURE(crashd) {
	struct daemon d;
};

FIXTURE_SETUP(crashd)
{
	memset(&self->d, 0, sizeof(self->d));
}

/* A test that failed half way leaves no daemon holding the host port. */
FIXTURE_TEARDOWN(crashd)
{
	daemon_stop(&self->d);
}

/*
 * Each crash: one report as .txt and .json, with the exception (EXC_CRASH
 * where the module raises it), the signal, registers, the memory map and
 * a symbolized backtrace; the crasher dies of its signal as without us.
 */
TEST_F_TIMEOUT(crashd, one_report_per_crash_in_text_and_json, CRASHD_TIMEOUT)
{
	char want[256];
	unsigned int i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct kind *k = &kinds[i];
		char *r;
		int st;

		TH_LOG("%s", k->kind);
		ASSERT_TRUE(daemon_start(&self->d, k->kind, ""));
		st = run_crasher(self_exe, k->kind);
		ASSERT_TRUE(WIFSIGNALED(st));
		EXPECT_EQ(k->sig, WTERMSIG(st));
		EXPECT_EQ(1, count(self->d.dir, ".json"));
		EXPECT_EQ(1, count(self->d.dir, ".txt"));
		r = report(self->d.dir, "json");
		snprintf(want, sizeof(want), "\"type\": \"%s\"",
			 crash_feature ? "EXC_CRASH" : k->exception);
		EXPECT_NE(NULL, strstr(r, want));
		snprintf(want, sizeof(want), "\"name\": \"%s\"", k->signal);
		EXPECT_NE(NULL, strstr(r, want));
		EXPECT_NE(NULL, strstr(r, "\"tool\": \"machexc-crashd\""));
		EXPECT_NE(NULL, strstr(r, k->symbol));
		EXPECT_NE(NULL, strstr(r, "\"symbol\": \"main+"));
		EXPECT_NE(NULL, strstr(r, "\"rip\": \"0x"));
		EXPECT_NE(NULL, strstr(r, "\"maps\": ["));
		EXPECT_NE(NULL, strstr(r, "crashd_test crash"));	/* the command line */
		r = report(self->d.dir, "txt");
		snprintf(want, sizeof(want), "Exception: %s", crash_feature ? "EXC_CRASH" :
			 k->exception);
		EXPECT_NE(NULL, strstr(r, want));
		snprintf(want, sizeof(want), "Signal:    %s", k->signal);
		EXPECT_NE(NULL, strstr(r, want));
		EXPECT_NE(NULL, strstr(r, k->symbol));
		EXPECT_NE(NULL, strstr(r, "\nMemory map:\n"));
		EXPECT_EQ(1, counter(self->d.dir, "reported"));
		EXPECT_EQ(0, daemon_stop(&self->d));
	}
}

/*
 * With EXC_CRASH the daemon sees every death by a core-dump signal, not
 * only faults: abort(), and SIGQUIT sent by another process.  Each gets
 * its report, and the process dies of its signal as without the daemon.
 */
TEST_F_TIMEOUT(crashd, abort_and_a_signal_from_another_process_reported, CRASHD_TIMEOUT)
{
	pid_t pid;
	char *r;
	int st;

	if (!crash_feature)
		SKIP(return, "the module raises no EXC_CRASH here (see README: IBT)");
	ASSERT_TRUE(daemon_start(&self->d, "abort", ""));
	st = run_crasher(self_exe, "abort");
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGABRT, WTERMSIG(st));
	ASSERT_EQ(1, count(self->d.dir, ".json"));
	r = report(self->d.dir, "json");
	EXPECT_NE(NULL, strstr(r, "\"type\": \"EXC_CRASH\""));
	EXPECT_NE(NULL, strstr(r, "\"name\": \"SIGABRT\""));
	EXPECT_NE(NULL, strstr(r, "\"symbol\": \"abort+"));
	EXPECT_NE(NULL, strstr(r, "\"symbol\": \"crash_abort+"));
	EXPECT_EQ(0, daemon_stop(&self->d));

	ASSERT_TRUE(daemon_start(&self->d, "sigquit", ""));
	pid = start_waiter(self_exe);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, kill(pid, SIGQUIT));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGQUIT, WTERMSIG(st));
	ASSERT_EQ(1, count(self->d.dir, ".json"));
	r = report(self->d.dir, "json");
	EXPECT_NE(NULL, strstr(r, "\"type\": \"EXC_CRASH\""));
	EXPECT_NE(NULL, strstr(r, "\"name\": \"SIGQUIT\""));
	EXPECT_NE(NULL, strstr(r, "wait_for_a_signal"));
	r = report(self->d.dir, "txt");
	EXPECT_NE(NULL, strstr(r, "Exception: EXC_CRASH"));
	EXPECT_NE(NULL, strstr(r, "Signal:    SIGQUIT"));
	EXPECT_EQ(1, counter(self->d.dir, "reported"));
	EXPECT_EQ(0, daemon_stop(&self->d));
}

/* A crash with a second thread: that one is stopped and unwound too. */
TEST_F_TIMEOUT(crashd, other_threads_are_unwound, CRASHD_TIMEOUT)
{
	char *r;
	int st;

	ASSERT_TRUE(daemon_start(&self->d, "threads", ""));
	st = run_crasher(self_exe, "threads");
	EXPECT_EQ(0, daemon_stop(&self->d));
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	r = report(self->d.dir, "json");
	EXPECT_NE(NULL, strstr(r, "\"crashed\": true, \"backtrace\""));
	EXPECT_NE(NULL, strstr(r, "\"crashed\": false, \"backtrace\""));
	EXPECT_NE(NULL, strstr(r, "waiting_thread_main"));
}

/* list: one line per report, oldest first, and the counters; show: one report. */
TEST_F_TIMEOUT(crashd, list_and_show, CRASHD_TIMEOUT)
{
	char cmd[1024], id[256], want[300], *out;
	int st = -1;

	ASSERT_TRUE(daemon_start(&self->d, "list", ""));
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "ill");
	EXPECT_EQ(0, daemon_stop(&self->d));
	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s list", self->d.dir);
	out = output(cmd, &st);
	EXPECT_EQ(0, st);
	EXPECT_NE(NULL, strstr(out, "SIGSEGV"));
	EXPECT_NE(NULL, strstr(out, "SIGILL"));
	EXPECT_LT(strstr(out, "SIGSEGV"), strstr(out, "SIGILL"));	/* oldest first */
	EXPECT_NE(NULL, strstr(out, "# reported 2"));
	ASSERT_TRUE(first_id(self->d.dir, id, sizeof(id)));
	EXPECT_NE(NULL, strstr(out, id));

	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s show %s", self->d.dir, id);
	out = output(cmd, &st);
	EXPECT_EQ(0, st);
	snprintf(want, sizeof(want), "ID:        %s\n", id);
	EXPECT_NE(NULL, strstr(out, want));
	EXPECT_NE(NULL, strstr(out, "Backtrace of thread"));
	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s show --json %s", self->d.dir, id);
	out = output(cmd, &st);
	EXPECT_EQ(0, st);
	snprintf(want, sizeof(want), "\"id\": \"%s\"", id);
	EXPECT_NE(NULL, strstr(out, want));

	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s show nosuchid 2>/dev/null", self->d.dir);
	output(cmd, &st);
	EXPECT_EQ(1, WEXITSTATUS(st));
	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s show ../counters 2>/dev/null", self->d.dir);
	output(cmd, &st);
	EXPECT_EQ(2, WEXITSTATUS(st));
}

/* A program in a crash loop: --program-burst reports, the rest dropped and counted. */
TEST_F_TIMEOUT(crashd, per_program_rate_limit_drops_the_excess, CRASHD_TIMEOUT)
{
	int i, st;

	ASSERT_TRUE(daemon_start(&self->d, "rlprog", "--program-burst 2 --program-interval 1000000"));
	for (i = 0; i < 5; i++) {
		st = run_crasher(self_exe, "segv");
		/* Dropped or not, it dies as it would have. */
		ASSERT_TRUE(WIFSIGNALED(st));
		EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	}
	EXPECT_EQ(0, daemon_stop(&self->d));
	EXPECT_EQ(2, count(self->d.dir, ".json"));
	EXPECT_EQ(2, count(self->d.dir, ".txt"));
	EXPECT_EQ(2, counter(self->d.dir, "reported"));
	EXPECT_EQ(3, counter(self->d.dir, "dropped_program"));
	EXPECT_EQ(0, counter(self->d.dir, "dropped_global"));
}

static void set_clock(const char *path, const char *seconds)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(seconds, f);
		fclose(f);
	}
}

/*
 * A bucket gains a token per interval, up to its burst: the daemon's
 * clock is a file here (MACHEXC_CRASHD_CLOCK_FILE), moved by the test.
 */
TEST_F_TIMEOUT(crashd, rate_limit_tokens_come_back_one_per_interval, CRASHD_TIMEOUT)
{
	char clock[256];

	snprintf(clock, sizeof(clock), "/tmp/crashd-clock-%d", getpid());
	set_clock(clock, "1000");
	ASSERT_EQ(0, setenv("MACHEXC_CRASHD_CLOCK_FILE", clock, 1));
	ASSERT_TRUE(daemon_start(&self->d, "refill", "--program-burst 2 --program-interval 100"));
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "segv");		/* empty: dropped */
	EXPECT_EQ(2, counter(self->d.dir, "reported"));
	EXPECT_EQ(1, counter(self->d.dir, "dropped_program"));
	set_clock(clock, "1150");		/* 1.5 tokens back */
	run_crasher(self_exe, "segv");		/* reported */
	run_crasher(self_exe, "segv");		/* half a token: dropped */
	EXPECT_EQ(3, counter(self->d.dir, "reported"));
	EXPECT_EQ(2, counter(self->d.dir, "dropped_program"));
	set_clock(clock, "9000");		/* long after: full, and no more */
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "segv");
	EXPECT_EQ(5, counter(self->d.dir, "reported"));
	EXPECT_EQ(3, counter(self->d.dir, "dropped_program"));
	EXPECT_EQ(0, daemon_stop(&self->d));
	EXPECT_EQ(5, count(self->d.dir, ".json"));
	unsetenv("MACHEXC_CRASHD_CLOCK_FILE");
	unlink(clock);
}

/* Two programs: the global bucket caps them together. */
TEST_F_TIMEOUT(crashd, global_rate_limit_drops_the_excess, CRASHD_TIMEOUT)
{
	char other[512], cmd[8192];

	snprintf(other, sizeof(other), "/tmp/crashd-other-%d", getpid());
	snprintf(cmd, sizeof(cmd), "cp %s %s", self_exe, other);
	ASSERT_EQ(0, system(cmd));
	ASSERT_TRUE(daemon_start(&self->d, "rlglobal", "--global-burst 2 --global-interval 1000000"));
	run_crasher(self_exe, "segv");
	run_crasher(other, "segv");
	run_crasher(other, "ill");
	run_crasher(self_exe, "ill");
	EXPECT_EQ(0, daemon_stop(&self->d));
	unlink(other);
	EXPECT_EQ(2, count(self->d.dir, ".json"));
	EXPECT_EQ(2, counter(self->d.dir, "reported"));
	EXPECT_EQ(2, counter(self->d.dir, "dropped_global"));
	EXPECT_EQ(0, counter(self->d.dir, "dropped_program"));
}

/* --keep 2: after four crashes the two newest reports are left. */
TEST_F_TIMEOUT(crashd, rotation_keeps_the_newest, CRASHD_TIMEOUT)
{
	char *out, cmd[512];
	int st = -1;

	ASSERT_TRUE(daemon_start(&self->d, "keep", "--keep 2 --program-burst 10"));
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "segv");
	run_crasher(self_exe, "fpe");
	run_crasher(self_exe, "ill");
	EXPECT_EQ(0, daemon_stop(&self->d));
	EXPECT_EQ(2, count(self->d.dir, ".json"));
	EXPECT_EQ(2, count(self->d.dir, ".txt"));
	EXPECT_EQ(4, counter(self->d.dir, "reported"));
	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s list", self->d.dir);
	out = output(cmd, &st);
	EXPECT_EQ(NULL, strstr(out, "SIGSEGV"));
	EXPECT_NE(NULL, strstr(out, "SIGFPE"));
	EXPECT_NE(NULL, strstr(out, "SIGILL"));
}

/* The host port needs CAP_SYS_ADMIN: without it the daemon says so and exits 1. */
TEST(needs_cap_sys_admin)
{
	char dir[256], log[300], cmd[1024];
	int st;

	snprintf(dir, sizeof(dir), "/tmp/crashd-nobody-%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0777));
	ASSERT_EQ(0, chmod(dir, 0777));
	snprintf(log, sizeof(log), "%s.log", dir);
	snprintf(cmd, sizeof(cmd), "machexc-crashd --dir %s 2>%s", dir, log);
	if (fork() == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(99);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(98);
	}
	ASSERT_LT(0, wait(&st));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(1, WEXITSTATUS(st));
	EXPECT_NE(NULL, strstr(slurp(log), "CAP_SYS_ADMIN"));
}

/* Bad options: status 2. */
TEST(bad_usage)
{
	EXPECT_EQ(2, WEXITSTATUS(system("machexc-crashd --keep 0 2>/dev/null")));
	EXPECT_EQ(2, WEXITSTATUS(system("machexc-crashd --program-burst x 2>/dev/null")));
	EXPECT_EQ(2, WEXITSTATUS(system("machexc-crashd frobnicate 2>/dev/null")));
	EXPECT_EQ(0, WEXITSTATUS(system("machexc-crashd --help | grep -q -- --program-burst")));
}

int main(int argc, char **argv)
{
	struct machexc_version v;
	ssize_t n;

	if (argc > 2 && !strcmp(argv[1], "crash"))
		return crasher(argv[2]);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = 0;
	crash_feature = machexc_api_version(&v) == 0 && (v.features & MACHEXC_FEATURE_CRASH);
	return test_harness_run(argc, argv);
}
