/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc's fuzzer: what its parts share.
 *
 *   fuzz_test.c   the driver (options, workers, the end checks, the
 *                 report) and the table of operations
 *   fuzz_ipc.c    the device ioctls, the mach_port_* calls, mach_msg
 *   fuzz_exc.c    exception ports, faulting and handling threads, the
 *                 task and thread calls on this and other processes
 *   fuzz_proc.c   processes: fork, exec, exit, kill, stop
 *   fuzz_vm.c     a task's memory (MACHEXC_IOC_VM), suspend at exec
 *
 * Every operation is a generator: it picks its arguments from what the
 * process holds (a table of names and what they are believed to be, its
 * children, its threads), mostly well formed and now and then not, makes
 * the call and updates the table.  A later capability adds its generators
 * and one row each in fz_ops[] (fuzz_test.c).
 *
 * Reproducibility: each process's sequence of choices is a function of
 * the seed and of its place in the process tree (a child's seed is drawn
 * from its parent's generator); how processes interleave is not.  With
 * --procs 1 and --ops limited to calls that start no process or thread, a
 * run is a pure function of the seed.
 */
#ifndef _MACHEXC_FUZZ_H
#define _MACHEXC_FUZZ_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/machexc.h>
#include <mach/mach.h>

/* --- random numbers: xoshiro256**, seeded through splitmix64 --- */

struct fz_rng {
	uint64_t s[4];
};

static inline uint64_t fz_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void fz_rng_seed(struct fz_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = fz_splitmix(&seed);
}

static inline uint64_t fz_next(struct fz_rng *r)
{
	uint64_t *s = r->s, x = s[1] * 5, t = s[1] << 17;
	uint64_t res = ((x << 7) | (x >> 57)) * 9;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* Uniform in [0, n). */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(((fz_next(r) >> 32) * n) >> 32) : 0;
}

/* True once in @n. */
static inline int fz_one_in(struct fz_rng *r, uint32_t n)
{
	return fz_below(r, n) == 0;
}

/* One of the @n values of @v. */
#define fz_choose(r, ...) ({						\
	const uint32_t __v[] = { __VA_ARGS__ };				\
	__v[fz_below((r), sizeof(__v) / sizeof(__v[0]))];		\
})

/* --- the operations --- */

enum fz_result { FZ_SKIP = -1, FZ_FAIL = 0, FZ_OK = 1 };

struct fz_ctx;

struct fz_op {
	const char *name;
	int (*gen)(struct fz_ctx *c);	/* FZ_OK, FZ_FAIL, or FZ_SKIP (not counted) */
	unsigned int weight;
	const char *ok;			/* what "ok" means, if not "the call succeeded" */
};

extern const struct fz_op fz_ops[];
extern const unsigned int fz_nops;

#define FZ_MAX_OPS	128
#define FZ_MAX_PROCS	256	/* live fuzz processes at once, at most */

/* --- what every fuzz process shares: a memfd, kept across fork and exec --- */

struct fz_slot {
	atomic_int pid;			/* 0: free */
	atomic_int op;			/* the operation running, -1 between */
	atomic_llong progress;		/* CLOCK_MONOTONIC ns of the last step */
	atomic_int depth;
	atomic_int ppid;		/* its parent when it took the slot */
	atomic_int execs;		/* images it has run since */
	atomic_uint last[8];		/* its last calls: op << 2 | result + 1 */
	atomic_uint nlast;
};

struct fz_shared {
	uint64_t seed;
	uint64_t limit;			/* calls in all */
	int trace;
	int hwbp;			/* set hardware breakpoints and watchpoints */
	int max_procs;
	int pgid;			/* every fuzz process's group (the sentinel's) */
	int driver;			/* the driver's pid: never a target */
	uint64_t enabled[(FZ_MAX_OPS + 63) / 64];
	char unreadable[64];		/* a copy of the fuzzer, mode 0111 (or "") */
	char setuid[64];		/* a copy, setuid root (or "") */
	atomic_ullong calls;		/* taken from the budget */
	atomic_ullong op_calls[FZ_MAX_OPS];
	atomic_ullong op_ok[FZ_MAX_OPS];
	atomic_int live;		/* fuzz processes alive */
	/* events, for the report */
	atomic_ullong forks, execs, exits, kills, stops;
	atomic_ullong faults, fault_signals, fault_resumed;
	atomic_ullong served, handler_msgs, threads;
	struct fz_slot slot[FZ_MAX_PROCS];
};

/* --- what a process holds --- */

