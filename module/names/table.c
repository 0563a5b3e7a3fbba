// SPDX-License-Identifier: GPL-2.0
/*
 * A space's name table.  A name is a 24-bit index into an xarray and an
 * 8-bit generation, as in Mach: a stale name whose index has been reused
 * no longer matches the entry's name and is rejected.  A second index,
 * hashed by port, finds the one name under which a space holds send
 * and/or receive rights to a given port (send-once rights get a name
 * each).  Every function here is called with space->lock held.
 *
 * A fresh name takes the slot freed last if the space kept it (below),
 * else the lowest free index, as Mach's free list hands back the slot
 * freed last: the generation, not the index, tells a new name from an old
 * one (XNU's names recur the same way after a slot's generations have
 * gone round).  An index that only grew would make the xarray allocate a
 * node and free one through RCU for every request a server receives,
 * since its send-once right leaves the last index alone in its node.
 *
 * The space keeps the last entry it freed (space->spare) for its next
 * name, in its slot of the table, nameless: a server receives a send-once
 * right with every request and lets go of it with the reply, and would
 * otherwise allocate an entry and store it in the table, then erase and
 * free it, per message.  The kept entry's name is MACH_PORT_NULL, which no
 * lookup matches, and the walks over the table skip it.  One at most, and
 * none once the space is torn down.
 */
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "names.h"
#include "../ports/ports.h"

#define MX_INDEX_MAX	0xfffffeU	/* keeps every name below MACH_PORT_DEAD */

static inline u32 name_index(u32 name)
{
	return name >> 8;
}

/*
 * The entry with the lowest index at or above *@index, which it sets to
 * that entry's; NULL when there is none.  For walks that let go of the
 * lock between steps (netlink/ports.c): they resume from a name.
 */
struct mx_entry *mx_entry_next(struct mx_space *space, unsigned long *index)
{
	struct mx_entry *entry;

	lockdep_assert_held(&space->lock);
	for (;;) {
		entry = xa_find(&space->entries, index, MX_INDEX_MAX, XA_PRESENT);
		if (entry != space->spare || !entry)
			return entry;
		if (*index >= MX_INDEX_MAX)
			return NULL;
		(*index)++;	/* the kept entry has no name */
	}
}
EXPORT_SYMBOL_IF_KUNIT(mx_entry_next);

/* The index part of @name. */
unsigned long mx_name_index(u32 name)
{
	return name_index(name);
}
EXPORT_SYMBOL_IF_KUNIT(mx_name_index);

struct mx_entry *mx_entry_lookup(struct mx_space *space, u32 name)
{
	struct mx_entry *entry;

	lockdep_assert_held(&space->lock);
	if (name == MACH_PORT_NULL || name == MACH_PORT_DEAD)
		return NULL;
	entry = xa_load(&space->entries, name_index(name));
	return entry && entry->name == name ? entry : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mx_entry_lookup);

/*
 * Keep @entry, out of use (its rights gone, unhashed), in its slot
 * @index as the space's spare, nameless; false if the space keeps one
 * already or is being torn down.
 */
static bool entry_keep(struct mx_space *space, struct mx_entry *entry, u32 index)
{
	if (!space->active || space->spare)
		return false;
	memset(entry, 0, sizeof(*entry));
	space->spare = entry;
	space->spare_index = index;
	return true;
}

/* A zeroed entry at a free slot: @name's index if not MACH_PORT_NULL. */
static mx_return_t entry_insert(struct mx_space *space, u32 name, struct mx_entry **out,
				u32 *index)
{
	struct mx_entry *entry = kzalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
	int err;

	if (!entry)
		return KERN_RESOURCE_SHORTAGE;
	if (name != MACH_PORT_NULL) {
		*index = name_index(name);
		err = *index && *index <= MX_INDEX_MAX ?
			xa_insert(&space->entries, *index, entry, GFP_KERNEL_ACCOUNT) : -EINVAL;
		if (err) {
			kfree(entry);
			return err == -EBUSY ? KERN_NAME_EXISTS :
			       err == -EINVAL ? KERN_INVALID_VALUE : KERN_RESOURCE_SHORTAGE;
		}
	} else {
		err = xa_alloc(&space->entries, index, entry, XA_LIMIT(1, MX_INDEX_MAX),
			       GFP_KERNEL_ACCOUNT);
		if (err) {
			kfree(entry);
			return err == -EBUSY ? KERN_NO_SPACE : KERN_RESOURCE_SHORTAGE;
		}
	}
	*out = entry;
	return KERN_SUCCESS;
}

