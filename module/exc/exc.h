/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach exceptions: the types, codes and messages of macOS's exc.defs and
 * mach_exc.defs (x86-64), and how a Linux fault signal becomes one.
 */
#ifndef _MACHEXC_EXC_H
#define _MACHEXC_EXC_H

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal_types.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>

#include "../mach_abi.h"

/* exception_type_t (mach/exception_types.h) */
#define EXC_BAD_ACCESS			1
#define EXC_BAD_INSTRUCTION		2
#define EXC_ARITHMETIC			3
#define EXC_EMULATION			4
#define EXC_SOFTWARE			5
#define EXC_BREAKPOINT			6
#define EXC_SYSCALL			7
#define EXC_MACH_SYSCALL		8
#define EXC_RPC_ALERT			9
#define EXC_CRASH			10
#define EXC_RESOURCE			11
#define EXC_GUARD			12
#define EXC_CORPSE_NOTIFY		13
#define EXC_TYPES_COUNT			14

#define MX_EXC_MASK_VALID			0x3ffeU	/* EXC_MASK_BAD_ACCESS..CORPSE_NOTIFY */

/* exception_behavior_t */
#define EXCEPTION_DEFAULT		1
#define EXCEPTION_STATE			2
#define EXCEPTION_STATE_IDENTITY	3
#define MACH_EXCEPTION_CODES		0x80000000U
#define MACH_EXCEPTION_MASK		MACH_EXCEPTION_CODES

/* thread_state_flavor_t (mach/i386/thread_status.h) */
#define x86_THREAD_STATE64		4
#define x86_FLOAT_STATE64		5
#define x86_EXCEPTION_STATE64		6
#define x86_THREAD_STATE		7
#define x86_FLOAT_STATE			8
#define x86_EXCEPTION_STATE		9
#define x86_DEBUG_STATE64		11
#define x86_DEBUG_STATE			12
#define THREAD_STATE_NONE		13
#define x86_AVX_STATE64			17
#define x86_AVX_STATE			18
#define x86_AVX512_STATE64		20
#define x86_AVX512_STATE		21

/* x86 codes (mach/i386/exception.h) */
#define EXC_I386_INVOP			1
#define EXC_I386_DIV			1
#define EXC_I386_INTO			2
#define EXC_I386_EXTERR			5
#define EXC_I386_SSEEXTERR		8
#define EXC_I386_SGL			1
#define EXC_I386_BPT			2
#define EXC_I386_GPFLT			13
#define EXC_I386_ALIGNFLT		17

/* kern_return_t codes used as EXC_BAD_ACCESS codes */
#define KERN_PROTECTION_FAILURE		2
#define KERN_MEMORY_FAILURE		9
#define KERN_MEMORY_ERROR		10

/* MIG */
#define MIG_REPLY_MISMATCH		(-301)
#define MX_EXC_MSGID_BASE		2400	/* exception_raise is 2401 */
#define MX_MACH_EXC_MSGID_BASE		2404	/* mach_exception_raise is 2405 */
#define MX_REPLY_ID_OFFSET		100

/* x86-64 THREAD_STATE_MAX, in natural_t */
#define MX_THREAD_STATE_MAX		614

/* State sizes in natural_t (mach/i386/thread_status.h). */
#define x86_THREAD_STATE64_COUNT	42	/* rax..r15, rip, rflags, cs, fs, gs */
#define x86_FLOAT_STATE64_COUNT		131	/* 8 reserved + fxsave (512) + 4 */
#define x86_EXCEPTION_STATE64_COUNT	4	/* trapno, cpu, err, faultvaddr */
#define x86_DEBUG_STATE64_COUNT		16	/* dr0..dr7 */
#define x86_DEBUG_STATE_COUNT		18
#define x86_AVX_STATE64_COUNT		211	/* 8 + 512 + 4 + 64 + 16 * 16 bytes */
#define x86_AVX_STATE_COUNT		213	/* x86_state_hdr + the above */
#define x86_AVX512_STATE64_COUNT	611	/* + 8 * 8 + 16 * 32 + 16 * 64 */
#define x86_AVX512_STATE_COUNT		613

/* An exception, as a Mach handler sees it. */
struct mx_exception {
	u32 type;		/* EXC_* */
	s64 code[2];		/* code and subcode */
};

