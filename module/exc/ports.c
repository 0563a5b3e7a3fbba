// SPDX-License-Identifier: GPL-2.0
/*
 * Exception ports: for each exception type, the send right an exception
 * is delivered to, with the behavior (message format) and the thread
 * state flavor the handler asked for.  The same code serves the three
 * levels; each keeps its slots under a spinlock: the task's and its
 * threads' under the task's special_lock (the fork hook copies the
 * task's), the host's under mx_host_lock.
 */
#include <linux/machexc.h>
#include <linux/pid_namespace.h>
#include <linux/string.h>

#include "exc.h"
#include "../names/names.h"
#include "../ports/ports.h"

static bool behavior_valid(u32 behavior)
{
	switch (behavior & ~MACH_EXCEPTION_CODES) {
	case EXCEPTION_DEFAULT:
	case EXCEPTION_STATE:
	case EXCEPTION_STATE_IDENTITY:
		return true;
	}
	return false;
}

static bool flavor_valid(u32 flavor)
{
	switch (flavor) {
	case x86_THREAD_STATE64:
	case x86_FLOAT_STATE64:
	case x86_EXCEPTION_STATE64:
	case x86_THREAD_STATE:
	case x86_FLOAT_STATE:
	case x86_EXCEPTION_STATE:
	case THREAD_STATE_NONE:
		return true;
	}
	return mx_exc_state_count(flavor);	/* AVX, AVX-512 where the CPU has them */
}

/* What XNU reports for a type nobody handles. */
void mx_exc_slots_init(struct mx_exc_slot *slots)
{
	int i;

	for (i = 0; i < EXC_TYPES_COUNT; i++)
		slots[i] = (struct mx_exc_slot){ .behavior = EXCEPTION_DEFAULT,
						 .flavor = THREAD_STATE_NONE };
}

/* Take a send right and a namespace reference of the slot's own. */
void mx_exc_slot_get(struct mx_exc_slot *slot)
{
	if (slot->port)
		mx_port_copy_send(slot->port);
	if (slot->ns)
		get_pid_ns(slot->ns);
}

void mx_exc_slot_put(struct mx_exc_slot *slot)
{
	if (slot->port)
		mx_port_release_send(slot->port);
	if (slot->ns)
		put_pid_ns(slot->ns);
	slot->port = NULL;
	slot->ns = NULL;
}

/* Release every send right in @slots (EXC_TYPES_COUNT of them). */
void mx_exc_slots_release(struct mx_exc_slot *slots)
{
	int i;

	for (i = 0; i < EXC_TYPES_COUNT; i++)
		mx_exc_slot_put(&slots[i]);
}

/* Copy @src to @dst, each port with a send right of its own. */
void mx_exc_slots_copy(struct mx_exc_slot *dst, const struct mx_exc_slot *src)
{
	int i;

	for (i = 0; i < EXC_TYPES_COUNT; i++) {
		dst[i] = src[i];
		mx_exc_slot_get(&dst[i]);
	}
}

/*
 * Group the slots of @mask by (port, behavior, flavor), as XNU's
 * *_get_exception_ports do, giving the caller a send right for each port
 * it is told about.  Slots holds a copy taken under special_lock.
 */
static mx_return_t group_slots(struct mx_space *space, u32 mask,
			       const struct mx_exc_slot *slots,
			       struct machexc_exc_ports *out)
{
	struct mx_port *ports[MACHEXC_EXC_SLOTS];
	u32 room = min_t(u32, out->count, MACHEXC_EXC_SLOTS);
	u32 n = 0, i, j;

	for (i = 1; i < EXC_TYPES_COUNT; i++) {
		if (!(mask & (1U << i)))
			continue;
		for (j = 0; j < n; j++) {
			if (ports[j] == slots[i].port && out->behaviors[j] == slots[i].behavior &&
			    out->flavors[j] == slots[i].flavor) {
				out->masks[j] |= 1U << i;
				break;
			}
		}
		if (j < n || n == room)
			continue;
		ports[n] = slots[i].port;
		out->masks[n] = 1U << i;
		out->behaviors[n] = slots[i].behavior;
		out->flavors[n] = slots[i].flavor;
		n++;
	}
	for (j = 0; j < n; j++) {
		out->ports[j] = MACH_PORT_NULL;
		if (!ports[j])
			continue;
		mx_port_copy_send(ports[j]);
		if (mx_right_copyout(space, ports[j], MACH_MSG_TYPE_PORT_SEND,
				     &out->ports[j]) != KERN_SUCCESS)
			mx_port_release_send(ports[j]);
	}
	out->count = n;
	return KERN_SUCCESS;
}

mx_return_t mx_exc_get_ports(struct mx_space *space, struct mx_exc_level level, u32 mask,
			     struct machexc_exc_ports *out)
{
	struct mx_exc_slot slots[EXC_TYPES_COUNT];
	mx_return_t kr;

	lockdep_assert_held(&space->lock);
	if (mask & ~MX_EXC_MASK_VALID)
		return KERN_INVALID_ARGUMENT;
	spin_lock(level.lock);
	mx_exc_slots_copy(slots, level.slots);
	spin_unlock(level.lock);
	kr = group_slots(space, mask, slots, out);
	mx_exc_slots_release(slots);
	return kr;
}

/*
 * Point the slots of @mask at @name (a send right, copied, or NULL) with
 * @behavior and @flavor.  With @old, also return what was there (swap).
 */
mx_return_t mx_exc_set_ports(struct mx_space *space, struct mx_exc_level level, u32 mask,
			     u32 name, u32 behavior, u32 flavor, struct pid_namespace *ns,
			     struct machexc_exc_ports *old)
{
	struct mx_exc_slot prev[EXC_TYPES_COUNT] = { };
	struct mx_port *port = NULL;
	bool was_receive;
	mx_return_t kr;
	u32 type, i;

	lockdep_assert_held(&space->lock);
	if ((mask & ~MX_EXC_MASK_VALID) || !behavior_valid(behavior) || !flavor_valid(flavor))
		return KERN_INVALID_ARGUMENT;
	if (name != MACH_PORT_NULL) {
		kr = mx_right_copyin(space, name, MACH_MSG_TYPE_COPY_SEND, &port, &type,
				     &was_receive);
		if (kr != KERN_SUCCESS)
			return kr == KERN_INVALID_CAPABILITY ? KERN_INVALID_RIGHT : kr;
	}
	spin_lock(level.lock);
	if (level.closed && *level.closed) {
		/* The thread or task went meanwhile: nothing would release them. */
		spin_unlock(level.lock);
		if (port)
			mx_port_release_send(port);
		return MACH_SEND_INVALID_DEST;
	}
	for (i = 1; i < EXC_TYPES_COUNT; i++) {
		if (!(mask & (1U << i)))
			continue;
		prev[i] = level.slots[i];
		level.slots[i] = (struct mx_exc_slot){ port, behavior, flavor, ns };
		mx_exc_slot_get(&level.slots[i]);
	}
	spin_unlock(level.lock);
	if (port)
		mx_port_release_send(port);	/* each slot has its own */
	kr = old ? group_slots(space, mask, prev, old) : KERN_SUCCESS;
	mx_exc_slots_release(prev);
	return kr;
}
