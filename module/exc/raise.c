// SPDX-License-Identifier: GPL-2.0
/*
 * Raising an exception.
 *
 * Where: a synchronous fault ends in force_sig_fault(), which queues the
 * signal on the faulting thread and fires the signal_generate tracepoint
 * with siglock held.  Our probe only looks (is the signal a fault the
 * kernel raised for the current thread, and does anyone handle its
 * exception?) and, if so, queues a task_work.  get_signal() runs task work
 * first thing, before it dequeues anything, so the work runs in the
 * faulting thread, sleepable, ahead of ptrace, signal handlers and the
 * default action.  This uses exported symbols only (see kernel-facts).
 *
 * What: as GNU Mach's exception(): the thread's port, else the task's,
 * else the host's, each only if its mask covers the exception.  The
 * thread sends exception_raise with a send-once reply right and waits,
 * holding every other signal (none is delivered on top of the stopped
 * thread, none ends the wait or loses the exception; SIGKILL ends it).
 * It still takes part in job control, the cgroup v2 freezer and ptrace
 * traps: it steps out to get_signal() for them and carries on after
 * (mx_yield() below).  KERN_SUCCESS resumes the thread, with the state the
 * handler set if it asked for state, by taking the pending signal away.
 * Anything else (an error, a malformed reply, a dead port, a handler that
 * died: its reply right comes back as a send-once notification) moves on;
 * after the last level the signal is left where Linux put it.
 *
 * The state of the thread is saved once, published on its thread port
 * for thread_get_state()/thread_set_state() while it waits, and what the
 * handlers changed is put back before it resumes (exc/state.c).
 *
 * Fast path, as GNU Mach's exception_raise(): the request is made in a
 * message the thread keeps (no allocation); if a handler is already
 * blocked in mach_msg() receive on the port (or its set) with room for
 * it, the request is handed straight to it (msg/mqueue.c: no queue insert
 * or dequeue) with a wakeup on this CPU (WF_SYNC, and WF_CURRENT_CPU where
 * the kernel has it: compat.h), and the faulting thread sleeps at once
 * for the reply, which comes back to it the same way: the yield of GNU
 * Mach's thread_handoff().  Otherwise the message waits in the queue (a
 * "miss", as GNU Mach's exception_raise_misses).  Both are counted.  The
 * FPU registers are read only if a flavor asks for them (exc/state.c).
 */
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <trace/events/signal.h>

#include "../compat/compat.h"
#include "../hooks/hooks.h"
#include "exc.h"
#include "../msg/msg.h"
#include "../ports/ports.h"
#include "../task/task.h"

/*
 * The disposition and mask of a fault signal before the kernel, about to
 * force it, reset a blocked or ignored one to SIG_DFL and unblocked it.
 */
struct mx_sig_before {
	struct task_struct *task;	/* whose (a key only) */
	unsigned long ip;		/* its user ip at the fault (a key) */
	int sig;
	bool blocked;
	__sighandler_t handler;
};

enum { LEVEL_THREAD, LEVEL_TASK, LEVEL_HOST, LEVELS, LEVEL_RESUMED };

/*
 * A fault's exception being raised, and where it stands: kept across the
 * times the thread steps out to stop (the work is queued again after).
 * The walk through the levels (r) is the one EXC_CRASH takes too
 * (exc/crash.c).
 */
struct mx_exc_work {
	struct callback_head cb;
	kernel_siginfo_t info;
	unsigned int trap_nr;
	unsigned long error_code;
	unsigned long cr2;
	struct mx_sig_before before;	/* .task NULL if unknown */

	bool started;			/* the rest is set up */
	bool aborted;			/* killed, or exiting, meanwhile */
	struct mx_raise r;
	sigset_t blocked;		/* the thread's own mask while it holds signals */
	struct mx_yield yield;
	struct mx_exc_state st;		/* the thread's, once saved (r.st then) */
};

/*
 * The works, from a cache of their own, zeroed to its size (a kmalloc()
 * would round 1 KiB up to 2, and the kernels with init_on_alloc zero all
 * of it).  A process keeps the work of its last exception for the next
 * (task.h's exc_spare): one allocation per exception only while several
 * threads raise at once.
 */
static struct kmem_cache *exc_work_cache;

void mx_exc_work_free(struct mx_exc_work *w)
{
	kmem_cache_free(exc_work_cache, w);
}

int mx_raise_init(void)
{
	exc_work_cache = kmem_cache_create("machexc_exc_work", sizeof(struct mx_exc_work), 0,
					   SLAB_ACCOUNT, NULL);
	return exc_work_cache ? 0 : -ENOMEM;
}

/*
 * After the last work: each holds a module reference till it is freed (a
 * kept one, through its task).
 */
void mx_raise_exit(void)
{
	kmem_cache_destroy(exc_work_cache);
}

static DEFINE_PER_CPU(struct mx_sig_before, sig_before);

