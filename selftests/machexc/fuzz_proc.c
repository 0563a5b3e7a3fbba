// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's processes: the worker loop every fuzz process runs, and the
 * generators that fork (the child becomes a worker with a seed drawn from
 * its parent's), exec the fuzzer again (a worker again, same seed line),
 * exit, SIGKILL each other, stop and continue children, and reap them.
 *
 * Nothing waits on a process without a bound: each worker re-arms
 * alarm(FZ_WATCHDOG) at every step (SIGALRM's default action ends a
 * process even with every thread in a killable wait), and every fuzz
 * process dies with its parent (PR_SET_PDEATHSIG).  See fuzz.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define R (&c->rng)

/* A worker that made no step for this long ends (SIGALRM). */
#define FZ_WATCHDOG 60

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int fz_is_child(struct fz_ctx *c, pid_t pid)
{
	unsigned int i;

	for (i = 0; pid > 0 && i < c->nchildren; i++)
		if (c->children[i].pid == pid)
			return 1;
	return 0;
}

/* pid_for_task(), or -1. */
pid_t fz_pid_of(struct fz_ctx *c, uint32_t task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_PID_FOR_TASK, .task = task };

	if (!task || fz_port(c, &op))
		return -1;
	return (pid_t)op.value;
}

static void free_slot(struct fz_shared *sh, pid_t pid)
{
	int i;

	for (i = 0; i < FZ_MAX_PROCS; i++) {
		int p = pid;

		if (atomic_compare_exchange_strong(&sh->slot[i].pid, &p, 0))
			return;
	}
}

/*
 * Reap whatever children have ended (children we forgot across an exec
 * too).  The slot is freed before the reap, while the pid is still a
 * zombie's: we may be stopped or killed at any moment, and a slot freed
 * only after the reap would then stay taken by a process nobody has.
 */
void fz_proc_reap(struct fz_ctx *c)
{
	unsigned int i;
	siginfo_t si;
	pid_t pid;

	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
			break;
		pid = si.si_pid;
		free_slot(c->sh, pid);
		if (waitpid(pid, NULL, WNOHANG) != pid)
			break;
		for (i = 0; i < c->nchildren; i++) {
			if (c->children[i].pid == pid) {
				c->children[i] = c->children[--c->nchildren];
				break;
			}
		}
	}
}

static int live_procs(struct fz_shared *sh)
{
	int i, n = 0;

	for (i = 0; i < FZ_MAX_PROCS; i++)
		n += atomic_load(&sh->slot[i].pid) != 0;
	return n;
}

/* A fuzz process other than us, at random, or 0. */
static pid_t some_fuzz_proc(struct fz_ctx *c)
{
	int i, start = (int)fz_below(R, FZ_MAX_PROCS);

	for (i = 0; i < FZ_MAX_PROCS; i++) {
		pid_t p = atomic_load(&c->sh->slot[(start + i) % FZ_MAX_PROCS].pid);

		if (p > 0 && p != getpid())
			return p;
	}
	return 0;
}

/* A pid for task_for_pid: a child, ourselves, another fuzz process, none. */
pid_t fz_random_target(struct fz_ctx *c)
{
	pid_t p = 0;

	switch (fz_below(R, 8)) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (c->nchildren)
			p = c->children[fz_below(R, c->nchildren)].pid;
		break;
	case 4:
		p = getpid();
		break;
	case 5:
	case 6:
		p = some_fuzz_proc(c);
		break;
	default:
		return (pid_t)fz_choose(R, 0, (uint32_t)-1, 0x7fffffff, 4194305);
	}
	return p > 0 ? p : getpid();
}

/* Let go of what we hold stopped: before an exit or an exec. */
static void let_go(struct fz_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nsusp; i++) {
		struct machexc_port_op op = {
			.op = c->susp[i].task ? MACHEXC_PORT_TASK_RESUME : MACHEXC_PORT_THREAD_RESUME,
			.task = c->susp[i].name,
		};

		fz_port(c, &op);
	}
	c->nsusp = 0;
	fz_vm_let_go(c);
	for (i = 0; i < c->nchildren; i++)
		if (c->children[i].stopped)
			kill(c->children[i].pid, SIGCONT);
}