/*
 * A new, empty entry: under @name if it is not MACH_PORT_NULL (for
 * mach_port_allocate_name and friends), else under a fresh name.
 */
mx_return_t mx_entry_alloc(struct mx_space *space, u32 name, struct mx_entry **out)
{
	struct mx_entry *entry = space->spare;
	mx_return_t kr;
	u32 index;

	lockdep_assert_held(&space->lock);
	if (!space->active)
		return KERN_INVALID_TASK;
	if (space->nentries >= mx_max_names)
		return KERN_NO_SPACE;
	if (entry && (name == MACH_PORT_NULL || name_index(name) == space->spare_index)) {
		/* The kept entry, in its slot already. */
		index = space->spare_index;
		space->spare = NULL;
	} else {
		kr = entry_insert(space, name, &entry, &index);
		if (kr)
			return kr;
	}
	if (name == MACH_PORT_NULL) {
		name = index << 8 | space->gen;
		space->gen += 4;
	}
	entry->name = name;
	INIT_HLIST_NODE(&entry->by_port);
	space->nentries++;
	*out = entry;
	return KERN_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mx_entry_alloc);

void mx_entry_free(struct mx_space *space, struct mx_entry *entry)
{
	u32 index = name_index(entry->name);

	lockdep_assert_held(&space->lock);
	mx_entry_unhash(entry);
	space->nentries--;
	if (entry_keep(space, entry, index))
		return;
	xa_erase(&space->entries, index);
	kfree(entry);
}
EXPORT_SYMBOL_IF_KUNIT(mx_entry_free);

/* Let go of the kept entry (the space is being torn down). */
void mx_space_drop_spare(struct mx_space *space)
{
	lockdep_assert_held(&space->lock);
	if (!space->spare)
		return;
	xa_erase(&space->entries, space->spare_index);
	kfree(space->spare);
	space->spare = NULL;
}

struct mx_entry *mx_entry_by_port(struct mx_space *space, const struct mx_port *port)
{
	struct mx_entry *entry;

	lockdep_assert_held(&space->lock);
	hash_for_each_possible(space->by_port, entry, by_port, (unsigned long)port)
		if (entry->port == port)
			return entry;
	return NULL;
}

void mx_entry_hash(struct mx_space *space, struct mx_entry *entry)
{
	lockdep_assert_held(&space->lock);
	if (hlist_unhashed(&entry->by_port))
		hash_add(space->by_port, &entry->by_port, (unsigned long)entry->port);
}
EXPORT_SYMBOL_IF_KUNIT(mx_entry_hash);

void mx_entry_unhash(struct mx_entry *entry)
{
	if (!hlist_unhashed(&entry->by_port))
		hlist_del_init(&entry->by_port);
}

/*
 * Mach turns send and send-once rights to a dead port into dead names
 * lazily, when the space next looks at them.  A dead-name request that
 * fired left its notification a user reference to release.  Returns true
 * if @entry is (now) a dead name.
 */
bool mx_entry_check_dead(struct mx_space *space, struct mx_entry *entry)
{
	struct mx_port *port;
	u32 urefs;

	lockdep_assert_held(&space->lock);
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
		return true;
	if (!(entry->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) ||
	    (entry->type & MACH_PORT_TYPE_RECEIVE))
		return false;
	port = entry->port;
	if (READ_ONCE(port->active))
		return false;

	urefs = entry->type & MACH_PORT_TYPE_SEND ? entry->urefs : 1;
	if (entry->type & MACH_PORT_TYPE_DNREQUEST)
		urefs++;
	if (entry->type & MACH_PORT_TYPE_SEND)
		mx_port_release_send(port);
	else
		mx_port_release_send_once(port);
	mx_entry_unhash(entry);
	entry->port = NULL;
	entry->type = MACH_PORT_TYPE_DEAD_NAME;
	entry->urefs = min(urefs, MACH_PORT_UREFS_MAX);
	return true;
}