static DEFINE_PER_CPU(unsigned long [MX_EXC_COUNTS], exc_stats);
static DEFINE_PER_CPU(unsigned long [MX_LAT_BUCKETS], exc_lat);

unsigned long mx_exc_stat(enum mx_exc_count what)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu(exc_stats, cpu)[what];
	return n;
}

unsigned long mx_exc_latency(unsigned int bucket)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu(exc_lat, cpu)[bucket];
	return n;
}

/*
 * Observers (netlink/events.c).  Set at load before any exception can be
 * raised, cleared at unload after the last one: no lock.
 */
static void (*exc_observer)(const struct mx_exc_event *ev);

void mx_exc_set_observer(void (*fn)(const struct mx_exc_event *ev))
{
	WRITE_ONCE(exc_observer, fn);
}

/* Count @what for the machine (this CPU's share) and for @task. */
static void exc_count(struct mx_task *task, enum mx_exc_count what)
{
	this_cpu_inc(exc_stats[what]);
	atomic_long_inc(&task->exc_counts[what]);
}

/* Tell the observer, if any (it checks for listeners itself). */
static void exc_notify(const struct mx_raise *r, u32 event, u32 level)
{
	void (*fn)(const struct mx_exc_event *ev) = READ_ONCE(exc_observer);
	struct mx_exc_event ev;

	if (!fn)
		return;
	ev.event = event;
	ev.level = level;
	ev.exc = &r->exc;
	ev.start_ns = r->start_ns;
	fn(&ev);
}

/*
 * Stepping out.  Group stop (SIGSTOP, job control), the cgroup v2 freezer
 * and ptrace traps are done by get_signal() alone (do_signal_stop(),
 * do_freezer_trap() and do_jobctl_trap() are static), and they wake only
 * interruptible sleepers.  So a thread's task work that waits (an
 * exception, a park) holds every signal but SIGKILL and SIGSTOP and
 * sleeps interruptibly; woken with such work due, it leaves its state in
 * its work struct and returns, get_signal() does the stop, and the work
 * runs again and carries on.
 *
 * Queued again by whom: not by the work itself, as task_work_run() runs
 * whatever was queued meanwhile before it returns, so the work would run
 * again before get_signal() got to the stop.  The work is noted here, and
 * the kprobes on dequeue_signal() (which get_signal() calls once its stops,
 * traps and freezes are done, before it could return to user space) and
 * on recalc_sigpending() (whatever clears TIF_SIGPENDING, after which
 * get_signal() would return at once) queue it again with TWA_RESUME: it
 * runs before the thread returns to user space, and the flag does not cut
 * short a sleep in get_signal().  A thread that exits meanwhile gets it
 * back in do_exit() (the process exit hook) and runs it as it exits.
 */
#define YIELD_BITS	6

/*
 * The stepped-out works, hashed by thread: the kprobes fire for every
 * thread of the machine, and one without a bucket of its own in use
 * looks no further than an atomic read.  While none is stepped out at all
 * (threads waiting for their handlers, none of them stopped: the usual
 * case), the direct call's trampoline returns after one compare of
 * mx_nr_yielded_all (hooks/kprobes.c).  Each count goes up before the
 * thread's own hooks can look (mx_yield() runs in the thread), so the
 * thread that stepped out always finds its work.
 */
static DEFINE_SPINLOCK(yield_lock);	/* the buckets; taken inside siglock */
static struct hlist_head yielded[1 << YIELD_BITS];
static atomic_t nr_yielded[1 << YIELD_BITS];
atomic_t mx_nr_yielded_all;		/* in all buckets */
bool mx_yield_armed;			/* both kprobes are in (hooks/kprobes.c) */

/*
 * Can the current thread step out?  Not without the kprobes, and not in a
 * uprobe's single step, where get_signal() returns before its loop.
 */
bool mx_yield_possible(void)
{
	return READ_ONCE(mx_yield_armed) && !(current->flags & PF_EXITING) &&
	       !mx_in_uprobe_step();
}

/*
 * Note @cb to be queued again, and return from it to get_signal().  A
 * mask a system call saved (ppoll(), pselect6(), epoll_pwait(),
 * sigsuspend(): TIF_RESTORE_SIGMASK) stays saved: get_signal() finds
 * nothing while every signal is held, and arch_do_signal_or_restart()
 * would then put it back in place of the held mask, letting in what it
 * does not block before the work is done.  It is put back after, with
 * the call's own mask (mx_yield_back(), mx_signals_release()).
 */
void mx_yield(struct mx_yield *y, struct callback_head *cb)
{
	u32 b = hash_ptr(current, YIELD_BITS);
	unsigned long flags;

	y->task = current;
	y->cb = cb;
	y->restore_sigmask = test_restore_sigmask();
	if (y->restore_sigmask)
		clear_restore_sigmask();
	spin_lock_irqsave(&yield_lock, flags);
	hlist_add_head(&y->link, &yielded[b]);
	atomic_inc(&nr_yielded[b]);
	atomic_inc(&mx_nr_yielded_all);
	spin_unlock_irqrestore(&yield_lock, flags);
	/* get_signal() must go on to its loop, and there to dequeue_signal(). */
	set_thread_flag(TIF_SIGPENDING);
}

