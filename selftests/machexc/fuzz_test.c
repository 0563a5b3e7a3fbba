// SPDX-License-Identifier: GPL-2.0
/*
 * machexc's fuzzer: random, mostly well-formed sequences of every call the
 * module has, across processes that fork, exec, exit and kill each other,
 * with threads faulting at exception ports nobody serves.  The selftest
 * harness runs the short version; `make fuzz` the long one in the debug
 * lane (KASAN, lockdep, kmemleak, UBSAN).
 *
 *   fuzz_test [--seed N] [--calls N] [--procs N] [--max-procs N]
 *             [--ops a,b,...] [--skip a,b,...] [--trace[=2]] [--list]
 *             [--hw-breakpoints | --no-hw-breakpoints]
 *
 * It passes when (1) the calls were all made and every fuzz process has
 * ended, (2) afterwards the module's live objects (spaces, ports, port
 * sets, queued messages, tasks, threads) are back to what they were
 * before, and (3) the module still works.  The kernel's own reports
 * (splats, kmemleak) are the lane's to judge.  At the end it prints, per
 * operation, how many calls were made and how many succeeded.
 *
 * The parts are described in fuzz.h.  A new capability adds its
 * generators and one row each below.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <machexc.h>
#include <mach/mach.h>

#include "fuzz.h"
#include "kselftest.h"
#include "proc.h"

#define REFUSED "refused as documented"

/* name, generator, weight, what "ok" means where it is not "the call succeeded" */
const struct fz_op fz_ops[] = {
	/* the device */
	{ "version", fz_version, 2, NULL },
	{ "stats", fz_stats, 2, NULL },
	{ "ioctl_bad", fz_ioctl_bad, 3, REFUSED },
	{ "port_fd", fz_port_fd, 3, NULL },
	{ "port_fd_poll", fz_port_fd_poll, 3, NULL },
	{ "reopen", fz_reopen, 1, NULL },
	/* mach_port_* (MACHEXC_IOC_PORT) */
	{ "allocate", fz_allocate, 8, NULL },
	{ "allocate_name", fz_allocate_name, 3, NULL },
	{ "deallocate", fz_deallocate, 6, NULL },
	{ "destroy", fz_destroy, 4, NULL },
	{ "mod_refs", fz_mod_refs, 6, NULL },
	{ "get_refs", fz_get_refs, 4, NULL },
	{ "type", fz_type, 4, NULL },
	{ "insert_right", fz_insert_right, 6, NULL },
	{ "extract_right", fz_extract_right, 4, NULL },
	{ "names", fz_names, 3, NULL },
	{ "move_member", fz_move_member, 3, NULL },
	{ "insert_member", fz_insert_member, 3, NULL },
	{ "extract_member", fz_extract_member, 3, NULL },
	{ "request_notification", fz_request_notification, 5, NULL },
	{ "get_attributes", fz_get_attributes, 3, NULL },
	{ "set_attributes", fz_set_attributes, 3, NULL },
	{ "task_self", fz_task_self, 2, NULL },
	{ "get_special_port", fz_get_special_port, 3, NULL },
	{ "set_special_port", fz_set_special_port, 3, NULL },
	{ "port_op_bad", fz_port_op_bad, 3, REFUSED },
	{ "lib_ports", fz_lib_ports, 4, NULL },
	/* mach_msg (MACHEXC_IOC_MSG) */
	{ "msg_send", fz_msg_send, 10, NULL },
	{ "msg_send_complex", fz_msg_send_complex, 10, NULL },
	{ "msg_send_ool", fz_msg_send_ool, 4, NULL },
	{ "msg_receive", fz_msg_receive, 14, NULL },
	{ "msg_rpc", fz_msg_rpc, 5, "sent, and received or timed out" },
	{ "msg_bad", fz_msg_bad, 4, REFUSED },
	/* exception ports */
	{ "task_set_exception_ports", fz_task_set_exception_ports, 4, NULL },
	{ "task_get_exception_ports", fz_task_get_exception_ports, 2, NULL },
	{ "task_swap_exception_ports", fz_task_swap_exception_ports, 2, NULL },
	{ "thread_self", fz_thread_self, 2, NULL },
	{ "thread_set_exception_ports", fz_thread_set_exception_ports, 4, NULL },
	{ "thread_get_exception_ports", fz_thread_get_exception_ports, 2, NULL },
	{ "thread_swap_exception_ports", fz_thread_swap_exception_ports, 2, NULL },
	{ "host_self", fz_host_self, 1, NULL },
	{ "host_set_exception_ports", fz_host_set_exception_ports, 2, NULL },
	{ "host_get_exception_ports", fz_host_get_exception_ports, 1, NULL },
	{ "host_swap_exception_ports", fz_host_swap_exception_ports, 1, NULL },
	/* faults and their handlers */
	{ "spawn_faulter", fz_spawn_faulter, 3, NULL },
	{ "spawn_handler", fz_spawn_handler, 2, NULL },
	{ "serve", fz_serve_op, 8, "an exception was received and answered" },
	{ "reap_threads", fz_reap_threads_op, 1, "a finished thread was reaped" },
	/* tasks and threads */
	{ "thread_get_state", fz_thread_get_state, 5, NULL },
	{ "thread_set_state", fz_thread_set_state, 4, NULL },
	{ "pid_for_task", fz_pid_for_task, 2, NULL },
	{ "thread_fault", fz_thread_fault, 3, NULL },
	{ "task_for_pid", fz_task_for_pid, 4, NULL },
	{ "task_threads", fz_task_threads, 4, NULL },
	{ "task_suspend", fz_task_suspend, 2, NULL },
	{ "task_resume", fz_task_resume, 2, NULL },
	{ "thread_suspend", fz_thread_suspend, 3, NULL },
	{ "thread_resume", fz_thread_resume, 3, NULL },
	{ "task_info", fz_task_info, 2, NULL },
	{ "thread_info", fz_thread_info, 2, NULL },
	{ "lib_task", fz_lib_task, 3, NULL },
	{ "task_suspend_at_exec", fz_task_suspend_at_exec, 2, NULL },
	/* a task's memory (MACHEXC_IOC_VM) */
	{ "vm_read", fz_vm_read, 4, NULL },
	{ "vm_write", fz_vm_write, 3, NULL },
	{ "vm_region", fz_vm_region, 3, NULL },
	{ "vm_bad", fz_vm_bad, 1, REFUSED },
	{ "lib_vm", fz_lib_vm, 3, NULL },
	{ "vm_allocate", fz_vm_allocate, 2, NULL },
	/* processes */
	{ "fork", fz_fork, 1, NULL },
	{ "exec", fz_exec, 1, NULL },
	{ "exit", fz_exit, 1, NULL },
	{ "kill", fz_kill, 1, NULL },
	{ "stop_cont", fz_stop_cont, 1, NULL },
	{ "wait", fz_wait, 2, "a child was reaped" },
	{ "spawn_plain", fz_spawn_plain, 1, NULL },
};
const unsigned int fz_nops = sizeof(fz_ops) / sizeof(fz_ops[0]);

