/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages and queues (GNU Mach's ipc/ipc_kmsg.c, ipc_mqueue.c and
 * ipc/mach_msg.c): copying a message's rights in from the sender's space
 * and out into the receiver's, queueing it on its destination, the
 * handoff to a receiver already waiting, and mach_msg() itself.
 *
 * Locks: a queue is its port's (port->lock).  mx_transit_lock (spin)
 * guards port->destination of every receive right in transit; it is
 * taken outside a port lock, and only by messages that carry receive
 * rights.  Copyin and copyout expect the space's lock held and assert
 * it.  Waits drop the port lock while they sleep (mx_wait_locked()).
 * A handoff (struct mx_rcv_waiter) takes the port's, or its set's,
 * rcv_wait lock inside the port lock, and wakes the receiver under both.
 */
#ifndef _MACHEXC_MSG_H
#define _MACHEXC_MSG_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/hash.h>
#include <linux/sizes.h>
#include <linux/sched.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../mach_abi.h"

struct machexc_msg;
struct mx_port;
struct mx_space;
struct mx_user;
struct pid;

struct mx_kool;

/* A message in flight: the user's bytes plus the rights it carries. */
struct mx_kdesc {
	struct mx_port *port;		/* NULL for MACH_PORT_NULL/DEAD names */
	u32 name;			/* the sender's name for it */
	u32 type;			/* MACH_MSG_TYPE_PORT_* */
	u32 offset;			/* of its descriptor */
	u32 disposition;		/* as the sender gave it */
	struct mx_kool *ool;		/* its port array, or NULL */
	u32 index;			/* in that array */
};

/*
 * An out-of-line region or port array (msg/ool.c): read from the sender
 * before the message is sent, mapped into the receiver when received.
 */
struct mx_kool {
	u32 offset;			/* of its descriptor */
	u8 type;			/* MACH_MSG_OOL_{,PORTS_}DESCRIPTOR */
	u8 copy;			/* as the sender gave it */
	bool dealloc;			/* the sender's memory goes once sent */
	bool failed;			/* could not be mapped in the receiver */
	u32 size;			/* bytes, or names */
	u64 uaddr;			/* the sender's address, then the receiver's */
	void *data;			/* the bytes, or the names (u32) */
};

struct mx_kmsg {
	struct list_head link;
	struct mx_port *dest;		/* right of type dest_type */
	u32 dest_type;
	struct mx_port *reply;		/* NULL, or right of type reply_type */
	u32 reply_type;
	u32 reply_name;			/* MACH_PORT_DEAD carried as a name */
	u32 ndesc;
	struct mx_kdesc *desc;
	u32 nrights;			/* msg/ool.c's count, for copyin */
	u32 nool;
	struct mx_kool *ool;
	bool carries_receive;
	struct mx_user *user;		/* charged for it (names/limits.c) */
	/* The sender, for the trailer. */
	struct pid *sender;
	kuid_t euid, ruid;
	kgid_t egid, rgid;
	kuid_t auid;			/* loginuid; INVALID_UID if unset */
	u32 pidversion;			/* mx_pidversion() */
	/*
	 * A task or thread level exception: only a receiver that passes
	 * @receivable (exc/raise.c: may it ptrace @exc_task?) may have it.
	 */
	bool (*receivable)(const struct mx_kmsg *kmsg);
	struct pid *exc_task;
	struct mx_kmsg_cache *cache;	/* the sender's kept message, or NULL */
	/*
	 * Sent as XNU's kernel sends (MACH_SEND_KERNEL_DEFAULT, with
	 * MACH_SEND_ALWAYS): past the queue limit; at MX_QUEUE_HARD_MAX it
	 * waits (exception requests: one per faulting thread at most).
	 */
	bool always;
	u32 seqno;			/* assigned when received (msg/mqueue.c) */
	u32 size;			/* of data: header + body */
	u32 room;			/* of data allocated: the trailer fits after? */
	struct mach_msg_header *hdr;	/* = data */
	u8 data[];
};

/* The largest message, header and body (module parameter, main.c). */
extern unsigned int mx_max_msg_size;

/* The most max_msg_size may be set to: 64 MiB, as XNU's largest. */
#define MX_MSG_SIZE_LIMIT	(64U << 20)

/*
 * The most rights one message carries, in port descriptors and port
 * arrays together (else MACH_SEND_TOO_LARGE).
 */
#define MX_MSG_DESC_MAX		1024

/* The most out-of-line bytes one message carries (module parameter). */
extern unsigned int mx_max_ool_size;
#define MX_OOL_SIZE_LIMIT	SZ_1G

/*
 * The longest chain of receive rights in transit (a port queued in a port
 * queued in ...) that a message carrying a receive right may be sent
 * into (else MACH_SEND_NO_BUFFER): it bounds the cycle check, which runs
 * under a spinlock.
 */
#define MX_TRANSIT_DEPTH_MAX	1024

extern spinlock_t mx_transit_lock;

/* Messages alive, reported by MACHEXC_IOC_STATS. */
extern atomic_long_t mx_nr_kmsgs;

/* Messages handed straight to a waiting receiver, and put back (mqueue.c). */
void mx_msg_handoff_counts(unsigned long *direct, unsigned long *requeued);

/*
 * A message kept by a sender for the messages it sends again and again
 * (a thread's exception requests, a space's small messages: a server's
 * replies): no allocation while the last one is not in flight still.
 * Two references: the sender's, and the message's while in flight; a
 * sender claims it by taking the count from 1 to 2, so a space's threads
 * may race for it.
 */