/*
 * Back from a step out, in the work, before it holds the signals again:
 * the mask a system call saved is to be put back once more.
 */
void mx_yield_back(struct mx_yield *y)
{
	if (y->restore_sigmask)
		set_restore_sigmask();
	y->restore_sigmask = false;
}

/* Queue @p's stepped-out works again.  Any context; @p is current. */
static void yield_requeue(struct task_struct *p, enum task_work_notify_mode mode)
{
	u32 b = hash_ptr(p, YIELD_BITS);
	struct mx_yield *y, *found;
	unsigned long flags;

	if (!atomic_read(&mx_nr_yielded_all) || !atomic_read(&nr_yielded[b]))
		return;
	do {
		found = NULL;
		spin_lock_irqsave(&yield_lock, flags);
		hlist_for_each_entry(y, &yielded[b], link) {
			if (y->task == p) {
				hlist_del(&y->link);
				atomic_dec(&nr_yielded[b]);
				atomic_dec(&mx_nr_yielded_all);
				found = y;
				break;
			}
		}
		spin_unlock_irqrestore(&yield_lock, flags);
		/* Only after exit_task_work() could this fail: never for these. */
		if (found)
			WARN_ON_ONCE(task_work_add(p, found->cb, mode));
	} while (found);
}

/* From the kprobes on dequeue_signal() and recalc_sigpending(). */
void mx_yield_resume(void)
{
	yield_requeue(current, TWA_RESUME);
}

/* From the process exit hook, in do_exit(): the works run as it exits. */
void mx_yield_exit(struct task_struct *p)
{
	yield_requeue(p, TWA_NONE);
}

/*
 * Hold every signal but SIGKILL and SIGSTOP; the thread's own mask goes
 * to *@saved.  @again, after stepping out: a mask changed meanwhile (the
 * restore of one a system call saved, a tracer's PTRACE_SETSIGMASK) is
 * the thread's own from now on.  sigprocmask() hands process-wide
 * signals now held here to another thread.
 */
void mx_signals_hold(sigset_t *saved, bool again)
{
	sigset_t held, old;

	sigfillset(&held);
	sigdelsetmask(&held, sigmask(SIGKILL) | sigmask(SIGSTOP));
	if (again && sigequalsets(&current->blocked, &held))
		return;
	sigprocmask(SIG_SETMASK, &held, &old);
	*saved = old;
}

/*
 * The thread's own mask back.  A mask a system call saved, kept across a
 * step out (mx_yield_back()), is put back by arch_do_signal_or_restart()
 * only: the thread goes through it once more before user space.
 */
void mx_signals_release(sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
	if (test_restore_sigmask())
		set_thread_flag(TIF_SIGPENDING);
}

/*
 * A wait in *@state, with signals held, woke without what it waits for:
 * -EINTR if the thread is being killed; -EAGAIN if get_signal() has work
 * (a stop, a freeze, a trap): step out; 0 to wait again (task work of
 * others, which runs once the waiting work returns; or no stepping out
 * here, and the wait goes on as it did before stops were honoured:
 * killable only).
 */
int mx_wait_interrupted(int *state)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (!task_sigpending(current)) {
		clear_notify_signal();
		return 0;
	}
	if (*state == MX_WAIT_STOPPABLE && mx_yield_possible())
		return -EAGAIN;
	*state = MX_WAIT_KILLABLE;
	return 0;
}

/*
 * Who may receive an exception of a task or thread level handler: only a
 * process that may ptrace the faulting one, judged in the receiver's own
 * context when it takes the message.  Anyone else would read and rewrite
 * the registers of a process it may not debug (one that made itself
 * non-dumpable, say).  Host-level handlers keep their CAP_SYS_ADMIN rule.
 */
static bool exc_receivable(const struct mx_kmsg *kmsg)
{
	return mx_pid_may_access(kmsg->exc_task);
}

