/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks and threads as kernel objects (GNU Mach's kern/task.c,
 * kern/thread.c and kern/ipc_tt.c).
 *
 * A task (struct mx_task) is a process that uses machexc: its port space
 * (the names, names/names.h), its task port, special ports, task-level
 * exception ports, threads and suspend count.  A thread (struct mx_thread)
 * is made on first need for one thread of that process, keyed by its
 * struct pid; its thread port is its kernel-object port.
 *
 *   task.c     the task's life (create on first use, fork inheritance,
 *              exec, exit), task_for_pid, pid_for_task, task_threads,
 *              task_info
 *   thread.c   thread objects and ports, thread exception ports, the
 *              state of a stopped thread (in an exception or parked),
 *              thread_info
 *   suspend.c  task and thread suspend/resume, and the park (where a
 *              suspended thread waits, in its own context, on its way
 *              back to user space); the hold of a crashing process's
 *              other threads while EXC_CRASH is reported (exc/crash.c)
 *   debugregs.c  x86_DEBUG_STATE64: hardware breakpoints and watchpoints
 *   access.c   the permission rule: ptrace_may_access() and namespaces
 *   calls.c    the task and thread calls as the dispatch table calls them
 *
 * Permission.  A task or thread port of another process is used only if,
 * at the moment of use, the caller may ptrace-attach that process
 * (mx_task_may_access(): ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS),
 * and the process lies in the caller's pid and user namespaces or below).
 * Exception messages for task and thread level handlers obey the same rule
 * in the receiver's context (exc/raise.c).
 *
 * Locks (module/README has the order of all the module's locks):
 *   task->space.lock     the names; the threads hash; task->suspend_count,
 *                        task->hold_count, task->crash_thread and
 *                        crash_exec_id, every th->suspend_count and
 *                        th->park_queued
 *   task->special_lock   the bootstrap port; task->exc and every th->exc
 *   th->port->lock       th->state, th->soft, and the port's kobject
 *   tasks_lock (task.c)  the table of tasks and fork inheritance records
 *   exc_keys_lock (task.c)  the counts behind mx_exc_keys, every
 *                        task->exc_keyed; a leaf, irq-safe, nothing is
 *                        taken inside it
 * Waiters on task->suspend_wait read the counts and th->state without
 * locks (READ_ONCE): a change is always followed by a wakeup.
 *
 * References: tasks and threads are counted.  The table of tasks holds a
 * task until it is torn down; a task port's kobject is cleared before
 * that, under the port's lock, so a lookup through the port gets a task
 * that is alive.  A task's threads hash holds a thread until the thread
 * is destroyed; looking a thread up through a port gives a reference to
 * it and to its task.
 */
#ifndef _MACHEXC_TASK_H
#define _MACHEXC_TASK_H

#include <linux/atomic.h>
#include <linux/container_of.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "../exc/exc.h"
#include "../mach_abi.h"
#include "../names/names.h"

struct cred;
struct linux_binprm;
struct list_head;
struct mx_exc_state;
struct mx_exc_work;
struct perf_event;
struct mx_port;
struct mx_thread;
struct pid;
struct pid_namespace;
struct task_struct;
struct machexc_thread_fault;

/*
 * A task: one process that uses machexc.  Made on its first Mach call (or
 * by task_for_pid()), keyed by its signal_struct (shared by its threads; a
 * fork()ed child has its own), torn down once its last thread has exited
 * (or at an exec that raises privileges): the exit hook unhashes it at
 * once, in atomic context, and a workqueue releases what it held.
 */
struct mx_task {
	refcount_t ref;
	struct mx_user *user;		/* charged for it (names/limits.c) */
	struct mx_space space;		/* its names; space.lock: see above */
	struct mx_port *port;		/* the task port (kernel object) */
	u32 self_name;			/* its own send right to it */

	/* What a fork()ed child inherits; read from the fork hook. */
	spinlock_t special_lock;	/* bootstrap, exc, threads' exc */
	struct mx_port *bootstrap;	/* a send right, or NULL */
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* task exception ports */
	bool exc_closed;		/* torn down: no new exception ports */
	bool exc_keyed;			/* counted in mx_exc_keys: exc_keys_lock */

	DECLARE_HASHTABLE(threads, 6);	/* struct mx_thread, by struct pid */
	unsigned int nthreads;		/* in it */
	u32 thread_exc_mask;		/* types some thread has a port for */
	u32 suspend_count;		/* task_suspend()s not resumed */
	u32 hold_count;			/* holds for crash reports (not user-visible) */
	wait_queue_head_t suspend_wait;	/* parked threads, suspenders, crashes */
	struct task_struct *crash_thread;	/* reporting EXC_CRASH (a key only) */
	u64 crash_exec_id;		/* its program reported: self_exec_id + 1, or 0 */
	struct mx_park *exec_park;	/* task_suspend_at_exec(): for the exec hook */
	bool soft_signals;		/* EXC_SOFT_SIGNAL reports (exc/softsig.c) */
	atomic_long_t exc_counts[MX_EXC_COUNTS];	/* its exceptions (exc/exc.h) */
	struct mx_exc_work *exc_spare;	/* a fault's work kept for the next (exc/raise.c) */

	const void *key;		/* the process's signal_struct */
	struct pid *pid;		/* and its thread group (put after RCU) */
	struct hlist_node link;		/* in the table of tasks */
	bool hashed;			/* in it: under the table's lock */
	bool dead;			/* out of it: exited, or a secure exec */
	struct work_struct reap;
	struct rcu_head rcu;
};

static inline struct mx_task *mx_task_of(struct mx_space *space)
{
	return container_of(space, struct mx_task, space);
}

/* A thread of a task (thread.c; its suspension in suspend.c). */
struct mx_thread {
	refcount_t ref;
	struct hlist_node link;		/* in space->threads */
	struct mx_task *task;		/* alive while port->kobject is us */
	struct pid *pid;
	struct mx_port *port;
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* thread exception ports */
	struct mx_exc_state *state;	/* while stopped: in an exception, or parked */
	struct mx_soft_report *soft;	/* while in an EXC_SOFT_SIGNAL report */
	struct mx_port *reply;		/* kernel-held, for its exceptions' replies */
	struct mx_kmsg_cache *req_cache;	/* its exception requests (msg/msg.h) */
	bool closed;			/* destroyed: no new exception ports */
	u32 suspend_count;		/* thread_suspend()s not resumed */
	bool park_queued;		/* a park work is on its way to the thread */
	u64 dr[4];			/* debug registers set through machexc */
	unsigned long dr7;
	struct perf_event *bp[4];	/* their hardware breakpoints */
	u64 bp_exec_id;			/* ... for the program they were set in */
};

/* Live tasks (spaces), reported by MACHEXC_IOC_STATS. */
extern atomic_long_t mx_nr_spaces;
/* Live thread records; allocations lost on the fault and fork paths. */
extern atomic_long_t mx_nr_threads, mx_nr_nomem;

/* task.c: the task object's life */
struct mx_task *mx_task_create(struct task_struct *p);
void mx_task_destroy(struct mx_task *task);
void mx_task_put(struct mx_task *task);
struct mx_task *mx_task_find(struct task_struct *p);
struct mx_task *mx_task_of_process(struct task_struct *p);
struct mx_task *mx_task_current(void);
void mx_task_exit_notify(struct task_struct *p);
void mx_task_fork_notify(struct task_struct *parent, struct task_struct *child);
void mx_task_exec_notify(struct linux_binprm *bprm);
bool mx_task_handles_rcu(const void *key, u32 type, struct mx_task **found);
struct mx_task *mx_task_lookup_rcu(const void *key);
bool mx_task_handles(const void *key, u32 type);
struct mx_exc_work *mx_task_spare_take(struct mx_task *task);
bool mx_task_spare_keep(struct mx_task *task, struct mx_exc_work *spare);
bool mx_task_soft_signals(const void *key);
void mx_task_mark_exc(struct mx_task *task);
unsigned int mx_tasks_next(struct pid_namespace *ns, pid_t after, struct mx_task **out,
			   pid_t *nrs, unsigned int max);
int mx_tasks_init(void);
void mx_tasks_shutdown(void);

/*
 * Which processes may have exception ports, as a filter for the fault
 * hooks: a bit per hash of the signal_struct, a counting filter.  Each
 * task that may get a task or thread exception port (mx_task_mark_exc(),
 * before it can), and each fork inheritance record (task.c), is counted
 * once in its bucket until it is freed; a bucket's bit is set while its
 * count is not zero.  So a process's bit is set before any exception port
 * of its own or inherited becomes visible, and stays set while one can
 * be; a bit left set by another process in the bucket costs only the
 * lookups.  A clear bit spares every other process's fault signals the
 * hash lookups of mx_task_handles().  Readers: any context, a racy peek.
 */
#define MX_EXC_KEY_BITS	6
extern unsigned long mx_exc_keys;

static inline bool mx_task_may_handle(const void *key)
{
	return test_bit(hash_ptr(key, MX_EXC_KEY_BITS), &mx_exc_keys);
}

/* The counts behind it (task.c); any context, takes exc_keys_lock. */
void mx_exc_key_get(const void *key, bool *counted);
void mx_exc_key_put(const void *key, bool *counted);

/*
 * Can a fault of the current thread become an exception?  Not unless the
 * host has an exception port or its process may have one: the fault
 * hooks' first test, a few instructions for every process that never
 * used machexc.  Any context; a racy peek, as the hooks' later tests are.
 */
static __always_inline bool mx_fault_may_raise(void)
{
	return READ_ONCE(mx_host_exc_mask) || mx_task_may_handle(current->signal);
}

/* task.c: a task's live threads, referenced (task_threads, task_suspend) */
struct mx_thread_list {
	struct mx_thread **th;
	unsigned int n;
};

mx_return_t mx_task_collect(struct mx_task *target, struct mx_thread_list *tl);
void mx_thread_list_put(struct mx_thread_list *tl);

/* task.c: the task calls */
struct mx_task *mx_task_lookup_locked(struct mx_space *self, u32 name);
mx_return_t mx_task_check(struct mx_task *self, struct mx_task *target);
mx_return_t mx_task_for_pid(struct mx_task *self, u32 task, s32 pid, u32 *name);
mx_return_t mx_pid_for_task(struct mx_task *self, u32 name, u32 *pid);
mx_return_t mx_task_threads(struct mx_task *self, struct mx_task *target, u32 capacity,
			    u32 *names, u32 *count);
mx_return_t mx_task_info(struct mx_task *target, u32 flavor, u32 *buf, u32 *count);

/* access.c */
int mx_access_init(void);
bool mx_tasks_available(void);
bool mx_task_may_access(struct task_struct *task);
bool mx_pid_may_access(struct pid *tgid);
bool mx_pid_may_read(struct pid *tgid);

/* access.c: a saved caller, for checks made later in another context */
struct mx_observer {
	const struct cred *cred;	/* its credentials */
	struct pid_namespace *ns;	/* its active pid namespace */
	struct pid *tgid;		/* its process */
};

void mx_observer_get(struct mx_observer *obs);
void mx_observer_put(struct mx_observer *obs);
bool mx_pid_may_read_as(struct pid *tgid, const struct mx_observer *obs);
struct task_struct *mx_live_thread(struct pid *tgid);

/* thread.c -- these with task->space.lock held */
struct mx_thread *mx_thread_get(struct mx_task *task, struct task_struct *p);
struct mx_port *mx_thread_port(struct mx_task *task, struct task_struct *p);
struct mx_port *mx_thread_reply_port(struct mx_thread *th, bool make);
void mx_thread_drop_reply_port(struct mx_thread *th, struct list_head *reap);
void mx_threads_destroy(struct mx_task *task, struct list_head *reap);
void mx_thread_exc_changed(struct mx_task *task);
/* a thread port's thread, with a reference to it and to its task */
struct mx_thread *mx_thread_lookup_locked(struct mx_space *self, u32 name);

/* thread.c -- no lock needed */
void mx_thread_put(struct mx_thread *th);
struct mx_port *mx_thread_kport(struct mx_thread *th);
struct mx_kmsg_cache;
struct mx_kmsg_cache **mx_thread_req_cache(struct mx_thread *th);
struct mx_exc_slot mx_thread_slot(struct mx_thread *th, u32 type);
struct mx_exc_level mx_thread_level(struct mx_thread *th);
void mx_thread_set_stopped(struct mx_thread *th, struct mx_exc_state *state);
bool mx_thread_stopped(struct mx_thread *th);
mx_return_t mx_thread_apply_reply(struct mx_thread *th, u32 flavor, const u32 *state,
				  u32 count);
mx_return_t mx_thread_check(struct mx_task *self, struct mx_thread *th);
mx_return_t mx_thread_state(struct mx_thread *th, bool set, u32 flavor, u32 *buf, u32 *count);
mx_return_t mx_thread_fault(struct mx_thread *th, u32 *tid, struct machexc_thread_fault *fault,
			    u32 *count);
mx_return_t mx_thread_info(struct mx_thread *th, u32 flavor, u32 *buf, u32 *count);
struct mx_time_value mx_time_value(u64 ns);

/* debugregs.c */
mx_return_t mx_thread_debug_state(struct mx_thread *th, bool set, u32 flavor, u32 *buf,
				  u32 *count);
void mx_thread_debug_release(struct mx_thread *th);

/* suspend.c */
struct mx_park;
mx_return_t mx_task_suspend(struct mx_task *target);
mx_return_t mx_task_suspend_at_exec(struct mx_task *target);
void mx_task_exec_park(struct mx_task *task);
void mx_task_exec_park_drop(struct mx_task *task);
extern atomic_t mx_nr_exec_parks;
mx_return_t mx_task_resume(struct mx_task *target);
mx_return_t mx_thread_suspend(struct mx_thread *th);
mx_return_t mx_thread_resume(struct mx_thread *th);
bool mx_thread_suspended(struct mx_thread *th);
u32 mx_thread_suspend_count(struct mx_thread *th);
int mx_task_wait_resumed(struct mx_task *task, struct mx_thread *th, int *state);
void mx_task_hold(struct mx_task *task, unsigned long deadline);
void mx_task_unhold(struct mx_task *task);
void mx_task_fork_thread(struct task_struct *parent, struct task_struct *child);

#endif /* _MACHEXC_TASK_H */
