// SPDX-License-Identifier: GPL-2.0
/*
 * Ports and port sets: allocation, the counting of send and send-once
 * rights, the death of a port when its receive right is destroyed (or its
 * journey in a port-destroyed notification instead), and the
 * notifications (no-senders, send-once, dead-name, port-deleted,
 * port-destroyed, send-possible) that follow from all of these.
 */
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "../msg/msg.h"
#include "../names/names.h"
#include "ports.h"

/* A new port, charged to the caller's user; NULL at a cap or without memory. */
struct mx_port *mx_port_alloc(void)
{
	struct mx_user *user = mx_charge(MX_LIMIT_PORTS);
	struct mx_port *port;

	if (!user)
		return NULL;
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port) {
		mx_uncharge(user, MX_LIMIT_PORTS);
		return NULL;
	}
	port->user = user;
	refcount_set(&port->ref, 1);
	spin_lock_init(&port->lock);
	port->active = true;
	INIT_LIST_HEAD(&port->msgs);
	port->qlimit = MACH_PORT_QLIMIT_DEFAULT;
	init_waitqueue_head(&port->rcv_wait);
	init_waitqueue_head(&port->snd_wait);
	INIT_LIST_HEAD(&port->pset_link);
	INIT_LIST_HEAD(&port->dnrequests);
	atomic_long_inc(&mx_nr_ports);
	return port;
}
EXPORT_SYMBOL_IF_KUNIT(mx_port_alloc);

void mx_port_get(struct mx_port *port)
{
	refcount_inc(&port->ref);
}
EXPORT_SYMBOL_IF_KUNIT(mx_port_get);

void mx_port_put(struct mx_port *port)
{
	if (!refcount_dec_and_test(&port->ref))
		return;
	WARN_ON_ONCE(port->active && port->receiver);
	WARN_ON_ONCE(!list_empty(&port->msgs));
	WARN_ON_ONCE(port->pdrequest);
	atomic_long_dec(&mx_nr_ports);
	mx_uncharge(port->user, MX_LIMIT_PORTS);
	kfree(port);
}
EXPORT_SYMBOL_IF_KUNIT(mx_port_put);

struct mx_pset *mx_pset_alloc(void)
{
	struct mx_pset *pset = kzalloc(sizeof(*pset), GFP_KERNEL_ACCOUNT);

	if (!pset)
		return NULL;
	refcount_set(&pset->ref, 1);
	spin_lock_init(&pset->lock);
	pset->active = true;
	INIT_LIST_HEAD(&pset->members);
	init_waitqueue_head(&pset->rcv_wait);
	atomic_long_inc(&mx_nr_psets);
	return pset;
}

void mx_pset_put(struct mx_pset *pset)
{
	if (!refcount_dec_and_test(&pset->ref))
		return;
	atomic_long_dec(&mx_nr_psets);
	kfree(pset);
}

/* The set's right is gone: its members leave, its receivers wake. */
void mx_pset_destroy(struct mx_pset *pset)
{
	struct mx_port *port, *tmp;

	spin_lock(&pset->lock);
	pset->active = false;
	list_for_each_entry_safe(port, tmp, &pset->members, pset_link) {
		spin_lock(&port->lock);
		list_del_init(&port->pset_link);
		port->pset = NULL;
		spin_unlock(&port->lock);
	}
	spin_unlock(&pset->lock);
	wake_up_all(&pset->rcv_wait);
}

/* Take @port out of its set, if any.  The caller holds its receive right. */
void mx_pset_remove(struct mx_port *port)
{
	struct mx_pset *pset;

	spin_lock(&port->lock);
	pset = port->pset;
	if (pset)
		refcount_inc(&pset->ref);
	spin_unlock(&port->lock);
	if (!pset)
		return;
	spin_lock(&pset->lock);
	spin_lock(&port->lock);
	if (port->pset == pset) {
		list_del_init(&port->pset_link);
		port->pset = NULL;
	}
	spin_unlock(&port->lock);
	spin_unlock(&pset->lock);
	mx_pset_put(pset);
}

/*
 * A new send right (made: the make-send count goes up; or copied), or a
 * send-once right, to @port: each comes with a reference of its own to
 * the port, which the matching release drops.
 */
void mx_port_make_send(struct mx_port *port)
{
	spin_lock(&port->lock);
	atomic_inc(&port->srights);
	port->mscount++;
	spin_unlock(&port->lock);
	mx_port_get(port);
}

/*
 * The caller holds a send right to @port, or @port is a kernel object's
 * (no one can ask for its no-senders notification): no lock.
 */
void mx_port_copy_send(struct mx_port *port)
{
	atomic_inc(&port->srights);
	mx_port_get(port);
}

