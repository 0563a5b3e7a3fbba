// SPDX-License-Identifier: GPL-2.0
/*
 * Threads: the kernel object a thread is known by in Mach messages
 * (mach_thread_self(), the thread of an exception), its thread-level
 * exception ports, and its state while it is stopped in an exception.
 *
 * One struct mx_thread per thread per space, made on first use, keyed by
 * the thread's struct pid (which cannot be reused while we hold it).
 * Threads that have exited are pruned when a new one is made, and all go
 * with the space (or at a setuid exec, see mx_space_secure_exec()).
 *
 * Locks: the hash and th->space under space->lock; th->exc under the
 * space's special_lock; th->state (and port->kobject) under th->port->lock,
 * which is what a handler in another process holds to read the state.
 */
#include <linux/machexc.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "../ipc.h"

struct mx_thread {
	struct hlist_node link;
	struct mx_space *space;		/* identity, no reference */
	struct pid *pid;
	struct mx_port *port;
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* thread exception ports */
	struct mx_exc_state *state;	/* while stopped in an exception */
	struct mx_port *reply;		/* kernel-held, for its exceptions' replies */
};

static void thread_destroy(struct mx_thread *th, struct list_head *reap)
{
	hash_del(&th->link);
	spin_lock(&th->port->lock);
	th->port->kobject = NULL;
	spin_unlock(&th->port->lock);
	mx_port_destroy(th->port, reap);
	mx_port_put(th->port);
	mx_exc_slots_release(th->exc);
	if (th->reply) {
		mx_port_destroy(th->reply, reap);
		mx_port_put(th->reply);
	}
	put_pid(th->pid);
	kfree(th);
}

static bool thread_exited(struct pid *pid)
{
	struct task_struct *task;
	bool exited;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_PID);
	exited = !task || (READ_ONCE(task->flags) & PF_EXITING);
	rcu_read_unlock();
	return exited;
}

static void prune_exited(struct mx_space *space, struct list_head *reap)
{
	struct mx_thread *th;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(space->threads, bkt, tmp, th, link)
		if (th->pid != task_pid(current) && thread_exited(th->pid))
			thread_destroy(th, reap);
}

/* Recompute the space's summary of its threads' exception masks. */
static void update_thread_mask(struct mx_space *space)
{
	struct mx_thread *th;
	u32 mask = 0;
	int bkt, i;

	hash_for_each(space->threads, bkt, th, link)
		for (i = 1; i < EXC_TYPES_COUNT; i++)
			if (th->exc[i].port)
				mask |= 1U << i;
	WRITE_ONCE(space->thread_exc_mask, mask);
}

/* @task's thread in @space, made if need be; NULL without memory. */
struct mx_thread *mx_thread_get(struct mx_space *space, struct task_struct *task)
{
	struct pid *pid = task_pid(task);
	struct mx_thread *th;
	LIST_HEAD(reap);

	lockdep_assert_held(&space->lock);
	hash_for_each_possible(space->threads, th, link, (unsigned long)pid)
		if (th->pid == pid)
			return th;

	prune_exited(space, &reap);
	update_thread_mask(space);
	mx_reap(&reap);
	th = kzalloc(sizeof(*th), GFP_KERNEL_ACCOUNT);
	if (!th)
		return NULL;
	th->port = mx_port_alloc();
	if (!th->port) {
		kfree(th);
		return NULL;
	}
	mx_exc_slots_init(th->exc);
	th->port->kotype = MX_KOBJECT_THREAD;
	th->port->kobject = th;
	th->space = space;
	th->pid = get_pid(pid);
	hash_add(space->threads, &th->link, (unsigned long)pid);
	return th;
}

/*
 * The port @th's exceptions get their replies on, made once and reused
 * (as GNU Mach's per-thread reply port): every answer consumes the one
 * send-once right a request carries, so between exceptions it is empty.
 * A new reference; with space->lock held.  NULL without memory.
 */
struct mx_port *mx_thread_reply_port(struct mx_thread *th)
{
	if (!th->reply)
		th->reply = mx_port_alloc();
	if (th->reply)
		mx_port_get(th->reply);
	return th->reply;
}

/* An exception ended without an answer: the port may hold a right still. */
void mx_thread_drop_reply_port(struct mx_thread *th, struct list_head *reap)
{
	if (th->reply) {
		mx_port_destroy(th->reply, reap);
		mx_port_put(th->reply);
		th->reply = NULL;
	}
}

/* @th's own thread port (no new reference). */
struct mx_port *mx_thread_kport(struct mx_thread *th)
{
	return th->port;
}

struct mx_port *mx_thread_port(struct mx_space *space, struct task_struct *task)
{
	struct mx_thread *th = mx_thread_get(space, task);

	return th ? th->port : NULL;
}

void mx_threads_destroy(struct mx_space *space, struct list_head *reap)
{
	struct mx_thread *th;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(space->threads, bkt, tmp, th, link)
		thread_destroy(th, reap);
	WRITE_ONCE(space->thread_exc_mask, 0);
}

