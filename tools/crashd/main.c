// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-crashd: the machine's crash reporter, as macOS's ReportCrash.
 *
 *   machexc-crashd [options]              run (in the foreground)
 *   machexc-crashd [--dir DIR] list       the reports, oldest first
 *   machexc-crashd [--dir DIR] show [--json] ID
 *
 * It sets the host's exception port (CAP_SYS_ADMIN): for EXC_CRASH where
 * the module raises it (MACHEXC_FEATURE_CRASH: every process about to die
 * of a signal), else for the synchronous fault types (EXC_BAD_ACCESS,
 * EXC_BAD_INSTRUCTION, EXC_ARITHMETIC, EXC_BREAKPOINT), which reach the
 * host level once the thread's and the task's handlers have declined.
 * For each, while the thread waits, it builds the report (report/) and
 * writes it, rate limited, then answers KERN_FAILURE: the process goes on
 * to die exactly as it would have without the daemon (same signal, same
 * core dump, same wait status).
 *
 * The daemon's own crash cannot come to itself (its only thread would
 * wait on its own answer for ever): its task exception port, for the same
 * types, belongs to a guard thread that gives the host port up and
 * declines, so it dies of its signal and the service manager restarts it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <mach/mach_excServer.h>

#include "crashd.h"

#define ME mach_task_self()
#define EXIT_USAGE 2

static struct {
	const char *dir;
	int keep;
	struct ratelimit_config rl;
} opt = {
	.dir = CRASHD_DEFAULT_DIR,
	.keep = 100,
	.rl = { .program_burst = 3, .program_interval = 60,
		.global_burst = 20, .global_interval = 10 },
};

static exception_mask_t mask;
static struct crash crash;
static struct counters counters;

/*
 * The rate limiter's clock: CLOCK_MONOTONIC, or for tests the number of
 * seconds in the file $MACHEXC_CRASHD_CLOCK_FILE names, read at each crash.
 */
