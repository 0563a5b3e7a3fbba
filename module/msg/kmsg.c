// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel messages: the bytes of a Mach message plus the rights it carries,
 * turned from the sender's names into ports (copyin) and from ports into
 * the receiver's names (copyout).
 */
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "msg.h"
#include "../names/names.h"
#include "../ports/ports.h"

/*
 * A message of @size bytes with room for @ndesc rights, and for its
 * trailer after it (msg/mqueue.c copies both out at once), charged to
 * the caller's user; NULL at a cap or without memory.
 */
struct mx_kmsg *mx_kmsg_alloc(u32 size, u32 ndesc, gfp_t gfp)
{
	struct mx_user *user = mx_charge(MX_LIMIT_MSGS);
	u32 room = size + sizeof(struct mach_msg_max_trailer);
	struct mx_kmsg *kmsg;

	if (!user)
		return NULL;
	kmsg = kvzalloc(struct_size(kmsg, data, room), gfp);
	if (!kmsg) {
		mx_uncharge(user, MX_LIMIT_MSGS);
		return NULL;
	}
	kmsg->user = user;
	if (ndesc) {
		kmsg->desc = kvcalloc(ndesc, sizeof(*kmsg->desc), gfp);
		if (!kmsg->desc) {
			mx_uncharge(user, MX_LIMIT_MSGS);
			kvfree(kmsg);
			return NULL;
		}
	}
	INIT_LIST_HEAD(&kmsg->link);
	kmsg->size = size;
	kmsg->room = room;
	kmsg->hdr = (struct mach_msg_header *)kmsg->data;
	kmsg->hdr->msgh_size = size;
	atomic_long_inc(&mx_nr_kmsgs);
	return kmsg;
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_alloc);

/* A space's kept message takes a reply carrying a thread state. */
static_assert(sizeof(struct mach_msg_header) + 8 + 3 * sizeof(u32) + 42 * sizeof(u32) <=
	      MX_KMSG_KEPT_SIZE);

/*
 * Claim the kept message *@cachep (made on first use, with @room bytes of
 * data: each *@cachep is always claimed with the same @room) for a message
 * of @size bytes: NULL if it is in flight or too small, or without
 * memory.  Any lock or none (GFP_KERNEL).
 */
static struct mx_kmsg *kept_claim(struct mx_kmsg_cache **cachep, u32 size, u32 room)
{
	struct mx_kmsg_cache *c = READ_ONCE(*cachep), *old;
	struct mx_kmsg *kmsg;

	if (size > room)
		return NULL;
	if (!c) {
		c = kmalloc(sizeof(*c) + room, GFP_KERNEL_ACCOUNT);
		if (!c)
			return NULL;
		atomic_set(&c->ref, 1);
		/* Two threads of a space making it at once: one stays. */
		old = cmpxchg(cachep, NULL, c);
		if (old) {
			kfree(c);
			c = old;
		}
	}
	if (atomic_cmpxchg(&c->ref, 1, 2) != 1)
		return NULL;
	kmsg = &c->kmsg;
	memset(kmsg, 0, sizeof(*kmsg));
	kmsg->cache = c;
	INIT_LIST_HEAD(&kmsg->link);
	kmsg->size = size;
	kmsg->room = room;
	kmsg->hdr = (struct mach_msg_header *)kmsg->data;
	atomic_long_inc(&mx_nr_kmsgs);
	return kmsg;
}

/*
 * A message of @size bytes with room for @ndesc rights, from the sender's
 * kept message *@cachep when it fits and is not in flight, else as
 * mx_kmsg_alloc(); zeroed.  The kept one is not charged to the user (the
 * kernel's own messages, one per thread at most); an allocated one is.
 * NULL without memory.  Any lock or none (GFP_KERNEL).
 */
struct mx_kmsg *mx_kmsg_alloc_cached(struct mx_kmsg_cache **cachep, u32 size, u32 ndesc)
{
	struct mx_kmsg *kmsg = NULL;

	if (ndesc <= MX_KMSG_CACHE_DESC)
		kmsg = kept_claim(cachep, size, MX_KMSG_CACHE_SIZE);
	if (!kmsg)
		return mx_kmsg_alloc(size, ndesc, GFP_KERNEL_ACCOUNT);
	memset(kmsg->data, 0, size);
	if (ndesc) {
		memset(kmsg->cache->desc, 0, sizeof(kmsg->cache->desc));
		kmsg->desc = kmsg->cache->desc;
	}
	kmsg->hdr->msgh_size = size;
	return kmsg;
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_alloc_cached);