/* --- options --- */

struct options {
	uint64_t seed, calls;
	int procs, max_procs, trace, list, hwbp;
	const char *ops, *skip;
};

/* The short run make check does: about 50 s in the debug lane, 10 s in the others. */
#define SHORT_CALLS	100000

static void usage(void)
{
	fprintf(stderr,
		"usage: fuzz_test [--seed N] [--calls N] [--procs N] [--max-procs N]\n"
		"                 [--ops a,b,...] [--skip a,b,...] [--trace[=2]] [--list]\n"
		"                 [--hw-breakpoints | --no-hw-breakpoints]\n");
	exit(2);
}

static int op_index(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < fz_nops; i++)
		if (strlen(fz_ops[i].name) == len && !strncmp(fz_ops[i].name, name, len))
			return (int)i;
	return -1;
}

static void set_ops(uint64_t *mask, const char *list, int on)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int i = op_index(p, len);

		if (i < 0) {
			fprintf(stderr, "fuzz_test: no operation '%.*s' (see --list)\n", (int)len, p);
			exit(2);
		}
		if (on)
			mask[i / 64] |= 1ULL << (i % 64);
		else
			mask[i / 64] &= ~(1ULL << (i % 64));
		p += len + (p[len] == ',');
	}
}

static void parse(int argc, char **argv, struct options *o)
{
	int i;

	/* --no-hw-breakpoints: none at all (see pin_perf_sched_events()). */
	*o = (struct options){ .seed = 1, .calls = SHORT_CALLS, .procs = 4, .max_procs = 24,
			       .hwbp = 1 };
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--seed") && v)
			o->seed = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--calls") && v)
			o->calls = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--procs") && v)
			o->procs = atoi(v), i++;
		else if (!strcmp(a, "--max-procs") && v)
			o->max_procs = atoi(v), i++;
		else if (!strcmp(a, "--ops") && v)
			o->ops = v, i++;
		else if (!strcmp(a, "--skip") && v)
			o->skip = v, i++;
		else if (!strcmp(a, "--trace"))
			o->trace = 1;
		else if (!strcmp(a, "--trace=2"))
			o->trace = 2;
		else if (!strcmp(a, "--list"))
			o->list = 1;
		else if (!strcmp(a, "--hw-breakpoints"))
			o->hwbp = 1;
		else if (!strcmp(a, "--no-hw-breakpoints"))
			o->hwbp = 0;
		else
			usage();
	}
	if (o->procs < 1 || o->procs > 64)
		o->procs = 4;
	if (o->max_procs < o->procs || o->max_procs > FZ_MAX_PROCS - 8)
		o->max_procs = o->procs > 24 ? o->procs : 24;
}