void mx_port_make_send_once(struct mx_port *port)
{
	atomic_inc(&port->sorights);
	mx_port_get(port);
}

/* Drop a send right and the reference that came with it. */
void mx_port_release_send(struct mx_port *port)
{
	struct mx_port *notify = NULL;
	u32 mscount = 0;

	/* Only the last one takes the lock, for the no-senders check. */
	if (!WARN_ON_ONCE(atomic_read(&port->srights) <= 0) &&
	    atomic_dec_and_lock(&port->srights, &port->lock)) {
		if (port->active && port->nsrequest) {
			notify = port->nsrequest;
			port->nsrequest = NULL;
			mscount = port->mscount;
		}
		spin_unlock(&port->lock);
	}
	if (notify)
		mx_notify(notify, MACH_NOTIFY_NO_SENDERS, mscount);
	mx_port_put(port);
}
EXPORT_SYMBOL_IF_KUNIT(mx_port_release_send);

/*
 * A send-once right destroyed unused: the kernel uses it to send a
 * send-once notification, so whoever waits on the port learns that no
 * reply will come.
 */
void mx_port_release_send_once(struct mx_port *port)
{
	mx_notify(port, MACH_NOTIFY_SEND_ONCE, 0);
}

/* A send-once right used up (its message was delivered, or cannot be). */
void mx_port_consume_send_once(struct mx_port *port)
{
	atomic_dec(&port->sorights);
	mx_port_put(port);
}

/* Release a right of any type carried in a message. */
void mx_port_release(struct mx_port *port, u32 type, struct list_head *reap)
{
	switch (type) {
	case MACH_MSG_TYPE_PORT_SEND:
		mx_port_release_send(port);
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		mx_port_release_send_once(port);
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		mx_port_destroy(port, reap);
		mx_port_put(port);
		break;
	}
}

/* The receive right of @port is no longer in transit. */
void mx_port_clear_destination(struct mx_port *port)
{
	struct mx_port *dest;

	spin_lock(&mx_transit_lock);
	dest = port->destination;
	port->destination = NULL;
	spin_unlock(&mx_transit_lock);
	if (dest)
		mx_port_put(dest);
}

/*
 * The receive right of @port would be destroyed while a port-destroyed
 * request (@pd, a send-once right) is registered: as in XNU's
 * ipc_port_destroy, the port does not die.  It leaves its space and its
 * set, loses its make-send count and sequence number, and travels, with
 * its queue, its other requests and its senders, to @pd in a
 * port-destroyed notification (mach_port_destroyed_notification_t: the
 * receive right in one port descriptor).  Receivers waiting on it see
 * MACH_RCV_PORT_CHANGED.
 *
 * A notification that cannot be queued (@pd's port is dead or full, or
 * the notification would put the port into its own transit chain) goes
 * to @reap, and destroying it there destroys the port for good: a loop
 * in mx_reap(), never a recursion, however many ports wait on each other.
 * False, with @pd released, when there is no memory (or a cap is hit)
 * for the notification: the port is then destroyed as usual.
 */
static bool port_destroyed_notify(struct mx_port *port, struct mx_port *pd,
				  struct list_head *reap)
{
	const u32 off = sizeof(struct mach_msg_header) + sizeof(struct mach_msg_body);
	struct mach_msg_port_descriptor *d;
	struct mx_kmsg *kmsg;

	kmsg = mx_kmsg_alloc(off + sizeof(*d), 1, GFP_KERNEL_ACCOUNT);
	if (!kmsg) {
		mx_port_release_send_once(pd);
		return false;
	}
	mx_port_clear_destination(port);
	mx_pset_remove(port);
	spin_lock(&port->lock);
	port->receiver = NULL;
	port->receiver_name = 0;
	port->mscount = 0;
	port->seqno = 0;
	spin_unlock(&port->lock);
	wake_up_all(&port->rcv_wait);

	kmsg->hdr->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0) |
			       MACH_MSGH_BITS_COMPLEX;
	kmsg->hdr->msgh_id = MACH_NOTIFY_PORT_DESTROYED;
	((struct mach_msg_body *)(kmsg->hdr + 1))->msgh_descriptor_count = 1;
	d = (struct mach_msg_port_descriptor *)(kmsg->data + off);
	d->disposition = MACH_MSG_TYPE_PORT_RECEIVE;
	d->type = MACH_MSG_PORT_DESCRIPTOR;
	mx_port_get(port);		/* the message's, with the right */
	kmsg->desc[0].port = port;
	kmsg->desc[0].type = MACH_MSG_TYPE_PORT_RECEIVE;
	kmsg->desc[0].offset = off;
	kmsg->ndesc = 1;
	kmsg->carries_receive = true;
	kmsg->dest = pd;
	kmsg->dest_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
	if (mx_kmsg_send_reap(kmsg, reap) != MACH_MSG_SUCCESS)
		list_add_tail(&kmsg->link, reap);
	return true;
}

