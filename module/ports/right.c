// SPDX-License-Identifier: GPL-2.0
/*
 * Rights in a space: taking them out for a message (copyin), putting them
 * in from one (copyout), and releasing them.  Every function here runs
 * with space->lock held.
 *
 * Invariants: an entry holds one reference on its port however many
 * rights it has there; a send right counts once in port->srights however
 * many user references it has; each send-once right counts once in
 * port->sorights and has a name of its own.
 */
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "../msg/msg.h"
#include "../names/names.h"
#include "ports.h"

#define TYPE_PORT_RIGHTS (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE | \
			  MACH_PORT_TYPE_SEND_ONCE)

static struct mx_dnrequest *dnrequest_take(struct mx_space *space, struct mx_entry *entry)
{
	struct mx_port *port = entry->port;
	struct mx_dnrequest *req, *found = NULL;

	if (!(entry->type & MACH_PORT_TYPE_DNREQUEST) || !port)
		return NULL;
	entry->type &= ~MACH_PORT_TYPE_DNREQUEST;
	spin_lock(&port->lock);
	list_for_each_entry(req, &port->dnrequests, link) {
		if (req->space == space && req->name == entry->name) {
			list_del(&req->link);
			found = req;
			break;
		}
	}
	spin_unlock(&port->lock);
	return found;
}

/*
 * The name is going away while its dead-name request is armed: Mach tells
 * the requester with a port-deleted notification.
 */
static void dnrequest_cancel(struct mx_space *space, struct mx_entry *entry)
{
	struct mx_dnrequest *req = dnrequest_take(space, entry);

	if (req) {
		mx_notify(req->notify, MACH_NOTIFY_PORT_DELETED, req->name);
		kfree(req);
	}
}

/*
 * The request bits mach_port_type() adds for @entry, as XNU's
 * ipc_port_request_type(): DNREQUEST for a live request, and for a
 * send-possible one SPREQUEST, and SPREQUEST_DELAYED until it is armed.
 * A send-possible request that fired is gone, and so are its bits.
 */
u32 mx_entry_request_type(struct mx_space *space, struct mx_entry *entry)
{
	struct mx_port *port = entry->port;
	struct mx_dnrequest *req;
	u32 type = 0;

	lockdep_assert_held(&space->lock);
	if (!(entry->type & MACH_PORT_TYPE_DNREQUEST) || !port)
		return 0;
	spin_lock(&port->lock);
	list_for_each_entry(req, &port->dnrequests, link) {
		if (req->space != space || req->name != entry->name)
			continue;
		type = MACH_PORT_TYPE_DNREQUEST;
		if (req->flags & MX_REQ_SP)
			type |= MACH_PORT_TYPE_SPREQUEST;
		if ((req->flags & (MX_REQ_SP | MX_REQ_ARMED)) == MX_REQ_SP)
			type |= MACH_PORT_TYPE_SPREQUEST_DELAYED;
		break;
	}
	spin_unlock(&port->lock);
	return type;
}

/*
 * mach_msg(MACH_SEND_NOTIFY) to @name, just copied in as @port (a right
 * of @type): if the name has a send-possible request and the queue is
 * full, arm it, so that the next message received from the port sends
 * the notification (XNU's ipc_kmsg_copyin_header and
 * ipc_port_request_sparm).  Sends through send-once rights never wait and
 * arm nothing.
 */
void mx_right_sparm(struct mx_space *space, u32 name, struct mx_port *port, u32 type)
{
	struct mx_entry *entry = mx_entry_lookup(space, name);
	struct mx_dnrequest *req;

	lockdep_assert_held(&space->lock);
	if (type == MACH_MSG_TYPE_PORT_SEND_ONCE || !entry || entry->port != port ||
	    !(entry->type & MACH_PORT_TYPE_DNREQUEST))
		return;
	spin_lock(&port->lock);
	if (port->active && port->kotype == MX_KOBJECT_NONE && port->msgcount >= port->qlimit) {
		list_for_each_entry(req, &port->dnrequests, link) {
			if (req->space != space || req->name != name)
				continue;
			if (req->flags & MX_REQ_SP) {
				req->flags |= MX_REQ_ARMED;
				port->sprequests = true;
			}
			break;
		}
	}
	spin_unlock(&port->lock);
}

/* Release every right under @entry and free it. */
void mx_entry_release(struct mx_space *space, struct mx_entry *entry,
		      struct list_head *reap)
{
	struct mx_port *port = entry->port;
	u32 type = entry->type;

	lockdep_assert_held(&space->lock);
	if (type & MACH_PORT_TYPE_PORT_SET) {
		mx_pset_destroy(entry->pset);
		mx_pset_put(entry->pset);
	} else if (type & TYPE_PORT_RIGHTS) {
		dnrequest_cancel(space, entry);
		if (type & MACH_PORT_TYPE_RECEIVE)
			mx_port_destroy(port, reap);
		if (type & MACH_PORT_TYPE_SEND)
			mx_port_release_send(port);
		else if (type & MACH_PORT_TYPE_SEND_ONCE)
			mx_port_release_send_once(port);
		else
			mx_port_put(port);
	}
	mx_entry_free(space, entry);
}
EXPORT_SYMBOL_IF_KUNIT(mx_entry_release);

