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
 * thread sends exception_raise with a send-once reply right and waits
 * (killable only: other signals neither end the wait nor lose the
 * exception).  KERN_SUCCESS resumes the thread, with the state the
 * handler set if it asked for state, by taking the pending signal away.
 * Anything else (an error, a malformed reply, a dead port, a handler that
 * died: its reply right comes back as a send-once notification) moves on;
 * after the last level the signal is left where Linux put it.
 *
 * The state of the thread is saved once, published on its thread port
 * for thread_get_state()/thread_set_state() while it waits, and what the
 * handlers changed is put back before it resumes (exc/state.c).
 *
 * Fast path: if a handler is already blocked in mach_msg() receive on the
 * port (or its set), the request goes straight to it with a sync wakeup
 * (WF_SYNC: the waker is about to sleep, so the wakee may run here), and
 * the faulting thread then sleeps at once for the reply: the yield of
 * GNU Mach's thread_handoff().  Otherwise the message waits in the queue
 * (a "miss", as GNU Mach's exception_raise_misses).  Both are counted.
 */
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

struct mx_exc_work {
	struct callback_head cb;
	kernel_siginfo_t info;
	unsigned int trap_nr;
	unsigned long error_code;
	unsigned long cr2;
	struct mx_sig_before before;	/* .task NULL if unknown */
};

static DEFINE_PER_CPU(struct mx_sig_before, sig_before);

atomic_long_t mx_nr_raised, mx_nr_handoffs, mx_nr_misses, mx_nr_handled;

/*
 * How a faulting thread waits for its handler: only SIGKILL ends the
 * wait, and the freezer (suspend, hibernation, the cgroup v1 freezer) may
 * freeze it there, as it holds no lock.  Group stop (SIGSTOP) and the
 * cgroup v2 freezer are not honoured: both need get_signal(), which the
 * wait runs inside of.
 */
#define MX_EXC_WAIT	(TASK_KILLABLE | TASK_FREEZABLE)

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
				    const struct mx_exc_state *st, struct mx_port *reply,
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
	kmsg = mx_kmsg_alloc(at + n, identity ? 2 : 0, GFP_KERNEL_ACCOUNT);
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
		spin_lock(&mx_thread_kport(th)->lock);
		kr = mx_exc_state_get(st, slot->flavor, (u32 *)(kmsg->data + at + n) - count,
				      &count);
		spin_unlock(&mx_thread_kport(th)->lock);
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
	if (!host) {
		kmsg->exc_task = get_pid(task->pid);
		kmsg->receivable = exc_receivable;
	}
	return kmsg;
}

/* Wait (killable) for whatever comes back on the kernel's reply port. */
static struct mx_kmsg *wait_reply(struct mx_port *reply)
{
	long timeout = MAX_SCHEDULE_TIMEOUT;
	struct mx_kmsg *kmsg = NULL;

	spin_lock(&reply->lock);
	while (list_empty(&reply->msgs))
		if (mx_wait_locked(&reply->rcv_wait, &reply->lock, &timeout, MX_EXC_WAIT))
			break;
	if (!list_empty(&reply->msgs)) {
		kmsg = list_first_entry(&reply->msgs, struct mx_kmsg, link);
		list_del_init(&kmsg->link);
		reply->msgcount--;
	}
	spin_unlock(&reply->lock);
	return kmsg;
}

/*
 * One level: true if its handler answered KERN_SUCCESS.  The slot's send
 * right goes with the request.  *@answered tells whether an answer came
 * (a reply, or the send-once notification of a reply right destroyed):
 * only then is @reply empty and fit for the next exception.
 */
