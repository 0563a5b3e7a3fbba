// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the name table, the accounting of rights, and message queues.
 * Each test works on a space of its own (in a task made for it, never
 * put in the table of tasks, so tied to no process).
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../msg/msg.h"
#include "../names/names.h"
#include "../ports/ports.h"
#include "../task/task.h"

struct ipc_ctx {
	struct mx_task *task;
	struct mx_space *space;
};

static int ipc_init(struct kunit *test)
{
	struct ipc_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->task = mx_task_create(current);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->task);
	ctx->space = &ctx->task->space;
	test->priv = ctx;
	return 0;
}

static void ipc_exit(struct kunit *test)
{
	struct ipc_ctx *ctx = test->priv;

	mx_task_destroy(ctx->task);
	mx_task_put(ctx->task);
}

/* A receive right under a fresh name, as mach_port_allocate makes it. */
static u32 new_receive(struct kunit *test, struct mx_space *space, struct mx_port **out)
{
	struct mx_entry *entry;
	struct mx_port *port = mx_port_alloc();

	KUNIT_ASSERT_NOT_NULL(test, port);
	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &entry), KERN_SUCCESS);
	entry->type = MACH_PORT_TYPE_RECEIVE;
	entry->port = port;
	mx_entry_hash(space, entry);
	port->receiver = space;
	port->receiver_name = entry->name;
	mutex_unlock(&space->lock);
	*out = port;
	return entry->name;
}

static void names_have_generations(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	struct mx_entry *a, *b;
	u32 old;

	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &a), KERN_SUCCESS);
	KUNIT_EXPECT_NE(test, a->name, MACH_PORT_NULL);
	KUNIT_EXPECT_NE(test, a->name, MACH_PORT_DEAD);
	KUNIT_EXPECT_PTR_EQ(test, mx_entry_lookup(space, a->name), a);
	old = a->name;
	mx_entry_free(space, a);
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, old));

	/* Same index again, new generation: the old name stays dead. */
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, (old & ~0xffU) | ((old + 4) & 0xff), &b),
			KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, b->name >> 8, old >> 8);
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, old));
	KUNIT_EXPECT_EQ(test, mx_entry_alloc(space, b->name, &a), KERN_NAME_EXISTS);
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, MACH_PORT_NULL));
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, MACH_PORT_DEAD));
	mx_entry_free(space, b);
	mutex_unlock(&space->lock);
}

/*
 * The space keeps its last freed entry for the next name (a server's
 * reply right comes and goes with every message): the same memory, a new
 * name, the old one dead.  One at most: a second free lets go.
 */
static void freed_entry_is_reused_under_a_new_name(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	struct mx_entry *a, *b, *c;
	u32 old;

	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &a), KERN_SUCCESS);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &b), KERN_SUCCESS);
	a->type = MACH_PORT_TYPE_DEAD_NAME;
	a->urefs = 7;
	old = a->name;
	mx_entry_free(space, a);
	KUNIT_EXPECT_PTR_EQ(test, space->spare, a);
	mx_entry_free(space, b);		/* the spare is taken: freed */
	KUNIT_EXPECT_PTR_EQ(test, space->spare, a);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &c), KERN_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, c, a);
	KUNIT_EXPECT_NULL(test, space->spare);
	KUNIT_EXPECT_NE(test, c->name, old);
	KUNIT_EXPECT_EQ(test, mx_name_index(c->name), mx_name_index(old));	/* its slot */
	KUNIT_EXPECT_EQ(test, c->type, 0U);
	KUNIT_EXPECT_EQ(test, c->urefs, 0U);
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&c->by_port));
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, old));
	KUNIT_EXPECT_PTR_EQ(test, mx_entry_lookup(space, c->name), c);
	mx_entry_free(space, c);
	mutex_unlock(&space->lock);
}

/*
 * The kept entry stays in its slot with no name: no lookup finds it, no
 * walk shows it, the space does not count it, a name asked for at its
 * index takes it and a name asked for elsewhere leaves it kept.
 */