/* What a name is believed to be (the module is the truth; fz_refresh asks it). */
#define FZ_RECV		0x001U	/* receive right */
#define FZ_SEND		0x002U	/* send right */
#define FZ_SONCE	0x004U	/* send-once right */
#define FZ_PSET		0x008U	/* port set */
#define FZ_DEAD		0x010U	/* dead name */
#define FZ_RIGHTS	0x01fU
#define FZ_TASK		0x020U	/* a send right to a task port */
#define FZ_THREAD	0x040U	/* ... a thread port */
#define FZ_HOST		0x080U	/* ... the host port */
#define FZ_ANY		0x0ffU
/* Whose task or thread it is, as far as we know. */
#define FZ_MINE		0x100U	/* this process (for a thread: not the main one) */
#define FZ_CHILD	0x200U	/* a child of this process */
#define FZ_FOREIGN	0x400U	/* anyone else */
#define FZ_FAULTY	0x800U	/* a thread that came in an exception message */

#define FZ_NAMES	192
#define FZ_PORTFDS	8
#define FZ_CHILDREN	6
#define FZ_THREADS	6
#define FZ_SUSPENDED	16
#define FZ_ATEXEC	8

struct fz_name {
	uint32_t name;
	uint32_t kind;
};

struct fz_child {
	pid_t pid;
	int stopped;			/* we sent it SIGSTOP */
};

enum fz_thr_kind { FZ_FAULTER = 1, FZ_HANDLER };

/* A faulting or handling thread of this process. */
struct fz_thr {
	pthread_t t;
	enum fz_thr_kind kind;
	struct fz_shared *sh;
	int fd;
	struct fz_rng rng;
	void *guard;			/* a PROT_NONE page to fault on */
	uint32_t rcv;			/* handler: where it receives */
	uint32_t exc_port;		/* faulter: its thread-level port, or 0 */
	uint32_t behavior, flavor, mask;
	int rounds;
	int may_die;			/* faulter: may block its fault signals */
	int timeout;			/* handler: ms per receive */
	atomic_uint port;		/* its thread port, once it has published it */
	atomic_int done;		/* it has returned: the struct may go */
	char altstack[16384] __attribute__((aligned(16)));
};

struct fz_suspended {
	uint32_t name;
	int task;			/* task_suspend (1) or thread_suspend (0) */
};

struct fz_ctx {
	struct fz_shared *sh;
	int shm_fd;
	struct fz_rng rng;
	uint64_t seed;			/* this process's, for exec */
	int fd;				/* /dev/machexc */
	int depth;			/* 0: started by the driver */
	int slot;
	uint64_t own_calls, own_budget;	/* a child's life, in calls */
	uint32_t task, thread, host;	/* our task, main thread and host ports */
	struct fz_name names[FZ_NAMES];
	unsigned int nnames;
	uint32_t stale[8];		/* names we forgot: stale now */
	int portfds[FZ_PORTFDS];
	unsigned int nportfds;
	struct fz_child children[FZ_CHILDREN];
	unsigned int nchildren;
	struct fz_thr *thr[FZ_THREADS];
	unsigned int nthr;
	struct fz_suspended susp[FZ_SUSPENDED];
	unsigned int nsusp;
	uint32_t atexec[FZ_ATEXEC];	/* children asked to stop at their exec */
	pid_t atexec_pid[FZ_ATEXEC];
	unsigned int natexec;
	uint32_t exc_targets[4];	/* receive rights we made exception ports */
	uint32_t member, set;		/* the last receive right put in a set */
	int cur_op;			/* the row running */
	long last;			/* the last MACHEXC_IOC_PORT's result (-errno if < 0) */
	void *guard;			/* a PROT_NONE page */
	void *buf;			/* message buffers */
	void *rbuf;
	void *big;			/* larger than max_msg_size, made on demand */
};

#define FZ_BUF		(64 * 1024)
#define FZ_BIG		(320 * 1024)

/* fuzz_ipc.c */
long fz_port(struct fz_ctx *c, struct machexc_port_op *op);
long fz_msg(int fd, void *msg, uint32_t option, uint32_t send_size, uint32_t rcv_size,
	    uint32_t rcv_name, uint32_t timeout);