/* Make the exception_raise message for @slot; NULL without memory. */
static struct mx_kmsg *make_request(struct mx_task *task, struct mx_thread *th,
				    const struct mx_exc_slot *slot, const struct mx_exception *exc,
				    struct mx_exc_state *st, struct mx_port *reply,
				    bool host)
{
	u32 behavior = slot->behavior;
	bool identity = mx_exc_has_identity(behavior);
	bool state = (behavior & ~MACH_EXCEPTION_CODES) != EXCEPTION_DEFAULT;
	u32 count = state ? mx_exc_state_count(slot->flavor) : 0;
	size_t at = sizeof(struct mach_msg_header), n = mx_exc_body_size(behavior, count);
	struct mach_msg_port_descriptor *d;
	struct mx_port *thread = NULL;
	struct mx_kmsg *kmsg;
	mx_return_t kr;

	if (identity) {
		thread = mx_thread_kport(th);
		mx_port_copy_send(thread);
		at += sizeof(struct mach_msg_body) + 2 * sizeof(*d);
	}
	kmsg = mx_kmsg_alloc_cached(mx_thread_req_cache(th), at + n, identity ? 2 : 0);
	if (!kmsg) {
		if (thread)
			mx_port_release_send(thread);
		return NULL;
	}
	/*
	 * The body, with the state (always last) written in place, read under
	 * the thread port's lock: it is published, thread_set_state() may be
	 * changing it.
	 */
	kr = mx_exc_encode_body(kmsg->data + at, n, behavior, exc, slot->flavor, NULL, count) != n;
	if (!kr && state) {
		void *fpu = mx_exc_state_fpu_buf(slot->flavor);

		spin_lock(&mx_thread_kport(th)->lock);
		mx_exc_state_load_fpu(st, slot->flavor, &fpu);
		kr = mx_exc_state_get(st, slot->flavor, (u32 *)(kmsg->data + at + n) - count,
				      &count);
		spin_unlock(&mx_thread_kport(th)->lock);
		kfree(fpu);
	}
	if (kr) {
		if (thread)
			mx_port_release_send(thread);
		mx_kmsg_free(kmsg);
		return NULL;
	}
	kmsg->hdr->msgh_id = mx_exc_request_id(behavior);
	if (identity) {
		kmsg->hdr->msgh_bits = MACH_MSGH_BITS_COMPLEX;
		((struct mach_msg_body *)(kmsg->hdr + 1))->msgh_descriptor_count = 2;
		d = (void *)(kmsg->data + sizeof(struct mach_msg_header) +
			     sizeof(struct mach_msg_body));
		d[0].type = MACH_MSG_PORT_DESCRIPTOR;
		d[1].type = MACH_MSG_PORT_DESCRIPTOR;
		mx_port_copy_send(task->port);
		kmsg->desc[0] = (struct mx_kdesc){ thread, 0, MACH_MSG_TYPE_PORT_SEND,
						   (u8 *)&d[0] - kmsg->data };
		kmsg->desc[1] = (struct mx_kdesc){ task->port, 0, MACH_MSG_TYPE_PORT_SEND,
						   (u8 *)&d[1] - kmsg->data };
		kmsg->ndesc = 2;
	}
	mx_port_make_send_once(reply);
	kmsg->reply = reply;
	kmsg->reply_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
	kmsg->dest = slot->port;
	kmsg->dest_type = MACH_MSG_TYPE_PORT_SEND;
	kmsg->always = true;	/* XNU's MACH_SEND_KERNEL_DEFAULT: no queue limit */
	if (!host) {
		kmsg->exc_task = get_pid(task->pid);
		kmsg->receivable = exc_receivable;
	}
	return kmsg;
}

/*
 * What is left of the raise's deadline (MAX_SCHEDULE_TIMEOUT if none):
 * 0 once it has passed.
 */
static long time_left(const struct mx_raise *r)
{
	if (!r->deadline)
		return MAX_SCHEDULE_TIMEOUT;
	if (time_after_eq(jiffies, r->deadline))
		return 0;
	return r->deadline - jiffies;
}

/*
 * Wait for whatever comes back on the kernel's reply port: 0 with it in
 * *@out; -EINTR if killed; -EAGAIN to step out (mx_wait_interrupted());
 * -ETIMEDOUT once the raise's deadline has passed.
 */
static int wait_reply(struct mx_raise *r, struct mx_kmsg **out)
{
	struct mx_port *reply = r->reply;
	long timeout = time_left(r);
	struct mx_rcv_waiter w;
	int err = 0;

	*out = NULL;
	mx_rcv_waiter_init(&w, U32_MAX, NULL, 0);
	spin_lock(&reply->lock);
	while (list_empty(&reply->msgs)) {
		if (!timeout) {
			err = -ETIMEDOUT;
			break;
		}
		err = mx_rcv_wait_locked(&reply->rcv_wait, &w, &reply->lock, &timeout,
					 r->wait_state);
		if (w.kmsg)
			break;		/* the answer, handed straight to us */
		if (!err)
			continue;
		err = mx_wait_interrupted(&r->wait_state);
		if (err)
			break;
	}
	if (w.kmsg) {
		*out = w.kmsg;
		err = 0;
	} else if (!list_empty(&reply->msgs)) {
		*out = list_first_entry(&reply->msgs, struct mx_kmsg, link);
		list_del_init(&(*out)->link);
		reply->msgcount--;
		err = 0;
	}
	spin_unlock(&reply->lock);
	return err;
}

/*
 * Send the level's request: 0 queued, -EAGAIN step out, -EIO it failed,
 * -ETIMEDOUT the deadline passed with the queue still full.
 */