static void kept_entry_has_no_name(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	struct mx_entry *a, *b, *c;
	unsigned long index;
	u32 old, n;

	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &a), KERN_SUCCESS);
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &b), KERN_SUCCESS);
	KUNIT_ASSERT_GT(test, mx_name_index(b->name), mx_name_index(a->name));
	old = a->name;
	n = space->nentries;
	mx_entry_free(space, a);
	KUNIT_ASSERT_PTR_EQ(test, space->spare, a);
	KUNIT_EXPECT_EQ(test, space->nentries, n - 1);
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, old));
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, mx_name_index(old) << 8));
	index = mx_name_index(old);
	KUNIT_EXPECT_PTR_EQ(test, mx_entry_next(space, &index), b);
	KUNIT_EXPECT_EQ(test, index, mx_name_index(b->name));

	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, 0x777703, &c), KERN_SUCCESS);
	KUNIT_EXPECT_PTR_NE(test, c, a);
	KUNIT_EXPECT_PTR_EQ(test, space->spare, a);
	mx_entry_free(space, c);		/* one kept at most: c goes */
	KUNIT_EXPECT_NULL(test, mx_entry_lookup(space, 0x777703));
	index = 0x7777;
	KUNIT_EXPECT_NULL(test, mx_entry_next(space, &index));

	old = (old & ~0xffU) | ((old + 4) & 0xff);	/* the slot, a new generation */
	KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, old, &c), KERN_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, c, a);
	KUNIT_EXPECT_NULL(test, space->spare);
	KUNIT_EXPECT_PTR_EQ(test, mx_entry_lookup(space, old), c);
	mx_entry_free(space, c);
	mx_entry_free(space, b);
	mutex_unlock(&space->lock);
}

/*
 * Whoever holds a task after it was destroyed (task_for_pid() racing
 * with the process's exit) may still copy a send right to its port out:
 * the port's memory stays with the task, and the right comes out as a
 * dead name.
 */
static void destroyed_tasks_port_copies_out_as_a_dead_name(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	struct mx_task *gone = mx_task_create(current);
	u32 name = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, gone);
	mx_task_destroy(gone);
	mutex_lock(&space->lock);
	KUNIT_EXPECT_EQ(test, mx_right_copyout_send(space, gone->port, &name), KERN_SUCCESS);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_EQ(test, name, MACH_PORT_DEAD);
	mx_task_put(gone);
}

static void names_are_limited(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	unsigned int saved = mx_max_names;
	struct mx_entry *e[4];
	int i;

	mutex_lock(&space->lock);
	mx_max_names = space->nentries + 3;
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &e[i]), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, mx_entry_alloc(space, MACH_PORT_NULL, &e[3]), KERN_NO_SPACE);
	mx_max_names = saved;
	for (i = 0; i < 3; i++)
		mx_entry_free(space, e[i]);
	mutex_unlock(&space->lock);
}

static void send_rights_are_counted(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	struct mx_port *port, *moved;
	bool was_receive;
	u32 name, type, again;

	name = new_receive(test, space, &port);
	mutex_lock(&space->lock);
	/* MAKE_SEND: one more send right, one more made. */
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND, &moved,
					      &type, &was_receive), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, type, (u32)MACH_MSG_TYPE_PORT_SEND);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 1);
	KUNIT_EXPECT_EQ(test, port->mscount, 1U);
	/* Back into the space: merges into the receive right's name. */
	KUNIT_ASSERT_EQ(test, mx_right_copyout(space, moved, type, &again), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, again, name);
	KUNIT_EXPECT_EQ(test, mx_entry_lookup(space, name)->urefs, 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 1);
	/* A second send right merges too: urefs 2, still one send right. */
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_COPY_SEND, &moved,
					      &type, &was_receive), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 2);
	KUNIT_ASSERT_EQ(test, mx_right_copyout(space, moved, type, &again), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, mx_entry_lookup(space, name)->urefs, 2U);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 1);
	/* MOVE_SEND of one uref: the entry keeps the other. */
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MOVE_SEND, &moved,
					      &type, &was_receive), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, mx_entry_lookup(space, name)->urefs, 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 2);
	mutex_unlock(&space->lock);
	mx_port_release_send(moved);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 1);
}

