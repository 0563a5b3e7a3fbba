/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks and threads as kernel objects (GNU Mach's kern/task.c,
 * kern/thread.c and kern/ipc_tt.c).
 *
 * A task is a process that has a port space (struct mx_space, created on
 * its first Mach call or by task_for_pid()); its task port is the space's
 * kernel-object port.  A thread is a struct mx_thread, made on first need
 * for one thread of that process, keyed by its struct pid; its thread port
 * is the thread's kernel-object port.
 *
 * What the task object owns here:
 *   task.c     task_for_pid, pid_for_task, task_threads, task_info,
 *              task and thread suspend/resume, and the park (the place a
 *              suspended thread waits, in its own context, before it
 *              returns to user space)
 *   thread.c   thread objects and ports, thread exception ports, the
 *              state of a stopped thread (in an exception or parked),
 *              thread_info
 *   access.c   the permission rule: ptrace_may_access() and namespaces
 *
 * Permission.  A task or thread port of another process is used only if,
 * at the moment of use, the caller may ptrace-attach that process
 * (mx_task_may_access(): ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS),
 * and the process lies in the caller's pid and user namespaces or below).
 * Exception messages for task and thread level handlers obey the same rule
 * in the receiver's context (exc/raise.c).
 *
 * Locks (module/README has the order of all the module's locks):
 *   space->lock       the threads hash, every th->suspend_count and
 *                     th->park_queued, space->suspend_count
 *   space->special_lock  th->exc (exception slots)
 *   th->port->lock    th->state and port->kobject
 * Waiters on space->suspend_wait read the counts and th->state without
 * locks (READ_ONCE): a change is always followed by a wakeup.
 *
 * References: a struct mx_thread is counted.  The space's hash holds one
 * until the thread is destroyed (thread exit, space teardown).  Looking a
 * thread up through a port gives a reference to it and to its space.
 */
#ifndef _MACHEXC_TASK_H
#define _MACHEXC_TASK_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>

#include "../exc/exc.h"
#include "../mach_abi.h"
#include "../names/names.h"

struct list_head;
struct mx_exc_state;
struct mx_port;
struct mx_space;
struct mx_thread;
struct pid;
struct task_struct;
struct machexc_thread_fault;

/* A thread of a task (thread.c; its suspension in task.c). */
struct mx_thread {
	refcount_t ref;
	struct hlist_node link;		/* in space->threads */
	struct mx_space *space;		/* identity: alive while port->kobject is us */
	struct pid *pid;
	struct mx_port *port;
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* thread exception ports */
	struct mx_exc_state *state;	/* while stopped: in an exception, or parked */
	struct mx_port *reply;		/* kernel-held, for its exceptions' replies */
	bool closed;			/* destroyed: no new exception ports */
	u32 suspend_count;		/* thread_suspend()s not resumed */
	bool park_queued;		/* a park work is on its way to the thread */
};

/* access.c */
int mx_access_init(void);
bool mx_tasks_available(void);
bool mx_task_may_access(struct task_struct *task);
bool mx_pid_may_access(struct pid *tgid);

/* thread.c -- these with space->lock held */
struct mx_thread *mx_thread_get(struct mx_space *space, struct task_struct *task);
struct mx_port *mx_thread_port(struct mx_space *space, struct task_struct *task);
struct mx_port *mx_thread_reply_port(struct mx_thread *th);
void mx_thread_drop_reply_port(struct mx_thread *th, struct list_head *reap);
void mx_threads_destroy(struct mx_space *space, struct list_head *reap);
void mx_thread_exc_changed(struct mx_space *space);

/* thread.c -- no lock needed */
void mx_thread_put(struct mx_thread *th);
struct mx_port *mx_thread_kport(struct mx_thread *th);
struct mx_space *mx_thread_space(struct mx_thread *th);
struct pid *mx_thread_pid(struct mx_thread *th);
struct mx_exc_slot mx_thread_slot(struct mx_thread *th, u32 type);
struct mx_exc_level mx_thread_level(struct mx_thread *th);
void mx_thread_set_stopped(struct mx_thread *th, struct mx_exc_state *state);
bool mx_thread_stopped(struct mx_thread *th);
void mx_thread_apply_reply(struct mx_thread *th, u32 flavor, const u32 *state, u32 count);
mx_return_t mx_thread_state(struct mx_thread *th, bool set, u32 flavor, u32 *buf, u32 *count);
mx_return_t mx_thread_fault(struct mx_thread *th, u32 *tid, struct machexc_thread_fault *fault,
			    u32 *count);
mx_return_t mx_thread_info(struct mx_thread *th, u32 flavor, u32 *buf, u32 *count);
struct mx_time_value mx_time_value(u64 ns);

/* thread.c: a thread port's thread, with a reference (self->lock held) */
struct mx_thread *mx_thread_lookup_locked(struct mx_space *self, u32 name);

/* task.c */
struct mx_space *mx_task_lookup_locked(struct mx_space *self, u32 name);
mx_return_t mx_task_check(struct mx_space *self, struct mx_space *target);
mx_return_t mx_thread_check(struct mx_space *self, struct mx_thread *th);
mx_return_t mx_task_for_pid(struct mx_space *self, u32 task, s32 pid, u32 *name);
mx_return_t mx_pid_for_task(struct mx_space *self, u32 name, u32 *pid);
mx_return_t mx_task_threads(struct mx_space *self, struct mx_space *target, u32 capacity,
			    u32 *names, u32 *count);
mx_return_t mx_task_suspend(struct mx_space *target);
mx_return_t mx_task_resume(struct mx_space *target);
mx_return_t mx_thread_suspend(struct mx_thread *th);
mx_return_t mx_thread_resume(struct mx_thread *th);
mx_return_t mx_task_info(struct mx_space *target, u32 flavor, u32 *buf, u32 *count);
bool mx_thread_suspended(struct mx_thread *th);
u32 mx_thread_suspend_count(struct mx_thread *th);
void mx_task_wait_resumed(struct mx_space *space, struct mx_thread *th);
void mx_task_fork_thread(struct task_struct *parent, struct task_struct *child);
void mx_task_exit(void);

#endif /* _MACHEXC_TASK_H */