static double now_s(void)
{
	const char *path = getenv("MACHEXC_CRASHD_CLOCK_FILE");
	struct timespec ts;
	double t = 0;
	FILE *f;

	if (path) {
		f = fopen(path, "r");
		if (f && fscanf(f, "%lf", &t) != 1)
			t = 0;
		if (f)
			fclose(f);
		return t;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void give_up_host_port(void)
{
	host_set_exception_ports(mach_host_self(), mask, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
}

/* ---- the guard: the daemon's own crashes ------------------------------- */

static mach_port_t guard_port;
static const char guard_msg[] = "machexc-crashd: crashed: giving up the host exception port\n";

/*
 * mach_exc_server() calls this for the daemon's own exceptions (the guard
 * port's behavior is EXCEPTION_DEFAULT): the host port is no longer ours,
 * so the KERN_FAILURE answer lets the signal kill the daemon.
 */
kern_return_t catch_mach_exception_raise(mach_port_t exception_port, mach_port_t thread,
					 mach_port_t task, exception_type_t exception,
					 mach_exception_data_t code, mach_msg_type_number_t codeCnt)
{
	ssize_t w;

	(void)exception_port;
	(void)thread;
	(void)task;
	(void)exception;
	(void)code;
	(void)codeCnt;
	give_up_host_port();
	w = write(2, guard_msg, sizeof(guard_msg) - 1);
	(void)w;
	return KERN_FAILURE;
}

static void *guard(void *arg)
{
	(void)arg;
	for (;;)
		report_serve_one(guard_port);
	return NULL;
}

static int start_guard(void)
{
	pthread_t t;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &guard_port) ||
	    mach_port_insert_right(ME, guard_port, guard_port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(ME, mask, guard_port,
				     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE) ||
	    pthread_create(&t, NULL, guard, NULL))
		return -1;
	pthread_detach(t);
	return 0;
}

/* ---- exceptions ------------------------------------------------------------ */

/*
 * mach_exc_server() calls this for each exception on the host port.  The
 * answer is always KERN_FAILURE (the process dies as without us); the
 * server then releases the thread and task rights.
 */
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t exception_port,
		mach_port_t thread, mach_port_t task, exception_type_t exception,
		mach_exception_data_t code, mach_msg_type_number_t codeCnt, int *flavor,
		thread_state_t old_state, mach_msg_type_number_t old_stateCnt,
		thread_state_t new_state, mach_msg_type_number_t *new_stateCnt)
{
	char path[64], program[PATH_MAX];
	enum ratelimit_verdict v;
	ssize_t n;
	int pid = 0;

	(void)exception_port;
	(void)new_state;
	*new_stateCnt = 0;
	pid_for_task(task, &pid);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = pid > 0 ? readlink(path, program, sizeof(program) - 1) : -1;
	program[n > 0 ? n : 0] = 0;
	v = ratelimit_take(program, now_s());
	if (v != RL_PASS) {
		if (v == RL_PROGRAM)
			counters.dropped_program++;
		else
			counters.dropped_global++;
		log_msg(LOG_P_NOTICE, "pid %d (%s): %s not reported: %s rate limit (%llu dropped)",
			pid, program, exc_name(exception), v == RL_PROGRAM ? "per-program" : "global",
			(unsigned long long)(counters.dropped_program + counters.dropped_global));
		store_counters(opt.dir, &counters);
		return KERN_FAILURE;
	}
	if (!report_collect(&crash, thread, task, exception, code, codeCnt, *flavor, old_state,
			    old_stateCnt)) {
		log_msg(LOG_P_INFO, "%s from pid %d, which has exited: no report",
			exc_name(exception), pid);
		report_free(&crash);
		return KERN_FAILURE;
	}
	store_name(&crash);
	if (store_write(opt.dir, &crash)) {
		counters.failed++;
	} else {
		counters.reported++;
		log_msg(LOG_P_WARNING, "pid %d (%s) crashed: %s, %s: report %s", crash.pid,
			crash.program, exc_name(crash.exception),
			report_signal(&crash) ? signal_name(report_signal(&crash)) : "no signal",
			crash.id);
		store_rotate(opt.dir, opt.keep);
	}
	store_counters(opt.dir, &counters);
	report_free(&crash);
	return KERN_FAILURE;
}

/* ---- the daemon ---------------------------------------------------------------- */

static int run(void)
{
	struct machexc_version v;
	mach_port_t port;
	kern_return_t kr;
	sigset_t sigs;
	int port_fd, sig_fd;
	char status[256];

	if (machexc_api_version(&v) < 0) {
		int err = errno;

		log_msg(LOG_P_ERR, "%s: %s", MACHEXC_DEVICE_PATH, strerror(err));
		if (err == ENOENT || err == ENXIO || err == ENODEV)
			log_msg(LOG_P_ERR, "the machexc module is not loaded: run 'modprobe machexc'");
		return 1;
	}
	if (!(v.features & MACHEXC_FEATURE_EXC)) {
		log_msg(LOG_P_ERR, "this machexc module has no exceptions");
		return 1;
	}
	mask = v.features & MACHEXC_FEATURE_CRASH ? EXC_MASK_CRASH :
	       EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION | EXC_MASK_ARITHMETIC |
	       EXC_MASK_BREAKPOINT;
	if (store_open(opt.dir))
		return 1;
	ratelimit_init(&opt.rl);
	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(ME, port, port, MACH_MSG_TYPE_MAKE_SEND)) {
		log_msg(LOG_P_ERR, "cannot make the exception port");
		return 1;
	}
	port_fd = machexc_port_fd(port, O_CLOEXEC);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);	/* before the guard: it inherits the mask */
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (port_fd < 0 || sig_fd < 0) {
		log_msg(LOG_P_ERR, "cannot poll: %s", strerror(errno));
		return 1;
	}
	if (start_guard()) {
		log_msg(LOG_P_ERR, "cannot guard against its own crashes");
		return 1;
	}
	kr = host_set_exception_ports(mach_host_self(), mask, port,
				      EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
				      x86_THREAD_STATE64);
	if (kr != KERN_SUCCESS) {
		log_msg(LOG_P_ERR, "host_set_exception_ports: %s%s", mach_error_string(kr),
			kr == KERN_NO_ACCESS ? " (it needs CAP_SYS_ADMIN)" : "");
		return 1;
	}
	store_counters(opt.dir, &counters);
	snprintf(status, sizeof(status), "STATUS=reporting %s into %s", mask == EXC_MASK_CRASH ?
		 "EXC_CRASH" : "synchronous faults (no EXC_CRASH in this module)", opt.dir);
	log_msg(LOG_P_INFO, "%s (keep %d; per program %g then 1/%gs, global %g then 1/%gs)",
		status + 7, opt.keep, opt.rl.program_burst, opt.rl.program_interval,
		opt.rl.global_burst, opt.rl.global_interval);
	notify("READY=1");
	notify(status);
	for (;;) {
		struct pollfd p[2] = { { port_fd, POLLIN, 0 }, { sig_fd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			log_msg(LOG_P_ERR, "poll: %s", strerror(errno));
			break;
		}
		/* Exceptions first: a crashing thread waits for the answer. */
		if (p[0].revents & POLLIN) {
			report_serve_one(port);
			continue;
		}
		if (p[1].revents & POLLIN)
			break;
	}
	notify("STOPPING=1");
	give_up_host_port();
	log_msg(LOG_P_INFO, "stopped: %llu reported, %llu dropped (per program), %llu dropped "
		"(global), %llu not written", (unsigned long long)counters.reported,
		(unsigned long long)counters.dropped_program,
		(unsigned long long)counters.dropped_global, (unsigned long long)counters.failed);
	return 0;
}