/* --- the module's live objects --- */

struct live {
	uint64_t v[6];
};

static const char *const live_names[6] = { "spaces", "ports", "psets", "kmsgs", "tasks", "threads" };

static int read_live(int fd, struct live *l, struct machexc_stats *all)
{
	struct machexc_stats s;

	if (ioctl(fd, MACHEXC_IOC_STATS, &s))
		return -1;
	*l = (struct live){ { s.spaces, s.ports, s.psets, s.kmsgs, s.tasks, s.threads } };
	if (all)
		*all = s;
	return 0;
}

static void print_live(const char *what, const struct live *l)
{
	ksft_print_msg("%s: %llu spaces, %llu ports, %llu psets, %llu kmsgs, %llu tasks, %llu threads\n",
		       what, (unsigned long long)l->v[0], (unsigned long long)l->v[1],
		       (unsigned long long)l->v[2], (unsigned long long)l->v[3],
		       (unsigned long long)l->v[4], (unsigned long long)l->v[5]);
}

/* A baseline once nothing has moved for 200 ms (at most 10 s). */
static int settled_live(int fd, struct live *l)
{
	struct live prev;
	int still = 0, tries;

	if (read_live(fd, &prev, NULL))
		return -1;
	*l = prev;
	for (tries = 0; tries < 500 && still < 10; tries++) {
		usleep(20 * 1000);
		if (read_live(fd, l, NULL))
			return -1;
		still = memcmp(l, &prev, sizeof(*l)) ? 0 : still + 1;
		prev = *l;
	}
	return 0;
}

/*
 * Host-level exception ports are the machine's: leave none behind that a
 * fuzz process set (and none before the baseline).  In a child, so that
 * the driver itself never gets a port space.
 */
static void reset_host_ports(void)
{
	pid_t pid;

	if (geteuid() != 0)
		return;
	pid = fork();
	if (pid == 0) {
		mach_port_t host = mach_host_self();

		if (host)
			host_set_exception_ports(host, EXC_MASK_ALL, MACH_PORT_NULL,
						 EXCEPTION_DEFAULT, x86_THREAD_STATE64);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* A round trip through a new port, in a child: the module still works. */
static int still_works(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct {
			mach_msg_header_t h;
			mach_msg_max_trailer_t t;
		} m = { 0 };
		mach_port_t p;

		if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p))
			_exit(1);
		m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
		m.h.msgh_remote_port = p;
		m.h.msgh_size = sizeof(m.h);
		m.h.msgh_id = 4242;
		if (mach_msg(&m.h, MACH_SEND_MSG, sizeof(m.h), 0, 0, 0, 0))
			_exit(2);
		if (mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), p, 1000, 0) ||
		    m.h.msgh_id != 4242)
			_exit(3);
		_exit(mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1) ? 4 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* --- the driver --- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct deaths {
	unsigned long exited, killed, watchdog, other;
	int other_sig;
};