static void no_senders_notification(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	struct mx_port *port, *notify, *sonce, *send;
	struct mx_kmsg *kmsg;
	bool was_receive;
	u32 name, nname, type;

	name = new_receive(test, space, &port);
	nname = new_receive(test, space, &notify);
	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, nname, MACH_MSG_TYPE_MAKE_SEND_ONCE, &sonce,
					      &type, &was_receive), KERN_SUCCESS);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND, &send,
					      &type, &was_receive), KERN_SUCCESS);
	mutex_unlock(&space->lock);
	port->nsrequest = sonce;
	KUNIT_EXPECT_EQ(test, atomic_read(&notify->sorights), 1);

	mx_port_release_send(send);	/* the last send right */
	KUNIT_EXPECT_NULL(test, port->nsrequest);
	KUNIT_ASSERT_EQ(test, notify->msgcount, 1U);
	kmsg = list_first_entry(&notify->msgs, struct mx_kmsg, link);
	KUNIT_EXPECT_EQ(test, kmsg->hdr->msgh_id, MACH_NOTIFY_NO_SENDERS);
	KUNIT_EXPECT_EQ(test, kmsg->dest_type, (u32)MACH_MSG_TYPE_PORT_SEND_ONCE);
	/* not_count, after the NDR record, is the make-send count. */
	KUNIT_EXPECT_EQ(test, *(u32 *)(kmsg->data + sizeof(struct mach_msg_header) +
				      sizeof(struct ndr_record)), 1U);
}

static void queue_limit_and_reap(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_kmsg *k1, *k2, *k3;
	struct mx_port *port;
	bool was_receive;
	u32 name;
	LIST_HEAD(reap);

	name = new_receive(test, space, &port);
	port->qlimit = 1;
	k1 = mx_kmsg_alloc(sizeof(struct mach_msg_header), 0, GFP_KERNEL);
	k2 = mx_kmsg_alloc(sizeof(struct mach_msg_header), 0, GFP_KERNEL);
	k3 = mx_kmsg_alloc(sizeof(struct mach_msg_header), 0, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, k1 && k2 && k3);
	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND, &k1->dest,
					      &k1->dest_type, &was_receive), KERN_SUCCESS);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND, &k2->dest,
					      &k2->dest_type, &was_receive), KERN_SUCCESS);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &k3->dest,
					      &k3->dest_type, &was_receive), KERN_SUCCESS);
	mutex_unlock(&space->lock);

	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k1, 0, 0), (u32)MACH_MSG_SUCCESS);
	/* Full: a plain send cannot wait here; a send-once one always goes. */
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k2, 0, 0), (u32)MACH_SEND_TIMED_OUT);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k3, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 2U);
	mx_port_release_send(k2->dest);
	mx_kmsg_free(k2);

	/* Destroying the receive right reaps the queue and its rights. */
	mx_port_get(port);
	mutex_lock(&space->lock);
	mx_entry_release(space, mx_entry_lookup(space, name), &reap);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_EQ(test, port->msgcount, 0U);
	mx_reap(&reap);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
	KUNIT_EXPECT_FALSE(test, port->active);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->srights), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->sorights), 0);
	KUNIT_EXPECT_EQ(test, refcount_read(&port->ref), 1U);
	mx_port_put(port);
}

/*
 * A receive right destroyed with a port-destroyed request registered
 * lives on, with its queue, in transit in the notification; one whose
 * notification would be queued in its own queue dies for good.
 */