static int send_request(struct mx_raise *r)
{
	bool handoff = false;
	LIST_HEAD(reap);
	mx_return_t mr;
	int err = -EIO;

	for (;;) {
		mr = mx_kmsg_send_sync(r->request, r->wait_state, time_left(r), &handoff);
		if (mr != MACH_SEND_INTERRUPTED)
			break;
		/* A full queue, and a signal: the message is still ours. */
		err = mx_wait_interrupted(&r->wait_state);
		if (err == -EAGAIN)
			return err;
		if (err)
			break;
		err = -EIO;
	}
	if (mr != MACH_MSG_SUCCESS) {
		mx_kmsg_destroy(r->request, &reap);
		mx_reap(&reap);
		r->request = NULL;
		return mr == MACH_SEND_TIMED_OUT && r->deadline ? -ETIMEDOUT : -EIO;
	}
	r->request = NULL;
	if (handoff)
		exc_count(r->task, MX_EXC_HANDOFFS);
	else
		exc_count(r->task, MX_EXC_QUEUED);
	return 0;
}

/* The handler's answer: true if KERN_SUCCESS with a state the thread takes. */
static bool take_answer(struct mx_raise *r, struct mx_kmsg *answer)
{
	u32 behavior = r->slot.behavior;
	bool state = (behavior & ~MACH_EXCEPTION_CODES) != EXCEPTION_DEFAULT;
	u32 flavor = 0, count = 0;
	LIST_HEAD(reap);
	s32 kr;

	/* The new state is read where it lies in the answer: no copy. */
	kr = mx_exc_parse_reply(answer->data, answer->size, behavior, &flavor, NULL, &count);
	/*
	 * As XNU: a new state the thread cannot take (a flavor or count that
	 * does not fit, a bad MXCSR) makes the answer a failure, and the
	 * exception moves on to the next level with the thread unchanged.
	 */
	if (kr == KERN_SUCCESS && state)
		kr = mx_thread_apply_reply(r->th, flavor, mx_exc_reply_state(answer->data), count);
	mx_kmsg_destroy(answer, &reap);
	mx_reap(&reap);
	return kr == KERN_SUCCESS;
}

/* A right or a message may linger on the reply port: start afresh. */
static void drop_reply_port(struct mx_raise *r)
{
	LIST_HEAD(reap);

	mx_port_put(r->reply);
	r->reply = NULL;
	mutex_lock(&r->task->space.lock);
	mx_thread_drop_reply_port(r->th, &reap);
	mutex_unlock(&r->task->space.lock);
	mx_reap(&reap);
}

/* The task's slot for @type, with a right of its own. */
static struct mx_exc_slot task_slot(struct mx_task *task, u32 type)
{
	struct mx_exc_slot slot;

	spin_lock(&task->special_lock);
	slot = task->exc[type];
	mx_exc_slot_get(&slot);
	spin_unlock(&task->special_lock);
	return slot;
}

/*
 * One level, from where it stood, as GNU Mach's exception(): its handler,
 * if any, gets exception_raise with a send-once reply right (the slot's
 * send right goes with the request) and the thread waits for the answer;
 * anything but KERN_SUCCESS (an error, a malformed reply, a dead port, a
 * handler that died: its reply right comes back as a send-once
 * notification) moves on.  0 when the level is done (r->handled tells
 * how), -EINTR if killed, -EAGAIN to step out, -ETIMEDOUT past the
 * deadline.  Only once an answer came is the reply port empty and fit
 * for the next exception.
 */
static int raise_level(struct mx_raise *r)
{
	struct mx_kmsg *answer;
	int err;

	if (!r->request && !r->waiting) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (!time_left(r))
			return -ETIMEDOUT;	/* no request a handler would get too late */
		if (r->level == LEVEL_THREAD)
			r->slot = mx_thread_slot(r->th, r->exc.type);
		else if (r->level == LEVEL_TASK)
			r->slot = task_slot(r->task, r->exc.type);
		else
			r->slot = mx_host_slot(r->exc.type);
		if (r->slot.port && !r->reply) {
			mutex_lock(&r->task->space.lock);
			r->reply = mx_thread_reply_port(r->th, true);
			mutex_unlock(&r->task->space.lock);
		}
		/* No memory, or a flavor we cannot give: as a dead port, move on. */
		if (r->slot.port && r->reply)
			r->request = make_request(r->task, r->th, &r->slot, &r->exc, r->st,
						  r->reply, r->level == LEVEL_HOST);
		if (!r->request)
			goto next;
		r->slot.port = NULL;	/* the request carries that send right now */
		exc_count(r->task, MX_EXC_RAISED);
		exc_notify(r, MX_EXC_EV_RAISED, r->level);
	}
	if (r->request) {
		err = send_request(r);
		if (err == -EAGAIN)
			return err;
		if (err) {
			drop_reply_port(r);
			if (err == -ETIMEDOUT) {
				mx_exc_slot_put(&r->slot);
				return err;
			}
			goto next;
		}
		r->waiting = true;
	}
	/* Going to sleep right away is the yield to the handler just woken. */
	err = wait_reply(r, &answer);
	if (err == -EAGAIN)
		return err;
	r->waiting = false;
	if (err) {
		drop_reply_port(r);	/* killed, or too late: the answer may come yet */
		mx_exc_slot_put(&r->slot);
		return err;
	}
	r->handled = take_answer(r, answer);
	r->handled_level = r->level;