static void account(struct fz_shared *sh, pid_t pid, int st, struct deaths *d)
{
	int i;

	for (i = 0; i < FZ_MAX_PROCS; i++) {
		int p = pid;

		if (atomic_compare_exchange_strong(&sh->slot[i].pid, &p, 0))
			break;
	}
	if (WIFEXITED(st)) {
		d->exited++;
	} else if (WIFSIGNALED(st)) {
		if (WTERMSIG(st) == SIGKILL)
			d->killed++;
		else if (WTERMSIG(st) == SIGALRM)
			d->watchdog++;
		else
			d->other++, d->other_sig = WTERMSIG(st);
	}
}

/*
 * Show what a process that made no step for long is doing, in the kernel
 * too, and what its parent is doing (a zombie waits for its parent).
 */
static void show_stalled(struct fz_slot *sl, pid_t pid, int op)
{
	static const char *const result[] = { "skipped", "failed", "ok" };
	unsigned int n = atomic_load(&sl->nlast), i;
	char buf[1024];

	ksft_print_msg("process %d (parent %d, depth %d, %d execs) made no step for 30 s, in %s\n",
		       pid, atomic_load(&sl->ppid), atomic_load(&sl->depth),
		       atomic_load(&sl->execs),
		       op >= 0 && (unsigned int)op < fz_nops ? fz_ops[op].name : "(between calls)");
	for (i = n > 8 ? n - 8 : 0; i < n; i++) {
		unsigned int e = atomic_load(&sl->last[i % 8]);

		if (e >> 2 < fz_nops && (e & 3) < 3)
			ksft_print_msg("  before: %s, %s\n", fz_ops[e >> 2].name, result[e & 3]);
	}
	snprintf(buf, sizeof(buf),
		 "show() { grep -E '^(State|PPid|SigPnd|ShdPnd|SigBlk)' /proc/$1/status | tr '\\n\\t' '  ';"
		 " echo; for t in /proc/$1/task/*; do [ -e $t/stat ] || continue;"
		 " echo \"  $t $(cut -d' ' -f3 $t/stat) $(cat $t/wchan 2>/dev/null)\";"
		 " sed 's/^/      /' $t/stack 2>/dev/null; done; };"
		 " { show %d; pp=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/%d/status);"
		 " [ -n \"$pp\" ] && echo \"parent $pp:\" && show $pp; } 2>&1 | sed 's/^/#   /'",
		 pid, pid);
	fflush(stdout);
	if (system(buf) < 0)
		ksft_print_msg("(could not run sh)\n");
}

/* Every process of the fuzz group: state, parent, and where it sleeps. */
static void show_group(pid_t pgid)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "for d in /proc/[0-9]*; do set -- $(cat $d/stat 2>/dev/null | sed 's/.*) //');"
		 " [ \"$3\" = %d ] || continue; echo \"${d#/proc/} state $1 parent $2\";"
		 " for t in $d/task/*; do echo \"  ${t##*/} $(cut -d' ' -f3 $t/stat)"
		 " $(cat $t/wchan 2>/dev/null)\"; sed 's/^/      /' $t/stack 2>/dev/null; done;"
		 " done 2>&1 | sed 's/^/#   /'", pgid);
	fflush(stdout);
	if (system(buf) < 0)
		ksft_print_msg("(could not run sh)\n");
}

/*
 * debug.exception-trace: the kernel logs every user fault that kills its
 * process ("traps: ... general protection fault ip:..."), which a lane's
 * splat check cannot tell from the kernel's own.  Fuzz processes die of
 * such faults by design (a state set at random, a signal left at SIG_DFL):
 * off during the run, as it was after.  Returns the old value, or -1.
 */
static int exception_trace(int value)
{
	const char *path = "/proc/sys/debug/exception-trace";
	char c = 0;
	int fd = open(path, O_RDWR | O_CLOEXEC), old = -1;

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) == 1)
		old = c - '0';
	c = (char)('0' + value);
	if (value >= 0 && (lseek(fd, 0, SEEK_SET) || write(fd, &c, 1) != 1))
		old = -1;
	close(fd);
	return old;
}

/* A copy of this program at @path with @mode (for the exec generator), or "". */
static void copy_self(char *path, size_t size, const char *name, mode_t mode)
{
	char buf[65536];
	int in, out = -1;
	ssize_t n;

	snprintf(path, size, "/tmp/machexc-fuzz-%d-%s", getpid(), name);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in >= 0)
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in >= 0)
		close(in);
	if (out < 0 || close(out) || fchmodat(AT_FDCWD, path, mode, 0)) {
		unlink(path);
		path[0] = 0;
	}
}

