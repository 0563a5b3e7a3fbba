// SPDX-License-Identifier: GPL-2.0
/*
 * Message queues and mach_msg(): queueing a message on its destination
 * (waiting for room when the queue is at its limit), and receiving from a
 * port or a port set (waiting for a message), with timeouts and signals.
 *
 * Waits use the classic pattern: the waiter queues itself on the wait
 * queue, then tests its condition; the waker changes state under the
 * port's lock, then wakes.  A signal ends a wait with *_INTERRUPTED and
 * loses nothing: the message stays where it was.
 */
#include <linux/audit.h>
#include <linux/jiffies.h>
#include <linux/machexc.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include <kunit/visibility.h>

#include "msg.h"
#include "../compat/compat.h"
#include "../names/names.h"
#include "../ports/ports.h"

/*
 * Send-once messages (replies, notifications) and the kernel's exception
 * requests bypass the queue limit, as in Mach; this bounds them too.
 */
#define MX_QUEUE_HARD_MAX	(MACH_PORT_QLIMIT_MAX * 16)

/* Trailer sizes by MACH_RCV_TRAILER_ELEMENTS, as macOS's x86-64 ABI. */
static const u32 trailer_sizes[] = { 8, 12, 20, 52, 60, 68, 68, 68, 68 };

/*
 * Sleep on @wq with @lock dropped.  0, or -EINTR for a signal that @state
 * (TASK_INTERRUPTIBLE, or TASK_KILLABLE: fatal signals only) lets in.
 */
int mx_wait_locked(wait_queue_head_t *wq, spinlock_t *lock, long *timeout, int state)
{
	DEFINE_WAIT(wait);

	prepare_to_wait(wq, &wait, state);
	spin_unlock(lock);
	*timeout = schedule_timeout(*timeout);
	finish_wait(wq, &wait);
	spin_lock(lock);
	return signal_pending_state(state, current) ? -EINTR : 0;
}

/* Counted per CPU: no shared cache line written per message. */
static DEFINE_PER_CPU(unsigned long, nr_direct);
static DEFINE_PER_CPU(unsigned long, nr_requeued);

/* Messages handed straight to a receiver, and handed ones put back, so far. */
void mx_msg_handoff_counts(unsigned long *direct, unsigned long *requeued)
{
	int cpu;

	*direct = 0;
	*requeued = 0;
	for_each_possible_cpu(cpu) {
		*direct += per_cpu(nr_direct, cpu);
		*requeued += per_cpu(nr_requeued, cpu);
	}
}
EXPORT_SYMBOL_IF_KUNIT(mx_msg_handoff_counts);

/* A waiter's wakeup: the waiter takes itself off the queue. */
static int rcv_waiter_wake(struct wait_queue_entry *entry, unsigned int mode, int flags,
			   void *key)
{
	return default_wake_function(entry, mode, flags, key);
}

/*
 * A waiter for the current thread that takes messages up to @room bytes,
 * receiving in @space from @name (0: any member of a set; @space NULL: a
 * kernel-held port).
 */
void mx_rcv_waiter_init(struct mx_rcv_waiter *w, u32 room, struct mx_space *space, u32 name)
{
	init_waitqueue_func_entry(&w->entry, rcv_waiter_wake);
	INIT_LIST_HEAD(&w->entry.entry);
	w->entry.private = current;
	w->room = room;
	w->kmsg = NULL;
	w->space = space;
	w->name = name;
	w->early = false;
}
EXPORT_SYMBOL_IF_KUNIT(mx_rcv_waiter_init);

/*
 * Put @w on @wq, last (the longest waiter gets the next message), unless
 * it is there already, and go to @state, as prepare_to_wait().  Takes
 * @wq's lock; the caller may hold its port's lock.
 */