void fz_trace(struct fz_ctx *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (!c->sh->trace)
		return;
	n = snprintf(line, sizeof(line), "fz %d d%d: ", getpid(), c->depth);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(2, line, (size_t)n) < 0)
		return;
}

static int open_device(struct fz_ctx *c)
{
	c->fd = open(MACHEXC_DEVICE_PATH, O_RDWR | (fz_one_in(R, 2) ? O_CLOEXEC : 0));
	return c->fd;
}

/* The rows enabled, with their weights, for choosing. */
static unsigned int cumulative[FZ_MAX_OPS], total;

static void weights(struct fz_shared *sh)
{
	unsigned int i;

	total = 0;
	for (i = 0; i < fz_nops; i++) {
		if (sh->enabled[i / 64] & (1ULL << (i % 64)))
			total += fz_ops[i].weight;
		cumulative[i] = total;
	}
}

static int choose_op(struct fz_ctx *c)
{
	unsigned int x = fz_below(R, total), i;

	for (i = 0; i < fz_nops; i++)
		if (x < cumulative[i])
			return (int)i;
	return 0;
}

/* Take a slot: ours already if we are an exec of a fuzz process. */
static int take_slot(struct fz_shared *sh)
{
	pid_t me = getpid();
	int i;

	for (i = 0; i < FZ_MAX_PROCS; i++) {
		if (atomic_load(&sh->slot[i].pid) == me) {
			atomic_fetch_add(&sh->slot[i].execs, 1);
			return i;
		}
	}
	for (i = 0; i < FZ_MAX_PROCS; i++) {
		int zero = 0;

		if (atomic_compare_exchange_strong(&sh->slot[i].pid, &zero, me)) {
			atomic_store(&sh->slot[i].ppid, getppid());
			atomic_store(&sh->slot[i].execs, 0);
			atomic_store(&sh->slot[i].nlast, 0);
			return i;
		}
	}
	return -1;
}

static void step(struct fz_ctx *c)
{
	struct fz_shared *sh = c->sh;
	struct fz_slot *slot = &sh->slot[c->slot];
	int idx, r;

	if (c->fd < 0 && open_device(c) < 0)
		_exit(2);
	alarm(FZ_WATCHDOG);
	idx = choose_op(c);
	c->cur_op = idx;
	atomic_store(&slot->op, idx);
	atomic_store(&slot->progress, now_ns());
	fz_trace(c, "%s", fz_ops[idx].name);
	c->last = 0;
	r = fz_ops[idx].gen(c);
	atomic_store(&slot->op, -1);
	atomic_store(&slot->last[atomic_fetch_add(&slot->nlast, 1) % 8],
		     (unsigned int)idx << 2 | (unsigned int)(r + 1));
	if (r == FZ_SKIP) {
		atomic_fetch_sub(&sh->calls, 1);	/* not a call: give it back */
		return;
	}
	atomic_fetch_add(&sh->op_calls[idx], 1);
	if (r == FZ_OK)
		atomic_fetch_add(&sh->op_ok[idx], 1);
	if (sh->trace > 1)
		fz_trace(c, "%s -> %s (last port op: %#lx)", fz_ops[idx].name,
			 r == FZ_OK ? "ok" : "failed", c->last);
}

/*
 * Every fuzz process runs this until the budget is spent (or, for a
 * child, its own life), then lets go of what it stopped and exits.
 */
void fz_worker(struct fz_ctx *c)
{
	struct fz_shared *sh = c->sh;
	sigjmp_buf jb;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);		/* the parent is gone already */
	signal(SIGALRM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	c->slot = take_slot(sh);
	if (c->slot < 0)
		_exit(0);
	atomic_store(&sh->slot[c->slot].depth, c->depth);
	atomic_store(&sh->slot[c->slot].progress, now_ns());
	fz_rng_seed(&c->rng, c->seed);
	if (!c->buf)
		c->buf = aligned_alloc(64, FZ_BUF);
	if (!c->rbuf)
		c->rbuf = aligned_alloc(64, FZ_BUF);
	if (!c->buf || !c->rbuf || open_device(c) < 0)
		_exit(2);
	weights(sh);
	fz_exc_setup(c);
	fz_ipc_setup(c);
	fz_trace(c, "worker, seed %#llx, budget %llu", (unsigned long long)c->seed,
		 (unsigned long long)c->own_budget);
	fz_jb = &jb;
	for (;;) {
		/* A fault of the main thread (a state someone set) comes back here. */
		sigsetjmp(jb, 1);
		if (atomic_fetch_add(&sh->calls, 1) >= sh->limit) {
			atomic_fetch_sub(&sh->calls, 1);
			break;
		}
		if (c->depth && c->own_calls++ >= c->own_budget) {
			atomic_fetch_sub(&sh->calls, 1);
			break;
		}
		step(c);
	}
	let_go(c);
	_exit(0);
}