next:
	mx_exc_slot_put(&r->slot);
	r->level++;
	return 0;
}

/*
 * Begin raising @exc for the current thread of @task (the caller's
 * reference, kept by the caller): its state @st, saved by the caller,
 * is published on its thread port until mx_raise_end().  @deadline (in
 * jiffies, from mx_deadline(); 0: none) bounds the whole raise.  False without the thread's
 * record (no memory): nothing to end then.
 */
bool mx_raise_begin(struct mx_raise *r, struct mx_task *task, struct mx_exc_state *st,
		    const struct mx_exception *exc, int wait_state, unsigned long deadline)
{
	memset(r, 0, sizeof(*r));
	r->task = task;
	r->st = st;
	r->exc = *exc;
	r->wait_state = wait_state;
	r->level = LEVEL_THREAD;
	r->deadline = deadline;
	r->start_ns = ktime_get_ns();
	/*
	 * Our own thread stays while we are here: only an exited thread is
	 * pruned, and the task goes only after its last thread.  Its reply
	 * port, if it has one, is taken in the same lock round: the first
	 * level with a handler makes one otherwise (raise_level()).
	 */
	mutex_lock(&task->space.lock);
	if (task->space.active)
		r->th = mx_thread_get(task, current);
	if (r->th) {
		refcount_inc(&r->th->ref);
		r->reply = mx_thread_reply_port(r->th, false);
	}
	mutex_unlock(&task->space.lock);
	if (!r->th)
		return false;
	mx_thread_set_stopped(r->th, st);
	return true;
}

/*
 * Walk the levels from where the raise stands until one handles it or
 * none is left: 0, or -EINTR (killed), -EAGAIN (step out and come back),
 * -ETIMEDOUT (the deadline passed).
 */
int mx_raise_levels(struct mx_raise *r)
{
	int err;

	while (r->level < LEVELS && !r->handled) {
		err = raise_level(r);
		if (err)
			return err;
	}
	return 0;
}

/*
 * What the raise holds, let go, and the state withdrawn from the thread
 * port; with @restore (and unless exiting) what the handlers changed is
 * put back into the thread.
 */
void mx_raise_end(struct mx_raise *r, bool restore)
{
	bool stale = r->waiting || r->request;
	LIST_HEAD(reap);

	if (r->request) {
		mx_kmsg_destroy(r->request, &reap);
		mx_reap(&reap);
		r->request = NULL;
	}
	mx_exc_slot_put(&r->slot);
	if (r->reply && stale)
		drop_reply_port(r);	/* the answer may come yet */
	if (r->reply)
		mx_port_put(r->reply);
	r->reply = NULL;
	if (r->th) {
		mx_thread_set_stopped(r->th, NULL);
		if (restore && !(current->flags & PF_EXITING))
			mx_exc_state_restore(r->st);
		mx_thread_put(r->th);
		r->th = NULL;
	}
}

/* Is @sig's action SA_IMMUTABLE (the kernel's "this kills")?  siglock held. */
static bool signal_immutable(int sig)
{
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);

	return sighand->action[sig - 1].sa.sa_flags & SA_IMMUTABLE;
}

/*
 * Take the handled fault signal back before get_signal() sees it, and
 * give the signal back the disposition and mask it had before the kernel
 * forced it (hooks/kprobes.c), unless someone set a handler meanwhile.
 */