static void port_destroyed_notification(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_port *port, *notify, *sonce;
	struct mach_msg_port_descriptor *d;
	struct mx_kmsg *kmsg;
	bool was_receive;
	u32 name, nname, type;
	LIST_HEAD(reap);

	name = new_receive(test, space, &port);
	nname = new_receive(test, space, &notify);
	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, nname, MACH_MSG_TYPE_MAKE_SEND_ONCE, &sonce,
					      &type, &was_receive), KERN_SUCCESS);
	port->pdrequest = sonce;
	mx_port_get(port);
	mx_entry_release(space, mx_entry_lookup(space, name), &reap);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_TRUE(test, list_empty(&reap));
	KUNIT_EXPECT_TRUE(test, port->active);
	KUNIT_EXPECT_NULL(test, port->receiver);
	KUNIT_EXPECT_NULL(test, port->pdrequest);
	KUNIT_EXPECT_PTR_EQ(test, port->destination, notify);
	KUNIT_ASSERT_EQ(test, notify->msgcount, 1U);
	kmsg = list_first_entry(&notify->msgs, struct mx_kmsg, link);
	KUNIT_EXPECT_EQ(test, kmsg->hdr->msgh_id, MACH_NOTIFY_PORT_DESTROYED);
	KUNIT_EXPECT_EQ(test, kmsg->size, 40U);
	KUNIT_ASSERT_EQ(test, kmsg->ndesc, 1U);
	KUNIT_EXPECT_PTR_EQ(test, kmsg->desc[0].port, port);
	d = (struct mach_msg_port_descriptor *)(kmsg->data + kmsg->desc[0].offset);
	KUNIT_EXPECT_EQ(test, d->disposition, (u8)MACH_MSG_TYPE_PORT_RECEIVE);

	/* Destroying the notify port destroys the notification, and the port. */
	mutex_lock(&space->lock);
	mx_entry_release(space, mx_entry_lookup(space, nname), &reap);
	mutex_unlock(&space->lock);
	mx_reap(&reap);
	KUNIT_EXPECT_FALSE(test, port->active);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
	mx_port_put(port);

	/* To itself: it would be its own transit chain, so it dies. */
	name = new_receive(test, space, &port);
	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &sonce,
					      &type, &was_receive), KERN_SUCCESS);
	port->pdrequest = sonce;
	mx_port_get(port);
	mx_entry_release(space, mx_entry_lookup(space, name), &reap);
	mutex_unlock(&space->lock);
	mx_reap(&reap);
	KUNIT_EXPECT_FALSE(test, port->active);
	KUNIT_EXPECT_EQ(test, atomic_read(&port->sorights), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
	mx_port_put(port);
}

/* A send right to @name in a fresh header-only message. */
static struct mx_kmsg *new_msg(struct kunit *test, struct mx_space *space, u32 name)
{
	struct mx_kmsg *kmsg = mx_kmsg_alloc(sizeof(struct mach_msg_header), 0, GFP_KERNEL);
	bool was_receive;

	KUNIT_ASSERT_NOT_NULL(test, kmsg);
	mutex_lock(&space->lock);
	KUNIT_ASSERT_EQ(test, mx_right_copyin(space, name, MACH_MSG_TYPE_MAKE_SEND, &kmsg->dest,
					      &kmsg->dest_type, &was_receive), KERN_SUCCESS);
	mutex_unlock(&space->lock);
	return kmsg;
}

/*
 * A message goes straight to a receiver waiting with room for it, off
 * the queue; one it has no room for, or one sent while others are
 * queued, is queued as ever; a handed message put back (its receiver
 * killed) is first in line; the old receivers of a receive right that
 * moved are handed nothing.
 */