/* One exception type's handler at one level: thread, task or host. */
struct mx_exc_slot {
	struct mx_port *port;		/* a send right, or NULL */
	u32 behavior;
	u32 flavor;
	struct pid_namespace *ns;	/* host level: whom it may see (a ref) */
};

/* A level's slots and the spinlock that guards them. */
struct mx_exc_level {
	spinlock_t *lock;		/* guards *slots and *closed */
	struct mx_exc_slot *slots;	/* EXC_TYPES_COUNT of them */
	const bool *closed;		/* if set and true: its owner is gone */
};

/*
 * A thread stopped in an exception: its state as it was when it faulted,
 * which thread_get_state() reads and thread_set_state() changes.  The
 * faulting thread owns it; it is published on the thread's port (under
 * the port's lock) while the thread waits for its handlers, and the
 * changes are put back into the thread when it resumes.
 */
struct mx_exc_state {
	u64 regs[x86_THREAD_STATE64_COUNT / 2];		/* x86_thread_state64_t */
	u32 exc[x86_EXCEPTION_STATE64_COUNT];		/* x86_exception_state64_t */
	u32 fpu[x86_FLOAT_STATE64_COUNT];		/* x86_float_state64_t */
	bool fpu_valid;		/* fpu (and xsave) hold the thread's registers */
	bool fpu_loaded;	/* read from the thread (exc/state.c: only when needed) */
	struct task_struct *task;	/* whose: the stopped thread itself */
	void *xsave;		/* NT_X86_XSTATE's image where AVX exists, or NULL */
	u32 xsave_size;
	unsigned int dirty;				/* MX_STATE_DIRTY_* */
	int signo, code;				/* the Linux signal */
	u64 addr;
	u32 trapno, error_code;
	unsigned long dr6;				/* which breakpoint fired */
};

#define MX_STATE_DIRTY_REGS	0x1U
#define MX_STATE_DIRTY_FPU	0x2U
#define MX_STATE_DIRTY_XSTATE	0x4U	/* AVX/AVX-512 registers too */

struct machexc_exc_ports;
struct mx_exc_work;
struct mx_kmsg;
struct mx_port;
struct mx_task;
struct mx_thread;
struct mx_space;
struct pid_namespace;
struct task_struct;

/* exc/ports.c, with space->lock held */
mx_return_t mx_exc_set_ports(struct mx_space *space, struct mx_exc_level level, u32 mask,
			     u32 name, u32 behavior, u32 flavor, struct pid_namespace *ns,
			     struct machexc_exc_ports *old);
mx_return_t mx_exc_get_ports(struct mx_space *space, struct mx_exc_level level, u32 mask,
			     struct machexc_exc_ports *out);
void mx_exc_slots_init(struct mx_exc_slot *slots);
void mx_exc_slots_release(struct mx_exc_slot *slots);
void mx_exc_slots_copy(struct mx_exc_slot *dst, const struct mx_exc_slot *src);
void mx_exc_slot_get(struct mx_exc_slot *slot);
void mx_exc_slot_put(struct mx_exc_slot *slot);

/* exc/state.c */
void mx_exc_state_save(struct mx_exc_state *st, const kernel_siginfo_t *info,
		       unsigned int trap_nr, unsigned long error_code, unsigned long cr2);
void mx_exc_state_restore(struct mx_exc_state *st);
void mx_exc_state_release(struct mx_exc_state *st);
void *mx_exc_state_fpu_buf(u32 flavor);
void mx_exc_state_load_fpu(struct mx_exc_state *st, u32 flavor, void **buf);
u32 mx_exc_state_count(u32 flavor);
mx_return_t mx_exc_state_get(struct mx_exc_state *st, u32 flavor, u32 *out,
			     u32 *count);
mx_return_t mx_exc_state_set(struct mx_exc_state *st, u32 flavor, const u32 *state,
			     u32 count);

bool mx_exc_from_siginfo(const kernel_siginfo_t *info, unsigned int trap_nr,
			 struct mx_exception *exc);

/*
 * The body of an exception_raise request from the NDR record on: what
 * follows the header (and, for the behaviors that carry them, the body
 * count and the thread and task port descriptors), for @behavior.
 * Writes at most @size bytes at @buf; returns the length, or 0 if it does
 * not fit.  @state holds @state_count natural_t of @flavor; with NULL,
 * room for them is left (zeroed) at the end for the caller to fill.
 */