/*
 * A message of @size bytes from a user's send, in the sending space's kept
 * message *@cachep when it fits and is not in flight, else as
 * mx_kmsg_alloc(): charged to the user either way.  Its data is not
 * zeroed (the caller copies in all of it); no room for rights (copyin
 * makes it).  NULL at the user's cap or without memory.  Any lock or
 * none (GFP_KERNEL).
 */
struct mx_kmsg *mx_kmsg_alloc_kept(struct mx_kmsg_cache **cachep, u32 size)
{
	struct mx_user *user;
	struct mx_kmsg *kmsg;

	kmsg = kept_claim(cachep, size, MX_KMSG_KEPT_SIZE);
	if (!kmsg)
		return mx_kmsg_alloc(size, 0, GFP_KERNEL_ACCOUNT);
	user = mx_charge(MX_LIMIT_MSGS);
	if (!user) {
		mx_kmsg_free(kmsg);
		return NULL;
	}
	kmsg->user = user;
	return kmsg;
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_alloc_kept);

/* Drop a reference to a kept message; the last frees it.  Any context. */
void mx_kmsg_cache_put(struct mx_kmsg_cache *cache)
{
	int left;

	if (!cache)
		return;
	left = atomic_dec_return(&cache->ref);
	WARN_ON_ONCE(left < 0);		/* put once too often */
	if (!left)
		kfree(cache);
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_cache_put);

/* Free the memory only; the rights are someone else's business. */
void mx_kmsg_free(struct mx_kmsg *kmsg)
{
	struct mx_kmsg_cache *c = kmsg->cache;

	put_pid(kmsg->sender);
	put_pid(kmsg->exc_task);
	mx_uncharge(kmsg->user, MX_LIMIT_MSGS);
	mx_kmsg_ool_free(kmsg);
	if (kmsg->desc && (!c || kmsg->desc != c->desc))
		kvfree(kmsg->desc);
	atomic_long_dec(&mx_nr_kmsgs);
	if (c)
		mx_kmsg_cache_put(c);	/* its sender's kept message: back to it */
	else
		kvfree(kmsg);
}
EXPORT_SYMBOL_IF_KUNIT(mx_kmsg_free);

/*
 * Destroy a message that will never be received: release every right it
 * carries.  Its destination right is consumed, not returned: the message
 * was delivered, or the port is dead.
 */
void mx_kmsg_destroy(struct mx_kmsg *kmsg, struct list_head *reap)
{
	u32 i;

	if (kmsg->dest) {
		if (kmsg->dest_type == MACH_MSG_TYPE_PORT_SEND)
			mx_port_release_send(kmsg->dest);
		else
			mx_port_consume_send_once(kmsg->dest);
	}
	if (kmsg->reply)
		mx_port_release(kmsg->reply, kmsg->reply_type, reap);
	for (i = 0; i < kmsg->ndesc; i++)
		if (kmsg->desc[i].port)
			mx_port_release(kmsg->desc[i].port, kmsg->desc[i].type, reap);
	mx_kmsg_free(kmsg);
}

/*
 * Destroy messages until none are left.  Destroying one can kill a port
 * whose receive right it carried, which adds that port's messages to the
 * list: a loop, not recursion, however deep the nesting, and one that
 * yields: a user may have queued a few hundred thousand.  Sleeps.
 */
void mx_reap(struct list_head *reap)
{
	struct mx_kmsg *kmsg;

	while ((kmsg = list_first_entry_or_null(reap, struct mx_kmsg, link))) {
		list_del_init(&kmsg->link);
		mx_kmsg_destroy(kmsg, reap);
		cond_resched();
	}
}
EXPORT_SYMBOL_IF_KUNIT(mx_reap);

static bool is_send_disposition(u32 d)
{
	return d == MACH_MSG_TYPE_MOVE_SEND || d == MACH_MSG_TYPE_COPY_SEND ||
	       d == MACH_MSG_TYPE_MAKE_SEND || d == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
	       d == MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* The type a right has in transit, for a disposition. */
static u32 transit_type(u32 d)
{
	switch (d) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return MACH_MSG_TYPE_PORT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return MACH_MSG_TYPE_PORT_SEND_ONCE;
	default:
		return MACH_MSG_TYPE_PORT_SEND;
	}
}