uint32_t fz_pick(struct fz_ctx *c, uint32_t kinds);
uint32_t fz_pick_exact(struct fz_ctx *c, uint32_t kinds);
uint32_t fz_junk_name(struct fz_ctx *c);
void fz_add(struct fz_ctx *c, uint32_t name, uint32_t kind);
void fz_forget(struct fz_ctx *c, uint32_t name);
uint32_t fz_kind_of(struct fz_ctx *c, uint32_t name);
void fz_refresh(struct fz_ctx *c, uint32_t name);
void fz_absorb(struct fz_ctx *c, void *msg, uint32_t size);
uint32_t fz_new_port(struct fz_ctx *c, int with_send);
void fz_ipc_setup(struct fz_ctx *c);
int fz_is_exception(const mach_msg_header_t *h);

/* fuzz_exc.c */
extern _Thread_local sigjmp_buf *fz_jb;
void fz_exc_setup(struct fz_ctx *c);
void fz_resume_point(void);
void fz_reap_threads(struct fz_ctx *c, int all);
void fz_serve(int fd, struct fz_rng *r, mach_msg_header_t *req, struct fz_ctx *keep);
uint32_t fz_exc_mask(struct fz_rng *r);
uint32_t fz_exc_behavior(struct fz_rng *r);
uint32_t fz_exc_flavor(struct fz_rng *r);

/* fuzz_proc.c */
void fz_proc_reap(struct fz_ctx *c);
int fz_is_child(struct fz_ctx *c, pid_t pid);
pid_t fz_pid_of(struct fz_ctx *c, uint32_t task);
pid_t fz_random_target(struct fz_ctx *c);
void fz_worker(struct fz_ctx *c) __attribute__((noreturn));
void fz_plain(uint64_t seed, int may_fork) __attribute__((noreturn));

/* fuzz_vm.c */
void fz_vm_let_go(struct fz_ctx *c);

/* fuzz_test.c */
void fz_trace(struct fz_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Generators, one per row of fz_ops[]. */
#define FZ_GEN(name) int fz_##name(struct fz_ctx *c)
/* fuzz_ipc.c */
FZ_GEN(version); FZ_GEN(stats); FZ_GEN(ioctl_bad); FZ_GEN(port_fd); FZ_GEN(port_fd_poll);
FZ_GEN(allocate); FZ_GEN(allocate_name); FZ_GEN(deallocate); FZ_GEN(destroy);
FZ_GEN(mod_refs); FZ_GEN(get_refs); FZ_GEN(type); FZ_GEN(insert_right);
FZ_GEN(extract_right); FZ_GEN(names); FZ_GEN(move_member); FZ_GEN(insert_member);
FZ_GEN(extract_member); FZ_GEN(request_notification); FZ_GEN(get_attributes);
FZ_GEN(set_attributes); FZ_GEN(task_self); FZ_GEN(get_special_port);
FZ_GEN(set_special_port); FZ_GEN(port_op_bad);
FZ_GEN(msg_send); FZ_GEN(msg_send_complex); FZ_GEN(msg_send_ool); FZ_GEN(msg_receive);
FZ_GEN(msg_rpc); FZ_GEN(msg_bad); FZ_GEN(lib_ports);
/* fuzz_exc.c */
FZ_GEN(task_set_exception_ports); FZ_GEN(task_get_exception_ports);
FZ_GEN(task_swap_exception_ports); FZ_GEN(thread_self);
FZ_GEN(thread_set_exception_ports); FZ_GEN(thread_get_exception_ports);
FZ_GEN(thread_swap_exception_ports); FZ_GEN(host_self); FZ_GEN(host_set_exception_ports);
FZ_GEN(host_get_exception_ports); FZ_GEN(host_swap_exception_ports);
FZ_GEN(thread_get_state); FZ_GEN(thread_set_state); FZ_GEN(pid_for_task);
FZ_GEN(thread_fault); FZ_GEN(task_for_pid); FZ_GEN(task_threads); FZ_GEN(task_suspend);
FZ_GEN(task_resume); FZ_GEN(thread_suspend); FZ_GEN(thread_resume); FZ_GEN(task_info);
FZ_GEN(thread_info); FZ_GEN(spawn_faulter); FZ_GEN(spawn_handler); FZ_GEN(serve_op);
FZ_GEN(reap_threads_op); FZ_GEN(lib_task);
/* fuzz_proc.c */
FZ_GEN(fork); FZ_GEN(exec); FZ_GEN(exit); FZ_GEN(kill); FZ_GEN(stop_cont); FZ_GEN(wait);
FZ_GEN(spawn_plain);
FZ_GEN(reopen);
/* fuzz_vm.c */
FZ_GEN(vm_read); FZ_GEN(vm_write); FZ_GEN(vm_region); FZ_GEN(vm_bad); FZ_GEN(lib_vm);
FZ_GEN(vm_allocate);
FZ_GEN(task_suspend_at_exec);

#endif