static void handoff_rules(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	unsigned long direct, requeued, d, r;
	struct mx_kmsg *k1, *k2, *k3, *got;
	struct mx_rcv_waiter small, big;
	struct mx_port *port;
	LIST_HEAD(reap);
	u32 name;

	mx_msg_handoff_counts(&direct, &requeued);
	name = new_receive(test, space, &port);
	/* No room: queued, and the waiter keeps waiting for another. */
	mx_rcv_waiter_init(&small, sizeof(struct mach_msg_header) - 4, space, name);
	mx_rcv_waiter_add(&port->rcv_wait, &small, TASK_RUNNING);
	k1 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k1, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 1U);
	KUNIT_EXPECT_PTR_EQ(test, mx_rcv_waiter_remove(&port->rcv_wait, &small), NULL);
	mx_msg_handoff_counts(&d, &r);
	KUNIT_EXPECT_EQ(test, d, direct);

	/* Room, but a message queued ahead: queued behind it. */
	mx_rcv_waiter_init(&big, 1024, space, name);
	mx_rcv_waiter_add(&port->rcv_wait, &big, TASK_RUNNING);
	k2 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k2, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 2U);
	KUNIT_EXPECT_PTR_EQ(test, big.kmsg, NULL);

	/* The queue emptied: the next one goes straight to the waiter. */
	spin_lock(&port->lock);
	list_splice_init(&port->msgs, &reap);
	port->msgcount = 0;
	spin_unlock(&port->lock);
	mx_reap(&reap);
	k3 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k3, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 0U);
	mx_msg_handoff_counts(&d, &r);
	KUNIT_EXPECT_EQ(test, d, direct + 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&big.entry.entry));	/* off the queue */
	got = mx_rcv_waiter_remove(&port->rcv_wait, &big);
	KUNIT_EXPECT_PTR_EQ(test, got, k3);

	/* Its receiver killed: back at the head of the queue, nothing lost. */
	if (got) {
		mx_kmsg_requeue(got);
		KUNIT_EXPECT_EQ(test, port->msgcount, 1U);
		KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&port->msgs, struct mx_kmsg, link), k3);
		mx_msg_handoff_counts(&d, &r);
		KUNIT_EXPECT_EQ(test, r, requeued + 1);
	}

	/* A waiter on a name that no longer holds the receive right: queued. */
	spin_lock(&port->lock);
	list_splice_init(&port->msgs, &reap);
	port->msgcount = 0;
	spin_unlock(&port->lock);
	mx_reap(&reap);
	mx_rcv_waiter_init(&big, 1024, space, name + 4);
	mx_rcv_waiter_add(&port->rcv_wait, &big, TASK_RUNNING);
	k1 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k1, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 1U);
	KUNIT_EXPECT_PTR_EQ(test, mx_rcv_waiter_remove(&port->rcv_wait, &big), NULL);

	mutex_lock(&space->lock);
	mx_entry_release(space, mx_entry_lookup(space, name), &reap);
	mutex_unlock(&space->lock);
	mx_reap(&reap);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
}

/* A waiter for @name with @room bytes, on @port's queue: @early, or asleep. */
static void add_waiter(struct mx_rcv_waiter *w, struct mx_port *port, struct mx_space *space,
		       u32 name, u32 room, bool early)
{
	mx_rcv_waiter_init(w, room, space, name);
	w->early = early;
	mx_rcv_waiter_add(&port->rcv_wait, w, TASK_RUNNING);
}

/*
 * The handed messages in @got put back in their port's queue, then the
 * receive right @name released, the queue with it: no message is left
 * (@kmsgs: the count before the test).
 */
static void put_back_and_release(struct kunit *test, struct mx_space *space, u32 name,
				 struct mx_kmsg **got, unsigned int n, long kmsgs)
{
	LIST_HEAD(reap);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (got[i])
			mx_kmsg_requeue(got[i]);
	mutex_lock(&space->lock);
	mx_entry_release(space, mx_entry_lookup(space, name), &reap);
	mutex_unlock(&space->lock);
	mx_reap(&reap);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
}

/*
 * A message goes to a receiver asleep in receive before an early waiter
 * (a server still sending its reply) queued ahead of it, and to the
 * early waiter when no receiver sleeps; one waiter gets it, never two;
 * one too large for the waiter chosen is queued for whoever receives.
 */
