// SPDX-License-Identifier: GPL-2.0
/*
 * Threads: the kernel object a thread is known by in Mach messages
 * (mach_thread_self(), the thread of an exception, task_threads()), its
 * thread-level exception ports, and its state while it is stopped, in an
 * exception or suspended.
 *
 * One struct mx_thread per thread per space, made on first use, keyed by
 * the thread's struct pid (which cannot be reused while we hold it).
 * Threads that have exited are pruned when a new one is made, and all go
 * with the space.  Lock rules and references: task.h.
 */
#include <linux/machexc.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "../msg/msg.h"
#include "../ports/ports.h"
#include "task.h"

atomic_long_t mx_nr_threads;

void mx_thread_put(struct mx_thread *th)
{
	if (refcount_dec_and_test(&th->ref)) {
		mx_port_put(th->port);
		put_pid(th->pid);
		mx_kmsg_cache_put(th->req_cache);
		kfree(th);
		atomic_long_dec(&mx_nr_threads);
	}
}

/* Withdraw @th: its port dies, its rights go; holders keep the memory. */
static void thread_destroy(struct mx_thread *th, struct list_head *reap)
{
	struct mx_exc_slot exc[EXC_TYPES_COUNT];

	hash_del(&th->link);
	th->task->nthreads--;
	spin_lock(&th->port->lock);
	th->port->kobject = NULL;
	spin_unlock(&th->port->lock);
	mx_port_destroy(th->port, reap);
	mx_thread_debug_release(th);
	spin_lock(&th->task->special_lock);
	memcpy(exc, th->exc, sizeof(exc));
	mx_exc_slots_init(th->exc);
	th->closed = true;
	spin_unlock(&th->task->special_lock);
	mx_exc_slots_release(exc);
	if (th->reply) {
		mx_port_destroy(th->reply, reap);
		mx_port_put(th->reply);
		th->reply = NULL;
	}
	mx_thread_put(th);	/* the hash's */
}

static bool thread_exited(struct pid *pid)
{
	struct task_struct *p;
	bool exited;

	rcu_read_lock();
	p = pid_task(pid, PIDTYPE_PID);
	exited = !p || (READ_ONCE(p->flags) & PF_EXITING);
	rcu_read_unlock();
	return exited;
}

static void prune_exited(struct mx_task *task, struct list_head *reap)
{
	struct mx_thread *th;
	struct hlist_node *tmp;
	int bkt;

	lockdep_assert_held(&task->space.lock);
	hash_for_each_safe(task->threads, bkt, tmp, th, link)
		if (th->pid != task_pid(current) && thread_exited(th->pid))
			thread_destroy(th, reap);
}

/* Recompute the task's summary of its threads' exception masks. */
static void update_thread_mask(struct mx_task *task)
{
	struct mx_thread *th;
	u32 mask = 0;
	int bkt, i;

	hash_for_each(task->threads, bkt, th, link)
		for (i = 1; i < EXC_TYPES_COUNT; i++)
			if (th->exc[i].port)
				mask |= 1U << i;
	WRITE_ONCE(task->thread_exc_mask, mask);
}

/* mx_thread_get() with @p's @pid in hand; with task->space.lock held. */
static struct mx_thread *thread_lookup_or_make(struct mx_task *task, struct task_struct *p,
					       struct pid *pid)
{
	struct mx_thread *th;
	LIST_HEAD(reap);

	lockdep_assert_held(&task->space.lock);
	hash_for_each_possible(task->threads, th, link, (unsigned long)pid)
		if (th->pid == pid)
			return th;

