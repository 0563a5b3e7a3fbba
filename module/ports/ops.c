// SPDX-License-Identifier: GPL-2.0
/*
 * The mach_port_* calls (MACHEXC_IOC_PORT), with the semantics and return
 * codes of XNU's osfmk/ipc/mach_port.c and ipc_right.c.  Each runs with
 * the space locked; results bound for user memory are copied out after
 * the lock is dropped.
 */
#include <linux/err.h>
#include <linux/machexc.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../hooks/hooks.h"
#include "../ipc.h"

#define TYPE_SENDS (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)

/* What an operation hands back to user memory through op->buf. */
struct op_out {
	void *buf;
	size_t len;
	u32 attr[MACH_PORT_RECEIVE_STATUS_COUNT];
	struct machexc_exc_ports *exc;	/* in: the room the caller has */
	u32 *state;			/* thread_get/set_state */
};

static bool name_valid(u32 name)
{
	return name != MACH_PORT_NULL && name != MACH_PORT_DEAD;
}

static mx_return_t op_allocate(struct mx_space *space, u32 right, u32 *name)
{
	struct mx_entry *entry;
	struct mx_port *port = NULL;
	struct mx_pset *pset = NULL;
	mx_return_t kr;

	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		port = mx_port_alloc();
		if (!port)
			return KERN_RESOURCE_SHORTAGE;
		break;
	case MACH_PORT_RIGHT_PORT_SET:
		pset = mx_pset_alloc();
		if (!pset)
			return KERN_RESOURCE_SHORTAGE;
		break;
	case MACH_PORT_RIGHT_DEAD_NAME:
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	kr = mx_entry_alloc(space, *name, &entry);
	if (kr != KERN_SUCCESS) {
		if (port) {
			port->active = false;
			mx_port_put(port);
		}
		if (pset)
			mx_pset_put(pset);
		return kr;
	}
	if (port) {
		entry->type = MACH_PORT_TYPE_RECEIVE;
		entry->port = port;
		mx_entry_hash(space, entry);
		port->receiver = space;
		port->receiver_name = entry->name;
	} else if (pset) {
		entry->type = MACH_PORT_TYPE_PORT_SET;
		entry->pset = pset;
		pset->name = entry->name;
	} else {
		entry->type = MACH_PORT_TYPE_DEAD_NAME;
		entry->urefs = 1;
	}
	*name = entry->name;
	return KERN_SUCCESS;
}

/* Destroy the receive right under @entry; a send right stays, to die. */
static void destroy_receive(struct mx_space *space, struct mx_entry *entry,
			    struct list_head *reap)
{
	struct mx_port *port = entry->port;

	mx_port_destroy(port, reap);
	entry->type &= ~MACH_PORT_TYPE_RECEIVE;
	if (!(entry->type & MACH_PORT_TYPE_SEND)) {
		mx_entry_free(space, entry);
		mx_port_put(port);
	}
}

static mx_return_t op_deallocate(struct mx_space *space, u32 name, struct list_head *reap)
{
	struct mx_entry *entry;

	if (!name_valid(name))
		return KERN_SUCCESS;
	entry = mx_entry_lookup(space, name);
	if (!entry)
		return KERN_INVALID_NAME;
	mx_entry_check_dead(space, entry);
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
		if (!--entry->urefs)
			mx_entry_free(space, entry);
	} else if (entry->type & MACH_PORT_TYPE_SEND_ONCE) {
		mx_entry_release(space, entry, reap);
	} else if (entry->type & MACH_PORT_TYPE_SEND) {
		mx_entry_drop_send_uref(space, entry, false);
	} else {
		return KERN_INVALID_RIGHT;
	}
	return KERN_SUCCESS;
}

