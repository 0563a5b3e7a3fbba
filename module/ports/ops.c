// SPDX-License-Identifier: GPL-2.0
/*
 * The mach_port_* calls, and the caller's own special ports, with the
 * semantics and return codes of XNU's osfmk/ipc/mach_port.c and
 * ipc_right.c (GNU Mach's ipc/mach_port.c).  Each runs with the caller's
 * space locked (device/ops.c, the dispatch table); what goes back to user
 * memory is left in c->out for the dispatcher.
 */
#include <linux/err.h>
#include <linux/machexc.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../device/call.h"
#include "../msg/msg.h"
#include "../names/names.h"
#include "ports.h"
#include "../task/task.h"

#define TYPE_SENDS (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)

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
	*type = (entry->type & ~MACH_PORT_TYPE_DNREQUEST) | mx_entry_request_type(space, entry);
	return KERN_SUCCESS;
}

/*
 * mach_port_names(): every name, then every type, if there is room.
 * Called with the space's lock held.
 */
mx_return_t mx_call_port_names(struct mx_call *c)
{
	struct mx_space *space = c->self;
	u32 n = 0, total = space->nentries, *names = c->out;
	struct mx_entry *entry;
	unsigned long index;

	lockdep_assert_held(&space->lock);
	c->op->count = total;
	if (c->op->count > c->out_room / (2 * sizeof(u32)) || !total)
		return KERN_SUCCESS;
	xa_for_each(&space->entries, index, entry) {
		if (entry == space->spare)
			continue;	/* kept for the next name: no name */
		mx_entry_check_dead(space, entry);
		names[n] = entry->name;
		names[total + n] = (entry->type & ~MACH_PORT_TYPE_DNREQUEST) |
				   mx_entry_request_type(space, entry);
		n++;
	}
	c->out_len = 2 * n * sizeof(u32);
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

/* Does a send through @entry now go through at once (XNU: "immediate")? */
static bool send_possible_now(struct mx_entry *entry)
{
	struct mx_port *port = entry->port;

	return (entry->type & MACH_PORT_TYPE_SEND_ONCE) || port->kotype != MX_KOBJECT_NONE ||
	       READ_ONCE(port->msgcount) < READ_ONCE(port->qlimit);
}

/*
 * A dead-name request, or with @sp a send-possible one (XNU's
 * ipc_right_request_alloc): one per name, on any port right, replacing
 * the name's previous request of either kind, whose notify right comes
 * back in *@previous.  A send-possible request with @sync set fires at
 * once if a send would not wait, else it is registered already armed.
 */
static mx_return_t request_dead_name(struct mx_space *space, struct mx_entry *entry,
				     u32 sync, bool sp, struct mx_port *notify,
				     struct mx_port **previous)
{
	struct mx_port *port = entry->port;
	struct mx_dnrequest *req, *fresh = NULL;
	bool alive, now = false;

	/* Nothing to do or undo, whatever the name is (XNU checks this first). */
	if (!notify && !(entry->type & MACH_PORT_TYPE_DNREQUEST))
		return KERN_SUCCESS;
	if (mx_entry_check_dead(space, entry)) {
		/*
		 * Already dead: a send-possible request, or a dead-name one
		 * with sync set, gets its dead-name notification now.
		 */
		if ((!sp && !sync) || !notify)
			return KERN_INVALID_ARGUMENT;
		if (entry->urefs >= MACH_PORT_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		entry->urefs++;
		mx_notify(notify, MACH_NOTIFY_DEAD_NAME, entry->name);
		return KERN_SUCCESS;
	}
	if (!(entry->type & (TYPE_SENDS | MACH_PORT_TYPE_RECEIVE)))
		return KERN_INVALID_RIGHT;
	if (notify && sp && sync)
		now = send_possible_now(entry);
	if (notify && !now) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return KERN_RESOURCE_SHORTAGE;
		fresh->space = space;
		fresh->name = entry->name;
		fresh->notify = notify;
		if (sp)
			fresh->flags = sync ? MX_REQ_SP | MX_REQ_ARMED : MX_REQ_SP;
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
	if (fresh && alive) {
		list_add_tail(&fresh->link, &port->dnrequests);
		if (fresh->flags & MX_REQ_ARMED)
			port->sprequests = true;
	}
	spin_unlock(&port->lock);
	if (fresh && !alive) {
		/* Died just now: fire at once, as if registered in time. */
		mx_notify(notify, MACH_NOTIFY_DEAD_NAME, entry->name);
		kfree(fresh);
	} else if (now) {
		mx_notify(notify, MACH_NOTIFY_SEND_POSSIBLE, entry->name);
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
	if (notify && !atomic_read(&port->srights) && sync <= port->mscount) {
		port->nsrequest = NULL;
		mscount = port->mscount;
		fire = true;
	}
	spin_unlock(&port->lock);
	if (fire)
		mx_notify(notify, MACH_NOTIFY_NO_SENDERS, mscount);
	return KERN_SUCCESS;
}

/*
 * A port-destroyed request on a receive right (XNU's current
 * mach_port_request_notification): sync must be 0, and a port takes one
 * request only, never replaced (KERN_FAILURE), so *previous stays null.
 */
static mx_return_t request_port_destroyed(struct mx_entry *entry, u32 sync,
					  struct mx_port *notify)
{
	struct mx_port *port = entry->port;
	mx_return_t kr = KERN_SUCCESS;

	if (sync)
		return KERN_INVALID_VALUE;
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE) || port->kotype != MX_KOBJECT_NONE)
		return KERN_INVALID_RIGHT;
	spin_lock(&port->lock);
	if (port->pdrequest)
		kr = KERN_FAILURE;
	else
		port->pdrequest = notify;
	spin_unlock(&port->lock);
	return kr;
}

/* The request itself, once the notify right is ours; the order of XNU's checks. */
static mx_return_t request(struct mx_space *space, struct machexc_port_op *op,
			   struct mx_port *notify, struct mx_port **previous)
{
	struct mx_entry *entry;
	u32 id = op->arg;

	switch (id) {
	case MACH_NOTIFY_PORT_DESTROYED:
		if (op->value)
			return KERN_INVALID_VALUE;
		fallthrough;
	case MACH_NOTIFY_NO_SENDERS:
		if (!name_valid(op->name))
			return KERN_INVALID_RIGHT;
		break;
	case MACH_NOTIFY_DEAD_NAME:
	case MACH_NOTIFY_SEND_POSSIBLE:
		if (!name_valid(op->name))
			return KERN_INVALID_ARGUMENT;
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	entry = mx_entry_lookup(space, op->name);
	if (!entry)
		return KERN_INVALID_NAME;
	if (id == MACH_NOTIFY_PORT_DESTROYED)
		return request_port_destroyed(entry, op->value, notify);
	if (id == MACH_NOTIFY_NO_SENDERS)
		return request_no_senders(entry, op->value, notify, previous);
	return request_dead_name(space, entry, op->value, id == MACH_NOTIFY_SEND_POSSIBLE,
				 notify, previous);
}

/*
 * mach_port_request_notification() as macOS's
 * _kernelrpc_mach_port_request_notification_trap: the notify right is
 * taken first, and when the request then fails it is destroyed, not
 * given back (a send-once right destroyed unused sends a send-once
 * notification).
 */
static mx_return_t op_request_notification(struct mx_space *space, struct machexc_port_op *op)
{
	struct mx_port *notify = NULL, *previous = NULL;
	bool was_receive;
	mx_return_t kr;
	u32 type;

	if (op->poly != MACH_PORT_NULL) {
		if (op->right != MACH_MSG_TYPE_MAKE_SEND_ONCE &&
		    op->right != MACH_MSG_TYPE_MOVE_SEND_ONCE)
			return KERN_INVALID_VALUE;
		if (op->poly == MACH_PORT_DEAD)
			return KERN_INVALID_CAPABILITY;
		kr = mx_right_copyin(space, op->poly, op->right, &notify, &type, &was_receive);
		if (kr != KERN_SUCCESS)
			return kr;
	}
	kr = request(space, op, notify, &previous);
	if (kr != KERN_SUCCESS) {
		if (notify)
			mx_port_release_send_once(notify);
		return kr;
	}
	op->poly = MACH_PORT_NULL;
	if (previous &&
	    mx_right_copyout(space, previous, MACH_MSG_TYPE_PORT_SEND_ONCE, &op->poly))
		mx_port_release_send_once(previous);
	return KERN_SUCCESS;
}

mx_return_t mx_call_port_get_attributes(struct mx_call *c)
{
	struct machexc_port_op *op = c->op;
	struct mx_entry *entry = mx_entry_lookup(c->self, op->name);
	struct mx_port *port;
	u32 *a = c->out;

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
		a[5] = atomic_read(&port->sorights);			/* mps_sorights */
		a[6] = atomic_read(&port->srights) > 0;			/* mps_srights */
		a[7] = !!port->pdrequest;				/* mps_pdrequest */
		a[8] = !!port->nsrequest;					/* mps_nsrequest */
		a[9] = 0;						/* mps_flags */
		spin_unlock(&port->lock);
		op->count = MACH_PORT_RECEIVE_STATUS_COUNT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	c->out_len = op->count * sizeof(u32);
	return KERN_SUCCESS;
}

mx_return_t mx_call_port_set_attributes(struct mx_call *c)
{
	struct machexc_port_op *op = c->op;
	struct mx_entry *entry = mx_entry_lookup(c->self, op->name);
	const u32 *attr = c->in;
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
	struct mx_task *task = mx_task_of(space);
	struct mx_entry *entry = mx_entry_lookup(space, task->self_name);

	/*
	 * The task may have deallocated its own name, and even reused it for
	 * another right: give it a new one.
	 */
	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) || entry->port != task->port) {
		mx_return_t kr = mx_right_copyout_send(space, task->port, name);

		if (kr == KERN_SUCCESS)
			task->self_name = *name;
		return kr;
	}
	if (entry->urefs < MACH_PORT_UREFS_MAX)
		entry->urefs++;
	*name = entry->name;
	return KERN_SUCCESS;
}