static void handoff_prefers_a_receiver_asleep(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_rcv_waiter early, asleep;
	struct mx_kmsg *k1, *k2, *k3, *got[4];
	struct mx_port *port;
	u32 name;

	name = new_receive(test, space, &port);
	add_waiter(&early, port, space, name, 1024, true);
	add_waiter(&asleep, port, space, name, 1024, false);

	/* Asleep behind an early waiter: the one asleep gets it. */
	k1 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k1, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 0U);
	KUNIT_EXPECT_PTR_EQ(test, early.kmsg, NULL);
	KUNIT_EXPECT_FALSE(test, list_empty(&early.entry.entry));	/* still waiting */
	got[0] = mx_rcv_waiter_remove(&port->rcv_wait, &asleep);
	KUNIT_EXPECT_PTR_EQ(test, got[0], k1);

	/* Nobody asleep: the early waiter gets it, and finds it once it receives. */
	k2 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k2, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 0U);
	got[1] = mx_rcv_waiter_remove(&port->rcv_wait, &early);
	KUNIT_EXPECT_PTR_EQ(test, got[1], k2);

	/* The receiver asleep has no room: queued, not handed to the early one. */
	add_waiter(&early, port, space, name, 1024, true);
	add_waiter(&asleep, port, space, name, sizeof(struct mach_msg_header) - 4, false);
	k3 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k3, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->msgcount, 1U);
	got[2] = mx_rcv_waiter_remove(&port->rcv_wait, &asleep);
	got[3] = mx_rcv_waiter_remove(&port->rcv_wait, &early);
	KUNIT_EXPECT_PTR_EQ(test, got[2], NULL);
	KUNIT_EXPECT_PTR_EQ(test, got[3], NULL);

	put_back_and_release(test, space, name, got, ARRAY_SIZE(got), kmsgs);
}

static int spin_until_stopped(void *unused)
{
	while (!kthread_should_stop())
		cond_resched();
	return 0;
}

/*
 * A sync handoff (the sender sleeps next) gives the message to an early
 * waiter runnable on the sender's CPU, one the sender preempted there,
 * before a receiver asleep ahead of it; not if that waiter has no room
 * for it, nor for a send that is not sync.  The early waiter here is a
 * kernel thread spinning on this CPU.
 */
static void sync_handoff_prefers_the_early_waiter_runnable_here(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_rcv_waiter early, asleep;
	struct mx_kmsg *k[3], *got[6];
	struct task_struct *other;
	struct mx_port *port;
	bool handoff = false;
	u32 name;

	name = new_receive(test, space, &port);
	migrate_disable();
	other = kthread_create(spin_until_stopped, NULL, "machexc-kunit");
	if (IS_ERR(other)) {
		migrate_enable();
		KUNIT_FAIL(test, "no kernel thread");
		return;
	}
	kthread_bind(other, raw_smp_processor_id());
	wake_up_process(other);

	/* Runnable here, with room: the early one, though the asleep one is first. */
	add_waiter(&asleep, port, space, name, 1024, false);
	add_waiter(&early, port, space, name, 1024, true);
	early.entry.private = other;
	k[0] = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send_sync(k[0], 0, 0, &handoff), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_TRUE(test, handoff);
	got[0] = mx_rcv_waiter_remove(&port->rcv_wait, &early);
	got[1] = mx_rcv_waiter_remove(&port->rcv_wait, &asleep);
	KUNIT_EXPECT_PTR_EQ(test, got[0], k[0]);
	KUNIT_EXPECT_PTR_EQ(test, got[1], NULL);

	/* No room in the early one: the receiver asleep gets it. */
	add_waiter(&asleep, port, space, name, 1024, false);
	add_waiter(&early, port, space, name, sizeof(struct mach_msg_header) - 4, true);
	early.entry.private = other;
	k[1] = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send_sync(k[1], 0, 0, &handoff), (u32)MACH_MSG_SUCCESS);
	got[2] = mx_rcv_waiter_remove(&port->rcv_wait, &early);
	got[3] = mx_rcv_waiter_remove(&port->rcv_wait, &asleep);
	KUNIT_EXPECT_PTR_EQ(test, got[2], NULL);
	KUNIT_EXPECT_PTR_EQ(test, got[3], k[1]);

	/* Not a sync send: the receiver asleep, as always. */
	add_waiter(&asleep, port, space, name, 1024, false);
	add_waiter(&early, port, space, name, 1024, true);
	early.entry.private = other;
	k[2] = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k[2], 0, 0), (u32)MACH_MSG_SUCCESS);
	got[4] = mx_rcv_waiter_remove(&port->rcv_wait, &early);
	got[5] = mx_rcv_waiter_remove(&port->rcv_wait, &asleep);
	KUNIT_EXPECT_PTR_EQ(test, got[4], NULL);
	KUNIT_EXPECT_PTR_EQ(test, got[5], k[2]);

	kthread_stop(other);
	migrate_enable();
	put_back_and_release(test, space, name, got, ARRAY_SIZE(got), kmsgs);
}