static mx_return_t op_mod_refs(struct mx_space *space, u32 name, u32 right, s32 delta,
			       struct list_head *reap)
{
	struct mx_entry *entry;
	s64 urefs;

	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	if (!name_valid(name))
		return right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE ?
			KERN_SUCCESS : KERN_INVALID_VALUE;
	entry = mx_entry_lookup(space, name);
	if (!entry)
		return KERN_INVALID_NAME;
	mx_entry_check_dead(space, entry);

	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
	case MACH_PORT_RIGHT_PORT_SET:
	case MACH_PORT_RIGHT_SEND_ONCE:
		if (!(entry->type & MACH_PORT_TYPE(right)))
			return KERN_INVALID_RIGHT;
		if (delta > 0 || delta < -1)
			return KERN_INVALID_VALUE;
		if (!delta)
			return KERN_SUCCESS;
		if (right == MACH_PORT_RIGHT_RECEIVE)
			destroy_receive(space, entry, reap);
		else
			mx_entry_release(space, entry, reap);
		return KERN_SUCCESS;
	case MACH_PORT_RIGHT_DEAD_NAME:
	case MACH_PORT_RIGHT_SEND:
		if (!(entry->type & MACH_PORT_TYPE(right))) {
			/* A receive right with no send right takes a zero delta. */
			return right == MACH_PORT_RIGHT_SEND && !delta &&
			       (entry->type & MACH_PORT_TYPE_RECEIVE) ?
				KERN_SUCCESS : KERN_INVALID_RIGHT;
		}
		urefs = (s64)entry->urefs + delta;
		if (urefs < 0)
			return KERN_INVALID_VALUE;
		if (urefs > MACH_PORT_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		if (urefs) {
			entry->urefs = urefs;
			return KERN_SUCCESS;
		}
		entry->urefs = 1;
		return op_deallocate(space, name, reap);
	}
	return KERN_INVALID_VALUE;
}

static mx_return_t op_get_refs(struct mx_space *space, u32 name, u32 right, u32 *refs)
{
	struct mx_entry *entry;

	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	if (!name_valid(name)) {
		if (right != MACH_PORT_RIGHT_SEND && right != MACH_PORT_RIGHT_SEND_ONCE)
			return KERN_INVALID_NAME;
		*refs = 1;
		return KERN_SUCCESS;
	}
	entry = mx_entry_lookup(space, name);
	if (!entry)
		return KERN_INVALID_NAME;
	mx_entry_check_dead(space, entry);
	if (!(entry->type & MACH_PORT_TYPE(right)))
		*refs = 0;
	else if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME)
		*refs = entry->urefs;
	else
		*refs = 1;
	return KERN_SUCCESS;
}

static mx_return_t op_type(struct mx_space *space, u32 name, u32 *type)
{
	struct mx_entry *entry;

	if (name == MACH_PORT_DEAD) {
		*type = MACH_PORT_TYPE_DEAD_NAME;
		return KERN_SUCCESS;
	}
	entry = mx_entry_lookup(space, name);
	if (!entry)
		return KERN_INVALID_NAME;
	mx_entry_check_dead(space, entry);
	*type = entry->type;
	return KERN_SUCCESS;
}

static mx_return_t op_names(struct mx_space *space, u32 capacity, u32 *count,
			    struct op_out *out)
{
	struct mx_entry *entry;
	unsigned long index;
	u32 n = 0, *names;

	*count = space->nentries;
	if (capacity < space->nentries || !space->nentries)
		return KERN_SUCCESS;
	names = kvmalloc_array(2 * space->nentries, sizeof(u32), GFP_KERNEL);
	if (!names)
		return KERN_RESOURCE_SHORTAGE;
	xa_for_each(&space->entries, index, entry) {
		mx_entry_check_dead(space, entry);
		names[n] = entry->name;
		names[space->nentries + n] = entry->type;
		n++;
	}
	out->buf = names;
	out->len = 2 * n * sizeof(u32);
	return KERN_SUCCESS;
}

static mx_return_t op_insert_right(struct mx_space *space, u32 name, u32 poly,
				   u32 disposition, struct list_head *reap)
{
	struct mx_port *port;
	bool was_receive;
	mx_return_t kr;
	u32 type;

	if (!name_valid(name))
		return KERN_INVALID_VALUE;
	kr = mx_right_copyin(space, poly, disposition, &port, &type, &was_receive);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = mx_right_copyout_name(space, port, type, name);
	if (kr != KERN_SUCCESS)
		mx_right_copyin_undo(space, poly, disposition, port, type);
	return kr;
}

static mx_return_t op_extract_right(struct mx_space *space, u32 name, u32 disposition,
				    u32 *poly, u32 *type)
{
	struct mx_port *port;
	bool was_receive;
	mx_return_t kr;

	kr = mx_right_copyin(space, name, disposition, &port, type, &was_receive);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = mx_right_copyout(space, port, *type, poly);
	if (kr != KERN_SUCCESS)
		mx_right_copyin_undo(space, name, disposition, port, *type);
	return kr;
}