static mx_return_t op_get_special_port(struct mx_space *space, u32 which, u32 *name)
{
	struct mx_task *task = mx_task_of(space);
	struct mx_port *port = NULL;
	mx_return_t kr;

	*name = MACH_PORT_NULL;
	switch (which) {
	case TASK_KERNEL_PORT:
		return mx_right_copyout_send(space, task->port, name);
	case TASK_BOOTSTRAP_PORT:
		/* Held while we copy it out: the slot may change meanwhile. */
		spin_lock(&task->special_lock);
		port = task->bootstrap;
		if (port)
			mx_port_copy_send(port);
		spin_unlock(&task->special_lock);
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	if (!port)
		return KERN_SUCCESS;
	kr = mx_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND, name);
	if (kr != KERN_SUCCESS)
		mx_port_release_send(port);
	return kr;
}

static mx_return_t op_set_special_port(struct mx_space *space, u32 which, u32 name)
{
	struct mx_task *task = mx_task_of(space);
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
	spin_lock(&task->special_lock);
	old = task->bootstrap;
	task->bootstrap = port;
	spin_unlock(&task->special_lock);
	if (old)
		mx_port_release_send(old);
	return KERN_SUCCESS;
}

/* The table's entry points (device/ops.c), with the space locked. */
mx_return_t mx_call_port_allocate(struct mx_call *c)
{
	c->op->name = MACH_PORT_NULL;
	return op_allocate(c->self, c->op->right, &c->op->name);
}