/* Take the receive right out of @entry (for a message or destruction). */
static void entry_drop_receive(struct mx_space *space, struct mx_entry *entry)
{
	struct mx_port *port = entry->port;

	mx_pset_remove(port);
	spin_lock(&port->lock);
	port->receiver = NULL;
	port->receiver_name = 0;
	spin_unlock(&port->lock);
	/* Receivers blocked on the old name see MACH_RCV_PORT_CHANGED. */
	wake_up_all(&port->rcv_wait);
	entry->type &= ~MACH_PORT_TYPE_RECEIVE;
	if (entry->type & MACH_PORT_TYPE_SEND) {
		mx_port_get(port);	/* the entry keeps its own reference */
	} else {
		dnrequest_cancel(space, entry);
		mx_entry_free(space, entry);
	}
}

/*
 * Drop one user reference of a send right.  The last one takes the send
 * right with it: released, or (@keep_right) handed to the caller with a
 * reference of its own.
 */
void mx_entry_drop_send_uref(struct mx_space *space, struct mx_entry *entry,
			     bool keep_right)
{
	struct mx_port *port = entry->port;

	lockdep_assert_held(&space->lock);
	if (--entry->urefs)
		return;
	dnrequest_cancel(space, entry);
	entry->type &= ~MACH_PORT_TYPE_SEND;
	if (entry->type & MACH_PORT_TYPE_RECEIVE)
		mx_port_get(port);	/* the entry keeps its own reference */
	else
		mx_entry_free(space, entry);	/* its reference goes with the right */
	if (!keep_right)
		mx_port_release_send(port);
}

/*
 * Take a right out of the space as @disposition says, for a message or a
 * port call.  On success *port holds one reference and one right of *type
 * (MACH_MSG_TYPE_PORT_*).  Send rights to dead ports are not taken: the
 * caller learns with KERN_INVALID_CAPABILITY and the space is unchanged.
 */
mx_return_t mx_right_copyin(struct mx_space *space, u32 name, u32 disposition,
			    struct mx_port **port, u32 *type, bool *was_receive)
{
	struct mx_entry *entry = mx_entry_lookup(space, name);
	struct mx_port *p;

	lockdep_assert_held(&space->lock);
	*was_receive = false;
	if (!entry)
		return KERN_INVALID_NAME;
	if (mx_entry_check_dead(space, entry))
		return KERN_INVALID_CAPABILITY;
	p = entry->port;