void mx_rcv_waiter_add(wait_queue_head_t *wq, struct mx_rcv_waiter *w, int state)
{
	unsigned long flags;

	spin_lock_irqsave(&wq->lock, flags);
	if (list_empty(&w->entry.entry))
		__add_wait_queue_entry_tail(wq, &w->entry);
	set_current_state(state);
	spin_unlock_irqrestore(&wq->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mx_rcv_waiter_add);

/*
 * Take @w off @wq (a sender may have done so) and run again: afterwards
 * w->kmsg, if set, is the caller's and no sender can hand it another.
 * Takes @wq's lock; the caller may hold its port's lock.
 */
static void rcv_waiter_off(wait_queue_head_t *wq, struct mx_rcv_waiter *w)
{
	unsigned long flags;

	__set_current_state(TASK_RUNNING);
	spin_lock_irqsave(&wq->lock, flags);
	list_del_init(&w->entry.entry);
	spin_unlock_irqrestore(&wq->lock, flags);
}

/* As rcv_waiter_off(), returning the message handed meanwhile (now the caller's). */
struct mx_kmsg *mx_rcv_waiter_remove(wait_queue_head_t *wq, struct mx_rcv_waiter *w)
{
	struct mx_kmsg *kmsg;

	rcv_waiter_off(wq, w);
	kmsg = w->kmsg;
	w->kmsg = NULL;
	return kmsg;
}
EXPORT_SYMBOL_IF_KUNIT(mx_rcv_waiter_remove);

/*
 * Sleep as @w on @wq with @lock (the port's, held) dropped, as
 * mx_wait_locked(); a message may have been handed to w->kmsg meanwhile,
 * which the caller checks first, whatever this returns.
 */
int mx_rcv_wait_locked(wait_queue_head_t *wq, struct mx_rcv_waiter *w, spinlock_t *lock,
		       long *timeout, int state)
{
	lockdep_assert_held(lock);
	mx_rcv_waiter_add(wq, w, state);
	spin_unlock(lock);
	*timeout = schedule_timeout(*timeout);
	spin_lock(lock);
	rcv_waiter_off(wq, w);
	return signal_pending_state(state, current) ? -EINTR : 0;
}

/* The most wait queue entries one handoff pass looks at (under its lock). */
#define MX_HANDOFF_SCAN		64

enum handoff { HANDOFF_NONE, HANDOFF_DONE, HANDOFF_QUEUE };

/*
 * Hand @kmsg, sent to @port (locked), to a receiver waiting on @wq (the
 * port's or its set's): the first one already asleep in receive, else,
 * if @early, the first early waiter (a server still sending its reply,
 * struct early_wait), which would otherwise hold a request that an idle
 * handler could be running.  But with @sync, an early waiter runnable on
 * this CPU, with room for the message, comes first: the sender preempted
 * it there (its reply woke the sender), it runs the moment the sender
 * sleeps, with no wakeup, and an idle receiver woken instead would have
 * both switch once more, for nothing (a sync wakeup puts the wakee on
 * this CPU too, 6.6 on).  One blocked (on the space's lock, a page fault)
 * is passed over for an idle receiver, as before.
 * HANDOFF_DONE: handed, and that waiter woken
 * and off the queue.  HANDOFF_QUEUE: the waiter chosen has no room for it,
 * so it is queued as always (and the receiver gets MACH_RCV_TOO_LARGE from
 * the queue).  HANDOFF_NONE: no waiter of that kind here.
 *
 * Waiters whose receive right moved away meanwhile (woken to see
 * MACH_RCV_PORT_CHANGED) are passed over, as are pollers and early waits
 * that may not take one; at most MX_HANDOFF_SCAN entries are looked at.
 * Takes @wq's lock inside @port's.  @sync: the sender sleeps next, and
 * the receiver may take its CPU.
 */
static enum handoff hand_to_waiter(wait_queue_head_t *wq, struct mx_port *port,
				   struct mx_kmsg *kmsg, bool sync, bool early)
{
	struct mx_rcv_waiter *w, *asleep = NULL, *first_early = NULL, *here = NULL;
	struct wait_queue_entry *e;
	enum handoff ret = HANDOFF_NONE;
	unsigned int seen = 0;
	unsigned long flags;
	int cpu;

	lockdep_assert_held(&port->lock);
	if (list_empty_careful(&wq->head))
		return HANDOFF_NONE;
	spin_lock_irqsave(&wq->lock, flags);
	cpu = smp_processor_id();
	list_for_each_entry(e, &wq->head, entry) {
		if (++seen > MX_HANDOFF_SCAN)
			break;
		if (e->func != rcv_waiter_wake)
			continue;
		w = container_of(e, struct mx_rcv_waiter, entry);
		if (w->kmsg || (w->space && (port->receiver != w->space ||
					     (w->name && port->receiver_name != w->name))))
			continue;
		if (w->early && sync && kmsg->size <= w->room && w->entry.private != current &&
		    task_is_running((struct task_struct *)w->entry.private) &&
		    task_cpu(w->entry.private) == cpu) {
			here = w;
			break;
		}
		if (!w->early && !asleep)
			asleep = w;
		else if (w->early && !first_early)
			first_early = w;
		if (asleep && !sync)
			break;
	}
	w = here ? here : asleep ? asleep : early ? first_early : NULL;
	if (w && kmsg->size > w->room) {
		ret = HANDOFF_QUEUE;
	} else if (w) {
		list_del_init(&w->entry.entry);
		w->kmsg = kmsg;
		mx_wake_handoff(&w->entry, sync);
		ret = HANDOFF_DONE;
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	return ret;
}

/*
 * Hand @kmsg straight to a receiver of @port (locked) or of its set: one
 * asleep in receive on the port, else on the set, else an early waiter
 * on the port, else on the set.  Messages that carry receive rights
 * always go through the queue, where the transit rules keep them.  @sync
 * as hand_to_waiter().
 */
static bool hand_off(struct mx_port *port, struct mx_kmsg *kmsg, bool sync)
{
	wait_queue_head_t *set = port->pset ? &port->pset->rcv_wait : NULL;
	enum handoff h;

	lockdep_assert_held(&port->lock);
	if (kmsg->carries_receive || !list_empty(&port->msgs))
		return false;
	h = hand_to_waiter(&port->rcv_wait, port, kmsg, sync, !set);
	if (h == HANDOFF_NONE && set) {
		h = hand_to_waiter(set, port, kmsg, sync, false);
		if (h == HANDOFF_NONE)
			h = hand_to_waiter(&port->rcv_wait, port, kmsg, sync, true);
		if (h == HANDOFF_NONE)
			h = hand_to_waiter(set, port, kmsg, sync, true);
	}
	if (h != HANDOFF_DONE)
		return false;
	this_cpu_inc(nr_direct);
	return true;
}

enum transit { TRANSIT_OK, TRANSIT_CIRCULAR, TRANSIT_TOO_DEEP };

/*
 * Would queueing @kmsg make a cycle of receive rights in transit (a port
 * whose receive right sits, directly or through other ports in transit,
 * in its own queue)?  Such ports could never be received from again.
 * One walk up the destination's chain marks it, then each receive right
 * carried is checked against the mark: O(depth + descriptors), and the
 * depth is capped.  Called with mx_transit_lock held.
 */
static enum transit kmsg_check_transit(struct mx_kmsg *kmsg)
{
	static unsigned long stamp;	/* under mx_transit_lock */
	struct mx_port *p;
	u32 i, depth = 0;

	lockdep_assert_held(&mx_transit_lock);
	stamp++;
	for (p = kmsg->dest; p; p = p->destination) {
		if (++depth > MX_TRANSIT_DEPTH_MAX)
			return TRANSIT_TOO_DEEP;
		p->transit_stamp = stamp;
	}
	for (i = 0; i < kmsg->ndesc; i++)
		if (kmsg->desc[i].type == MACH_MSG_TYPE_PORT_RECEIVE && kmsg->desc[i].port &&
		    kmsg->desc[i].port->transit_stamp == stamp)
			return TRANSIT_CIRCULAR;
	return TRANSIT_OK;
}

/* The receive rights @kmsg carries are now in transit to its destination. */
static void kmsg_set_destination(struct mx_kmsg *kmsg)
{
	u32 i;

	for (i = 0; i < kmsg->ndesc; i++) {
		if (kmsg->desc[i].type == MACH_MSG_TYPE_PORT_RECEIVE && kmsg->desc[i].port) {
			mx_port_get(kmsg->dest);
			kmsg->desc[i].port->destination = kmsg->dest;
		}
	}
}

/* A message was queued on @port (locked): wake whoever receives from it. */
static void wake_receivers(struct mx_port *port, bool *handoff)
{
	lockdep_assert_held(&port->lock);
	wait_queue_head_t *set = port->pset ? &port->pset->rcv_wait : NULL;

	if (!handoff) {
		wake_up(&port->rcv_wait);
		if (set)
			wake_up(set);
		return;
	}
	__wake_up_sync(&port->rcv_wait, TASK_NORMAL);
	if (set)
		__wake_up_sync(set, TASK_NORMAL);
}

/* Only messages that carry receive rights need the transit lock. */
static void transit_lock(bool carries_receive) __acquires(&mx_transit_lock)
{
	if (carries_receive)
		spin_lock(&mx_transit_lock);
	else
		__acquire(&mx_transit_lock);
}

static void transit_unlock(bool carries_receive) __releases(&mx_transit_lock)
{
	if (carries_receive)
		spin_unlock(&mx_transit_lock);
	else
		__release(&mx_transit_lock);
}

/*
 * Queue @kmsg on its destination.  Send-once messages (replies and
 * notifications) never wait for room, as in Mach, nor do the kernel's
 * exception requests (kmsg->always), short of MX_QUEUE_HARD_MAX: a
 * faulting thread beyond the queue limit would otherwise sleep once more
 * per exception, and every message received would wake all such
 * threads to find one slot.  On failure the message
 * and its rights are still the caller's.  A message that would close a
 * cycle of receive rights in transit is destroyed instead, and the send
 * succeeds, as in XNU.
 *
 * A receiver already waiting on the port or its set, with room for the
 * message, gets it straight (hand_off()); *@handoff, if given, tells
 * whether that happened.  With @handoff (an exception, or a reply from a
 * server that receives next) a queued message's receivers are woken with
 * a sync wakeup (the sender is about to sleep).
 */
static mx_return_t kmsg_send(struct mx_kmsg *kmsg, int wait_state, long timeout,
			     bool *handoff, struct list_head *circular)
{
	/*
	 * Once queued, the message belongs to its receiver and may be gone
	 * the moment the port lock drops: read what we need of it now.
	 */
	bool carries_receive = kmsg->carries_receive;
	bool always = kmsg->dest_type == MACH_MSG_TYPE_PORT_SEND_ONCE || kmsg->always;
	struct mx_port *port = kmsg->dest;
	enum transit transit = TRANSIT_OK;
	mx_return_t mr;

	if (handoff)
		*handoff = false;
	for (;;) {
		transit_lock(carries_receive);
		spin_lock(&port->lock);
		if (!port->active || port->kotype != MX_KOBJECT_NONE) {
			mr = MACH_SEND_INVALID_DEST;
		} else if (port->msgcount >= MX_QUEUE_HARD_MAX && !kmsg->always) {
			/* Even send-once messages stop somewhere. */
			mr = MACH_SEND_NO_BUFFER;
		} else if (port->msgcount < MX_QUEUE_HARD_MAX &&
			   (always || port->msgcount < port->qlimit)) {
			mr = MACH_MSG_SUCCESS;
			if (carries_receive)
				transit = kmsg_check_transit(kmsg);
			if (transit == TRANSIT_TOO_DEEP) {
				mr = MACH_SEND_NO_BUFFER;
			} else if (transit == TRANSIT_OK && hand_off(port, kmsg, handoff)) {
				if (handoff)
					*handoff = true;
			} else if (transit == TRANSIT_OK) {
				if (carries_receive)
					kmsg_set_destination(kmsg);
				list_add_tail(&kmsg->link, &port->msgs);
				port->msgcount++;
				wake_receivers(port, handoff);
			}
		} else if (!wait_state || !timeout) {
			mr = MACH_SEND_TIMED_OUT;
		} else {
			transit_unlock(carries_receive);
			if (mx_wait_locked(&port->snd_wait, &port->lock, &timeout, wait_state)) {
				spin_unlock(&port->lock);
				return MACH_SEND_INTERRUPTED;
			}
			spin_unlock(&port->lock);
			continue;
		}
		spin_unlock(&port->lock);
		transit_unlock(carries_receive);
		break;
	}
	if (transit == TRANSIT_CIRCULAR && circular) {
		list_add_tail(&kmsg->link, circular);
	} else if (transit == TRANSIT_CIRCULAR) {
		LIST_HEAD(reap);

		mx_kmsg_destroy(kmsg, &reap);
		mx_reap(&reap);
	}
	return mr;
}

mx_return_t mx_kmsg_send_sync(struct mx_kmsg *kmsg, int wait_state, long timeout,
			      bool *handoff)
{
	return kmsg_send(kmsg, wait_state, timeout, handoff, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_send_sync);

/*
 * Queue @kmsg without waiting, as mx_kmsg_send(), except that a message
 * that would close a cycle goes to @reap to be destroyed, rather than at
 * once: for the kernel's own messages sent while a reap is under way.
 */
mx_return_t mx_kmsg_send_reap(struct mx_kmsg *kmsg, struct list_head *reap)
{
	return kmsg_send(kmsg, 0, 0, NULL, reap);
}

mx_return_t mx_kmsg_send(struct mx_kmsg *kmsg, int wait_state, long timeout)
{
	return mx_kmsg_send_sync(kmsg, wait_state, timeout, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_send);

struct rcv_args {
	struct mx_space *space;
	u32 name;
	u32 option;
	u32 rcv_size;
	u32 trailer_size;
	u32 needed;		/* MACH_RCV_TOO_LARGE: what it would take */
};

/*
 * Take the first message off @port (locked), if it fits.  A message too
 * large stays queued with MACH_RCV_LARGE and is destroyed without it.
 */
static struct mx_kmsg *take_kmsg(struct mx_port *port, struct rcv_args *ra,
				 struct list_head *reap, mx_return_t *mr)
{
	struct mx_kmsg *kmsg = list_first_entry(&port->msgs, struct mx_kmsg, link);

	ra->needed = kmsg->size + ra->trailer_size;
	if (ra->needed > ra->rcv_size) {
		*mr = MACH_RCV_TOO_LARGE;
		if (ra->option & MACH_RCV_LARGE)
			return NULL;
	} else {
		*mr = MACH_MSG_SUCCESS;
	}
	list_del_init(&kmsg->link);
	port->msgcount--;
	kmsg->seqno = port->seqno++;
	wake_up(&port->snd_wait);
	if (*mr != MACH_MSG_SUCCESS) {
		list_add_tail(&kmsg->link, reap);
		return NULL;
	}
	return kmsg;
}

/* The largest message a receive with @ra takes: its buffer less the trailer. */
static u32 rcv_room(const struct rcv_args *ra)
{
	return ra->rcv_size > ra->trailer_size ? ra->rcv_size - ra->trailer_size : 0;
}

/*
 * Put @kmsg, handed to a receiver that is being killed, back at the head
 * of its port's queue for the next receiver; destroyed (to @reap) if the
 * port died meanwhile.  Called with the port's lock held.
 */
static void requeue_locked(struct mx_port *port, struct mx_kmsg *kmsg, struct list_head *reap)
{
	lockdep_assert_held(&port->lock);
	if (!port->active || port->kotype != MX_KOBJECT_NONE) {
		list_add_tail(&kmsg->link, reap);
		return;
	}
	list_add(&kmsg->link, &port->msgs);
	port->msgcount++;
	this_cpu_inc(nr_requeued);
	wake_receivers(port, NULL);
}

/* As requeue_locked(), without its port's lock.  Sleeps (a reap). */
void mx_kmsg_requeue(struct mx_kmsg *kmsg)
{
	struct mx_port *port = kmsg->dest;
	LIST_HEAD(reap);

	spin_lock(&port->lock);
	requeue_locked(port, kmsg, &reap);
	spin_unlock(&port->lock);
	mx_reap(&reap);
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_requeue);

/*
 * A message handed to the current thread, receiving from @port (its
 * destination, locked), is the thread's now, and takes the port's next
 * sequence number, as one taken off the queue does (take_kmsg()): the
 * port's seqno counts the messages received from it, so a handed message
 * put back unreceived uses none.  A thread being killed puts it back at
 * the head of the queue for the next receiver: nothing is lost.
 */
static struct mx_kmsg *accept_locked(struct mx_port *port, struct mx_kmsg *kmsg,
				     struct list_head *reap, mx_return_t *mr)
{
	lockdep_assert_held(&port->lock);
	if (fatal_signal_pending(current)) {
		requeue_locked(port, kmsg, reap);
		*mr = MACH_RCV_INTERRUPTED;
		return NULL;
	}
	kmsg->seqno = port->seqno++;
	*mr = MACH_MSG_SUCCESS;
	return kmsg;
}

/*
 * As accept_locked(), for a message handed to a waiter on a port set or
 * to an early waiter: takes its port's lock.  Sleeps (a reap).
 */
struct mx_kmsg *mx_kmsg_accept(struct mx_kmsg *kmsg, mx_return_t *mr)
{
	struct mx_port *port = kmsg->dest;
	LIST_HEAD(reap);

	spin_lock(&port->lock);
	kmsg = accept_locked(port, kmsg, &reap, mr);
	spin_unlock(&port->lock);
	mx_reap(&reap);
	return kmsg;
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_accept);

/*
 * Receive from @port: the first queued message, else wait for one (a
 * sender may hand it straight to us).  Takes the port's lock.
 */
static struct mx_kmsg *receive_port(struct mx_port *port, struct rcv_args *ra,
				    long timeout, struct list_head *reap, mx_return_t *mr)
{
	struct mx_kmsg *kmsg = NULL;
	struct mx_rcv_waiter w;
	int err;

	mx_rcv_waiter_init(&w, rcv_room(ra), ra->space, ra->name);
	spin_lock(&port->lock);
	for (;;) {
		if (port->receiver != ra->space || port->receiver_name != ra->name) {
			*mr = port->active ? MACH_RCV_PORT_CHANGED : MACH_RCV_PORT_DIED;
			break;
		}
		if (!list_empty(&port->msgs)) {
			kmsg = take_kmsg(port, ra, reap, mr);
			break;
		}
		if (!timeout) {
			*mr = MACH_RCV_TIMED_OUT;
			break;
		}
		err = mx_rcv_wait_locked(&port->rcv_wait, &w, &port->lock, &timeout,
					 TASK_INTERRUPTIBLE);
		if (w.kmsg) {
			kmsg = accept_locked(port, w.kmsg, reap, mr);
			break;
		}
		if (err) {
			*mr = MACH_RCV_INTERRUPTED;
			break;
		}
	}
	spin_unlock(&port->lock);
	return kmsg;
}

/*
 * Receive from @pset: the first message queued on a member (starting
 * after the last one taken from), else wait for one (a sender may hand
 * it straight to us).  Takes the set's lock, then each member's.
 */
static struct mx_kmsg *receive_pset(struct mx_pset *pset, struct rcv_args *ra,
				    long timeout, struct list_head *reap, mx_return_t *mr)
{
	struct mx_kmsg *kmsg = NULL, *extra;
	struct mx_port *port;
	struct mx_rcv_waiter w;

	mx_rcv_waiter_init(&w, rcv_room(ra), ra->space, 0);
	for (;;) {
		mx_rcv_waiter_add(&pset->rcv_wait, &w, TASK_INTERRUPTIBLE);
		spin_lock(&pset->lock);
		if (!pset->active) {
			spin_unlock(&pset->lock);
			*mr = MACH_RCV_PORT_DIED;
			break;
		}
		list_for_each_entry(port, &pset->members, pset_link) {
			spin_lock(&port->lock);
			if (!list_empty(&port->msgs)) {
				/* Next time start after this one: fairness. */
				list_move(&pset->members, &port->pset_link);
				kmsg = take_kmsg(port, ra, reap, mr);
				spin_unlock(&port->lock);
				goto out;
			}
			spin_unlock(&port->lock);
		}
		spin_unlock(&pset->lock);
		if (!timeout) {
			*mr = MACH_RCV_TIMED_OUT;
			break;
		}
		timeout = schedule_timeout(timeout);
		kmsg = mx_rcv_waiter_remove(&pset->rcv_wait, &w);
		if (kmsg)
			return mx_kmsg_accept(kmsg, mr);
		if (signal_pending(current)) {
			*mr = MACH_RCV_INTERRUPTED;
			break;
		}
	}
	kmsg = mx_rcv_waiter_remove(&pset->rcv_wait, &w);
	return kmsg ? mx_kmsg_accept(kmsg, mr) : NULL;
out:
	spin_unlock(&pset->lock);
	/* Handed one while we took another: it goes back, first in line. */
	extra = mx_rcv_waiter_remove(&pset->rcv_wait, &w);
	if (extra)
		mx_kmsg_requeue(extra);
	return kmsg;
}

/* The receiver's view of the sender, as macOS's audit trailer gives it. */
static void fill_trailer(struct mach_msg_max_trailer *t, struct mx_kmsg *kmsg, u32 size)
{
	struct user_namespace *ns = current_user_ns();

	memset(t, 0, sizeof(*t));
	t->msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
	t->msgh_trailer_size = size;
	t->msgh_seqno = kmsg->seqno;
	if (!kmsg->sender) {
		t->msgh_sender[1] = 1;	/* KERNEL_SECURITY_TOKEN: { 0, 1 } */
		return;			/* KERNEL_AUDIT_TOKEN: all zero */
	}
	t->msgh_sender[0] = from_kuid_munged(ns, kmsg->euid);
	t->msgh_sender[1] = from_kgid_munged(ns, kmsg->egid);
	/* macOS's AU_DEFAUDITID: -1 while no login set it. */
	t->msgh_audit[0] = uid_valid(kmsg->auid) ? from_kuid_munged(ns, kmsg->auid) : U32_MAX;
	t->msgh_audit[1] = t->msgh_sender[0];
	t->msgh_audit[2] = t->msgh_sender[1];
	t->msgh_audit[3] = from_kuid_munged(ns, kmsg->ruid);
	t->msgh_audit[4] = from_kgid_munged(ns, kmsg->rgid);
	/* 0 when the sender is outside the receiver's pid namespace. */
	t->msgh_audit[5] = pid_nr_ns(kmsg->sender, task_active_pid_ns(current));
	t->msgh_audit[7] = kmsg->pidversion;
}

/*
 * A server's send-and-receive (a reply, then the next request): it waits
 * on its receive port (or set) from before the send, so that a client
 * woken by the reply, which may run first and send again at once, finds
 * it there and hands it the request rather than queueing it.  The
 * receive then takes that message without waiting.
 */
struct early_wait {
	wait_queue_head_t *wq;
	struct mx_rcv_waiter w;		/* w.entry alone if not to be handed one */
	bool take;			/* may be handed a message */
	struct mx_port *port;
	struct mx_pset *pset;
};

/*
 * Only a send that cannot block may be handed a message before it is
 * done: a reply (a send-once right), which never waits for room.  A
 * server blocked sending to a full queue must not hold a request that
 * another could take.  The sender's own header says which (read again,
 * and checked, by the send itself).
 */
static bool early_wait_may_take(struct machexc_msg *a)
{
	struct mach_msg_header __user *h = u64_to_user_ptr(a->msg);
	u32 bits, remote;

	if (a->send_size < sizeof(*h) || get_user(bits, &h->msgh_bits))
		return false;
	remote = MACH_MSGH_BITS_REMOTE(bits);
	return remote == MACH_MSG_TYPE_MOVE_SEND_ONCE || remote == MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* Takes @space's lock, then the wait queue's. */
static void early_wait_add(struct mx_space *space, struct machexc_msg *a, struct early_wait *ew)
{
	u32 elements = MACH_RCV_TRAILER_ELEMENTS(a->option);
	u32 trailer = trailer_sizes[min_t(u32, elements, ARRAY_SIZE(trailer_sizes) - 1)];
	struct mx_entry *entry;

	ew->wq = NULL;
	mutex_lock(&space->lock);
	entry = mx_entry_lookup(space, a->rcv_name);
	if (entry && (entry->type & MACH_PORT_TYPE_RECEIVE)) {
		ew->port = entry->port;
		mx_port_get(ew->port);
		ew->wq = &ew->port->rcv_wait;
	} else if (entry && (entry->type & MACH_PORT_TYPE_PORT_SET)) {
		ew->pset = entry->pset;
		refcount_inc(&ew->pset->ref);
		ew->wq = &ew->pset->rcv_wait;
	}
	mutex_unlock(&space->lock);
	if (!ew->wq)
		return;
	ew->take = early_wait_may_take(a);
	if (ew->take) {
		mx_rcv_waiter_init(&ew->w, a->rcv_size > trailer ? a->rcv_size - trailer : 0,
				   space, ew->port ? a->rcv_name : 0);
		ew->w.early = true;	/* a receiver asleep is preferred */
		mx_rcv_waiter_add(ew->wq, &ew->w, TASK_RUNNING);
	} else {
		/* Only visible and wakeable: the receive waits as usual. */
		init_wait(&ew->w.entry);
		ew->w.kmsg = NULL;
		add_wait_queue(ew->wq, &ew->w.entry);
	}
}

/*
 * The message handed to the early waiter, if the receive is from the
 * port or set it waited on (the caller's references); NULL otherwise.
 * The waiter is off the queue afterwards.
 */
static struct mx_kmsg *early_wait_take(struct early_wait *ew, struct mx_port *port,
				       struct mx_pset *pset)
{
	struct mx_kmsg *kmsg;

	if (!ew || !ew->wq || !ew->take)
		return NULL;
	kmsg = mx_rcv_waiter_remove(ew->wq, &ew->w);
	if (kmsg && (ew->port != port || ew->pset != pset)) {
		mx_kmsg_requeue(kmsg);	/* the name means another port now */
		kmsg = NULL;
	}
	return kmsg;
}

/* A message handed to it and not received (the send failed) goes back. */
static void early_wait_remove(struct early_wait *ew)
{
	struct mx_kmsg *kmsg;

	if (!ew->wq)
		return;
	if (ew->take) {
		kmsg = mx_rcv_waiter_remove(ew->wq, &ew->w);
		if (kmsg)
			mx_kmsg_requeue(kmsg);
	} else {
		remove_wait_queue(ew->wq, &ew->w.entry);
	}
	if (ew->port)
		mx_port_put(ew->port);
	else
		mx_pset_put(ew->pset);
}

/*
 * Will the receive after the send most likely sleep (nothing queued on
 * the port waited on)?  Then the send's wakeup may give the receiver this
 * CPU.  A racy peek, a hint only; a set's members are not looked at.
 */
static bool early_wait_will_block(struct early_wait *ew)
{
	return ew->wq && (!ew->port || list_empty_careful(&ew->port->msgs));
}

static mx_return_t msg_receive(struct mx_space *space, struct machexc_msg *a,
			       struct early_wait *ew)
{
	void __user *umsg = u64_to_user_ptr(a->msg);
	struct rcv_args ra = {
		.space = space, .name = a->rcv_name, .option = a->option,
		.rcv_size = a->rcv_size,
	};
	long timeout = a->option & MACH_RCV_TIMEOUT ? msecs_to_jiffies(a->timeout) :
						      MAX_SCHEDULE_TIMEOUT;
	struct mach_msg_max_trailer trailer;
	mx_return_t ool_mr = MACH_MSG_SUCCESS;
	struct mx_kmsg *kmsg = NULL;
	struct mx_port *port = NULL;
	struct mx_pset *pset = NULL;
	struct mx_entry *entry;
	mx_return_t mr;
	LIST_HEAD(reap);
	u32 elements;

	if (MACH_RCV_TRAILER_TYPE(a->option) != MACH_MSG_TRAILER_FORMAT_0)
		return MACH_RCV_INVALID_TRAILER;
	elements = MACH_RCV_TRAILER_ELEMENTS(a->option);
	ra.trailer_size = trailer_sizes[min_t(u32, elements, ARRAY_SIZE(trailer_sizes) - 1)];

again:
	mutex_lock(&space->lock);
	entry = mx_entry_lookup(space, ra.name);
	if (entry && (entry->type & MACH_PORT_TYPE_RECEIVE)) {
		port = entry->port;
		mx_port_get(port);
	} else if (entry && (entry->type & MACH_PORT_TYPE_PORT_SET)) {
		pset = entry->pset;
		refcount_inc(&pset->ref);
	}
	mutex_unlock(&space->lock);
	if (!port && !pset)
		return MACH_RCV_INVALID_NAME;
	/*
	 * The notify argument names a port only for a receive on the thread's
	 * special reply port with MACH_RCV_SYNC_WAIT (XNU's
	 * mach_msg_overwrite_trap); there are no such ports here.
	 */
	if ((a->option & MACH_RCV_SYNC_WAIT) &&
	    !(a->option & (MACH_SEND_MSG | MACH_SEND_OVERRIDE | MACH_SEND_SYNC_OVERRIDE))) {
		if (port)
			mx_port_put(port);
		else
			mx_pset_put(pset);
		return MACH_RCV_INVALID_NOTIFY;
	}

	kmsg = early_wait_take(ew, port, pset);
	if (kmsg) {
		kmsg = mx_kmsg_accept(kmsg, &mr);
		if (port)
			mx_port_put(port);
		else
			mx_pset_put(pset);
	} else if (port) {
		kmsg = receive_port(port, &ra, timeout, &reap, &mr);
		mx_port_put(port);
	} else {
		kmsg = receive_pset(pset, &ra, timeout, &reap, &mr);
		mx_pset_put(pset);
	}
	/*
	 * A message this receiver may not have (an exception of a process it
	 * may not ptrace) is destroyed as if sent to a dead port: its sender
	 * learns that from its reply right.  Then wait on for the next.
	 */
	if (kmsg && kmsg->receivable && !kmsg->receivable(kmsg)) {
		mx_kmsg_destroy(kmsg, &reap);
		mx_reap(&reap);
		port = NULL;
		pset = NULL;
		goto again;
	}
	if (!kmsg) {
		mx_reap(&reap);
		if (mr == MACH_RCV_TOO_LARGE && ra.rcv_size >= sizeof(struct mach_msg_header) &&
		    put_user(ra.needed, &((struct mach_msg_header __user *)umsg)->msgh_size))
			mr = MACH_RCV_INVALID_DATA;
		return mr;
	}

	mx_port_spnotify(kmsg->dest);	/* room for one more: send-possible */
	/* Memory for its out-of-line parts first, then its rights, then names. */
	mx_kmsg_ool_map(kmsg, &ool_mr);
	mutex_lock(&space->lock);
	mr = mx_kmsg_copyout(space, kmsg, &reap);
	mutex_unlock(&space->lock);
	mx_reap(&reap);
	ool_mr |= mx_kmsg_ool_copyout(kmsg);
	/* The first error, with every MACH_MSG_{VM,IPC}_* bit of the body's. */
	if (mr == MACH_MSG_SUCCESS)
		mr = ool_mr;
	else if ((mr & ~MACH_MSG_MASK) == (ool_mr & ~MACH_MSG_MASK))
		mr |= ool_mr;

	/*
	 * The trailer written after the body and copied out with it (one
	 * checked copy, not two), but in a kept message that has no room
	 * left for it.
	 */
	if (kmsg->room >= kmsg->size + sizeof(trailer)) {
		fill_trailer((void *)(kmsg->data + kmsg->size), kmsg, ra.trailer_size);
		if (copy_to_user(umsg, kmsg->data, kmsg->size + ra.trailer_size))
			mr = MACH_RCV_INVALID_DATA;
	} else {
		fill_trailer(&trailer, kmsg, ra.trailer_size);
		if (copy_to_user(umsg, kmsg->data, kmsg->size) ||
		    copy_to_user(umsg + kmsg->size, &trailer, ra.trailer_size))
			mr = MACH_RCV_INVALID_DATA;
	}
	mx_kmsg_free(kmsg);
	return mr;
}

static mx_return_t msg_send(struct mx_space *space, struct machexc_msg *a, bool will_block)
{
	long timeout = a->option & MACH_SEND_TIMEOUT ? msecs_to_jiffies(a->timeout) :
						       MAX_SCHEDULE_TIMEOUT;
	const struct cred *cred = current_cred();
	struct mx_ool_range *dealloc;
	struct mx_kmsg *kmsg;
	u32 ndealloc;
	bool handoff;
	mx_return_t mr;

	if (a->send_size < sizeof(struct mach_msg_header) || (a->send_size & 3))
		return MACH_SEND_MSG_TOO_SMALL;
	if (a->send_size > READ_ONCE(mx_max_msg_size))
		return MACH_SEND_TOO_LARGE;
	kmsg = mx_kmsg_alloc_kept(&space->kept, a->send_size);
	if (!kmsg)
		return MACH_SEND_NO_BUFFER;
	if (copy_from_user(kmsg->data, u64_to_user_ptr(a->msg), a->send_size)) {
		mx_kmsg_free(kmsg);
		return MACH_SEND_INVALID_DATA;
	}
	kmsg->hdr->msgh_size = a->send_size;
	kmsg->sender = get_task_pid(current, PIDTYPE_TGID);
	kmsg->euid = cred->euid;
	kmsg->egid = cred->egid;
	kmsg->ruid = cred->uid;
	kmsg->rgid = cred->gid;
	kmsg->auid = audit_get_loginuid(current);
	kmsg->pidversion = mx_pidversion(current);

	/* Out-of-line memory and port names first: no lock while they fault. */
	mr = mx_kmsg_ool_copyin(kmsg);
	if (mr != MACH_MSG_SUCCESS) {
		mx_kmsg_free(kmsg);
		return mr;
	}
	mutex_lock(&space->lock);
	mr = space->active ? mx_kmsg_copyin(space, kmsg) : MACH_SEND_INVALID_DEST;
	if (mr == MACH_MSG_SUCCESS && (a->option & MACH_SEND_NOTIFY))
		mx_right_sparm(space, kmsg->hdr->msgh_remote_port, kmsg->dest, kmsg->dest_type);
	mutex_unlock(&space->lock);
	if (mr != MACH_MSG_SUCCESS) {
		mx_kmsg_free(kmsg);
		return mr;
	}
	ndealloc = mx_kmsg_ool_dealloc_ranges(kmsg, &dealloc);
	mr = mx_kmsg_send_sync(kmsg, TASK_INTERRUPTIBLE, timeout, will_block ? &handoff : NULL);
	if (mr != MACH_MSG_SUCCESS) {
		/* Not sent: the rights go back where they came from. */
		mutex_lock(&space->lock);
		mx_kmsg_copyin_undo(space, kmsg);
		mutex_unlock(&space->lock);
		mx_kmsg_free(kmsg);
		kfree(dealloc);		/* and the memory stays */
		return mr;
	}
	mx_ool_dealloc(dealloc, ndealloc);
	return mr;
}

/* MACHEXC_IOC_MSG for the caller's @space: the mach_msg_return_t. */
mx_return_t mx_mach_msg(struct mx_space *space, struct machexc_msg *a)
{
	struct early_wait ew = { };
	mx_return_t mr = MACH_MSG_SUCCESS;
	bool both = (a->option & MACH_SEND_MSG) && (a->option & MACH_RCV_MSG);

	if (both)
		early_wait_add(space, a, &ew);
	if (a->option & MACH_SEND_MSG)
		mr = msg_send(space, a, both && early_wait_will_block(&ew));
	if (mr == MACH_MSG_SUCCESS && (a->option & MACH_RCV_MSG))
		mr = msg_receive(space, a, both ? &ew : NULL);
	if (both)
		early_wait_remove(&ew);
	return mr;
}