size_t mx_exc_encode_body(void *buf, size_t size, u32 behavior,
			  const struct mx_exception *exc, u32 flavor,
			  const u32 *state, u32 state_count);
size_t mx_exc_body_size(u32 behavior, u32 state_count);
s32 mx_exc_request_id(u32 behavior);
bool mx_exc_has_identity(u32 behavior);

/*
 * Check a reply as GNU Mach's exception_parse_reply() does: anything
 * malformed is MIG_REPLY_MISMATCH.  For state behaviors the new state is
 * copied to @state (room for MX_THREAD_STATE_MAX) with its flavor/count.
 */
s32 mx_exc_parse_reply(const void *msg, u32 size, u32 behavior,
		       u32 *flavor, u32 *state, u32 *state_count);
const u32 *mx_exc_reply_state(const void *msg);

/*
 * Exceptions: raised, handed straight to a waiting receiver or queued,
 * handled, left to Linux's signal, abandoned by a thread killed while it
 * waited.  What each task counts of its own exceptions (struct mx_task's
 * exc_counts[], summed per pid namespace by netlink/stats.c).
 */
enum mx_exc_count {
	MX_EXC_RAISED, MX_EXC_HANDOFFS, MX_EXC_QUEUED, MX_EXC_HANDLED,
	MX_EXC_FALLBACKS, MX_EXC_ABORTED, MX_EXC_COUNTS
};

/*
 * How long threads stayed stopped for an exception: bucket i counts
 * [2^(i-1), 2^i) microseconds (the first anything shorter, the last
 * anything longer); the uapi's MACHEXC_LAT_BUCKETS.
 */
#define MX_LAT_BUCKETS	24
/*
 * The machine's exception counters (enum mx_exc_count) and latency
 * histogram, kept per CPU (no shared line written per exception) and
 * summed when read.  Any context.
 */
unsigned long mx_exc_stat(enum mx_exc_count what);
unsigned long mx_exc_latency(unsigned int bucket);

/*
 * An exception event, for observers (netlink/events.c): sent by the
 * faulting thread itself (current), from its task work, may sleep.
 * MX_EXC_EV_* are the uapi's MACHEXC_EVENT_*; @level its MACHEXC_LEVEL_*.
 */
enum { MX_EXC_EV_RAISED = 1, MX_EXC_EV_HANDLED, MX_EXC_EV_FALLBACK, MX_EXC_EV_ABORTED };

struct mx_exc_event {
	u32 event;
	u32 level;		/* 0 thread, 1 task, 2 host, 3 none */
	const struct mx_exception *exc;
	u64 start_ns;		/* when the thread stopped for it (ktime_get_ns()) */
};

/*
 * The observer, set once at load and cleared at unload (exc/ is below
 * netlink/, hence a callback): it must be cheap when nobody listens.
 */
void mx_exc_set_observer(void (*fn)(const struct mx_exc_event *ev));

/* exc/host.c */
extern u32 mx_host_exc_mask;
int mx_host_init(void);
void mx_host_exit(void);
struct mx_exc_level mx_host_level(void);
void mx_host_exc_changed(void);
mx_return_t mx_host_self(struct mx_space *space, u32 *name);
mx_return_t mx_host_check(struct mx_space *space, u32 name);
struct mx_exc_slot mx_host_slot(u32 type);

/*
 * exc/raise.c: a thread's task work (an exception, a park) that waits
 * with every signal but SIGKILL and SIGSTOP held, and steps out to
 * get_signal() for a stop, a freeze or a ptrace trap, to carry on after.
 */
#define MX_WAIT_STOPPABLE	(TASK_INTERRUPTIBLE | TASK_FREEZABLE)
#define MX_WAIT_KILLABLE	(TASK_KILLABLE | TASK_FREEZABLE)

struct mx_yield {
	struct hlist_node link;		/* in the list of stepped-out works */
	struct task_struct *task;	/* whose (a key only) */
	struct callback_head *cb;	/* the work to queue again */
	bool restore_sigmask;		/* TIF_RESTORE_SIGMASK, taken off while out */
};