/* Give the sender back what copyin took (a failed send). */
void mx_kmsg_copyin_undo(struct mx_space *space, struct mx_kmsg *kmsg)
{
	struct mach_msg_header *h = kmsg->hdr;
	u32 i;

	lockdep_assert_held(&space->lock);
	for (i = kmsg->ndesc; i-- > 0;) {
		if (kmsg->desc[i].port)
			mx_right_copyin_undo(space, kmsg->desc[i].name, kmsg->desc[i].disposition,
					     kmsg->desc[i].port, kmsg->desc[i].type);
	}
	kmsg->ndesc = 0;
	if (kmsg->reply)
		mx_right_copyin_undo(space, h->msgh_local_port,
				     MACH_MSGH_BITS_LOCAL(h->msgh_bits),
				     kmsg->reply, kmsg->reply_type);
	kmsg->reply = NULL;
	if (kmsg->dest)
		mx_right_copyin_undo(space, h->msgh_remote_port,
				     MACH_MSGH_BITS_REMOTE(h->msgh_bits),
				     kmsg->dest, kmsg->dest_type);
	kmsg->dest = NULL;
}

/* Copy in one right of the body: the sender's @name with @disposition. */
static mx_return_t copyin_one(struct mx_space *space, struct mx_kmsg *kmsg, u32 name,
			      u32 disposition, u32 offset, struct mx_kool *ool, u32 index)
{
	struct mx_kdesc *k = &kmsg->desc[kmsg->ndesc];
	bool was_receive;

	if (!is_send_disposition(disposition) && disposition != MACH_MSG_TYPE_MOVE_RECEIVE)
		return MACH_SEND_INVALID_RIGHT;
	*k = (struct mx_kdesc){ .name = name, .type = transit_type(disposition),
				.offset = offset, .disposition = disposition,
				.ool = ool, .index = index };
	kmsg->ndesc++;
	if (name == MACH_PORT_NULL || name == MACH_PORT_DEAD)
		return MACH_MSG_SUCCESS;
	if (mx_right_copyin(space, name, disposition, &k->port, &k->type,
			    &was_receive) != KERN_SUCCESS) {
		k->port = NULL;
		return MACH_SEND_INVALID_RIGHT;
	}
	if (was_receive)
		kmsg->carries_receive = true;
	return MACH_MSG_SUCCESS;
}

/*
 * The rights of the body: port descriptors and port arrays, in order.
 * msg/ool.c checked the descriptors and read the arrays' names.
 */
static mx_return_t copyin_body(struct mx_space *space, struct mx_kmsg *kmsg)
{
	const u32 first = sizeof(struct mach_msg_header) + sizeof(struct mach_msg_body);
	struct mach_msg_port_descriptor *d;
	struct mx_kool *ool = kmsg->ool;
	u32 count, i, j, offset = first;
	mx_return_t mr;

	count = ((struct mach_msg_body *)(kmsg->hdr + 1))->msgh_descriptor_count;
	if (!kmsg->nrights)
		return MACH_MSG_SUCCESS;
	kmsg->desc = kvcalloc(kmsg->nrights, sizeof(*kmsg->desc), GFP_KERNEL_ACCOUNT);
	if (!kmsg->desc)
		return MACH_SEND_NO_BUFFER;

	for (i = 0; i < count; i++) {
		d = (struct mach_msg_port_descriptor *)(kmsg->data + offset);
		if (d->type == MACH_MSG_PORT_DESCRIPTOR) {
			mr = copyin_one(space, kmsg, d->name, d->disposition, offset, NULL, 0);
			if (mr != MACH_MSG_SUCCESS)
				return mr;
			offset += sizeof(*d);
			continue;
		}
		/* msg/ool.c's walk put every out-of-line one in ool[], in order. */
		if (ool->type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			for (j = 0; j < ool->size; j++) {
				mr = copyin_one(space, kmsg, ((u32 *)ool->data)[j],
						d->disposition, offset, ool, j);
				if (mr != MACH_MSG_SUCCESS)
					return mr;
			}
		}
		ool++;
		offset += sizeof(struct mach_msg_ool_descriptor64);
	}
	return MACH_MSG_SUCCESS;
}

/*
 * Translate the sender's names into rights.  On failure nothing has
 * changed in the space.
 */