/* Look up a receive right (member) and, unless @set is NULL, a port set. */
static mx_return_t member_lookup(struct mx_space *space, u32 member, u32 set,
				 struct mx_port **port, struct mx_pset **pset)
{
	struct mx_entry *entry = mx_entry_lookup(space, member);

	if (!entry)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	*port = entry->port;
	*pset = NULL;
	if (set == MACH_PORT_NULL)
		return KERN_SUCCESS;
	entry = mx_entry_lookup(space, set);
	if (!entry)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_PORT_SET))
		return KERN_INVALID_RIGHT;
	*pset = entry->pset;
	return KERN_SUCCESS;
}

static void pset_insert(struct mx_pset *pset, struct mx_port *port)
{
	spin_lock(&pset->lock);
	spin_lock(&port->lock);
	port->pset = pset;
	list_add_tail(&port->pset_link, &pset->members);
	if (port->msgcount)
		wake_up_all(&pset->rcv_wait);
	spin_unlock(&port->lock);
	spin_unlock(&pset->lock);
}

static mx_return_t op_member(struct mx_space *space, u32 opcode, u32 member, u32 set)
{
	struct mx_port *port;
	struct mx_pset *pset, *cur;
	mx_return_t kr;

	if (opcode != MACHEXC_PORT_MOVE_MEMBER && set == MACH_PORT_NULL)
		return KERN_INVALID_NAME;
	kr = member_lookup(space, member, set, &port, &pset);
	if (kr != KERN_SUCCESS)
		return kr;
	cur = READ_ONCE(port->pset);	/* stable: we hold the receive right */

	switch (opcode) {
	case MACHEXC_PORT_INSERT_MEMBER:
		if (cur == pset)
			return KERN_ALREADY_IN_SET;
		break;
	case MACHEXC_PORT_EXTRACT_MEMBER:
		if (cur != pset)
			return KERN_NOT_IN_SET;
		pset = NULL;
		break;
	case MACHEXC_PORT_MOVE_MEMBER:
		if (!pset && !cur)
			return KERN_NOT_IN_SET;
		if (cur == pset)
			return KERN_SUCCESS;
		break;
	}
	mx_pset_remove(port);
	if (pset)
		pset_insert(pset, port);
	return KERN_SUCCESS;
}

static mx_return_t request_dead_name(struct mx_space *space, struct mx_entry *entry,
				     u32 sync, struct mx_port *notify,
				     struct mx_port **previous)
{
	struct mx_port *port = entry->port;
	struct mx_dnrequest *req, *fresh = NULL;
	bool alive;

	if (mx_entry_check_dead(space, entry)) {
		/* Already dead: with sync set, the notification comes now. */
		if (!sync || !notify)
			return KERN_INVALID_ARGUMENT;
		if (entry->urefs >= MACH_PORT_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		entry->urefs++;
		mx_notify(notify, MACH_NOTIFY_DEAD_NAME, entry->name);
		return KERN_SUCCESS;
	}
	if (!(entry->type & TYPE_SENDS))
		return KERN_INVALID_RIGHT;
	if (notify) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return KERN_RESOURCE_SHORTAGE;
		fresh->space = space;
		fresh->name = entry->name;
		fresh->notify = notify;
	}
	spin_lock(&port->lock);
	list_for_each_entry(req, &port->dnrequests, link) {
		if (req->space == space && req->name == entry->name) {
			*previous = req->notify;
			list_del(&req->link);
			kfree(req);
			break;
		}
	}
	/* Decided once, under the lock: once listed, a dying port fires it. */
	alive = port->active;
	if (fresh && alive)
		list_add_tail(&fresh->link, &port->dnrequests);
	spin_unlock(&port->lock);
	if (fresh && !alive) {
		/* Died just now: fire at once, as if registered in time. */
		mx_notify(notify, MACH_NOTIFY_DEAD_NAME, entry->name);
		kfree(fresh);
	}
	if (fresh)
		entry->type |= MACH_PORT_TYPE_DNREQUEST;
	else
		entry->type &= ~MACH_PORT_TYPE_DNREQUEST;
	return KERN_SUCCESS;
}

static mx_return_t request_no_senders(struct mx_entry *entry, u32 sync,
				      struct mx_port *notify, struct mx_port **previous)
{
	struct mx_port *port = entry->port;
	u32 mscount = 0;
	bool fire = false;

