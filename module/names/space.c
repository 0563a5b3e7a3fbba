// SPDX-License-Identifier: GPL-2.0
/*
 * A port space's life: an empty name table, and at the end every right it
 * holds released.  The space is part of its task (task/task.h), whose
 * life decides when these run.
 */
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "../ports/ports.h"
#include "names.h"

void mx_space_init(struct mx_space *space)
{
	mutex_init(&space->lock);
	space->active = true;
	xa_init_flags(&space->entries, XA_FLAGS_ALLOC1);
	space->gen = 3;
	hash_init(space->by_port);
	space->kept = NULL;
}

/*
 * No more names: release every right the space holds (what that kills
 * goes on @reap).  With space->lock held.
 */
void mx_space_release(struct mx_space *space, struct list_head *reap)
{
	struct mx_entry *entry;
	unsigned long index;

	lockdep_assert_held(&space->lock);
	space->active = false;
	mx_space_drop_spare(space);
	xa_for_each(&space->entries, index, entry) {
		mx_entry_release(space, entry, reap);
		cond_resched();
	}
}

void mx_space_fini(struct mx_space *space)
{
	kfree(space->spare);	/* none after mx_space_release() */
	xa_destroy(&space->entries);
}
