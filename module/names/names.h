/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port spaces and their name tables (GNU Mach's ipc/ipc_space.c,
 * ipc_entry.c and ipc_table.c).
 *
 * A space maps names (a 24-bit index and an 8-bit generation, as XNU's
 * low byte: 3, 7, 11, ...) to entries; an entry holds the rights of one
 * port (or a port set, or a dead name) with their user references.  A
 * space is part of a task (task/task.h), which owns its lifetime.
 *
 * Locks: space->lock (a mutex) guards the name table and every entry,
 * and is the outermost lock of the module (see module/README).  Every
 * table function expects it held and asserts so.  The same mutex guards
 * some of its task's state (task/task.h).
 */
#ifndef _MACHEXC_NAMES_H
#define _MACHEXC_NAMES_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "../mach_abi.h"

struct list_head;
struct mx_port;
struct mx_pset;
struct mx_kmsg_cache;

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

/*
 * A port space: the names one task has for its rights.  It lives inside
 * its task (struct mx_task, task/task.h), which counts the references.
 */
struct mx_space {
	struct mutex lock;		/* everything below; see the header */
	bool active;			/* false once torn down: no new names */
	struct xarray entries;		/* name index -> struct mx_entry */
	u8 gen;
	u32 nentries;
	DECLARE_HASHTABLE(by_port, 6);	/* SEND/RECEIVE entries by port */
	/*
	 * One freed entry kept, in its slot @spare_index, for the next name:
	 * a server's reply right comes and goes with every message it
	 * receives (table.c).
	 */
	struct mx_entry *spare;
	u32 spare_index;
	/*
	 * Its threads' small messages' memory (msg/kmsg.c), claimed without
	 * the lock; its owner's teardown puts it (task.c's task_free()).
	 */
	struct mx_kmsg_cache *kept;
};

/* The most names one space holds (module parameter, main.c). */
extern unsigned int mx_max_names;

/*
 * Caps on what one user, and all users, can make the module hold
 * (limits.c; module parameters max_{,user_}{spaces,ports,msgs}).
 */
enum mx_limit { MX_LIMIT_SPACES, MX_LIMIT_PORTS, MX_LIMIT_MSGS, MX_LIMITS };
struct mx_user;

extern atomic_long_t mx_nr_limit_hits;

struct mx_user *mx_charge(enum mx_limit what);
void mx_uncharge(struct mx_user *u, enum mx_limit what);

/* names/space.c */
void mx_space_init(struct mx_space *space);
void mx_space_release(struct mx_space *space, struct list_head *reap);
void mx_space_fini(struct mx_space *space);

/* names/table.c -- all with space->lock held */
struct mx_entry *mx_entry_lookup(struct mx_space *space, u32 name);
struct mx_entry *mx_entry_next(struct mx_space *space, unsigned long *index);
void mx_space_drop_spare(struct mx_space *space);
unsigned long mx_name_index(u32 name);		/* no lock */
mx_return_t mx_entry_alloc(struct mx_space *space, u32 name, struct mx_entry **out);
void mx_entry_free(struct mx_space *space, struct mx_entry *entry);
struct mx_entry *mx_entry_by_port(struct mx_space *space, const struct mx_port *port);
void mx_entry_hash(struct mx_space *space, struct mx_entry *entry);
void mx_entry_unhash(struct mx_entry *entry);
bool mx_entry_check_dead(struct mx_space *space, struct mx_entry *entry);

#endif /* _MACHEXC_NAMES_H */