/*
 * The receive right of @port is destroyed.  With a port-destroyed
 * request registered, the port lives on in a notification instead (see
 * above).  Otherwise its queued messages go to @reap, every dead-name
 * request fires, the no-senders request is released (a send-once
 * notification to its port), and everyone waiting to send or receive
 * wakes to find the port dead.  Sleeps (only when a port-destroyed
 * request is registered, which kernel-object ports never have).
 */
void mx_port_destroy(struct mx_port *port, struct list_head *reap)
{
	struct mx_dnrequest *req, *tmp;
	struct mx_port *nsrequest, *pd;
	LIST_HEAD(dead);

	spin_lock(&port->lock);
	pd = port->pdrequest;
	port->pdrequest = NULL;
	spin_unlock(&port->lock);
	if (pd && (!READ_ONCE(pd->active) || pd->kotype != MX_KOBJECT_NONE)) {
		/* As XNU: nobody to tell, the right is just consumed. */
		mx_port_consume_send_once(pd);
		pd = NULL;
	}
	if (pd && port_destroyed_notify(port, pd, reap))
		return;

	mx_port_clear_destination(port);
	mx_pset_remove(port);
	spin_lock(&port->lock);
	port->active = false;
	port->receiver = NULL;
	port->receiver_name = 0;
	list_splice_tail_init(&port->msgs, reap);
	port->msgcount = 0;
	nsrequest = port->nsrequest;
	port->nsrequest = NULL;
	list_splice_init(&port->dnrequests, &dead);
	spin_unlock(&port->lock);

	wake_up_all(&port->rcv_wait);
	wake_up_all(&port->snd_wait);
	if (nsrequest)
		mx_port_release_send_once(nsrequest);
	list_for_each_entry_safe(req, tmp, &dead, link) {
		mx_notify(req->notify, MACH_NOTIFY_DEAD_NAME, req->name);
		kfree(req);
	}
}
EXPORT_SYMBOL_IF_KUNIT(mx_port_destroy);

/*
 * A message was taken off @port: every armed send-possible request fires
 * (XNU's ipc_port_spnotify, from ipc_kmsg_copyout_header), once, and is
 * gone, as XNU claims the request's send-once right.  Nothing locked; the
 * caller holds a reference to the port.
 */
void mx_port_spnotify(struct mx_port *port)
{
	struct mx_dnrequest *req, *tmp;
	LIST_HEAD(fire);

	if (!READ_ONCE(port->sprequests))
		return;
	spin_lock(&port->lock);
	port->sprequests = false;
	if (port->active) {
		list_for_each_entry_safe(req, tmp, &port->dnrequests, link)
			if (req->flags & MX_REQ_ARMED)
				list_move_tail(&req->link, &fire);
	}
	spin_unlock(&port->lock);
	list_for_each_entry_safe(req, tmp, &fire, link) {
		mx_notify(req->notify, MACH_NOTIFY_SEND_POSSIBLE, req->name);
		kfree(req);
	}
}
EXPORT_SYMBOL_IF_KUNIT(mx_port_spnotify);

/*
 * Send notification @id to @notify, consuming that send-once right.
 * The body is an NDR record and one 32-bit argument (a name or a count),
 * except for send-once notifications, which are a bare header.
 */
void mx_notify(struct mx_port *notify, s32 id, u32 arg)
{
	u32 size = sizeof(struct mach_msg_header);
	struct mx_kmsg *kmsg;
	struct ndr_record *ndr;

	if (!notify)
		return;
	if (id != MACH_NOTIFY_SEND_ONCE)
		size += sizeof(*ndr) + sizeof(u32);
	kmsg = mx_kmsg_alloc(size, 0, GFP_KERNEL_ACCOUNT);
	if (kmsg) {
		kmsg->hdr->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0);
		kmsg->hdr->msgh_id = id;
		if (id != MACH_NOTIFY_SEND_ONCE) {
			ndr = (struct ndr_record *)(kmsg->hdr + 1);
			ndr->int_rep = 1;	/* little endian, as NDR_record */
			memcpy(ndr + 1, &arg, sizeof(arg));
		}
		kmsg->dest = notify;
		kmsg->dest_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		if (mx_kmsg_send(kmsg, 0, 0) == MACH_MSG_SUCCESS)
			return;
		mx_kmsg_free(kmsg);
	}
	/* Nobody to tell: the port is dead (or we are out of memory). */
	mx_port_consume_send_once(notify);
}