	switch (disposition) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		*was_receive = true;
		*type = MACH_MSG_TYPE_PORT_RECEIVE;
		entry_drop_receive(space, entry);
		break;
	case MACH_MSG_TYPE_COPY_SEND:
		if (!(entry->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		mx_port_copy_send(p);
		*type = MACH_MSG_TYPE_PORT_SEND;
		break;
	case MACH_MSG_TYPE_MOVE_SEND:
		if (!(entry->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		if (entry->urefs > 1)
			mx_port_copy_send(p);
		mx_entry_drop_send_uref(space, entry, true);
		*type = MACH_MSG_TYPE_PORT_SEND;
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		mx_port_make_send(p);
		*type = MACH_MSG_TYPE_PORT_SEND;
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		mx_port_make_send_once(p);
		*type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		break;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		if (!(entry->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		dnrequest_cancel(space, entry);
		mx_entry_free(space, entry);
		*type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	*port = p;
	return KERN_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mx_right_copyin);

/* Put back what mx_right_copyin() took, after a failed send. */
void mx_right_copyin_undo(struct mx_space *space, u32 name, u32 disposition,
			  struct mx_port *port, u32 type)
{
	lockdep_assert_held(&space->lock);
	switch (disposition) {
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		/* Made for the message: unmade, never used. */
		mx_port_consume_send_once(port);
		return;
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
		/*
		 * Made or copied for the message: released like any send right,
		 * so that if the other send rights went meanwhile, a no-senders
		 * request still fires.  A made right does not count as made.
		 */
		if (disposition == MACH_MSG_TYPE_MAKE_SEND) {
			spin_lock(&port->lock);
			port->mscount--;
			spin_unlock(&port->lock);
		}
		mx_port_release_send(port);
		return;
	}
	/* Moved: back under the same name, or any name if that is taken. */
	if (mx_right_copyout_name(space, port, type, name) != KERN_SUCCESS &&
	    mx_right_copyout(space, port, type, &name) != KERN_SUCCESS) {
		LIST_HEAD(reap);

		mx_port_release(port, type, &reap);
		mx_reap(&reap);
	}
}

/* Give @entry (new or existing, for @port) the right of @type. */
static void entry_add_right(struct mx_space *space, struct mx_entry *entry,
			    struct mx_port *port, u32 type, bool fresh)
{
	if (fresh) {
		entry->port = port;
	} else {
		/*
		 * The entry already holds a reference; merging drops ours.
		 * Two send rights counted, one stays: never the last.
		 */
		if (type == MACH_MSG_TYPE_PORT_SEND && (entry->type & MACH_PORT_TYPE_SEND))
			atomic_dec(&port->srights);
		mx_port_put(port);
	}
	switch (type) {
	case MACH_MSG_TYPE_PORT_SEND:
		entry->type |= MACH_PORT_TYPE_SEND;
		entry->urefs++;
		mx_entry_hash(space, entry);
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		entry->type = MACH_PORT_TYPE_SEND_ONCE;
		entry->urefs = 1;
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		entry->type |= MACH_PORT_TYPE_RECEIVE;
		mx_entry_hash(space, entry);
		mx_port_clear_destination(port);
		spin_lock(&port->lock);
		port->receiver = space;
		port->receiver_name = entry->name;
		spin_unlock(&port->lock);
		wake_up_all(&port->rcv_wait);
		break;
	}
}

/* A send right to a dead port arrives as the name MACH_PORT_DEAD. */
static bool copyout_dead(struct mx_port *port, u32 type, u32 *name)
{
	if (type == MACH_MSG_TYPE_PORT_RECEIVE || READ_ONCE(port->active))
		return false;
	if (type == MACH_MSG_TYPE_PORT_SEND)
		mx_port_release_send(port);
	else
		mx_port_consume_send_once(port);
	*name = MACH_PORT_DEAD;
	return true;
}

/*
 * Insert a right (with its reference) into the space, under the name the
 * space already has for the port if it has one (send, receive), else a
 * new name.  On failure the right is still the caller's.
 */
mx_return_t mx_right_copyout(struct mx_space *space, struct mx_port *port, u32 type,
			     u32 *name)
{
	struct mx_entry *entry = NULL;
	mx_return_t kr;

	lockdep_assert_held(&space->lock);
	if (copyout_dead(port, type, name))
		return KERN_SUCCESS;
	if (type != MACH_MSG_TYPE_PORT_SEND_ONCE)
		entry = mx_entry_by_port(space, port);
	if (entry) {
		if (type == MACH_MSG_TYPE_PORT_SEND && entry->urefs >= MACH_PORT_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		entry_add_right(space, entry, port, type, false);
	} else {
		kr = mx_entry_alloc(space, MACH_PORT_NULL, &entry);
		if (kr != KERN_SUCCESS)
			return kr;
		entry_add_right(space, entry, port, type, true);
	}
	*name = entry->name;
	return KERN_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mx_right_copyout);

/*
 * Give @space a new send right to @port: the right is copied (with its
 * reference) and copied out under a name; on failure nothing changed.
 * The one sequence for handing out kernel-object ports (task, thread,
 * host).  With space->lock held.
 */
mx_return_t mx_right_copyout_send(struct mx_space *space, struct mx_port *port, u32 *name)
{
	mx_return_t kr;

	lockdep_assert_held(&space->lock);
	mx_port_copy_send(port);
	kr = mx_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND, name);
	if (kr != KERN_SUCCESS)
		mx_port_release_send(port);
	return kr;
}
EXPORT_SYMBOL_IF_KUNIT(mx_right_copyout_send);

/* The same, under a name the caller chooses (mach_port_insert_right). */
mx_return_t mx_right_copyout_name(struct mx_space *space, struct mx_port *port,
				  u32 type, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(space, name);
	struct mx_entry *other = NULL;
	mx_return_t kr;

	lockdep_assert_held(&space->lock);
	if (name == MACH_PORT_NULL || name == MACH_PORT_DEAD)
		return KERN_INVALID_VALUE;
	/*
	 * A send right to a port that has died becomes a dead name first, so
	 * that it can no longer match @port below.
	 */
	if (entry)
		mx_entry_check_dead(space, entry);
	if (type != MACH_MSG_TYPE_PORT_SEND_ONCE)
		other = mx_entry_by_port(space, port);
	if (entry) {
		if (entry != other || type == MACH_MSG_TYPE_PORT_SEND_ONCE)
			return KERN_NAME_EXISTS;
		if (type == MACH_MSG_TYPE_PORT_RECEIVE && (entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_RIGHT_EXISTS;
		if (type == MACH_MSG_TYPE_PORT_SEND && entry->urefs >= MACH_PORT_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		entry_add_right(space, entry, port, type, false);
		return KERN_SUCCESS;
	}
	if (other)
		return KERN_RIGHT_EXISTS;
	if (!READ_ONCE(port->active) && type != MACH_MSG_TYPE_PORT_RECEIVE)
		return KERN_INVALID_CAPABILITY;
	kr = mx_entry_alloc(space, name, &entry);
	if (kr != KERN_SUCCESS)
		return kr;
	entry_add_right(space, entry, port, type, true);
	return KERN_SUCCESS;
}
