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
 * Task level for now; thread and host levels come next.
 */
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <trace/events/signal.h>

#include "../compat/compat.h"
#include "../ipc.h"

struct mx_exc_work {
	struct callback_head cb;
	kernel_siginfo_t info;
	unsigned int trap_nr;
};

/* Room for the largest request: identity, 64-bit codes, full state. */
#define REQ_MAX	(sizeof(struct mach_msg_header) + 4 + 2 * 12 + 8 + 4 + 4 + 16 + 8 + \
		 MX_THREAD_STATE_MAX * 4)

/* x86_thread_state64_t: rax..r15, rip, rflags, cs, fs, gs (21 x u64). */
#define THREAD_STATE64_COUNT	42

static void regs_to_state(const struct pt_regs *regs, u64 *s)
{
	s[0] = regs->ax; s[1] = regs->bx; s[2] = regs->cx; s[3] = regs->dx;
	s[4] = regs->di; s[5] = regs->si; s[6] = regs->bp; s[7] = regs->sp;
	s[8] = regs->r8; s[9] = regs->r9; s[10] = regs->r10; s[11] = regs->r11;
	s[12] = regs->r12; s[13] = regs->r13; s[14] = regs->r14; s[15] = regs->r15;
	s[16] = regs->ip; s[17] = regs->flags; s[18] = regs->cs; s[19] = 0; s[20] = 0;
}

/* The handler's new state; segment registers and privileged flags stay. */
static void state_to_regs(const u64 *s, struct pt_regs *regs)
{
	const unsigned long user_flags = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
					 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF |
					 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_RF;

	regs->ax = s[0]; regs->bx = s[1]; regs->cx = s[2]; regs->dx = s[3];
	regs->di = s[4]; regs->si = s[5]; regs->bp = s[6]; regs->sp = s[7];
	regs->r8 = s[8]; regs->r9 = s[9]; regs->r10 = s[10]; regs->r11 = s[11];
	regs->r12 = s[12]; regs->r13 = s[13]; regs->r14 = s[14]; regs->r15 = s[15];
	regs->ip = s[16];
	regs->flags = (regs->flags & ~user_flags) | (s[17] & user_flags);
}

/* Make the exception_raise message for @slot; NULL without memory. */
static struct mx_kmsg *make_request(struct mx_space *space, const struct mx_exc_slot *slot,
				    const struct mx_exception *exc, struct mx_port *reply)
{
	u32 behavior = slot->behavior;
	bool identity = mx_exc_has_identity(behavior);
	bool state = (behavior & ~MACH_EXCEPTION_CODES) != EXCEPTION_DEFAULT;
	u64 regs[THREAD_STATE64_COUNT / 2];
	size_t at = sizeof(struct mach_msg_header), n;
	struct mach_msg_port_descriptor *d;
	struct mx_port *thread = NULL;
	struct mx_kmsg *kmsg;
	u8 *body;

	body = kmalloc(REQ_MAX, GFP_KERNEL);
	if (!body)
		return NULL;
	if (state)
		regs_to_state(task_pt_regs(current), regs);
	n = mx_exc_encode_body(body, REQ_MAX, behavior, exc, slot->flavor,
			       (const u32 *)regs, state ? THREAD_STATE64_COUNT : 0);
	if (!n) {
		kfree(body);
		return NULL;
	}
	if (identity) {
		mutex_lock(&space->lock);
		thread = mx_thread_port(space, current);
		if (thread) {
			mx_port_copy_send(thread);
			mx_port_get(thread);
		}
		mutex_unlock(&space->lock);
		if (!thread) {
			kfree(body);
			return NULL;
		}
		at += sizeof(struct mach_msg_body) + 2 * sizeof(*d);
	}
	kmsg = mx_kmsg_alloc(at + n, identity ? 2 : 0, GFP_KERNEL);
	if (!kmsg) {
		if (thread)
			mx_port_release_send(thread);
		kfree(body);
		return NULL;
	}
	memcpy(kmsg->data + at, body, n);
	kfree(body);
	kmsg->hdr->msgh_id = mx_exc_request_id(behavior);
	if (identity) {
		kmsg->hdr->msgh_bits = MACH_MSGH_BITS_COMPLEX;
		((struct mach_msg_body *)(kmsg->hdr + 1))->msgh_descriptor_count = 2;
		d = (void *)(kmsg->data + sizeof(struct mach_msg_header) +
			     sizeof(struct mach_msg_body));
		d[0].type = MACH_MSG_PORT_DESCRIPTOR;
		d[1].type = MACH_MSG_PORT_DESCRIPTOR;
		mx_port_copy_send(space->task_port);
		mx_port_get(space->task_port);
		kmsg->desc[0] = (struct mx_kdesc){ thread, 0, MACH_MSG_TYPE_PORT_SEND,
						   (u8 *)&d[0] - kmsg->data };
		kmsg->desc[1] = (struct mx_kdesc){ space->task_port, 0, MACH_MSG_TYPE_PORT_SEND,
						   (u8 *)&d[1] - kmsg->data };
		kmsg->ndesc = 2;
	}
	mx_port_make_send_once(reply);
	mx_port_get(reply);
	kmsg->reply = reply;
	kmsg->reply_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
	kmsg->dest = slot->port;
	kmsg->dest_type = MACH_MSG_TYPE_PORT_SEND;
	return kmsg;
}

