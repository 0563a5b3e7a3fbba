/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach IPC objects: port spaces, ports, port sets, messages, and the
 * rights a space holds.
 *
 * Lifetimes.  Every object is reference counted.  A space belongs to a
 * process (keyed by its signal_struct, shared by its threads) and lives
 * until the process exits.  A port lives while anything refers to it: an
 * entry, a message carrying it, a waiter, a port fd.  A port is "active"
 * while its receive right exists; once that right is destroyed the port
 * is dead, and each send right to it becomes a dead name the next time its
 * space looks at it (lazily, as in Mach).
 *
 * Locking, outermost first:
 *
 *   space->lock     (mutex) the space's name table and its entries,
 *                           its threads and suspension (task/task.h)
 *   special_lock    (spin)  the space's bootstrap port and the task's and
 *   / host lock             threads' exception ports; the host's own
 *   mx_transit_lock (spin)  port->destination of every port in transit
 *   pset->lock      (spin)  a set's member list
 *   port->lock      (spin)  a port's queue, counters, requests, receiver;
 *                           for a thread port, the stopped thread's state
 *
 * Never two ports' locks at once, never a space lock inside a port lock.
 * Work on another port (a notification, releasing rights carried in a
 * dying port's messages) happens after the locks are dropped: dying
 * messages are collected on a "reap" list that mx_reap() empties.
 */
#ifndef _MACHEXC_IPC_H
#define _MACHEXC_IPC_H

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "exc/exc.h"
#include "mach_abi.h"
#include "task/task.h"

struct linux_binprm;
struct machexc_port_op;
struct machexc_thread_fault;
struct machexc_msg;
struct pid;
struct mx_space;
struct mx_pset;

/* What a port stands for when the kernel, not a space, receives on it. */
enum mx_kobject_type {
	MX_KOBJECT_NONE,
	MX_KOBJECT_TASK,	/* kobject: the task's struct mx_space */
	MX_KOBJECT_THREAD,	/* kobject: a struct mx_thread */
	MX_KOBJECT_HOST,	/* the host port (exc/host.c) */
};

struct mx_port {
	refcount_t ref;
	spinlock_t lock;		/* everything below */
	bool active;			/* the receive right exists */
	enum mx_kobject_type kotype;
	void *kobject;

	/* The receive right: in a space under a name, or in transit. */
	struct mx_space *receiver;
	u32 receiver_name;
	struct mx_port *destination;	/* in transit: queued there (a ref) */

	struct list_head msgs;
	u32 msgcount;
	u32 qlimit;
	u32 seqno;
	wait_queue_head_t rcv_wait;	/* receivers and pollers */
	wait_queue_head_t snd_wait;	/* senders waiting for room */
	struct mx_pset *pset;
	struct list_head pset_link;

	u32 srights;			/* send rights: one per entry or message */
	u32 sorights;			/* send-once rights */
	u32 mscount;			/* make-send count */
	struct mx_port *nsrequest;	/* send-once right: no-senders */
	struct list_head dnrequests;	/* struct mx_dnrequest */
};

struct mx_pset {
	refcount_t ref;
	spinlock_t lock;		/* active, members */
	bool active;
	u32 name;			/* in the one space that holds it */
	struct list_head members;	/* struct mx_port.pset_link */
	wait_queue_head_t rcv_wait;
};

/* A dead-name request: tell @notify, naming @name, when the port dies. */
struct mx_dnrequest {
	struct list_head link;		/* on port->dnrequests */
	const struct mx_space *space;	/* identity only, no reference */
	u32 name;
	struct mx_port *notify;		/* a send-once right */
};

/* One name in a space. */
struct mx_entry {
	u32 name;
	u32 type;			/* MACH_PORT_TYPE_*, incl. DNREQUEST */
	u32 urefs;			/* of the send right or the dead name */
	union {
		struct mx_port *port;	/* SEND, RECEIVE, SEND_ONCE */
		struct mx_pset *pset;	/* PORT_SET */
	};
	struct hlist_node by_port;	/* SEND or RECEIVE: port -> entry */
};

struct mx_space {
	refcount_t ref;
	struct mutex lock;		/* everything below but key and link */
	bool active;
	struct xarray entries;		/* name index -> struct mx_entry */
	u32 next_index;
	u8 gen;
	u32 nentries;
	DECLARE_HASHTABLE(by_port, 6);
	struct mx_port *task_port;	/* the task's kernel-object port */
	u32 task_name;			/* our own send right to it */

	/* What a fork()ed child inherits; read from the fork hook. */
	spinlock_t special_lock;	/* bootstrap, exc, threads' exc */
	struct mx_port *bootstrap;	/* a send right, or NULL */
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* task exception ports */
	bool exc_closed;		/* destroyed: no new exception ports */

	DECLARE_HASHTABLE(threads, 4);	/* struct mx_thread, by struct pid */
	u32 thread_exc_mask;		/* types some thread has a port for */

	/* task_suspend() count (under lock; read racily by waiters) */
	u32 suspend_count;
	wait_queue_head_t suspend_wait;	/* suspended threads, and suspenders */

	const void *key;		/* the owning process's signal_struct */
	struct pid *pid;		/* and its thread group (pid_for_task) */
	struct hlist_node link;
	bool hashed;			/* in the table: under spaces_lock */
	struct work_struct reap;
	struct rcu_head rcu;
};

/* A message in flight: the user's bytes plus the rights it carries. */
struct mx_kdesc {
	struct mx_port *port;		/* NULL for MACH_PORT_NULL/DEAD names */
	u32 name;			/* MACH_PORT_NULL or MACH_PORT_DEAD */
	u32 type;			/* MACH_MSG_TYPE_PORT_* */
	u32 offset;			/* of its mach_msg_port_descriptor */
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
	bool carries_receive;
	/* The sender, for the trailer. */
	struct pid *sender;
	kuid_t euid, ruid;
	kgid_t egid, rgid;
	kuid_t auid;
	/*
	 * A task or thread level exception: only a receiver that passes
	 * @receivable (exc/raise.c: may it ptrace @exc_task?) may have it.
	 */
	bool (*receivable)(const struct mx_kmsg *kmsg);
	struct pid *exc_task;
	u32 seqno;			/* assigned when dequeued */
	u32 size;			/* of data: header + body */
	struct mach_msg_header *hdr;	/* = data */
	u8 data[];
};

/* Limits (module parameters), see main.c. */
extern unsigned int mx_max_names;
extern unsigned int mx_max_msg_size;

extern spinlock_t mx_transit_lock;

/* Live objects, reported by MACHEXC_IOC_STATS. */
extern atomic_long_t mx_nr_spaces, mx_nr_ports, mx_nr_psets, mx_nr_kmsgs;
/* Exceptions: raised, handed straight to a waiting receiver or queued. */
extern atomic_long_t mx_nr_raised, mx_nr_handoffs, mx_nr_misses, mx_nr_handled;

/* names/space.c */
struct mx_space *mx_space_create(struct task_struct *task);
void mx_space_destroy(struct mx_space *space);
struct mx_space *mx_space_current(void);
struct mx_space *mx_space_of(struct task_struct *task);
struct mx_space *mx_space_find(struct task_struct *task);
void mx_space_put(struct mx_space *space);
void mx_space_exit_notify(struct task_struct *p);
void mx_space_fork_notify(struct task_struct *parent, struct task_struct *child);
void mx_space_exec_notify(struct linux_binprm *bprm);
bool mx_space_handles(const void *key, u32 type);
void mx_space_mark_exc(const void *key);
int mx_spaces_init(void);
void mx_spaces_shutdown(void);

/* names/table.c -- all with space->lock held */
struct mx_entry *mx_entry_lookup(struct mx_space *space, u32 name);
mx_return_t mx_entry_alloc(struct mx_space *space, u32 name, struct mx_entry **out);
void mx_entry_free(struct mx_space *space, struct mx_entry *entry);
struct mx_entry *mx_entry_by_port(struct mx_space *space, const struct mx_port *port);
void mx_entry_hash(struct mx_space *space, struct mx_entry *entry);
void mx_entry_unhash(struct mx_entry *entry);
bool mx_entry_check_dead(struct mx_space *space, struct mx_entry *entry);

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

/* msg/kmsg.c */
struct mx_kmsg *mx_kmsg_alloc(u32 size, u32 ndesc, gfp_t gfp);
void mx_kmsg_free(struct mx_kmsg *kmsg);
void mx_kmsg_destroy(struct mx_kmsg *kmsg, struct list_head *reap);
void mx_reap(struct list_head *reap);
mx_return_t mx_kmsg_copyin(struct mx_space *space, struct mx_kmsg *kmsg);
void mx_kmsg_copyin_undo(struct mx_space *space, struct mx_kmsg *kmsg);
mx_return_t mx_kmsg_copyout(struct mx_space *space, struct mx_kmsg *kmsg,
			    struct list_head *reap);

/* msg/mqueue.c */
int mx_wait_locked(wait_queue_head_t *wq, spinlock_t *lock, long *timeout, int state);
mx_return_t mx_kmsg_send(struct mx_kmsg *kmsg, int wait_state, long timeout);
mx_return_t mx_kmsg_send_sync(struct mx_kmsg *kmsg, int wait_state, long timeout,
			      bool *handoff);
long mx_mach_msg(struct machexc_msg *args);

/* exc/host.c */
extern u32 mx_host_exc_mask;
int mx_host_init(void);
void mx_host_exit(void);
struct mx_exc_level mx_host_level(void);
void mx_host_exc_changed(void);
mx_return_t mx_host_self(struct mx_space *space, u32 *name);
mx_return_t mx_host_check(struct mx_space *space, u32 name);
struct mx_exc_slot mx_host_slot(u32 type);

/* exc/raise.c */
void mx_exc_signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *task,
			     int result);

#endif /* _MACHEXC_IPC_H */
