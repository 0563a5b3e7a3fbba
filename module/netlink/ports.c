// SPDX-License-Identifier: GPL-2.0
/*
 * GET_PORTS: the names of one process's space, in name order, as
 * lsmp(1) shows them on macOS: name, type, user references; for a
 * receive right its queue (messages, limit, sequence number) and its
 * no-senders and port-destroyed requests; for a send or send-once right
 * the pid holding the receive right (when visible) or the kind of kernel
 * object it stands for (task, thread, host); dead-name requests.
 *
 * The request's MACHEXC_A_PID is a pid in the requester's namespace:
 * ESRCH if no such process is visible or it does not use machexc, EPERM
 * if the requester may not read it.  .start saves the requester
 * (netlink.h) and takes a reference on the process's task; the cursor
 * (mx_nl_dump(cb)->name) is the last name sent.  Each callback checks
 * that the process is still there (else ESRCH ends the dump: it was not
 * complete) and still readable by the requester (else EPERM), takes its
 * space's lock, sends what fits from the next name on, and lets go: a
 * space of any size goes out in as many messages as it takes, with no
 * lock held in between.
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <net/genetlink.h>

#include "../compat/genetlink.h"
#include "../names/names.h"
#include "../ports/ports.h"
#include "../task/task.h"
#include "netlink.h"

/*
 * The task of the process whose pid is @nr in @obs's namespace, with a
 * reference, if @obs may read it; else an ERR_PTR.  Sleeps.
 */
static struct mx_task *target_task(pid_t nr, const struct mx_observer *obs,
				   struct netlink_ext_ack *extack)
{
	struct task_struct *p = NULL;
	struct mx_task *task = NULL;
	struct pid *pid;

	rcu_read_lock();
	pid = get_pid(find_pid_ns(nr, obs->ns));
	rcu_read_unlock();
	if (pid)
		p = mx_live_thread(pid);
	if (!p || !pid_has_task(pid, PIDTYPE_TGID)) {
		NL_SET_ERR_MSG(extack, "no such process");
		task = ERR_PTR(-ESRCH);
		goto out;
	}
	if (!mx_pid_may_read_as(pid, obs)) {
		NL_SET_ERR_MSG(extack, "may not read that process (ptrace rules)");
		task = ERR_PTR(-EPERM);
		goto out;
	}
	task = mx_task_find(p);
	if (!task) {
		NL_SET_ERR_MSG(extack, "that process does not use machexc");
		task = ERR_PTR(-ESRCH);
	}
out:
	if (p)
		put_task_struct(p);
	put_pid(pid);
	return task;
}

/*
 * Before the first callback, in the requester: check the request (ESRCH,
 * EPERM or 0), save who asks and hold the task.  No lock held.
 */
int mx_nl_get_ports_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = mx_genl_dump_attrs(cb);
	struct mx_nl_dump *d = mx_nl_dump(cb);
	struct mx_task *task;

	if (!attrs[MACHEXC_A_PID]) {
		NL_SET_ERR_MSG(cb->extack, "GET_PORTS needs MACHEXC_A_PID");
		return -EINVAL;
	}
	mx_observer_get(&d->obs);
	d->pid = nla_get_u32(attrs[MACHEXC_A_PID]);
	d->name = 0;
	task = target_task(d->pid, &d->obs, cb->extack);
	if (IS_ERR(task)) {
		mx_observer_put(&d->obs);	/* no .done after a failed .start */
		return PTR_ERR(task);
	}
	d->task = task;
	return 0;
}