/* Wait (killable) for whatever comes back on the kernel's reply port. */
static struct mx_kmsg *wait_reply(struct mx_port *reply)
{
	long timeout = MAX_SCHEDULE_TIMEOUT;
	struct mx_kmsg *kmsg = NULL;

	spin_lock(&reply->lock);
	while (list_empty(&reply->msgs))
		if (mx_wait_locked(&reply->rcv_wait, &reply->lock, &timeout, TASK_KILLABLE))
			break;
	if (!list_empty(&reply->msgs)) {
		kmsg = list_first_entry(&reply->msgs, struct mx_kmsg, link);
		list_del_init(&kmsg->link);
		reply->msgcount--;
	}
	spin_unlock(&reply->lock);
	return kmsg;
}

/* One level: true if its handler answered KERN_SUCCESS. */
static bool raise_to(struct mx_space *space, struct mx_exc_slot *slot,
		     const struct mx_exception *exc)
{
	u32 flavor = 0, count = 0, *state;
	struct mx_kmsg *request, *answer;
	struct mx_port *reply;
	bool handled = false;
	LIST_HEAD(reap);
	s32 kr;

	/* Only x86_THREAD_STATE64 is offered so far. */
	if ((slot->behavior & ~MACH_EXCEPTION_CODES) != EXCEPTION_DEFAULT &&
	    slot->flavor != x86_THREAD_STATE64)
		return false;
	reply = mx_port_alloc();
	if (!reply)
		return false;
	request = make_request(space, slot, exc, reply);
	if (!request)
		goto out;
	slot->port = NULL;	/* the request carries that send right now */
	if (mx_kmsg_send(request, TASK_KILLABLE, MAX_SCHEDULE_TIMEOUT) != MACH_MSG_SUCCESS) {
		mx_kmsg_destroy(request, &reap);
		goto out;
	}
	answer = wait_reply(reply);
	if (!answer)
		goto out;	/* killed */
	state = kmalloc_array(MX_THREAD_STATE_MAX, sizeof(u32), GFP_KERNEL);
	kr = state ? mx_exc_parse_reply(answer->data, answer->size, slot->behavior, &flavor,
					state, &count) : MIG_REPLY_MISMATCH;
	if (kr == KERN_SUCCESS) {
		handled = true;
		if (count == THREAD_STATE64_COUNT && flavor == x86_THREAD_STATE64)
			state_to_regs((const u64 *)state, task_pt_regs(current));
	}
	kfree(state);
	mx_kmsg_destroy(answer, &reap);
out:
	mx_port_destroy(reply, &reap);
	mx_port_put(reply);
	mx_reap(&reap);
	return handled;
}

/* Take the handled fault signal back before get_signal() sees it. */
static void discard_signal(int sig)
{
	/* Our own sighand: only our own exec could change it. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);
	kernel_siginfo_t info;
	enum pid_type type;
	sigset_t mask;

	siginitsetinv(&mask, sigmask(sig));
	spin_lock_irq(&sighand->siglock);
	mx_dequeue_signal(&mask, &info, &type);
	spin_unlock_irq(&sighand->siglock);
}

static void raise_exception(const struct mx_exc_work *w)
{
	struct mx_exception exc;
	struct mx_exc_slot slot;
	struct mx_space *space;

	if (!mx_exc_from_siginfo(&w->info, w->trap_nr, &exc))
		return;
	space = mx_space_current();
	if (IS_ERR(space))
		return;
	spin_lock(&space->special_lock);
	slot = space->exc[exc.type];
	if (slot.port) {
		mx_port_copy_send(slot.port);
		mx_port_get(slot.port);
	}
	spin_unlock(&space->special_lock);
	if (slot.port && raise_to(space, &slot, &exc))
		discard_signal(w->info.si_signo);
	if (slot.port)
		mx_port_release_send(slot.port);
	mx_space_put(space);
}

static void exc_work(struct callback_head *cb)
{
	struct mx_exc_work *w = container_of(cb, struct mx_exc_work, cb);

	raise_exception(w);
	kfree(w);
}

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP;
}

/*
 * The signal_generate probe: atomic context, siglock held.  Cheap for
 * everyone who never used machexc (one atomic read), and for every signal
 * that is not a kernel-raised fault on the current thread.
 */
void mx_exc_signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *task,
			     int result)
{
	struct mx_exception exc;
	struct mx_exc_work *w;

	if (!atomic_long_read(&mx_nr_spaces) || task != current ||
	    result != TRACE_SIGNAL_DELIVERED || !is_fault_signal(sig) ||
	    info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV ||
	    (current->flags & (PF_EXITING | PF_KTHREAD)) ||
	    !mx_exc_from_siginfo(info, current->thread.trap_nr, &exc) ||
	    !mx_space_handles(current->signal, exc.type))
		return;
	w = kmalloc(sizeof(*w), GFP_ATOMIC);
	if (!w)
		return;		/* Linux delivers the signal as always */
	copy_siginfo(&w->info, info);
	w->trap_nr = current->thread.trap_nr;
	init_task_work(&w->cb, exc_work);
	if (task_work_add(current, &w->cb, TWA_RESUME))
		kfree(w);
}
