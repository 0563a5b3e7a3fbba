// SPDX-License-Identifier: GPL-2.0
/*
 * The host: one kernel port (mach_host_self()) and the host-level
 * exception ports, the last level an exception goes to.
 *
 * Setting or reading them takes CAP_SYS_ADMIN (macOS asks for the
 * host_priv port, which only root has).  A host-level handler only ever
 * sees processes in the pid namespace it was set from, or below: each
 * slot keeps that namespace, and a process elsewhere skips the level.
 */
#include <linux/capability.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>

#include "exc.h"
#include "../msg/msg.h"
#include "../names/names.h"
#include "../ports/ports.h"

static DEFINE_SPINLOCK(host_lock);	/* host_exc */
static struct mx_exc_slot host_exc[EXC_TYPES_COUNT];
static struct mx_port *host_port;
u32 mx_host_exc_mask;			/* types with a port: for the fault hook */

int mx_host_init(void)
{
	mx_exc_slots_init(host_exc);
	host_port = mx_port_alloc();
	if (!host_port)
		return -ENOMEM;
	host_port->kotype = MX_KOBJECT_HOST;
	return 0;
}

/* Module unload, after every space has gone. */
void mx_host_exit(void)
{
	LIST_HEAD(reap);

	WRITE_ONCE(mx_host_exc_mask, 0);
	mx_exc_slots_release(host_exc);
	mx_port_destroy(host_port, &reap);
	mx_port_put(host_port);
	mx_reap(&reap);
}

struct mx_exc_level mx_host_level(void)
{
	return (struct mx_exc_level){ &host_lock, host_exc };
}

void mx_host_exc_changed(void)
{
	u32 mask = 0;
	int i;

	/*
	 * Written under the lock: two processes changing host ports at once
	 * would otherwise publish their masks in either order, and a stale
	 * one could leave a host port without its bit (faults skipped).
	 */
	spin_lock(&host_lock);
	for (i = 1; i < EXC_TYPES_COUNT; i++)
		if (host_exc[i].port)
			mask |= 1U << i;
	WRITE_ONCE(mx_host_exc_mask, mask);
	spin_unlock(&host_lock);
}

/* mach_host_self(): a send right to the host port.  space->lock held. */
mx_return_t mx_host_self(struct mx_space *space, u32 *name)
{
	return mx_right_copyout_send(space, host_port, name);
}

/*
 * May the caller use the host exception ports through @name?  It must be
 * a send right to the host port, and the caller must have CAP_SYS_ADMIN.
 */
mx_return_t mx_host_check(struct mx_space *space, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(space, name);

	lockdep_assert_held(&space->lock);
	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) || entry->port != host_port)
		return MACH_SEND_INVALID_DEST;
	return capable(CAP_SYS_ADMIN) ? KERN_SUCCESS : KERN_NO_ACCESS;
}

/* Is @ns the namespace @task lives in, or one of its ancestors? */
static bool ns_covers(const struct pid_namespace *ns, struct task_struct *task)
{
	struct pid_namespace *p;

	for (p = task_active_pid_ns(task); p; p = p->parent)
		if (p == ns)
			return true;
	return false;
}

/* The host's slot for @type if it may see the current process. */
struct mx_exc_slot mx_host_slot(u32 type)
{
	struct mx_exc_slot slot = { };

	spin_lock(&host_lock);
	if (host_exc[type].port && ns_covers(host_exc[type].ns, current)) {
		slot = host_exc[type];
		mx_exc_slot_get(&slot);
	}
	spin_unlock(&host_lock);
	return slot;
}