	/*
	 * Exited threads are pruned when their objects outnumber the live
	 * threads twice over: amortized, so that making one object for each
	 * of n threads (task_threads, task_suspend) is not n walks of n.
	 */
	if (task->nthreads >= 2 * get_nr_threads(p) + 8) {
		prune_exited(task, &reap);
		update_thread_mask(task);
		mx_reap(&reap);
	}
	th = kzalloc(sizeof(*th), GFP_KERNEL_ACCOUNT);
	if (!th)
		return NULL;
	th->port = mx_port_alloc();
	if (!th->port) {
		kfree(th);
		return NULL;
	}
	atomic_long_inc(&mx_nr_threads);
	refcount_set(&th->ref, 1);
	mx_exc_slots_init(th->exc);
	th->port->kotype = MX_KOBJECT_THREAD;
	th->port->kobject = th;
	th->task = task;
	th->pid = get_pid(pid);
	hash_add(task->threads, &th->link, (unsigned long)pid);
	task->nthreads++;
	return th;
}

/*
 * @p's thread in @task, made if need be; NULL without memory.  With
 * task->space.lock held.  @p other
 * than current may exit meanwhile (the caller holds only its
 * task_struct): its pid is taken under RCU, as it goes at the exit, and
 * ERR_PTR(-ESRCH) says it is gone already.
 */
struct mx_thread *mx_thread_get(struct mx_task *task, struct task_struct *p)
{
	struct pid *held = NULL, *pid;
	struct mx_thread *th;

	lockdep_assert_held(&task->space.lock);
	if (p == current) {
		pid = task_pid(p);
	} else {
		held = get_task_pid(p, PIDTYPE_PID);
		if (!held)
			return ERR_PTR(-ESRCH);
		pid = held;
	}
	th = thread_lookup_or_make(task, p, pid);
	put_pid(held);
	return th;
}

/*
 * The port @th's exceptions get their replies on, made once and reused
 * (as GNU Mach's per-thread reply port): every answer consumes the one
 * send-once right a request carries, so between exceptions it is empty.
 * A new reference; with space->lock held.  NULL without memory, or if
 * there is none yet and not @make.
 */
struct mx_port *mx_thread_reply_port(struct mx_thread *th, bool make)
{
	lockdep_assert_held(&th->task->space.lock);
	if (!th->reply && make)
		th->reply = mx_port_alloc();
	if (th->reply)
		mx_port_get(th->reply);
	return th->reply;
}

/* An exception ended without an answer: the port may hold a right still. */
void mx_thread_drop_reply_port(struct mx_thread *th, struct list_head *reap)
{
	lockdep_assert_held(&th->task->space.lock);
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

/*
 * Where @th keeps the message its exception requests are made in: only
 * the thread itself, raising, uses it (no lock).
 */
struct mx_kmsg_cache **mx_thread_req_cache(struct mx_thread *th)
{
	return &th->req_cache;
}

struct mx_port *mx_thread_port(struct mx_task *task, struct task_struct *p)
{
	struct mx_thread *th = mx_thread_get(task, p);

	return th ? th->port : NULL;
}

void mx_threads_destroy(struct mx_task *task, struct list_head *reap)
{
	struct mx_thread *th;
	struct hlist_node *tmp;
	int bkt;

	lockdep_assert_held(&task->space.lock);
	hash_for_each_safe(task->threads, bkt, tmp, th, link)
		thread_destroy(th, reap);
	WRITE_ONCE(task->thread_exc_mask, 0);
}

/* The exception ports of @th, for mx_exc_{set,get}_ports(). */
struct mx_exc_level mx_thread_level(struct mx_thread *th)
{
	return (struct mx_exc_level){ &th->task->special_lock, th->exc, &th->closed };
}

/* After thread_set/swap_exception_ports: let the fault hook know. */
void mx_thread_exc_changed(struct mx_task *task)
{
	lockdep_assert_held(&task->space.lock);
	update_thread_mask(task);
}

/*
 * A copy of @th's slot for @type, with a right of its own.  An empty
 * slot (threads seldom have ports of their own) is seen without the lock,
 * as the fault hook sees it (mx_task_handles_rcu()): a port set meanwhile
 * is as one set after this exception.
 */
struct mx_exc_slot mx_thread_slot(struct mx_thread *th, u32 type)
{
	struct mx_exc_slot slot = { };

	if (!READ_ONCE(th->exc[type].port))
		return slot;
	spin_lock(&th->task->special_lock);
	slot = th->exc[type];
	mx_exc_slot_get(&slot);
	spin_unlock(&th->task->special_lock);
	return slot;
}

/*
 * The thread a send right in @self names, with a reference to it and to
 * its space (mx_thread_put(), mx_task_put()), or NULL: not a thread
 * port, or its thread is gone.  Its thread is port->kobject, read under
 * port->lock: thread_destroy() clears it there, and the space outlives
 * that.  With self->lock held.
 */
struct mx_thread *mx_thread_lookup_locked(struct mx_space *self, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(self, name);
	struct mx_thread *th;

	lockdep_assert_held(&self->lock);
	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) ||
	    entry->port->kotype != MX_KOBJECT_THREAD)
		return NULL;
	spin_lock(&entry->port->lock);
	th = entry->port->kobject;
	if (th && refcount_inc_not_zero(&th->task->ref))
		refcount_inc(&th->ref);
	else
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
	/*
	 * Whoever suspends the task waits for its threads to stop; it is
	 * queued before it looks (prepare_to_wait()), and wq_has_sleeper()'s
	 * barrier orders our store before this look, so nobody is missed.
	 * Nearly always nobody waits: no lock round for them.
	 */
	if (state && wq_has_sleeper(&th->task->suspend_wait))
		wake_up_all(&th->task->suspend_wait);
}