extern bool mx_yield_armed;
extern atomic_t mx_nr_yielded_all;
bool mx_yield_possible(void);
void mx_yield(struct mx_yield *y, struct callback_head *cb);
void mx_yield_back(struct mx_yield *y);
void mx_yield_resume(void);
void mx_yield_exit(struct task_struct *p);
void mx_signals_hold(sigset_t *saved, bool again);
void mx_signals_release(sigset_t *saved);
int mx_wait_interrupted(int *state);

/*
 * exc/raise.c: an exception on its way through the thread, task and host
 * levels, in the thread that raises it: a fault's (raise.c's task work)
 * or a crash's (crash.c).  Sleeps; no locks held.
 */
struct mx_raise {
	int level;			/* the level at work */
	int wait_state;			/* MX_WAIT_STOPPABLE, else killable */
	unsigned long deadline;		/* jiffies; 0: none */
	struct mx_task *task;		/* the caller's reference */
	struct mx_thread *th;		/* a reference */
	struct mx_exc_state *st;	/* the caller's, published on th's port */
	struct mx_exception exc;
	struct mx_port *reply;		/* the thread's reply port (a reference) */
	struct mx_exc_slot slot;	/* the level's (its right goes with the request) */
	struct mx_kmsg *request;	/* made, not yet queued */
	bool waiting;			/* queued: waiting for the answer */
	bool handled;			/* a handler answered KERN_SUCCESS */
	int handled_level;		/* the level whose handler did */
	u64 start_ns;			/* when the thread stopped for it */
};

/* exc/raise.c: the cache of the fault hook's works */
int mx_raise_init(void);
void mx_raise_exit(void);
void mx_exc_work_free(struct mx_exc_work *w);

bool mx_raise_begin(struct mx_raise *r, struct mx_task *task, struct mx_exc_state *st,
		    const struct mx_exception *exc, int wait_state, unsigned long deadline);
int mx_raise_levels(struct mx_raise *r);
void mx_raise_end(struct mx_raise *r, bool restore);

/* The jiffies @timeout from now, as a deadline (never 0, which is none). */
static inline unsigned long mx_deadline(unsigned long timeout)
{
	return timeout ? (jiffies + timeout) ?: 1 : 0;
}

/*
 * Is the current process dying already: a group exit (an exec's too) or
 * a core dump under way?  Then no machexc work may make a thread wait.
 */
static inline bool mx_process_dying(void)
{
	const struct signal_struct *sig = current->signal;

	return (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT) || READ_ONCE(sig->group_exec_task) ||
	       READ_ONCE(sig->core_state) || (current->flags & PF_DUMPCORE);
}

/* exc/crash.c: EXC_CRASH, from the kprobe on the core dump's entry */
void mx_crash_init(void);
bool mx_crash_available(void);
void mx_crash_disable(void);
s64 mx_crash_code(int sig, const struct mx_exception *orig);
bool mx_crash_wanted(const kernel_siginfo_t *info);
void mx_crash_coredump(const kernel_siginfo_t *info);

/*
 * exc/softsig.c: EXC_SOFTWARE / EXC_SOFT_SIGNAL, a signal reported before
 * delivery.  A thread in such a report points its mx_thread at this
 * (under its port's lock), for machexc_thread_set_soft_signal().
 */
#define EXC_SOFT_SIGNAL			0x10003

struct mx_soft_report {
	struct mx_raise *r;		/* the report's walk */
	int sig;			/* the handler's choice; -1 none yet */
	int level;			/* the level whose handler chose */
	struct pid *pid;		/* the chooser's process (a reference) */
	kuid_t uid;			/* and its user */
};

struct mx_task;
struct mx_thread;
extern atomic_long_t mx_nr_soft_reports;
void mx_softsig_init(void);
bool mx_softsig_available(void);
void mx_softsig_get_signal(void);
void mx_softsig_delivered(int sig);
void mx_softsig_exit(struct task_struct *p);
mx_return_t mx_softsig_task_set(struct mx_task *target, bool on);
mx_return_t mx_softsig_thread_set(struct mx_thread *th, u32 sig);

void mx_exc_fault_signal_coming(int sig);
void mx_exc_fault_signal_forced(const struct kernel_siginfo *info, struct task_struct *t,
				int handler);
void mx_exc_signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *task,
			     int result);

#endif /* _MACHEXC_EXC_H */
