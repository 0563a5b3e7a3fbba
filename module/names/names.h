/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port spaces and their name tables (GNU Mach's ipc/ipc_space.c,
 * ipc_entry.c and ipc_table.c).
 *
 * A space maps names (a 24-bit index and an 8-bit generation, as XNU's
 * low byte: 3, 7, 11, ...) to entries; an entry holds the rights of one
 * port (or a port set, or a dead name) with their user references.  A
 * space belongs to a process, keyed by its signal_struct, and lives until
 * the process exits (its lifecycle: names/space.c, with the task object).
 *
 * Locks: space->lock (a mutex) guards the name table and every entry,
 * and is the outermost lock of the module (see module/README).  Every
 * table function expects it held and asserts so.  The space also holds
 * the task's state (task/task.h), under the same mutex or its own spin
 * locks as that header says.
 */
#ifndef _MACHEXC_NAMES_H
#define _MACHEXC_NAMES_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../exc/exc.h"
#include "../mach_abi.h"

struct linux_binprm;
struct list_head;
struct mx_port;
struct mx_pset;
struct pid;
struct task_struct;

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

/* The most names one space holds (module parameter, main.c). */
extern unsigned int mx_max_names;

/* Live spaces, reported by MACHEXC_IOC_STATS. */
extern atomic_long_t mx_nr_spaces;

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

#endif /* _MACHEXC_NAMES_H */