static pid_t spawn_worker(struct fz_shared *sh, int shm_fd, uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct fz_ctx *c = calloc(1, sizeof(*c));

		if (!c)
			_exit(2);
		setpgid(0, sh->pgid);
		c->sh = sh;
		c->shm_fd = shm_fd;
		c->seed = seed;
		c->fd = -1;
		fz_worker(c);
	}
	return pid;
}

static int worker_main(int argc, char **argv)
{
	struct fz_ctx *c = calloc(1, sizeof(*c));
	struct fz_shared *sh;
	int fd;

	if (argc < 6 || !c)
		return 2;
	fd = atoi(argv[2]);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED)
		return 2;
	c->sh = sh;
	c->shm_fd = fd;
	c->seed = strtoull(argv[3], NULL, 0);
	c->depth = atoi(argv[4]);
	c->own_budget = strtoull(argv[5], NULL, 0);
	c->fd = -1;
	fz_worker(c);
}

/*
 * Hold one per-task perf event for the whole run, so that the kernel's
 * perf_sched_events static key is switched on once, here, and not on and
 * off with every hardware breakpoint the fuzz processes set and drop.
 * Each switch patches __schedule() with text_poke_bp(), and under TCG a
 * vCPU has been seen to trap on that patch's int3 after it was done
 * (an "Oops: int3" in __schedule, 6.12 lane): a flaw of the emulator's
 * cross-modifying code, not of machexc, that the tests need not provoke
 * a thousand times a run.  The descriptor stays open until exit.
 */
