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
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>
#include <mach/mach_excServer.h>

#include "report/report.h"

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

__attribute__((format(printf, 1, 2)))
static void event(const char *fmt, ...)
{
	struct timespec now;
	char when[64];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &now);
	report_stamp(&now, when, sizeof(when));
	fprintf(stderr, "machexc-supervise: %s ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- exceptions -------------------------------------------------------------- */

static struct crash crash;
static int report_seq;
/* The thread of the last synchronous exception reported: its EXC_CRASH is not. */
static pid_t last_pid, last_tid;

static void write_report(const struct crash *c)
{
	char path[PATH_MAX];
	FILE *f;

	report_text(stderr, c, "machexc-supervise");
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
	(opt.json ? report_json : report_text)(f, c, "machexc-supervise");
	fclose(f);
	event("report written to %s", path);
}

/* An EXC_CRASH that follows a synchronous exception reported already. */
static bool reported_already(mach_port_t thread, mach_port_t task, exception_type_t exception,
			     const mach_exception_data_type_t *code, mach_msg_type_number_t count)
{
	struct machexc_thread_fault f;
	int stopped, pid = 0, tid = 0;

	if (exception != EXC_CRASH || !count || !(((uint64_t)code[0] >> 20) & 0xf))
		return false;
	pid_for_task(task, &pid);
	machexc_thread_fault(thread, &tid, &stopped, &f);
	return pid == last_pid && tid == last_tid;
}

/*
 * Called by mach_exc_server() for each exception (report_serve_one()).
 * The answer is KERN_FAILURE: the next level, then Linux's own delivery
 * of the signal; mach_msg_server_once() releases the thread and task
 * rights of a failed request.
 */
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t exception_port,
		mach_port_t thread, mach_port_t task, exception_type_t exception,
		mach_exception_data_t code, mach_msg_type_number_t codeCnt, int *flavor,
		thread_state_t old_state, mach_msg_type_number_t old_stateCnt,
		thread_state_t new_state, mach_msg_type_number_t *new_stateCnt)
{
	(void)exception_port;
	(void)new_state;
	*new_stateCnt = 0;
	if (reported_already(thread, task, exception, code, codeCnt)) {
		event("%s of pid %d thread %d: reported already", exc_name(exception), last_pid,
		      last_tid);
		return KERN_FAILURE;
	}
	if (!report_collect(&crash, thread, task, exception, code, codeCnt, *flavor, old_state,
			    old_stateCnt)) {
		/* Queued behind a crash that has since killed its process. */
		event("%s from a process that has exited: no report", exc_name(exception));
		report_free(&crash);
		return KERN_FAILURE;
	}
	if (exception != EXC_CRASH) {
		last_pid = crash.pid;
		last_tid = crash.tid;
	}
	event("pid %d thread %d: %s, %s", crash.pid, crash.tid, exc_name(crash.exception),
	      report_signal(&crash) ? signal_name(report_signal(&crash)) : "?");
	write_report(&crash);
	report_free(&crash);
	return KERN_FAILURE;
}

/* ---- the program ---------------------------------------------------------- */

/* The synchronous faults; and EXC_CRASH where the module raises it. */
static exception_mask_t mask = EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION |
			       EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT;

static pid_t start(mach_port_t port)
{
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

		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			fprintf(stderr, "machexc-supervise: poll: %s\n", strerror(errno));
			exit(EXIT_SUPERVISOR);
		}
		/* Exceptions first: a crashing child waits for our answer. */
		if (p[0].revents & POLLIN) {
			report_serve_one(port);
			continue;
		}
		if (p[1].revents & POLLIN)
			break;
	}
	close(pidfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		event("pid %d killed by %s%s", pid, signal_name(WTERMSIG(status)),
		      WCOREDUMP(status) ? " (core dumped)" : "");
	else
		event("pid %d exited with status %d", pid, WEXITSTATUS(status));
	return status;
}

/*
 * The restart delays: --backoff-ms, doubled after each restart, never more
 * than BACKOFF_MAX_MS (a first delay above it too).
 */
#define BACKOFF_MAX_MS 30000L

static long first_backoff(long ms)
{
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

static long next_backoff(long ms)
{
	return ms < BACKOFF_MAX_MS / 2 ? ms * 2 : BACKOFF_MAX_MS;
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
	bool no_wait = getenv("MACHEXC_SUPERVISE_NO_WAIT") != NULL;
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
	if (v.features & MACHEXC_FEATURE_CRASH)
		mask |= EXC_MASK_CRASH;
	for (delay = first_backoff(opt.backoff_ms);; delay = next_backoff(delay)) {
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
		if (!no_wait)
			nanosleep(&(struct timespec){ delay / 1000, (delay % 1000) * 1000000 }, NULL);
	}
	exit_like(status);
}