/* Is @th stopped, with its state published?  A racy peek, for waiters. */
bool mx_thread_stopped(struct mx_thread *th)
{
	return READ_ONCE(th->state);
}

/* A handler's reply carried new state: as thread_set_state(). */
mx_return_t mx_thread_apply_reply(struct mx_thread *th, u32 flavor, const u32 *state,
				  u32 count)
{
	void *fpu = mx_exc_state_fpu_buf(flavor);
	mx_return_t kr = KERN_FAILURE;

	spin_lock(&th->port->lock);
	if (th->state) {
		mx_exc_state_load_fpu(th->state, flavor, &fpu);
		kr = mx_exc_state_set(th->state, flavor, state, count);
	}
	spin_unlock(&th->port->lock);
	kfree(fpu);
	return kr;
}

/*
 * thread_get_state() and thread_set_state().  Only a thread stopped in an
 * exception or suspended has a state to read or change (macOS reads a
 * running thread's registers too; machexc never reads a live thread):
 * any other gives KERN_FAILURE.  The caller checked the permission.
 */
mx_return_t mx_thread_state(struct mx_thread *th, bool set, u32 flavor, u32 *buf, u32 *count)
{
	void *fpu = mx_exc_state_fpu_buf(flavor);
	struct mx_port *port = th->port;
	mx_return_t kr;
	u32 n;

	spin_lock(&port->lock);
	if (!port->kobject || READ_ONCE(th->task->dead)) {
		kr = MACH_SEND_INVALID_DEST;	/* the thread is gone */
	} else if (!th->state) {
		kr = KERN_FAILURE;
	} else {
		/* The FPU registers are read from the thread the first time. */
		mx_exc_state_load_fpu(th->state, flavor, &fpu);
		n = mx_exc_state_count(flavor);
		if (set)
			kr = mx_exc_state_set(th->state, flavor, buf, *count);
		else if (!n || *count < n)
			kr = KERN_INVALID_ARGUMENT;
		else
			kr = mx_exc_state_get(th->state, flavor, buf, count);
	}
	spin_unlock(&port->lock);
	kfree(fpu);
	return kr;
}