/*
 * A port's sequence number counts the messages received from it: a
 * handed message takes the next one when its receiver accepts it, not
 * when it is handed, so one put back unreceived (its receiver killed)
 * uses none, and the messages received next are numbered on from the
 * last one received, with no gap.
 */
static void seqno_counts_messages_received(struct kunit *test)
{
	struct mx_space *space = ((struct ipc_ctx *)test->priv)->space;
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_kmsg *k1, *k2, *got[2];
	struct mx_rcv_waiter w;
	struct mx_port *port;
	mx_return_t mr;
	unsigned int i;
	u32 name, s0;

	name = new_receive(test, space, &port);
	s0 = port->seqno;
	add_waiter(&w, port, space, name, 1024, false);
	k1 = new_msg(test, space, name);
	KUNIT_EXPECT_EQ(test, mx_kmsg_send(k1, 0, 0), (u32)MACH_MSG_SUCCESS);
	KUNIT_EXPECT_EQ(test, port->seqno, s0);		/* handed, not received */
	got[0] = mx_rcv_waiter_remove(&port->rcv_wait, &w);
	KUNIT_EXPECT_PTR_EQ(test, got[0], k1);
	if (got[0]) {
		mx_kmsg_requeue(got[0]);		/* its receiver killed */
		KUNIT_EXPECT_EQ(test, port->seqno, s0);
		/* Off the queue again, to be handed to the next receiver. */
		spin_lock(&port->lock);
		list_del_init(&k1->link);
		port->msgcount--;
		spin_unlock(&port->lock);
	}

	for (i = 0; i < ARRAY_SIZE(got); i++) {
		add_waiter(&w, port, space, name, 1024, false);
		if (i)
			k2 = new_msg(test, space, name);
		KUNIT_EXPECT_EQ(test, mx_kmsg_send(i ? k2 : k1, 0, 0), (u32)MACH_MSG_SUCCESS);
		got[i] = mx_rcv_waiter_remove(&port->rcv_wait, &w);
		KUNIT_EXPECT_PTR_EQ(test, got[i], i ? k2 : k1);
		if (!got[i])
			continue;
		got[i] = mx_kmsg_accept(got[i], &mr);
		KUNIT_EXPECT_EQ(test, mr, (u32)MACH_MSG_SUCCESS);
		KUNIT_ASSERT_NOT_NULL(test, got[i]);
		KUNIT_EXPECT_EQ(test, got[i]->seqno, s0 + i);
		KUNIT_EXPECT_EQ(test, port->seqno, s0 + i + 1);
	}

	put_back_and_release(test, space, name, got, ARRAY_SIZE(got), kmsgs);
}

/*
 * A sender's kept message is reused once back from its receiver, never
 * while in flight, and never for one too big; freed by the last holder.
 */