mx_return_t mx_call_port_allocate_name(struct mx_call *c)
{
	if (!name_valid(c->op->name))
		return KERN_INVALID_VALUE;
	return op_allocate(c->self, c->op->right, &c->op->name);
}

mx_return_t mx_call_port_deallocate(struct mx_call *c)
{
	return op_deallocate(c->self, c->op->name, &c->reap);
}

mx_return_t mx_call_port_destroy(struct mx_call *c)
{
	struct mx_entry *entry;

	if (!name_valid(c->op->name))
		return KERN_SUCCESS;
	entry = mx_entry_lookup(c->self, c->op->name);
	if (!entry)
		return KERN_INVALID_NAME;
	mx_entry_release(c->self, entry, &c->reap);
	return KERN_SUCCESS;
}

mx_return_t mx_call_port_mod_refs(struct mx_call *c)
{
	return op_mod_refs(c->self, c->op->name, c->op->right, c->op->delta, &c->reap);
}

mx_return_t mx_call_port_get_refs(struct mx_call *c)
{
	return op_get_refs(c->self, c->op->name, c->op->right, &c->op->value);
}

mx_return_t mx_call_port_type(struct mx_call *c)
{
	return op_type(c->self, c->op->name, &c->op->value);
}

mx_return_t mx_call_port_insert_right(struct mx_call *c)
{
	return op_insert_right(c->self, c->op->name, c->op->poly, c->op->arg, &c->reap);
}

mx_return_t mx_call_port_extract_right(struct mx_call *c)
{
	return op_extract_right(c->self, c->op->name, c->op->arg, &c->op->poly, &c->op->value);
}

mx_return_t mx_call_port_member(struct mx_call *c)
{
	return op_member(c->self, c->op->op, c->op->name, c->op->poly);
}

mx_return_t mx_call_port_request_notification(struct mx_call *c)
{
	return op_request_notification(c->self, c->op);
}

mx_return_t mx_call_task_self(struct mx_call *c)
{
	return op_task_self(c->self, &c->op->name);
}

mx_return_t mx_call_get_special_port(struct mx_call *c)
{
	return op_get_special_port(c->self, c->op->arg, &c->op->poly);
}

mx_return_t mx_call_set_special_port(struct mx_call *c)
{
	return op_set_special_port(c->self, c->op->arg, c->op->poly);
}