/* --- the generators --- */

FZ_GEN(fork)
{
	uint64_t seed = fz_next(R);
	pid_t pid;

	fz_proc_reap(c);
	if (c->nchildren == FZ_CHILDREN || live_procs(c->sh) >= c->sh->max_procs)
		return FZ_SKIP;
	pid = fork();
	if (pid < 0)
		return FZ_FAIL;
	if (pid == 0) {
		atomic_fetch_add(&c->sh->forks, 1);
		c->depth++;
		c->seed = seed;
		fz_rng_seed(&c->rng, seed);
		c->own_calls = 0;
		c->own_budget = 20 + fz_below(R, fz_one_in(R, 4) ? 4000 : 600);
		c->nchildren = 0;
		c->nsusp = 0;
		c->natexec = 0;
		c->host = 0;
		memset(c->exc_targets, 0, sizeof(c->exc_targets));
		memset(c->stale, 0, sizeof(c->stale));
		fz_reap_threads(c, 1);
		/* Now and then an ordinary user, or a process ptrace may not attach to. */
		if (fz_one_in(R, 6)) {
			uid_t u = 1000 + fz_below(R, 2);

			if (setgroups(0, NULL) || setresgid(u, u, u) || setresuid(u, u, u))
				fz_trace(c, "could not become uid %d", u);
		}
		if (fz_one_in(R, 8))
			prctl(PR_SET_DUMPABLE, 0);
		/*
		 * The parent's descriptor would serve the child's own space as
		 * well; the child opens its own and now and then keeps this one
		 * open beside it, unused.
		 */
		if (fz_one_in(R, 2))
			close(c->fd);
		c->fd = -1;
		fz_worker(c);
	}
	c->children[c->nchildren++] = (struct fz_child){ .pid = pid };
	return FZ_OK;
}

/* Run the fuzzer's binary again as a worker: same budget, a seed drawn from ours. */
FZ_GEN(exec)
{
	char fd[16], seed[32], depth[16], budget[32];
	char *argv[] = { "fuzz_test", "--worker", fd, seed, depth, budget, NULL };
	struct fz_shared *sh = c->sh;
	uint64_t left = c->depth ? c->own_budget - c->own_calls : 0;

	snprintf(fd, sizeof(fd), "%d", c->shm_fd);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)fz_next(R));
	snprintf(depth, sizeof(depth), "%d", c->depth);
	snprintf(budget, sizeof(budget), "%llu", (unsigned long long)left);
	const char *path = "/proc/self/exe";

	/*
	 * Now and then a copy it may not read, or a setuid-root one: an
	 * ordinary user's exec of either is a secure one, which destroys
	 * the port space before the new program runs.
	 */
	if (sh->unreadable[0] && fz_one_in(R, 6))
		path = sh->unreadable;
	else if (sh->setuid[0] && fz_one_in(R, 6))
		path = sh->setuid;
	let_go(c);
	atomic_fetch_add(&sh->op_calls[c->cur_op], 1);
	atomic_fetch_add(&sh->op_ok[c->cur_op], 1);
	atomic_fetch_add(&sh->execs, 1);
	execv(path, argv);
	atomic_fetch_sub(&sh->op_ok[c->cur_op], 1);
	atomic_fetch_sub(&sh->op_calls[c->cur_op], 1);
	return FZ_FAIL;
}