/* The exception ports of @th, for mx_exc_{set,get}_ports(). */
struct mx_exc_level mx_thread_level(struct mx_thread *th)
{
	return (struct mx_exc_level){ &th->space->special_lock, th->exc };
}

/* After thread_set/swap_exception_ports: let the fault hook know. */
void mx_thread_exc_changed(struct mx_space *space)
{
	update_thread_mask(space);
}

/* A copy of @th's slot for @type, with a right of its own. */
struct mx_exc_slot mx_thread_slot(struct mx_thread *th, u32 type)
{
	struct mx_exc_slot slot;

	spin_lock(&th->space->special_lock);
	slot = th->exc[type];
	mx_exc_slot_get(&slot);
	spin_unlock(&th->space->special_lock);
	return slot;
}

/*
 * The thread one of @space's own threads' ports names: a send right
 * whose thread belongs to @space.  With space->lock held.
 */
struct mx_thread *mx_thread_lookup(struct mx_space *space, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(space, name);
	struct mx_thread *th;

	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) ||
	    entry->port->kotype != MX_KOBJECT_THREAD)
		return NULL;
	/*
	 * Another process's thread may be freed at any time by its own space:
	 * look at it only under the port lock, which thread_destroy() takes to
	 * withdraw it.  Ours stays while our space->lock is held.
	 */
	spin_lock(&entry->port->lock);
	th = entry->port->kobject;
	if (th && th->space != space)
		th = NULL;
	spin_unlock(&entry->port->lock);
	return th;
}

/* Publish (or, with NULL, withdraw) @th's state while it is stopped. */
void mx_thread_set_stopped(struct mx_thread *th, struct mx_exc_state *state)
{
	spin_lock(&th->port->lock);
	th->state = state;
	spin_unlock(&th->port->lock);
}

/* A handler's reply carried new state: as thread_set_state(). */
void mx_thread_apply_reply(struct mx_thread *th, u32 flavor, const u32 *state, u32 count)
{
	spin_lock(&th->port->lock);
	if (th->state)
		mx_exc_state_set(th->state, flavor, state, count);
	spin_unlock(&th->port->lock);
}

/*
 * The thread port a send right in @space names, or NULL (for a MIG call,
 * MACH_SEND_INVALID_DEST).  Its thread is port->kobject, read under
 * port->lock: thread_destroy() clears it there before the thread goes.
 * With space->lock held.
 */
static struct mx_port *thread_port_of(struct mx_space *space, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(space, name);

	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) ||
	    entry->port->kotype != MX_KOBJECT_THREAD)
		return NULL;
	return entry->port;
}

/*
 * thread_get_state() and thread_set_state() through a send right to a
 * thread port, which may be another process's thread: holding the right
 * is the permission, as in Mach (only the thread's own process, or the
 * handler it sent an exception to, can have one).  Only a thread stopped
 * in an exception has a state to read or change; any other gives
 * KERN_FAILURE (macOS would suspend it, machexc never stops a thread
 * that did not fault).
 */
mx_return_t mx_thread_state(struct mx_space *space, u32 name, bool set, u32 flavor,
			    u32 *buf, u32 *count)
{
	struct mx_port *port = thread_port_of(space, name);
	struct mx_thread *th;
	mx_return_t kr;
	u32 n;

	if (!port)
		return MACH_SEND_INVALID_DEST;
	spin_lock(&port->lock);
	th = port->kobject;
	if (!th) {
		kr = KERN_INVALID_ARGUMENT;	/* the thread is gone */
	} else if (!th->state) {
		kr = KERN_FAILURE;
	} else if (set) {
		kr = mx_exc_state_set(th->state, flavor, buf, *count);
	} else {
		n = mx_exc_state_count(flavor);
		if (!n || *count < n)
			kr = KERN_INVALID_ARGUMENT;
		else
			kr = mx_exc_state_get(th->state, flavor, buf, count);
	}
	spin_unlock(&port->lock);
	return kr;
}

/* MACHEXC_PORT_THREAD_FAULT: the thread's tid, and its fault if stopped. */
mx_return_t mx_thread_fault(struct mx_space *space, u32 name, u32 *tid,
			    struct machexc_thread_fault *fault, u32 *count)
{
	struct mx_port *port = thread_port_of(space, name);
	struct mx_thread *th;

	*count = 0;
	if (!port)
		return MACH_SEND_INVALID_DEST;
	spin_lock(&port->lock);
	th = port->kobject;
	if (th) {
		*tid = pid_nr_ns(th->pid, task_active_pid_ns(current));
		if (th->state) {
			*fault = (struct machexc_thread_fault){
				.signo = th->state->signo, .code = th->state->code,
				.addr = th->state->addr, .trapno = th->state->trapno,
				.error_code = th->state->error_code,
			};
			*count = 1;
		}
	}
	spin_unlock(&port->lock);
	return th ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}