	if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	spin_lock(&port->lock);
	*previous = port->nsrequest;
	port->nsrequest = notify;
	if (notify && !port->srights && sync <= port->mscount) {
		port->nsrequest = NULL;
		mscount = port->mscount;
		fire = true;
	}
	spin_unlock(&port->lock);
	if (fire)
		mx_notify(notify, MACH_NOTIFY_NO_SENDERS, mscount);
	return KERN_SUCCESS;
}

static mx_return_t op_request_notification(struct mx_space *space, struct machexc_port_op *op)
{
	struct mx_port *notify = NULL, *previous = NULL;
	struct mx_entry *entry;
	bool was_receive;
	mx_return_t kr;
	u32 type;

	if (op->arg != MACH_NOTIFY_DEAD_NAME && op->arg != MACH_NOTIFY_NO_SENDERS)
		return KERN_INVALID_VALUE;
	entry = mx_entry_lookup(space, op->name);
	if (!entry)
		return KERN_INVALID_NAME;
	if (op->poly != MACH_PORT_NULL) {
		if (op->right != MACH_MSG_TYPE_MAKE_SEND_ONCE &&
		    op->right != MACH_MSG_TYPE_MOVE_SEND_ONCE)
			return KERN_INVALID_VALUE;
		kr = mx_right_copyin(space, op->poly, op->right, &notify, &type, &was_receive);
		if (kr != KERN_SUCCESS)
			return kr;
		/* Moving the notify right may have freed the entry it named. */
		entry = mx_entry_lookup(space, op->name);
		if (!entry) {
			mx_right_copyin_undo(space, op->poly, op->right, notify, type);
			return KERN_INVALID_NAME;
		}
	}
	if (op->arg == MACH_NOTIFY_DEAD_NAME)
		kr = request_dead_name(space, entry, op->value, notify, &previous);
	else
		kr = request_no_senders(entry, op->value, notify, &previous);
	if (kr != KERN_SUCCESS) {
		if (notify)
			mx_right_copyin_undo(space, op->poly, op->right, notify, type);
		return kr;
	}
	op->poly = MACH_PORT_NULL;
	if (previous &&
	    mx_right_copyout(space, previous, MACH_MSG_TYPE_PORT_SEND_ONCE, &op->poly))
		mx_port_release_send_once(previous);
	return KERN_SUCCESS;
}

static mx_return_t op_get_attributes(struct mx_space *space, struct machexc_port_op *op,
				     struct op_out *out)
{
	struct mx_entry *entry = mx_entry_lookup(space, op->name);
	struct mx_port *port;
	u32 *a = out->attr;

	if (!entry)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	port = entry->port;
	switch (op->arg) {
	case MACH_PORT_LIMITS_INFO:
		if (op->count < MACH_PORT_LIMITS_INFO_COUNT)
			return KERN_FAILURE;
		a[0] = READ_ONCE(port->qlimit);
		op->count = MACH_PORT_LIMITS_INFO_COUNT;
		break;
	case MACH_PORT_RECEIVE_STATUS:
		if (op->count < MACH_PORT_RECEIVE_STATUS_COUNT)
			return KERN_FAILURE;
		spin_lock(&port->lock);
		a[0] = port->pset ? port->pset->name : MACH_PORT_NULL;	/* mps_pset */
		a[1] = port->seqno;					/* mps_seqno */
		a[2] = port->mscount;					/* mps_mscount */
		a[3] = port->qlimit;					/* mps_qlimit */
		a[4] = port->msgcount;					/* mps_msgcount */
		a[5] = port->sorights;					/* mps_sorights */
		a[6] = port->srights > 0;				/* mps_srights */
		a[7] = 0;						/* mps_pdrequest */
		a[8] = !!port->nsrequest;					/* mps_nsrequest */
		a[9] = 0;						/* mps_flags */
		spin_unlock(&port->lock);
		op->count = MACH_PORT_RECEIVE_STATUS_COUNT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	out->buf = a;
	out->len = op->count * sizeof(u32);
	return KERN_SUCCESS;
}

static mx_return_t op_set_attributes(struct mx_space *space, struct machexc_port_op *op,
				     const u32 *attr)
{
	struct mx_entry *entry = mx_entry_lookup(space, op->name);
	struct mx_port *port;

	if (!entry)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	port = entry->port;
	if (op->arg != MACH_PORT_LIMITS_INFO)
		return KERN_INVALID_ARGUMENT;
	if (op->count < MACH_PORT_LIMITS_INFO_COUNT)
		return KERN_FAILURE;
	if (attr[0] > MACH_PORT_QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	spin_lock(&port->lock);
	port->qlimit = attr[0];
	spin_unlock(&port->lock);
	wake_up_all(&port->snd_wait);
	return KERN_SUCCESS;
}

static mx_return_t op_task_self(struct mx_space *space, u32 *name)
{
	struct mx_entry *entry = mx_entry_lookup(space, space->task_name);

	/*
	 * The task may have deallocated its own name, and even reused it for
	 * another right: give it a new one.
	 */
	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) || entry->port != space->task_port) {
		struct mx_port *port = space->task_port;
		mx_return_t kr;

		mx_port_copy_send(port);
		mx_port_get(port);
		kr = mx_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND, name);
		if (kr != KERN_SUCCESS) {
			mx_port_release_send(port);
			return kr;
		}
		space->task_name = *name;
		return KERN_SUCCESS;
	}
	if (entry->urefs < MACH_PORT_UREFS_MAX)
		entry->urefs++;
	*name = entry->name;
	return KERN_SUCCESS;
}