mx_return_t mx_kmsg_copyin(struct mx_space *space, struct mx_kmsg *kmsg)
{
	struct mach_msg_header *h = kmsg->hdr;
	u32 remote, local;
	bool was_receive;
	mx_return_t mr;

	lockdep_assert_held(&space->lock);
	h->msgh_bits &= MACH_MSGH_BITS_USER;
	remote = MACH_MSGH_BITS_REMOTE(h->msgh_bits);
	local = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
	if (MACH_MSGH_BITS_VOUCHER(h->msgh_bits) && h->msgh_voucher_port != MACH_PORT_NULL)
		return MACH_SEND_INVALID_VOUCHER;
	if (!is_send_disposition(remote) || (local && !is_send_disposition(local)) ||
	    (!local && h->msgh_local_port != MACH_PORT_NULL))
		return MACH_SEND_INVALID_HEADER;

	if (mx_right_copyin(space, h->msgh_remote_port, remote, &kmsg->dest,
			    &kmsg->dest_type, &was_receive) != KERN_SUCCESS) {
		kmsg->dest = NULL;
		return MACH_SEND_INVALID_DEST;
	}
	if (local) {
		kmsg->reply_type = transit_type(local);
		kmsg->reply_name = h->msgh_local_port;
		if (h->msgh_local_port != MACH_PORT_NULL && h->msgh_local_port != MACH_PORT_DEAD &&
		    mx_right_copyin(space, h->msgh_local_port, local, &kmsg->reply,
				    &kmsg->reply_type, &was_receive) != KERN_SUCCESS) {
			kmsg->reply = NULL;
			mx_kmsg_copyin_undo(space, kmsg);
			return MACH_SEND_INVALID_REPLY;
		}
	}
	if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		mr = copyin_body(space, kmsg);
		if (mr != MACH_MSG_SUCCESS) {
			mx_kmsg_copyin_undo(space, kmsg);
			return mr;
		}
	}
	return MACH_MSG_SUCCESS;
}

/* Insert a carried right into the receiver's space; its name, or DEAD. */
static u32 copyout_right(struct mx_space *space, struct mx_port *port, u32 type,
			 struct list_head *reap, mx_return_t *mr, mx_return_t err)
{
	u32 name;

	if (mx_right_copyout(space, port, type, &name) == KERN_SUCCESS)
		return name;
	mx_port_release(port, type, reap);
	*mr = err | MACH_MSG_IPC_SPACE;
	return MACH_PORT_DEAD;
}

/*
 * Rights into the receiver's names.  The header comes out the Mach way
 * round: the reply right becomes msgh_remote_port, the receive right the
 * message came through msgh_local_port.  The destination right itself is
 * consumed.  The kmsg keeps no rights afterwards.
 */
mx_return_t mx_kmsg_copyout(struct mx_space *space, struct mx_kmsg *kmsg,
			    struct list_head *reap)
{
	struct mach_msg_header *h = kmsg->hdr;
	mx_return_t mr = MACH_MSG_SUCCESS;
	u32 reply_name = kmsg->reply_name;
	u32 i;

	lockdep_assert_held(&space->lock);
	h->msgh_local_port = kmsg->dest->receiver_name;
	if (kmsg->dest_type == MACH_MSG_TYPE_PORT_SEND)
		mx_port_release_send(kmsg->dest);
	else
		mx_port_consume_send_once(kmsg->dest);
	kmsg->dest = NULL;

	if (kmsg->reply)
		reply_name = copyout_right(space, kmsg->reply, kmsg->reply_type, reap, &mr,
					   MACH_RCV_HEADER_ERROR);
	kmsg->reply = NULL;
	h->msgh_remote_port = reply_name;
	h->msgh_voucher_port = MACH_PORT_NULL;
	h->msgh_bits = (h->msgh_bits & ~MACH_MSGH_BITS_PORTS_MASK) |
		       MACH_MSGH_BITS(kmsg->reply_type, kmsg->dest_type);

	for (i = 0; i < kmsg->ndesc; i++) {
		struct mach_msg_port_descriptor *d = (void *)(kmsg->data + kmsg->desc[i].offset);
		struct mx_kdesc *k = &kmsg->desc[i];
		u32 name = k->name;

		if (k->port && k->ool && k->ool->failed) {
			/* Its array could not be mapped: the right goes. */
			mx_port_release(k->port, k->type, reap);
			name = MACH_PORT_NULL;
		} else if (k->port) {
			name = copyout_right(space, k->port, k->type, reap, &mr,
					     MACH_RCV_BODY_ERROR);
		}
		k->port = NULL;
		/* A port array's disposition sits where a descriptor's does. */
		d->disposition = k->type;
		if (k->ool)
			((u32 *)k->ool->data)[k->index] = name;
		else
			d->name = name;
	}
	return mr;
}