/* MACHEXC_PORT_THREAD_FAULT: the thread's tid, and its fault if stopped in one. */
mx_return_t mx_thread_fault(struct mx_thread *th, u32 *tid, struct machexc_thread_fault *fault,
			    u32 *count)
{
	struct mx_port *port = th->port;
	bool alive;

	*count = 0;
	spin_lock(&port->lock);
	alive = port->kobject;
	*tid = pid_nr_ns(th->pid, task_active_pid_ns(current));
	if (alive && th->state && th->state->signo) {
		*fault = (struct machexc_thread_fault){
			.signo = th->state->signo, .code = th->state->code,
			.addr = th->state->addr, .trapno = th->state->trapno,
			.error_code = th->state->error_code,
		};
		*count = 1;
	}
	spin_unlock(&port->lock);
	return alive ? KERN_SUCCESS : MACH_SEND_INVALID_DEST;
}

/* Nanoseconds as macOS's time_value_t. */
struct mx_time_value mx_time_value(u64 ns)
{
	return (struct mx_time_value){ .seconds = div_u64(ns, NSEC_PER_SEC),
				       .microseconds = div_u64(ns % NSEC_PER_SEC,
							       NSEC_PER_USEC) };
}

/* What macOS's run_state says of a thread in this scheduler state. */
static s32 run_state(struct task_struct *task, bool suspended)
{
	unsigned int state = READ_ONCE(task->__state);

	if (suspended || (state & (__TASK_STOPPED | __TASK_TRACED)))
		return TH_STATE_STOPPED;
	if (state == TASK_RUNNING)
		return TH_STATE_RUNNING;
	if (state & TASK_INTERRUPTIBLE)
		return TH_STATE_WAITING;
	return TH_STATE_UNINTERRUPTIBLE;
}

/* thread_info(): THREAD_BASIC_INFO and THREAD_IDENTIFIER_INFO. */
mx_return_t mx_thread_info(struct mx_thread *th, u32 flavor, u32 *buf, u32 *count)
{
	struct mx_thread_identifier_info *id = (void *)buf;
	struct mx_thread_basic_info *bi = (void *)buf;
	struct task_struct *task;
	u64 utime, stime;

	BUILD_BUG_ON(sizeof(*bi) != THREAD_BASIC_INFO_COUNT * sizeof(u32));
	BUILD_BUG_ON(sizeof(*id) != THREAD_IDENTIFIER_INFO_COUNT * sizeof(u32));
	if ((flavor != THREAD_BASIC_INFO || *count < THREAD_BASIC_INFO_COUNT) &&
	    (flavor != THREAD_IDENTIFIER_INFO || *count < THREAD_IDENTIFIER_INFO_COUNT))
		return KERN_INVALID_ARGUMENT;
	task = get_pid_task(th->pid, PIDTYPE_PID);
	if (!task)
		return MACH_SEND_INVALID_DEST;
	if (flavor == THREAD_IDENTIFIER_INFO) {
		*id = (struct mx_thread_identifier_info){
			.thread_id = pid_nr_ns(th->pid, task_active_pid_ns(current)),
		};
		*count = THREAD_IDENTIFIER_INFO_COUNT;
	} else {
		task_cputime_adjusted(task, &utime, &stime);
		*bi = (struct mx_thread_basic_info){
			.user_time = mx_time_value(utime),
			.system_time = mx_time_value(stime),
			.policy = POLICY_TIMESHARE,
			.run_state = run_state(task, mx_thread_suspended(th)),
			.suspend_count = mx_thread_suspend_count(th),
		};
		*count = THREAD_BASIC_INFO_COUNT;
	}
	put_task_struct(task);
	return KERN_SUCCESS;
}

/* The suspend counts, for task.c: with th->task->lock held to change. */
bool mx_thread_suspended(struct mx_thread *th)
{
	return READ_ONCE(th->suspend_count) || READ_ONCE(th->task->suspend_count) ||
	       READ_ONCE(th->task->hold_count);
}

u32 mx_thread_suspend_count(struct mx_thread *th)
{
	return READ_ONCE(th->suspend_count);
}