FZ_GEN(exit)
{
	struct fz_shared *sh = c->sh;

	if (!c->depth && !fz_one_in(R, 4))
		return FZ_SKIP;		/* the driver's own workers end less often */
	let_go(c);
	atomic_fetch_add(&sh->op_calls[c->cur_op], 1);
	atomic_fetch_add(&sh->op_ok[c->cur_op], 1);
	atomic_fetch_add(&sh->exits, 1);
	_exit((int)fz_below(R, 4));
}

FZ_GEN(kill)
{
	pid_t pid = 0;

	if (c->nchildren && !fz_one_in(R, 4))
		pid = c->children[fz_below(R, c->nchildren)].pid;
	else
		pid = some_fuzz_proc(c);
	/* Only a fuzz process (its group is the sentinel's), never the sentinel. */
	if (pid <= 1 || pid == c->sh->pgid || pid == c->sh->driver || getpgid(pid) != c->sh->pgid)
		return FZ_SKIP;
	if (kill(pid, SIGKILL))
		return FZ_FAIL;
	atomic_fetch_add(&c->sh->kills, 1);
	return FZ_OK;
}

/* SIGSTOP a child, or SIGCONT one we stopped. */
FZ_GEN(stop_cont)
{
	unsigned int i;

	fz_proc_reap(c);
	if (!c->nchildren)
		return FZ_SKIP;
	for (i = 0; i < c->nchildren; i++) {
		if (c->children[i].stopped) {
			c->children[i].stopped = 0;
			return kill(c->children[i].pid, SIGCONT) == 0 ? FZ_OK : FZ_FAIL;
		}
	}
	i = fz_below(R, c->nchildren);
	if (kill(c->children[i].pid, SIGSTOP))
		return FZ_FAIL;
	c->children[i].stopped = 1;
	atomic_fetch_add(&c->sh->stops, 1);
	return FZ_OK;
}

/* ok = a child was reaped. */
FZ_GEN(wait)
{
	unsigned int before = c->nchildren;

	fz_proc_reap(c);
	return c->nchildren < before ? FZ_OK : FZ_FAIL;
}

/* Close /dev/machexc and open it again (the space is the process's, not the file's). */
FZ_GEN(reopen)
{
	close(c->fd);
	c->fd = -1;
	return open_device(c) >= 0 ? FZ_OK : FZ_FAIL;
}

/*
 * A process that never opens /dev/machexc: what it has of machexc it
 * inherited (task-level exception ports, the bootstrap port).  It faults,
 * forks one that does, execs the fuzzer again as one, or just exits; at
 * most 3 s, whatever its exceptions wait for.
 */
void fz_plain(uint64_t seed, int may_fork)
{
	char arg[32], *argv[] = { "fuzz_test", "--plain", arg, NULL };
	struct fz_rng r;
	sigjmp_buf jb;
	pid_t pid;

	fz_rng_seed(&r, seed);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGALRM, SIG_DFL);
	alarm(3);
	fz_jb = &jb;
	if (sigsetjmp(jb, 1))
		_exit(0);		/* resumed by a handler, or our signal handler ran */
	if (fz_one_in(&r, 2)) {
		/* Unhandled, the fault kills: as for any program. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGTRAP, SIG_DFL);
	}
	switch (fz_below(&r, 6)) {
	case 0:
		__asm__ volatile("movl $1, (%0)" : : "r"(0UL) : "memory");
		break;
	case 1:
		__asm__ volatile("ud2");
		break;
	case 2:
		__asm__ volatile("int3");
		break;
	case 3:
		if (!may_fork)
			break;
		pid = fork();
		if (pid == 0)
			fz_plain(fz_next(&r), 0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	case 4:
		if (!may_fork)
			break;
		snprintf(arg, sizeof(arg), "%llu", (unsigned long long)fz_next(&r));
		execv("/proc/self/exe", argv);
		break;
	default:
		break;
	}
	_exit(0);
}

FZ_GEN(spawn_plain)
{
	uint64_t seed = fz_next(R);
	pid_t pid;

	fz_proc_reap(c);
	if (c->nchildren == FZ_CHILDREN)
		return FZ_SKIP;
	pid = fork();
	if (pid < 0)
		return FZ_FAIL;
	if (pid == 0)
		fz_plain(seed, 1);
	c->children[c->nchildren++] = (struct fz_child){ .pid = pid };
	return FZ_OK;
}