static bool raise_to(struct mx_task *task, struct mx_thread *th, struct mx_port *reply,
		     struct mx_exc_slot *slot, const struct mx_exception *exc,
		     const struct mx_exc_state *st, bool host, bool *answered)
{
	bool state = (slot->behavior & ~MACH_EXCEPTION_CODES) != EXCEPTION_DEFAULT;
	u32 flavor = 0, count = 0, *new_state = NULL;
	struct mx_kmsg *request, *answer;
	bool handled = false, handoff = false;
	LIST_HEAD(reap);
	s32 kr;

	*answered = false;
	/* No memory, or a flavor we cannot give: as a dead port, move on. */
	request = make_request(task, th, slot, exc, st, reply, host);
	if (!request)
		return false;
	slot->port = NULL;	/* the request carries that send right now */
	atomic_long_inc(&mx_nr_raised);
	if (mx_kmsg_send_sync(request, MX_EXC_WAIT, MAX_SCHEDULE_TIMEOUT, &handoff) !=
	    MACH_MSG_SUCCESS) {
		mx_kmsg_destroy(request, &reap);
		mx_reap(&reap);
		return false;
	}
	atomic_long_inc(handoff ? &mx_nr_handoffs : &mx_nr_misses);
	/* Going to sleep right away is the yield to the handler just woken. */
	answer = wait_reply(reply);
	if (!answer)
		return false;	/* killed */
	*answered = true;
	if (state)
		new_state = kmalloc_array(MX_THREAD_STATE_MAX, sizeof(u32), GFP_KERNEL);
	kr = !state || new_state ? mx_exc_parse_reply(answer->data, answer->size, slot->behavior,
						     &flavor, new_state, &count) :
				   MIG_REPLY_MISMATCH;
	/*
	 * As XNU: a new state the thread cannot take (a flavor or count that
	 * does not fit, a bad MXCSR) makes the answer a failure, and the
	 * exception moves on to the next level with the thread unchanged.
	 */
	if (kr == KERN_SUCCESS && state)
		kr = mx_thread_apply_reply(th, flavor, new_state, count);
	handled = kr == KERN_SUCCESS;
	kfree(new_state);
	mx_kmsg_destroy(answer, &reap);
	mx_reap(&reap);
	return handled;
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

enum { LEVEL_THREAD, LEVEL_TASK, LEVEL_HOST, LEVELS };

static void raise_exception(const struct mx_exc_work *w)
{
	struct mx_port *reply = NULL;
	struct mx_thread *th = NULL;
	bool handled = false, answered;
	struct mx_exc_state *st;
	struct mx_exception exc;
	struct mx_exc_slot slot;
	struct mx_task *task;
	LIST_HEAD(reap);
	int level;

	/*
	 * Only 64-bit processes: the messages carry x86-64 state.  Work left
	 * when a thread exits runs in do_exit(): no exception then.
	 */
	if ((current->flags & PF_EXITING) || !mx_exc_from_siginfo(&w->info, w->trap_nr, &exc) ||
	    !user_64bit_mode(task_pt_regs(current)))
		return;
	task = mx_task_current();
	if (IS_ERR(task))
		return;
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		goto out;
	mx_exc_state_save(st, &w->info, w->trap_nr, w->error_code, w->cr2);

	/*
	 * Our own thread stays while we are here: only an exited thread is
	 * pruned, and the task goes only after its last thread.
	 */
	mutex_lock(&task->space.lock);
	if (task->space.active)
		th = mx_thread_get(task, current);
	if (th)
		refcount_inc(&th->ref);
	mutex_unlock(&task->space.lock);
	if (!th)
		goto out_state;		/* no memory: Linux delivers the signal */
	mx_thread_set_stopped(th, st);

	for (level = LEVEL_THREAD; level < LEVELS && !handled; level++) {
		if (fatal_signal_pending(current))
			break;
		if (level == LEVEL_THREAD)
			slot = mx_thread_slot(th, exc.type);
		else if (level == LEVEL_TASK)
			slot = task_slot(task, exc.type);
		else
			slot = mx_host_slot(exc.type);
		if (slot.port && !reply) {
			mutex_lock(&task->space.lock);
			reply = mx_thread_reply_port(th);
			mutex_unlock(&task->space.lock);
		}
		if (slot.port && reply) {
			handled = raise_to(task, th, reply, &slot, &exc, st,
					   level == LEVEL_HOST, &answered);
			if (!answered) {
				/* A right or a message may linger there: start afresh. */
				mx_port_put(reply);
				reply = NULL;
				mutex_lock(&task->space.lock);
				mx_thread_drop_reply_port(th, &reap);
				mutex_unlock(&task->space.lock);
				mx_reap(&reap);
			}
		}
		mx_exc_slot_put(&slot);
	}
	if (reply)
		mx_port_put(reply);
	/* A debugger may have suspended us meanwhile: stay stopped till resumed. */
	mx_task_wait_resumed(task, th);
	mx_thread_set_stopped(th, NULL);
	mx_exc_state_restore(st);
	mx_thread_put(th);
	if (handled) {
		atomic_long_inc(&mx_nr_handled);
		discard_signal(w->info.si_signo, &w->before);
	}
out_state:
	mx_exc_state_release(st);
	kfree(st);
out:
	mx_task_put(task);
}

static void exc_work(struct callback_head *cb)
{
	struct mx_exc_work *w = container_of(cb, struct mx_exc_work, cb);

	raise_exception(w);
	kfree(w);
	module_put(THIS_MODULE);
}

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP;
}