static void kept_message_reuse(struct kunit *test)
{
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_kmsg_cache *cache = NULL, *first;
	struct mx_kmsg *a, *b, *c;

	a = mx_kmsg_alloc_cached(&cache, 64, 2);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	first = cache;
	KUNIT_EXPECT_PTR_EQ(test, a->cache, cache);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->ref), 2);
	/* In flight: the next one is allocated. */
	b = mx_kmsg_alloc_cached(&cache, 64, 0);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_EQ(test, b->cache, NULL);
	mx_kmsg_free(b);
	mx_kmsg_free(a);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->ref), 1);
	/* Back: reused, zeroed. */
	c = mx_kmsg_alloc_cached(&cache, 32, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_EQ(test, c->cache, first);
	KUNIT_EXPECT_EQ(test, c->size, 32U);
	KUNIT_EXPECT_PTR_EQ(test, c->desc, NULL);
	/* Too big for it: allocated. */
	b = mx_kmsg_alloc_cached(&cache, MX_KMSG_CACHE_SIZE + 4, 0);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_EQ(test, b->cache, NULL);
	mx_kmsg_free(b);
	/* Its owner gone first: the message in flight frees it. */
	mx_kmsg_cache_put(cache);
	mx_kmsg_free(c);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
}

/*
 * A space's kept message takes one user send at a time, charged to the
 * user as an allocated one is; one that got rights copied in (an array of
 * its own, as copyin makes for a complex message) gives the array back.
 */
static void space_kept_message_serves_one_send_at_a_time(struct kunit *test)
{
	long kmsgs = atomic_long_read(&mx_nr_kmsgs);
	struct mx_kmsg_cache *cache = NULL, *first;
	struct mx_kmsg *a, *b;

	a = mx_kmsg_alloc_kept(&cache, 36);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	first = cache;
	KUNIT_EXPECT_PTR_EQ(test, a->cache, cache);
	KUNIT_EXPECT_NOT_NULL(test, a->user);
	KUNIT_EXPECT_EQ(test, a->size, 36U);
	/* In flight: the next send's is allocated, and charged the same. */
	b = mx_kmsg_alloc_kept(&cache, 36);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_EQ(test, b->cache, NULL);
	KUNIT_EXPECT_NOT_NULL(test, b->user);
	mx_kmsg_free(b);
	a->desc = kvcalloc(3, sizeof(*a->desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a->desc);
	mx_kmsg_free(a);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->ref), 1);
	/*
	 * Back: the next send has it, with nothing of the last one's; it
	 * takes a reply carrying a thread state (header, NDR, RetCode,
	 * flavor, count, 42 words).
	 */
	a = mx_kmsg_alloc_kept(&cache, 24 + 8 + 4 + 4 + 4 + 42 * 4);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_PTR_EQ(test, a->cache, first);
	KUNIT_EXPECT_PTR_EQ(test, a->desc, NULL);
	KUNIT_EXPECT_EQ(test, a->ndesc, 0U);
	mx_kmsg_free(a);
	/* Too big for it: allocated. */
	b = mx_kmsg_alloc_kept(&cache, MX_KMSG_KEPT_SIZE + 4);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_EQ(test, b->cache, NULL);
	mx_kmsg_free(b);
	mx_kmsg_cache_put(cache);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mx_nr_kmsgs), kmsgs);
}

static struct kunit_case machexc_ipc_cases[] = {
	KUNIT_CASE(names_have_generations),
	KUNIT_CASE(freed_entry_is_reused_under_a_new_name),
	KUNIT_CASE(kept_entry_has_no_name),
	KUNIT_CASE(destroyed_tasks_port_copies_out_as_a_dead_name),
	KUNIT_CASE(names_are_limited),
	KUNIT_CASE(send_rights_are_counted),
	KUNIT_CASE(no_senders_notification),
	KUNIT_CASE(queue_limit_and_reap),
	KUNIT_CASE(port_destroyed_notification),
	KUNIT_CASE(handoff_rules),
	KUNIT_CASE(handoff_prefers_a_receiver_asleep),
	KUNIT_CASE(sync_handoff_prefers_the_early_waiter_runnable_here),
	KUNIT_CASE(seqno_counts_messages_received),
	KUNIT_CASE(kept_message_reuse),
	KUNIT_CASE(space_kept_message_serves_one_send_at_a_time),
	{}
};

static struct kunit_suite machexc_ipc_suite = {
	.name = "machexc_ipc",
	.init = ipc_init,
	.exit = ipc_exit,
	.test_cases = machexc_ipc_cases,
};

kunit_test_suite(machexc_ipc_suite);