/* What the name's port tells.  Its space's lock held; takes the port's. */
static int put_port(struct sk_buff *skb, struct pid_namespace *ns, struct mx_task *task,
		    const struct mx_entry *entry)
{
	struct mx_port *port = entry->port;
	u32 msgcount, qlimit, seqno, kind = MACHEXC_KOBJECT_NONE, requests = 0;
	pid_t receiver = 0;

	lockdep_assert_held(&task->space.lock);
	if (entry->type & MACH_PORT_TYPE_DNREQUEST)
		requests |= MACHEXC_REQ_DEAD_NAME;
	if (!(entry->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE |
			     MACH_PORT_TYPE_SEND_ONCE)) || !port)
		return requests ? nla_put_u32(skb, MACHEXC_A_PORT_REQUESTS, requests) : 0;

	spin_lock(&port->lock);
	msgcount = port->msgcount;
	qlimit = port->qlimit;
	seqno = port->seqno;
	if (port->nsrequest)
		requests |= MACHEXC_REQ_NO_SENDERS;
	if (port->pdrequest)
		requests |= MACHEXC_REQ_PORT_DESTROYED;
	if (port->active && port->kotype != MX_KOBJECT_NONE)
		kind = port->kotype == MX_KOBJECT_TASK ? MACHEXC_KOBJECT_TASK :
		       port->kotype == MX_KOBJECT_THREAD ? MACHEXC_KOBJECT_THREAD :
		       MACHEXC_KOBJECT_HOST;
	/* A space holding the receive right keeps its task alive. */
	if (port->active && port->receiver)
		receiver = pid_nr_ns(mx_task_of(port->receiver)->pid, ns);
	spin_unlock(&port->lock);

	if (entry->type & MACH_PORT_TYPE_RECEIVE) {
		if (nla_put_u32(skb, MACHEXC_A_PORT_MSGCOUNT, msgcount) ||
		    nla_put_u32(skb, MACHEXC_A_PORT_QLIMIT, qlimit) ||
		    nla_put_u32(skb, MACHEXC_A_PORT_SEQNO, seqno))
			return -EMSGSIZE;
	} else {
		requests &= MACHEXC_REQ_DEAD_NAME;	/* the others are the receiver's */
	}
	if ((receiver && nla_put_u32(skb, MACHEXC_A_PORT_RECEIVER, receiver)) ||
	    (kind && nla_put_u32(skb, MACHEXC_A_PORT_KOBJECT, kind)) ||
	    (requests && nla_put_u32(skb, MACHEXC_A_PORT_REQUESTS, requests)))
		return -EMSGSIZE;
	return 0;
}

/* One name's message.  Its space's lock held. */
static int fill_entry(struct sk_buff *skb, struct netlink_callback *cb, struct mx_task *task,
		      const struct mx_entry *entry)
{
	void *hdr = mx_nl_put_header(skb, cb, MACHEXC_CMD_GET_PORTS);
	struct mx_nl_dump *d = mx_nl_dump(cb);

	lockdep_assert_held(&task->space.lock);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MACHEXC_A_PID, d->pid) ||
	    nla_put_u32(skb, MACHEXC_A_PORT_NAME, entry->name) ||
	    nla_put_u32(skb, MACHEXC_A_PORT_TYPE, entry->type) ||
	    nla_put_u32(skb, MACHEXC_A_PORT_UREFS, entry->urefs) ||
	    put_port(skb, d->obs.ns, task, entry)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * One callback of the dump: what fits of the names after the last one
 * sent, for the requester saved by .start (current may be another
 * process).  ESRCH if the process is gone (exited, or exec'd into a new
 * task) since the dump began: what was sent is not the whole space.
 * No lock held on entry or on return; the space's lock in between.
 */
int mx_nl_get_ports(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mx_nl_dump *d = mx_nl_dump(cb);
	struct mx_task *task = d->task;
	struct mx_entry *entry;
	unsigned long index;
	int err = 0;

	if (READ_ONCE(task->dead) || !pid_has_task(task->pid, PIDTYPE_TGID)) {
		NL_SET_ERR_MSG(cb->extack, "the process is gone");
		return -ESRCH;
	}
	if (!mx_pid_may_read_as(task->pid, &d->obs)) {
		NL_SET_ERR_MSG(cb->extack, "may not read that process (ptrace rules)");
		return -EPERM;
	}
	index = d->name ? mx_name_index(d->name) + 1 : 0;
	mutex_lock(&task->space.lock);
	if (!task->space.active)
		err = -ESRCH;
	while (!err && (entry = mx_entry_next(&task->space, &index))) {
		err = fill_entry(skb, cb, task, entry);
		if (err)
			break;
		d->name = entry->name;
		index++;
	}
	mutex_unlock(&task->space.lock);
	if (err == -ESRCH) {
		NL_SET_ERR_MSG(cb->extack, "the process is gone");
		return err;
	}
	if (err && !skb->len)
		return err;	/* one name that does not fit an empty message */
	return skb->len;
}
