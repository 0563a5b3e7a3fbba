/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ports, port sets, rights and notifications (GNU Mach's ipc/ipc_port.c,
 * ipc_pset.c, ipc_right.c, ipc_notify.c and ipc/mach_port.c for the
 * mach_port_* calls).
 *
 * A port lives while anything refers to it: an entry, a message carrying
 * it, a waiter, a port fd.  It is "active" while its receive right
 * exists; once that right is destroyed the port is dead, and each send
 * right to it becomes a dead name the next time its space looks at it
 * (lazily, as in Mach).  A kernel-object port (task, thread, host) is
 * received by the kernel: its kobject is what it stands for.
 *
 * Locks: port->lock (spin) guards everything in the port, and for a
 * thread port the thread's stopped state too; pset->lock (spin) a set's
 * members, taken outside the lock of a member port.  Never two ports'
 * locks at once, never a space's lock inside a port's.  Work on another
 * port (a notification, releasing the rights in a dying port's messages)
 * waits until the locks are dropped: dying messages go on a "reap" list
 * that mx_reap() (msg/msg.h) empties.  Right copyin/copyout (right.c)
 * expect the space's lock held and assert it.
 */
#ifndef _MACHEXC_PORTS_H
#define _MACHEXC_PORTS_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../mach_abi.h"

struct mx_entry;
struct mx_space;
struct mx_user;

/* What a port stands for when the kernel, not a space, receives on it. */
enum mx_kobject_type {
	MX_KOBJECT_NONE,
	MX_KOBJECT_TASK,	/* kobject: a struct mx_task */
	MX_KOBJECT_THREAD,	/* kobject: a struct mx_thread */
	MX_KOBJECT_HOST,	/* the host port (exc/host.c) */
};

struct mx_port {
	refcount_t ref;
	struct mx_user *user;		/* charged for it (names/limits.c) */
	spinlock_t lock;		/* everything below */
	bool active;			/* the receive right exists */
	enum mx_kobject_type kotype;
	void *kobject;

	/* The receive right: in a space under a name, or in transit. */
	struct mx_space *receiver;
	u32 receiver_name;
	struct mx_port *destination;	/* in transit: queued there (a ref) */
	unsigned long transit_stamp;	/* msg/mqueue.c's cycle check */

	struct list_head msgs;
	u32 msgcount;
	u32 qlimit;
	u32 seqno;
	wait_queue_head_t rcv_wait;	/* receivers and pollers */
	wait_queue_head_t snd_wait;	/* senders waiting for room */
	struct mx_pset *pset;
	struct list_head pset_link;

	/*
	 * Send rights: one per entry or message.  Atomic: a copy of a right
	 * held (never 0 -> 1 for a port whose receive right a user holds)
	 * needs no lock; a new right (the make-send count with it) and the
	 * last right's release (the no-senders check) take the port's lock.
	 */
	atomic_t srights;
	atomic_t sorights;		/* send-once rights: counted, no lock */
	u32 mscount;			/* make-send count */
	struct mx_port *nsrequest;	/* send-once right: no-senders */
	/*
	 * Send-once right: port-destroyed.  While it is set, destroying the
	 * receive right sends that right in a notification instead.
	 */
	struct mx_port *pdrequest;
	struct list_head dnrequests;	/* struct mx_dnrequest */
	bool sprequests;		/* a send-possible request is armed */
};

struct mx_pset {
	refcount_t ref;
	spinlock_t lock;		/* active, members */
	bool active;
	u32 name;			/* in the one space that holds it */
	struct list_head members;	/* struct mx_port.pset_link */
	wait_queue_head_t rcv_wait;
};

/*
 * A dead-name request: tell @notify, naming @name, when the port dies.
 * A send-possible request (MX_REQ_SP) is one too, as in XNU, where both
 * share the name's one request slot; once armed (MX_REQ_ARMED, by a send
 * with MACH_SEND_NOTIFY that found the queue full) the next message
 * received from the port fires it with a send-possible notification.
 */
#define MX_REQ_SP	0x1
#define MX_REQ_ARMED	0x2

struct mx_dnrequest {
	struct list_head link;		/* on port->dnrequests */
	const struct mx_space *space;	/* identity only, no reference */
	u32 name;
	u32 flags;			/* MX_REQ_* */
	struct mx_port *notify;		/* a send-once right */
};

/* Live ports and port sets, reported by MACHEXC_IOC_STATS. */
extern atomic_long_t mx_nr_ports, mx_nr_psets;

/* ports/port.c */
struct mx_port *mx_port_alloc(void);
void mx_port_get(struct mx_port *port);
void mx_port_put(struct mx_port *port);
struct mx_pset *mx_pset_alloc(void);
void mx_pset_put(struct mx_pset *pset);
void mx_pset_destroy(struct mx_pset *pset);
void mx_pset_remove(struct mx_port *port);
void mx_port_destroy(struct mx_port *port, struct list_head *reap);
void mx_port_clear_destination(struct mx_port *port);
void mx_port_make_send(struct mx_port *port);
void mx_port_copy_send(struct mx_port *port);
void mx_port_make_send_once(struct mx_port *port);
void mx_port_release_send(struct mx_port *port);
void mx_port_release_send_once(struct mx_port *port);
void mx_port_consume_send_once(struct mx_port *port);
void mx_port_release(struct mx_port *port, u32 type, struct list_head *reap);
void mx_notify(struct mx_port *notify, s32 id, u32 arg);
void mx_port_spnotify(struct mx_port *port);

/* ports/right.c -- with space->lock held */
mx_return_t mx_right_copyin(struct mx_space *space, u32 name, u32 disposition,
			    struct mx_port **port, u32 *type, bool *was_receive);
void mx_right_copyin_undo(struct mx_space *space, u32 name, u32 disposition,
			  struct mx_port *port, u32 type);
mx_return_t mx_right_copyout(struct mx_space *space, struct mx_port *port, u32 type,
			     u32 *name);
mx_return_t mx_right_copyout_send(struct mx_space *space, struct mx_port *port, u32 *name);
mx_return_t mx_right_copyout_name(struct mx_space *space, struct mx_port *port,
				  u32 type, u32 name);
void mx_entry_release(struct mx_space *space, struct mx_entry *entry,
		      struct list_head *reap);
void mx_entry_drop_send_uref(struct mx_space *space, struct mx_entry *entry,
			     bool keep_right);
u32 mx_entry_request_type(struct mx_space *space, struct mx_entry *entry);
void mx_right_sparm(struct mx_space *space, u32 name, struct mx_port *port, u32 type);

#endif /* _MACHEXC_PORTS_H */