static void discard_signal(int sig, const struct mx_sig_before *before)
{
	/* Our own sighand: only our own exec could change it. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);
	struct k_sigaction *action = &sighand->action[sig - 1];
	kernel_siginfo_t info;
	enum pid_type type;
	sigset_t mask;

	siginitsetinv(&mask, sigmask(sig));
	spin_lock_irq(&sighand->siglock);
	if (!signal_immutable(sig)) {
		mx_dequeue_signal(&mask, &info, &type);
		if (before->task && action->sa.sa_handler == SIG_DFL)
			action->sa.sa_handler = before->handler;
		if (before->task && before->blocked) {
			sigaddset(&current->blocked, sig);
			recalc_sigpending();
		}
	}
	spin_unlock_irq(&sighand->siglock);
}

/*
 * The first run: the thread's state saved and published on its thread
 * port, every other signal held.  False if there is no exception to raise
 * (Linux delivers the signal as always).
 */
static bool raise_start(struct mx_exc_work *w)
{
	struct mx_exception exc;
	struct mx_task *task;

	/*
	 * Only 64-bit processes: the messages carry x86-64 state.  Work left
	 * when a thread exits runs in do_exit(): no exception then, nor in a
	 * process that is dying already (a group exit, a core dump).
	 */
	if ((current->flags & PF_EXITING) || mx_process_dying() ||
	    !mx_exc_from_siginfo(&w->info, w->trap_nr, &exc) ||
	    !user_64bit_mode(task_pt_regs(current)))
		return false;
	task = w->r.task ?: mx_task_current();	/* the fault hook's, if it took it */
	if (IS_ERR(task))
		return false;
	w->r.task = task;
	w->r.st = &w->st;
	mx_exc_state_save(&w->st, &w->info, w->trap_nr, w->error_code, w->cr2);
	if (!mx_raise_begin(&w->r, task, &w->st, &exc, MX_WAIT_STOPPABLE, 0))
		return false;		/* no memory: Linux delivers the signal */
	mx_yield_wait_begin();	/* the kprobes its steps out need */
	mx_signals_hold(&w->blocked, false);
	w->started = true;
	return true;
}

/* Its outcome, counted (with the time the thread stayed stopped) and told. */
static void raise_outcome(struct mx_exc_work *w)
{
	struct mx_raise *r = &w->r;
	u64 us = (ktime_get_ns() - r->start_ns) / NSEC_PER_USEC;

	this_cpu_inc(exc_lat[min_t(unsigned int, us ? fls64(us) : 0, MX_LAT_BUCKETS - 1)]);
	if (r->handled) {
		exc_count(r->task, MX_EXC_HANDLED);
		exc_notify(r, MX_EXC_EV_HANDLED, r->handled_level);
	} else if (w->aborted) {
		exc_count(r->task, MX_EXC_ABORTED);
		exc_notify(r, MX_EXC_EV_ABORTED, LEVELS);
	} else {
		exc_count(r->task, MX_EXC_FALLBACKS);
		exc_notify(r, MX_EXC_EV_FALLBACK, LEVELS);
	}
}

/*
 * What the work holds, let go (but its task: exc_work()); the thread's
 * state put back unless exiting.
 */
static void raise_end(struct mx_exc_work *w)
{
	bool exiting = current->flags & PF_EXITING;
	struct mx_exc_state *st = w->r.st;

	if (w->started)
		raise_outcome(w);
	mx_raise_end(&w->r, true);
	if (w->started && !exiting)
		mx_signals_release(&w->blocked);
	if (w->r.handled && !exiting)
		discard_signal(w->info.si_signo, &w->before);
	if (st)
		mx_exc_state_release(st);
	if (w->started)
		mx_yield_wait_end();
}

/*
 * Raise the exception, or carry on raising it after a stop: true if the
 * thread steps out to get_signal() (the work is queued again after).
 */
static bool raise_exception(struct mx_exc_work *w)
{
	int err = 0;

	if (!w->started) {
		if (!raise_start(w))
			goto end;
	} else if (current->flags & PF_EXITING) {
		w->aborted = true;
		goto end;	/* exiting while it stepped out */
	} else {
		mx_yield_back(&w->yield);
		mx_signals_hold(&w->blocked, true);
	}
	err = mx_raise_levels(&w->r);
	/* A debugger may have suspended us meanwhile: stay stopped till resumed. */
	if (err != -EINTR && err != -EAGAIN) {
		w->r.level = LEVEL_RESUMED;
		err = mx_task_wait_resumed(w->r.task, w->r.th, &w->r.wait_state);
	}
	if (err == -EAGAIN) {
		mx_yield(&w->yield, &w->cb);
		return true;
	}
	w->aborted = err == -EINTR;
end:
	raise_end(w);
	return false;
}

static void exc_work(struct callback_head *cb)
{
	struct mx_exc_work *w = container_of(cb, struct mx_exc_work, cb);
	struct mx_task *task;

	if (raise_exception(w))
		return;		/* it runs again after the stop */
	task = w->r.task;
	if (!task || !mx_task_spare_keep(task, w))
		kmem_cache_free(exc_work_cache, w);
	if (task)
		mx_task_put(task);
	module_put(THIS_MODULE);
}

/*
 * A work for a fault of the current thread: the one its process (@task,
 * found under RCU, or NULL) kept, cleared but for the saved state (which
 * mx_exc_state_save() clears as it saves), else a new one.  Atomic
 * context.
 */
static struct mx_exc_work *exc_work_get(struct mx_task *task)
{
	struct mx_exc_work *w = task ? mx_task_spare_take(task) : NULL;

	if (!w)
		return mx_probe_cache_alloc(exc_work_cache);
	memset(w, 0, offsetof(struct mx_exc_work, st));
	return w;
}

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP;
}

/*
 * From the hooks on the kernel's "force a fault signal" functions
 * (hooks/kprobes.c), before siglock and before the kernel resets a
 * blocked or ignored @sig: note the current thread's disposition and
 * mask for it, for the signal_generate probe on this CPU to pick up.
 * Preemption disabled.  A racy peek at our own thread's state; keyed by
 * thread, signal and user ip so that a note left by a migrated thread is
 * never taken for another fault.
 */