/*
 * From the kprobes at the entry of force_sig_fault() and friends (atomic,
 * before siglock): note the current thread's disposition and mask for
 * @sig, for the signal_generate probe on this CPU to pick up.  A racy
 * peek at our own thread's state; keyed by thread, signal and user ip so
 * that a note left by a migrated thread is never taken for another fault.
 */
void mx_exc_fault_signal_coming(int sig)
{
	struct mx_sig_before *b = this_cpu_ptr(&sig_before);

	if (!atomic_long_read(&mx_nr_spaces) || sig < 1 || sig > _NSIG ||
	    !is_fault_signal(sig) || (current->flags & PF_KTHREAD))
		return;
	b->task = current;
	b->ip = task_pt_regs(current)->ip;
	b->sig = sig;
	b->blocked = sigismember(&current->blocked, sig);
	/* Our own sighand: only our own exec could change it. */
	b->handler = READ_ONCE(rcu_dereference_protected(current->sighand, true)
			       ->action[sig - 1].sa.sa_handler);
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
 * everyone who never used machexc (one atomic read), and for every signal
 * that is not a kernel-raised fault on the current thread.
 */
void mx_exc_signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *task,
			     int result)
{
	struct mx_sig_before before;
	struct mx_exception exc;
	struct mx_exc_work *w;

	if (!atomic_long_read(&mx_nr_spaces) || task != current || !is_fault_signal(sig))
		return;
	take_sig_before(sig, &before);	/* whatever comes next: no stale note */
	if (result != TRACE_SIGNAL_DELIVERED || info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV ||
	    (current->flags & (PF_EXITING | PF_KTHREAD)) ||
	    from_syscall(sig) ||
	    !mx_exc_from_siginfo(info, current->thread.trap_nr, &exc) ||
	    !((READ_ONCE(mx_host_exc_mask) & (1U << exc.type)) ||
	      mx_task_handles(current->signal, exc.type)))
		return;
	/*
	 * Never for a signal that must kill: the SIGSEGV of an exec that
	 * failed past its point of no return (the process may already have
	 * the new program's credentials: no handler may resume it), or one
	 * the kernel made immutable.  siglock is held.
	 */
	if (current->in_execve || signal_immutable(sig))
		return;
	/* A thread waiting for its handler keeps the module loaded. */
	if (!try_module_get(THIS_MODULE))
		return;
	w = mx_probe_alloc(sizeof(*w));
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
	if (!task_work_add(current, &w->cb, TWA_RESUME))
		return;
	kfree(w);
fail:
	module_put(THIS_MODULE);
}
