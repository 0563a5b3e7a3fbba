// SPDX-License-Identifier: GPL-2.0
/*
 * One task summed up for observers: its rights by type, the messages
 * queued on its receive rights, its threads and suspend counts, and the
 * exception types it has ports for at the task and thread levels.
 */
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "../names/names.h"
#include "../ports/ports.h"
#include "../task/task.h"
#include "netlink.h"

/* One entry's rights, counted.  @task's space->lock held. */
static void count_entry(struct mx_task *task, const struct mx_entry *entry,
			struct mx_nl_summary *sum)
{
	u32 type = entry->type;

	lockdep_assert_held(&task->space.lock);
	sum->rights[MACHEXC_R_NAMES]++;
	if (type & MACH_PORT_TYPE_SEND)
		sum->rights[MACHEXC_R_SEND]++;
	if (type & MACH_PORT_TYPE_SEND_ONCE)
		sum->rights[MACHEXC_R_SEND_ONCE]++;
	if (type & MACH_PORT_TYPE_PORT_SET)
		sum->rights[MACHEXC_R_PORT_SET]++;
	if (type & MACH_PORT_TYPE_DEAD_NAME)
		sum->rights[MACHEXC_R_DEAD_NAME]++;
	if (type & MACH_PORT_TYPE_RECEIVE) {
		sum->rights[MACHEXC_R_RECEIVE]++;
		spin_lock(&entry->port->lock);
		sum->msgs += entry->port->msgcount;
		spin_unlock(&entry->port->lock);
	}
}

/*
 * Sum @task up into @sum.  Takes task->space.lock (the names, threads and
 * suspend counts) and task->special_lock (the exception slots), one after
 * the other; the walk of the names is bounded by max_names and yields the
 * CPU as it goes.
 */
void mx_nl_summarize(struct mx_task *task, struct mx_nl_summary *sum)
{
	unsigned long index = 0;
	struct mx_entry *entry;
	struct mx_thread *th;
	unsigned int bkt, type;

	memset(sum, 0, sizeof(*sum));
	mutex_lock(&task->space.lock);
	while ((entry = mx_entry_next(&task->space, &index))) {
		count_entry(task, entry, sum);
		index++;
		cond_resched();
	}
	sum->threads = task->nthreads;
	sum->task_suspend = task->suspend_count;
	hash_for_each(task->threads, bkt, th, link)
		sum->thread_suspend += th->suspend_count;
	mutex_unlock(&task->space.lock);

	spin_lock(&task->special_lock);
	for (type = 0; type < EXC_TYPES_COUNT; type++)
		if (task->exc[type].port)
			sum->exc_task_mask |= 1U << type;
	spin_unlock(&task->special_lock);
	sum->exc_thread_mask = READ_ONCE(task->thread_exc_mask);
}