static mx_return_t op_get_special_port(struct mx_space *space, u32 which, u32 *name)
{
	struct mx_port *port = NULL;
	mx_return_t kr;

	switch (which) {
	case TASK_KERNEL_PORT:
		port = space->task_port;
		mx_port_copy_send(port);
		mx_port_get(port);
		break;
	case TASK_BOOTSTRAP_PORT:
		spin_lock(&space->special_lock);
		port = space->bootstrap;
		if (port) {
			mx_port_copy_send(port);
			mx_port_get(port);
		}
		spin_unlock(&space->special_lock);
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	*name = MACH_PORT_NULL;
	if (!port)
		return KERN_SUCCESS;
	kr = mx_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND, name);
	if (kr != KERN_SUCCESS)
		mx_port_release_send(port);
	return kr;
}

static mx_return_t op_set_special_port(struct mx_space *space, u32 which, u32 name)
{
	struct mx_port *port = NULL, *old;
	bool was_receive;
	mx_return_t kr;
	u32 type;

	if (which != TASK_BOOTSTRAP_PORT)
		return KERN_INVALID_ARGUMENT;
	if (name_valid(name)) {
		kr = mx_right_copyin(space, name, MACH_MSG_TYPE_COPY_SEND, &port, &type,
				     &was_receive);
		if (kr != KERN_SUCCESS)
			return kr;
	}
	spin_lock(&space->special_lock);
	old = space->bootstrap;
	space->bootstrap = port;
	spin_unlock(&space->special_lock);
	if (old)
		mx_port_release_send(old);
	return KERN_SUCCESS;
}

/* *_SET/GET/SWAP_EXCEPTION_PORTS at the task, thread and host levels. */
static mx_return_t op_exception_ports(struct mx_space *space, struct machexc_port_op *op,
				      struct op_out *out)
{
	struct machexc_exc_ports *ports = out->exc;
	struct pid_namespace *ns = NULL;
	struct mx_thread *th = NULL;
	struct mx_exc_level level;
	mx_return_t kr;
	u32 which;

	if (op->op <= MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS) {
		if (!mx_space_target(space, op->task))
			return MACH_SEND_INVALID_DEST;
		level = (struct mx_exc_level){ &space->special_lock, space->exc };
		which = op->op - MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS;
	} else if (op->op <= MACHEXC_PORT_THREAD_SWAP_EXCEPTION_PORTS) {
		th = mx_thread_lookup(space, op->task);
		if (!th)
			return MACH_SEND_INVALID_DEST;
		level = mx_thread_level(th);
		which = op->op - MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS;
	} else {
		kr = mx_host_check(space, op->task);
		if (kr != KERN_SUCCESS)
			return kr;
		level = mx_host_level();
		ns = task_active_pid_ns(current);
		which = op->op - MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS;
	}