static void pin_perf_sched_events(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY, .disabled = 1,
	};

	if (syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC) < 0)
		ksft_print_msg("perf_event_open (dummy): %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	struct live before, after;
	struct machexc_stats s0, s1;
	struct deaths d = { 0 };
	struct options o;
	struct fz_shared *sh;
	pid_t top[64] = { 0 }, sentinel, pid;
	uint64_t respawns = 0, ok = 0, calls;
	long long t0, t_done = 0, last_scan = 0, secs_ms;
	int fd, shm_fd, i, st, gone, back, stalls = 0, vanished = 0, trace = -1;
	unsigned int k;

	if (argc > 1 && !strcmp(argv[1], "--worker"))
		return worker_main(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "--plain"))
		fz_plain(strtoull(argv[2], NULL, 0), 0);
	parse(argc, argv, &o);
	if (o.list) {
		for (k = 0; k < fz_nops; k++)
			printf("%-28s weight %2u%s%s\n", fz_ops[k].name, fz_ops[k].weight,
			       fz_ops[k].ok ? "  ok = " : "", fz_ops[k].ok ? fz_ops[k].ok : "");
		return 0;
	}

	ksft_print_header();
	ksft_set_plan(3);
	pin_perf_sched_events();
	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", MACHEXC_DEVICE_PATH, strerror(errno));
	reset_host_ports();
	if (settled_live(fd, &before) || read_live(fd, &before, &s0))
		ksft_exit_fail_msg("MACHEXC_IOC_STATS: %s\n", strerror(errno));

	shm_fd = memfd_create("machexc-fuzz", 0);
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*sh)))
		ksft_exit_fail_msg("memfd: %s\n", strerror(errno));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	sh->seed = o.seed;
	sh->limit = o.calls;
	sh->trace = o.trace;
	sh->hwbp = o.hwbp;
	sh->max_procs = o.max_procs;
	sh->driver = getpid();
	if (o.ops)
		set_ops(sh->enabled, o.ops, 1);
	else
		for (k = 0; k < fz_nops; k++)
			sh->enabled[k / 64] |= 1ULL << (k % 64);
	if (o.skip)
		set_ops(sh->enabled, o.skip, 0);
	if (geteuid() == 0) {
		trace = exception_trace(0);
		copy_self(sh->unreadable, sizeof(sh->unreadable), "unreadable", 0111);
		copy_self(sh->setuid, sizeof(sh->setuid), "setuid", 04755);
	}
	ksft_print_msg("seed %llu, %llu calls, %d processes (at most %d), %u operations%s\n",
		       (unsigned long long)o.seed, (unsigned long long)o.calls, o.procs,
		       o.max_procs, fz_nops, o.hwbp ? "" : ", no hardware breakpoints");

	/* Orphans come to us; every fuzz process is in the sentinel's group. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sentinel = fork();
	if (sentinel == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (sentinel < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	setpgid(sentinel, sentinel);
	sh->pgid = sentinel;

	t0 = now_ms();
	for (i = 0; i < o.procs; i++) {
		uint64_t x = o.seed * 1000003 + (uint64_t)i;

		top[i] = spawn_worker(sh, shm_fd, fz_splitmix(&x));
	}
	for (;;) {
		int alive = 0;

		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			if (pid == sentinel)
				continue;
			if (o.trace)
				ksft_print_msg("driver: reaped %d, status %#x\n", pid, st);
			account(sh, pid, st, &d);
			for (i = 0; i < o.procs; i++) {
				if (top[i] != pid)
					continue;
				top[i] = 0;
				if (atomic_load(&sh->calls) < sh->limit) {
					uint64_t x = o.seed * 1000003 + 64 + respawns++;

					top[i] = spawn_worker(sh, shm_fd, fz_splitmix(&x));
				}
			}
		}
		for (i = 0; i < FZ_MAX_PROCS; i++)
			alive += atomic_load(&sh->slot[i].pid) != 0;
		if (atomic_load(&sh->calls) >= sh->limit) {
			if (!t_done)
				t_done = now_ms();
			if (!alive)
				break;
			if (now_ms() - t_done > 60 * 1000) {
				ksft_print_msg("%d fuzz processes still there 60 s after the last call:\n",
					       alive);
				show_group(sentinel);
				break;
			}
		}
		/* Once a second: a process that made no step for 30 s is shown and ended. */
		if (now_ms() - last_scan > 1000) {
			long long ns = now_ms() * 1000000LL;

			last_scan = now_ms();
			for (i = 0; i < FZ_MAX_PROCS; i++) {
				struct fz_slot *sl = &sh->slot[i];
				pid_t p = atomic_load(&sl->pid);
				long long pr = atomic_load(&sl->progress);

				if (p > 0 && kill(p, 0) && errno == ESRCH) {
					int pp = atomic_load(&sl->ppid);

					/*
					 * Gone, its slot still taken: reaped by no
					 * reaper of ours (fz_proc_reap frees first).
					 */
					if (vanished++ < 5)
						ksft_print_msg("vanished: %d (parent %d%s, depth %d, "
							       "%d execs, in %d)\n", p, pp,
							       kill(pp, 0) ? " gone" : "",
							       atomic_load(&sl->depth),
							       atomic_load(&sl->execs),
							       atomic_load(&sl->op));
					atomic_compare_exchange_strong(&sl->pid, &p, 0);
					continue;
				}
				if (p > 0 && pr && ns - pr > 30LL * 1000000000LL &&
				    proc_state_of(p, p) == 'T') {
					/*
					 * SIGSTOPped by a parent that died before its
					 * SIGCONT, and not killed with it (a setuid exec
					 * clears the parent-death signal until the new
					 * image sets it again): not a stall.
					 */
					kill(p, SIGCONT);
					atomic_store(&sl->progress, ns);
					continue;
				}
				if (p > 0 && pr && ns - pr > 30LL * 1000000000LL) {
					if (stalls++ < 5)
						show_stalled(sl, p, atomic_load(&sl->op));
					atomic_store(&sl->progress, ns);
					kill(p, SIGKILL);
				}
			}
		}
		usleep(20 * 1000);
	}
	secs_ms = now_ms() - t0;

	/* Whatever is left, and the sentinel: SIGKILL, and reap (bounded). */
	kill(-sentinel, SIGKILL);
	gone = 0;
	for (i = 0; i < 3000; i++) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			if (pid != sentinel)
				account(sh, pid, st, &d);
			continue;
		}
		if (pid < 0 && errno == ECHILD) {
			gone = 1;
			break;
		}
		kill(-sentinel, SIGKILL);
		usleep(10 * 1000);
	}
	if (!gone) {
		ksft_print_msg("fuzz processes that SIGKILL does not end:\n");
		for (i = 0; i < FZ_MAX_PROCS; i++)
			if (atomic_load(&sh->slot[i].pid) > 0)
				show_stalled(&sh->slot[i], atomic_load(&sh->slot[i].pid),
					     atomic_load(&sh->slot[i].op));
	}
	if (trace > 0)
		exception_trace(trace);
	if (sh->unreadable[0])
		unlink(sh->unreadable);
	if (sh->setuid[0])
		unlink(sh->setuid);
	calls = atomic_load(&sh->calls);
	ksft_test_result(gone && calls >= o.calls,
			 "%llu calls made, every fuzz process ended\n", (unsigned long long)calls);

	/* Teardown may be deferred (RCU, task_work, a workqueue): poll, at most 60 s. */
	reset_host_ports();
	back = 0;
	for (i = 0; i < 600 && !back; i++) {
		if (read_live(fd, &after, &s1))
			break;
		back = !memcmp(&after, &before, sizeof(after));
		if (!back)
			usleep(100 * 1000);
	}
	print_live("live before", &before);
	print_live("live after ", &after);
	for (k = 0; !back && k < 6; k++)
		if (after.v[k] != before.v[k])
			ksft_print_msg("%s: %llu before, %llu after\n", live_names[k],
				       (unsigned long long)before.v[k],
				       (unsigned long long)after.v[k]);
	ksft_test_result(back, "live objects back to what they were before\n");
	ksft_test_result(still_works(), "the module still works\n");

	/* The figures. */
	for (k = 0; k < fz_nops; k++)
		ok += atomic_load(&sh->op_ok[k]);
	ksft_print_msg("%llu calls in %.1f s (%.0f/s), %.1f%% ok; seed %llu\n",
		       (unsigned long long)calls, secs_ms / 1000.0,
		       secs_ms ? calls * 1000.0 / secs_ms : 0.0,
		       calls ? 100.0 * ok / calls : 0.0, (unsigned long long)o.seed);
	ksft_print_msg("processes: %llu forks, %llu execs, %llu exits, %llu kills, %llu stops, "
		       "%llu respawned; ended: %lu exited, %lu killed, %lu by the watchdog, %lu by "
		       "another signal%s%s%s; %d stalled, %d vanished\n",
		       (unsigned long long)atomic_load(&sh->forks),
		       (unsigned long long)atomic_load(&sh->execs),
		       (unsigned long long)atomic_load(&sh->exits),
		       (unsigned long long)atomic_load(&sh->kills),
		       (unsigned long long)atomic_load(&sh->stops), (unsigned long long)respawns,
		       d.exited, d.killed, d.watchdog, d.other, d.other ? " (last: " : "",
		       d.other ? strsignal(d.other_sig) : "", d.other ? ")" : "", stalls, vanished);
	ksft_print_msg("threads: %llu started; faults: %llu, ended by the signal %llu, resumed "
		       "by a handler %llu; exceptions answered by serve %llu, handler threads got "
		       "%llu messages\n",
		       (unsigned long long)atomic_load(&sh->threads),
		       (unsigned long long)atomic_load(&sh->faults),
		       (unsigned long long)atomic_load(&sh->fault_signals),
		       (unsigned long long)atomic_load(&sh->fault_resumed),
		       (unsigned long long)atomic_load(&sh->served),
		       (unsigned long long)atomic_load(&sh->handler_msgs));
	ksft_print_msg("module: %llu exceptions raised (%llu handed off, %llu queued), %llu "
		       "handled; %llu allocation failures, %llu limit hits\n",
		       (unsigned long long)(s1.exc_raised - s0.exc_raised),
		       (unsigned long long)(s1.exc_handoffs - s0.exc_handoffs),
		       (unsigned long long)(s1.exc_misses - s0.exc_misses),
		       (unsigned long long)(s1.exc_handled - s0.exc_handled),
		       (unsigned long long)(s1.nomem - s0.nomem),
		       (unsigned long long)(s1.limit_hits - s0.limit_hits));
	ksft_print_msg("%-28s %9s %9s %6s\n", "operation", "calls", "ok", "ok %");
	for (k = 0; k < fz_nops; k++) {
		uint64_t n = atomic_load(&sh->op_calls[k]), y = atomic_load(&sh->op_ok[k]);

		if (!n)
			continue;
		ksft_print_msg("%-28s %9llu %9llu %5.1f%%%s%s\n", fz_ops[k].name,
			       (unsigned long long)n, (unsigned long long)y, 100.0 * y / n,
			       fz_ops[k].ok ? "  ok = " : "", fz_ops[k].ok ? fz_ops[k].ok : "");
	}
	close(fd);
	ksft_finished();
}