/* ---- options ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: machexc-crashd [options]               run the crash reporter\n"
		"       machexc-crashd [--dir DIR] list        list the reports, oldest first\n"
		"       machexc-crashd [--dir DIR] show [--json] ID\n"
		"                                              print one report\n\n"
		"  -d, --dir DIR              reports directory (default " CRASHD_DEFAULT_DIR ")\n"
		"  -k, --keep N               keep the newest N reports (default 100)\n"
		"  --program-burst N          reports per program before rate limiting (default 3)\n"
		"  --program-interval SEC     then one per SEC seconds per program (default 60)\n"
		"  --global-burst N           reports in all before rate limiting (default 20)\n"
		"  --global-interval SEC      then one per SEC seconds in all (default 10)\n"
		"  -h, --help                 this text\n\n"
		"Needs CAP_SYS_ADMIN (the host exception port) and CAP_SYS_PTRACE (other\n"
		"users' processes).  See machexc-crashd(8).\n");
}

static bool number(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", required_argument, NULL, 'k' },
		{ "program-burst", required_argument, NULL, 'P' },
		{ "program-interval", required_argument, NULL, 'p' },
		{ "global-burst", required_argument, NULL, 'G' },
		{ "global-interval", required_argument, NULL, 'g' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'k': case 'P': case 'p': case 'G': case 'g':
			if (!number(optarg, c == 'p' || c == 'g' ? 0 : 1, 1e9, &v) ||
			    (c == 'k' && v != (int)v)) {
				fprintf(stderr, "machexc-crashd: bad value '%s'\n", optarg);
				return EXIT_USAGE;
			}
			if (c == 'k')
				opt.keep = (int)v;
			else if (c == 'P')
				opt.rl.program_burst = v;
			else if (c == 'p')
				opt.rl.program_interval = v;
			else if (c == 'G')
				opt.rl.global_burst = v;
			else
				opt.rl.global_interval = v;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return json ? (usage(stderr), EXIT_USAGE) : run();
	if (!strcmp(argv[optind], "list") && optind + 1 == argc)
		return store_list(opt.dir);
	/* getopt_long() has moved the options first: "show --json ID" too. */
	if (!strcmp(argv[optind], "show") && optind + 2 == argc)
		return store_show(opt.dir, argv[optind + 1], json);
	usage(stderr);
	return EXIT_USAGE;
}