	if (which == 1) {	/* get */
		kr = mx_exc_get_ports(space, level, op->arg, ports);
	} else if (op->poly != MACH_PORT_NULL && mx_hooks_arm(MX_HOOKS_EXCEPTIONS)) {
		kr = KERN_RESOURCE_SHORTAGE;	/* the fault hook could not be attached */
	} else {
		if (op->poly != MACH_PORT_NULL && !ns)
			mx_space_mark_exc(space->key);	/* before the fault hook may look */
		kr = mx_exc_set_ports(space, level, op->arg, op->poly, op->value, op->right, ns,
				      which == 2 ? ports : NULL);
		if (kr == KERN_SUCCESS && th)
			mx_thread_exc_changed(space);
		else if (kr == KERN_SUCCESS && ns)
			mx_host_exc_changed();
	}
	if (kr == KERN_SUCCESS && which) {
		out->buf = ports;
		out->len = sizeof(*ports);
	}
	return kr;
}

static mx_return_t op_thread_state(struct mx_space *space, struct machexc_port_op *op,
				   struct op_out *out)
{
	bool set = op->op == MACHEXC_PORT_THREAD_SET_STATE;
	mx_return_t kr;

	kr = mx_thread_state(space, op->task, set, op->arg, out->state, &op->count);
	if (kr == KERN_SUCCESS && !set) {
		out->buf = out->state;
		out->len = op->count * sizeof(u32);
	}
	return kr;
}

static mx_return_t op_thread_self(struct mx_space *space, u32 *name)
{
	struct mx_port *port = mx_thread_port(space, current);
	mx_return_t kr;

	if (!port)
		return KERN_RESOURCE_SHORTAGE;
	mx_port_copy_send(port);
	mx_port_get(port);
	kr = mx_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND, name);
	if (kr != KERN_SUCCESS)
		mx_port_release_send(port);
	return kr;
}

static mx_return_t op_thread_fault(struct mx_space *space, struct machexc_port_op *op,
				   struct op_out *out)
{
	struct machexc_thread_fault *fault = (void *)out->attr;
	mx_return_t kr;

	BUILD_BUG_ON(sizeof(*fault) > sizeof(out->attr));
	kr = mx_thread_fault(space, op->task, &op->value, fault, &op->count);
	if (kr == KERN_SUCCESS && op->count) {
		out->buf = fault;
		out->len = sizeof(*fault);
	}
	return kr;
}

static bool exc_ports_op(u32 op)
{
	return (op >= MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS &&
		op <= MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS) ||
	       (op >= MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS &&
		op <= MACHEXC_PORT_THREAD_SWAP_EXCEPTION_PORTS) ||
	       (op >= MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS &&
		op <= MACHEXC_PORT_HOST_SWAP_EXCEPTION_PORTS);
}

/* Does @op return a struct machexc_exc_ports (get or swap)? */
static bool exc_ports_out(u32 op)
{
	return exc_ports_op(op) && op != MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS &&
	       op != MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS &&
	       op != MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS;
}

static mx_return_t port_op_locked(struct mx_space *space, struct machexc_port_op *op,
				  const u32 *attr, struct op_out *out, struct list_head *reap)
{
	if (op->op == MACHEXC_PORT_TASK_SELF)
		return op_task_self(space, &op->name);
	if (op->op == MACHEXC_PORT_THREAD_SELF)
		return op_thread_self(space, &op->name);
	if (op->op == MACHEXC_PORT_HOST_SELF)
		return mx_host_self(space, &op->name);
	if (exc_ports_op(op->op))
		return op_exception_ports(space, op, out);
	if (op->op == MACHEXC_PORT_THREAD_GET_STATE || op->op == MACHEXC_PORT_THREAD_SET_STATE)
		return op_thread_state(space, op, out);
	if (op->op == MACHEXC_PORT_PID_FOR_TASK)
		return mx_pid_for_task(space, op->task, &op->value);
	if (op->op == MACHEXC_PORT_THREAD_FAULT)
		return op_thread_fault(space, op, out);
	if (!mx_space_target(space, op->task))
		return MACH_SEND_INVALID_DEST;

	switch (op->op) {
	case MACHEXC_PORT_ALLOCATE:
		op->name = MACH_PORT_NULL;
		return op_allocate(space, op->right, &op->name);
	case MACHEXC_PORT_ALLOCATE_NAME:
		if (!name_valid(op->name))
			return KERN_INVALID_VALUE;
		return op_allocate(space, op->right, &op->name);
	case MACHEXC_PORT_DEALLOCATE:
		return op_deallocate(space, op->name, reap);
	case MACHEXC_PORT_DESTROY: {
		struct mx_entry *entry;

		if (!name_valid(op->name))
			return KERN_SUCCESS;
		entry = mx_entry_lookup(space, op->name);
		if (!entry)
			return KERN_INVALID_NAME;
		mx_entry_release(space, entry, reap);
		return KERN_SUCCESS;
	}
	case MACHEXC_PORT_MOD_REFS:
		return op_mod_refs(space, op->name, op->right, op->delta, reap);
	case MACHEXC_PORT_GET_REFS:
		return op_get_refs(space, op->name, op->right, &op->value);
	case MACHEXC_PORT_TYPE:
		return op_type(space, op->name, &op->value);
	case MACHEXC_PORT_INSERT_RIGHT:
		return op_insert_right(space, op->name, op->poly, op->arg, reap);
	case MACHEXC_PORT_EXTRACT_RIGHT:
		return op_extract_right(space, op->name, op->arg, &op->poly, &op->value);
	case MACHEXC_PORT_NAMES:
		return op_names(space, op->count, &op->count, out);
	case MACHEXC_PORT_MOVE_MEMBER:
	case MACHEXC_PORT_INSERT_MEMBER:
	case MACHEXC_PORT_EXTRACT_MEMBER:
		return op_member(space, op->op, op->name, op->poly);
	case MACHEXC_PORT_REQUEST_NOTIFICATION:
		return op_request_notification(space, op);
	case MACHEXC_PORT_GET_ATTRIBUTES:
		return op_get_attributes(space, op, out);
	case MACHEXC_PORT_SET_ATTRIBUTES:
		return op_set_attributes(space, op, attr);
	case MACHEXC_PORT_GET_SPECIAL_PORT:
		return op_get_special_port(space, op->arg, &op->poly);
	case MACHEXC_PORT_SET_SPECIAL_PORT:
		return op_set_special_port(space, op->arg, op->poly);
	}
	return KERN_INVALID_ARGUMENT;
}