#define MX_KMSG_CACHE_SIZE	320	/* a thread's: all requests but float and AVX states */
#define MX_KMSG_CACHE_DESC	2	/* the thread and task ports */

struct mx_kmsg_cache {
	atomic_t ref;
	struct mx_kdesc desc[MX_KMSG_CACHE_DESC];
	struct mx_kmsg kmsg;		/* last: its data follows */
};

/* msg/kmsg.c */
struct mx_kmsg *mx_kmsg_alloc(u32 size, u32 ndesc, gfp_t gfp);
struct mx_kmsg *mx_kmsg_alloc_cached(struct mx_kmsg_cache **cachep, u32 size, u32 ndesc);
struct mx_kmsg *mx_kmsg_alloc_kept(struct mx_kmsg_cache **cachep, u32 size);

/* A space's: replies up to a thread state, the whole in kmalloc-512. */
#define MX_KMSG_KEPT_SIZE	(512 - sizeof(struct mx_kmsg_cache))
void mx_kmsg_cache_put(struct mx_kmsg_cache *cache);
void mx_kmsg_free(struct mx_kmsg *kmsg);
void mx_kmsg_destroy(struct mx_kmsg *kmsg, struct list_head *reap);
void mx_reap(struct list_head *reap);
mx_return_t mx_kmsg_copyin(struct mx_space *space, struct mx_kmsg *kmsg);
void mx_kmsg_copyin_undo(struct mx_space *space, struct mx_kmsg *kmsg);
mx_return_t mx_kmsg_copyout(struct mx_space *space, struct mx_kmsg *kmsg,
			    struct list_head *reap);

/*
 * macOS's pidversion for the sender's audit token: it tells apart two
 * processes that had the same pid, and a process before and after exec.
 */
static inline u32 mx_pidversion(struct task_struct *p)
{
	return (u32)hash_64(p->group_leader->start_boottime ^ (p->self_exec_id << 40), 32) | 1;
}

/* A sender's pages to unmap once its message is sent (msg/ool.c). */
struct mx_ool_range {
	unsigned long start, len;
};

/* msg/ool.c -- none with a lock held: they touch user memory */
mx_return_t mx_kmsg_ool_copyin(struct mx_kmsg *kmsg);
void mx_kmsg_ool_free(struct mx_kmsg *kmsg);
u32 mx_kmsg_ool_dealloc_ranges(struct mx_kmsg *kmsg, struct mx_ool_range **ranges);
void mx_ool_dealloc(struct mx_ool_range *ranges, u32 n);
void mx_kmsg_ool_map(struct mx_kmsg *kmsg, mx_return_t *mr);
mx_return_t mx_kmsg_ool_copyout(struct mx_kmsg *kmsg);

/*
 * A receiver blocked in mach_msg() on a port or a port set, or a thread
 * waiting for its exception's reply, waits as one of these on the port's
 * (or set's) rcv_wait.  A sender that finds the port's queue empty hands
 * its message straight to the first such waiter already asleep, else to
 * the first early one (@early: a server still sending its reply, which
 * takes the message once its send is done), if it has room (GNU Mach's
 * ipc_mqueue_send() to a blocked receiver): no queue insert, no dequeue,
 * one targeted wakeup on this CPU (compat.h's mx_wake_handoff()).
 *
 * @kmsg is written by the sender under the wait queue's lock, as it takes
 * the waiter off the queue (and, for a port's own waiters, under the
 * port's lock too); the waiter reads it once it has taken itself off the
 * queue under that same lock, so a message is never handed to a waiter
 * that has stopped waiting.
 */
struct mx_rcv_waiter {
	struct wait_queue_entry entry;
	u32 room;			/* the largest message it takes: header + body */
	struct mx_kmsg *kmsg;		/* handed to it, or NULL */
	/*
	 * Whose receive it is: only a port whose receive right is still
	 * @space's (under @name, unless 0: a set's member) hands it a
	 * message.  NULL: a kernel-held port (an exception's reply).
	 */
	struct mx_space *space;
	u32 name;
	bool early;			/* registered before its send is done */
};

/* msg/mqueue.c */
void mx_rcv_waiter_init(struct mx_rcv_waiter *w, u32 room, struct mx_space *space, u32 name);
void mx_rcv_waiter_add(wait_queue_head_t *wq, struct mx_rcv_waiter *w, int state);
struct mx_kmsg *mx_rcv_waiter_remove(wait_queue_head_t *wq, struct mx_rcv_waiter *w);
int mx_rcv_wait_locked(wait_queue_head_t *wq, struct mx_rcv_waiter *w, spinlock_t *lock,
		       long *timeout, int state);
void mx_kmsg_requeue(struct mx_kmsg *kmsg);
struct mx_kmsg *mx_kmsg_accept(struct mx_kmsg *kmsg, mx_return_t *mr);
int mx_wait_locked(wait_queue_head_t *wq, spinlock_t *lock, long *timeout, int state);
mx_return_t mx_kmsg_send(struct mx_kmsg *kmsg, int wait_state, long timeout);
mx_return_t mx_kmsg_send_sync(struct mx_kmsg *kmsg, int wait_state, long timeout,
			      bool *handoff);
mx_return_t mx_kmsg_send_reap(struct mx_kmsg *kmsg, struct list_head *reap);
mx_return_t mx_mach_msg(struct mx_space *space, struct machexc_msg *args);

#endif /* _MACHEXC_MSG_H */