void mx_exc_fault_signal_coming(int sig)
{
	struct mx_sig_before *b = this_cpu_ptr(&sig_before);

	if (sig < 1 || sig > _NSIG || !is_fault_signal(sig) || !mx_fault_may_raise() ||
	    (current->flags & PF_KTHREAD))
		return;
	b->task = current;
	b->ip = task_pt_regs(current)->ip;
	b->sig = sig;
	b->blocked = sigismember(&current->blocked, sig);
	/* Our own sighand: only our own exec could change it. */
	b->handler = READ_ONCE(rcu_dereference_protected(current->sighand, true)
			       ->action[sig - 1].sa.sa_handler);
}

/*
 * From the hook at the entry of force_sig_info_to_task(), which every
 * forced signal passes (hooks/kprobes.c): its arguments.  @handler is the
 * kernel's enum sig_handler: 0 (HANDLER_CURRENT) but where the kernel
 * makes the signal fatal on purpose, and then there is nothing to put
 * back.  Any context, preemptible or not; no locks.  Every fault of the
 * machine comes here while a process has exception ports: a process that
 * cannot have any leaves after the compares of mx_fault_may_raise().
 */
void notrace mx_exc_fault_signal_forced(const struct kernel_siginfo *info,
					struct task_struct *t, int handler)
{
	if (t != current || handler || !mx_fault_may_raise())
		return;
	preempt_disable_notrace();
	mx_exc_fault_signal_coming(info->si_signo);
	preempt_enable_notrace();
}

/* The note for this fault, if the kprobes took one: taken once. */
static void take_sig_before(int sig, struct mx_sig_before *out)
{
	struct mx_sig_before *b = this_cpu_ptr(&sig_before);

	*out = *b;
	if (b->task != current || b->sig != sig || b->ip != task_pt_regs(current)->ip)
		out->task = NULL;
	b->task = NULL;
}

/*
 * A fault signal sent in a system call: forged by the process itself (see
 * mx_in_syscall()), unless it is the SIGTRAP of a single step over the
 * system call, which a debugger must see as EXC_BREAKPOINT.
 */
static bool from_syscall(int sig)
{
	struct pt_regs *regs = task_pt_regs(current);

	return mx_in_syscall(regs) && !(sig == SIGTRAP && (regs->flags & X86_EFLAGS_TF));
}

/*
 * The signal_generate probe: atomic context, siglock held.  Cheap for
 * every process that cannot have an exception port (mx_fault_may_raise()),
 * and for every signal that is not a fault signal on the current thread.
 */
void mx_exc_signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *task,
			     int result)
{
	struct mx_sig_before before;
	struct mx_task *found;
	struct mx_exception exc;
	struct mx_exc_work *w;
	bool handles;

	if (task != current || !is_fault_signal(sig) || !mx_fault_may_raise())
		return;
	take_sig_before(sig, &before);	/* whatever comes next: no stale note */
	if (result != TRACE_SIGNAL_DELIVERED || info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV ||
	    (current->flags & (PF_EXITING | PF_KTHREAD)) ||
	    from_syscall(sig) ||
	    !mx_exc_from_siginfo(info, current->thread.trap_nr, &exc))
		return;
	/*
	 * Never for a signal that must kill: the SIGSEGV of an exec that
	 * failed past its point of no return (the process may already have
	 * the new program's credentials: no handler may resume it), or one
	 * the kernel made immutable.  siglock is held.
	 */
	if (current->in_execve || signal_immutable(sig))
		return;
	/* One lookup of the process's task for all that follows. */
	rcu_read_lock();
	handles = mx_task_handles_rcu(current->signal, exc.type, &found);
	if (!handles) {
		if (!(READ_ONCE(mx_host_exc_mask) & (1U << exc.type)))
			goto out;
		if (!found)	/* for the host's port alone: its task, if any */
			found = mx_task_lookup_rcu(current->signal);
	}
	/* A thread waiting for its handler keeps the module loaded. */
	if (!try_module_get(THIS_MODULE))
		goto out;
	w = exc_work_get(found);
	if (!w) {
		atomic_long_inc(&mx_nr_nomem);	/* counted, never silent */
		goto fail;	/* Linux delivers the signal as always */
	}
	copy_siginfo(&w->info, info);
	w->before = before;
	w->trap_nr = current->thread.trap_nr;
	w->error_code = current->thread.error_code;
	w->cr2 = current->thread.cr2;
	init_task_work(&w->cb, exc_work);
	if (task_work_add(current, &w->cb, TWA_RESUME)) {
		kmem_cache_free(exc_work_cache, w);
		goto fail;
	}
	/*
	 * The raise starts from the task found here (raise_start()), or
	 * looks it up again if it is going away.  Taken once the work is
	 * queued, which runs no sooner than this thread's return to user
	 * space: no path here drops a reference in atomic context.
	 */
	if (found && refcount_inc_not_zero(&found->ref))
		w->r.task = found;
	rcu_read_unlock();
	return;
fail:
	module_put(THIS_MODULE);
out:
	rcu_read_unlock();
}