/* MACHEXC_IOC_PORT: returns the kern_return_t, or -errno. */
long mx_port_op(struct machexc_port_op *op)
{
	u32 attr[MACH_PORT_LIMITS_INFO_COUNT] = { 0 };
	struct machexc_exc_ports *exc = NULL;
	struct op_out out = { };
	struct mx_space *space;
	LIST_HEAD(reap);
	mx_return_t kr;
	long ret;

	if (op->reserved || !op->op || op->op > MACHEXC_PORT_OP_MAX)
		return -EINVAL;
	if (op->op == MACHEXC_PORT_THREAD_GET_STATE || op->op == MACHEXC_PORT_THREAD_SET_STATE) {
		if (op->count > MACHEXC_THREAD_STATE_MAX)
			return KERN_INVALID_ARGUMENT;
		out.state = kcalloc(MACHEXC_THREAD_STATE_MAX, sizeof(u32), GFP_KERNEL);
		if (!out.state)
			return -ENOMEM;
		if (op->op == MACHEXC_PORT_THREAD_SET_STATE &&
		    copy_from_user(out.state, u64_to_user_ptr(op->buf), op->count * sizeof(u32))) {
			kfree(out.state);
			return -EFAULT;
		}
	}
	if (exc_ports_out(op->op)) {
		exc = kzalloc(sizeof(*exc), GFP_KERNEL);
		if (!exc)
			return -ENOMEM;
		if (get_user(exc->count, (u32 __user *)u64_to_user_ptr(op->buf))) {
			kfree(exc);
			return -EFAULT;
		}
		out.exc = exc;
	}
	if (op->op == MACHEXC_PORT_SET_ATTRIBUTES && op->count &&
	    copy_from_user(attr, u64_to_user_ptr(op->buf),
			   min_t(u32, op->count, ARRAY_SIZE(attr)) * sizeof(u32)))
		return -EFAULT;

	space = mx_space_current();
	if (IS_ERR(space)) {
		ret = PTR_ERR(space);
		goto out;
	}
	mutex_lock(&space->lock);
	kr = space->active ? port_op_locked(space, op, attr, &out, &reap) : KERN_INVALID_TASK;
	mutex_unlock(&space->lock);
	mx_reap(&reap);
	mx_space_put(space);

	ret = kr;
	if (out.buf && copy_to_user(u64_to_user_ptr(op->buf), out.buf, out.len))
		ret = -EFAULT;
out:
	if (out.buf && out.buf != out.attr && out.buf != exc && out.buf != out.state)
		kvfree(out.buf);
	kfree(exc);
	kfree(out.state);
	return ret;
}
