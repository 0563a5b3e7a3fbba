// SPDX-License-Identifier: GPL-2.0
/*
 * GET_TASKS: a dump of the processes that use machexc and that the
 * caller may read (netlink.h), in pid order in the caller's pid
 * namespace: pid, comm, rights by type, the exception types with a port
 * at the task and thread levels, threads and suspend counts.  The cursor
 * (mx_nl_dump(cb)->pid) is the last pid sent, in the requester's
 * namespace.
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <net/genetlink.h>

#include "../task/task.h"
#include "netlink.h"

#define BATCH	16

static int fill_task(struct sk_buff *skb, struct netlink_callback *cb, struct mx_task *task,
		     pid_t nr)
{
	char comm[TASK_COMM_LEN] = "";
	struct mx_nl_summary sum;
	struct task_struct *p;
	struct nlattr *rights;
	unsigned int r;
	void *hdr;

	mx_nl_summarize(task, &sum);
	rcu_read_lock();	/* the comm of its thread-group leader, if alive */
	p = pid_task(task->pid, PIDTYPE_TGID);
	if (p)
		get_task_comm(comm, p);
	rcu_read_unlock();
	hdr = mx_nl_put_header(skb, cb, MACHEXC_CMD_GET_TASKS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MACHEXC_A_PID, nr) ||
	    nla_put_string(skb, MACHEXC_A_COMM, comm))
		goto full;
	rights = nla_nest_start(skb, MACHEXC_A_RIGHTS);
	if (!rights)
		goto full;
	for (r = MACHEXC_R_SEND; r <= MACHEXC_R_MAX; r++)
		if (nla_put_u32(skb, r, sum.rights[r]))
			goto full;
	nla_nest_end(skb, rights);
	if (nla_put_u32(skb, MACHEXC_A_EXC_THREAD_MASK, sum.exc_thread_mask) ||
	    nla_put_u32(skb, MACHEXC_A_EXC_TASK_MASK, sum.exc_task_mask) ||
	    nla_put_u32(skb, MACHEXC_A_THREADS, sum.threads) ||
	    nla_put_u32(skb, MACHEXC_A_TASK_SUSPEND, sum.task_suspend) ||
	    nla_put_u32(skb, MACHEXC_A_THREAD_SUSPEND, sum.thread_suspend))
		goto full;
	genlmsg_end(skb, hdr);
	return 0;
full:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Before the first callback, in the requester: save who asks.  No lock held. */
int mx_nl_get_tasks_start(struct netlink_callback *cb)
{
	struct mx_nl_dump *d = mx_nl_dump(cb);

	mx_observer_get(&d->obs);
	d->pid = 0;
	return 0;
}

/*
 * One callback of the dump, for the requester saved by .start (current
 * may be another process).  No lock held on entry or on return.
 */
int mx_nl_get_tasks(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mx_nl_dump *d = mx_nl_dump(cb);
	struct mx_task *tasks[BATCH];
	pid_t nrs[BATCH], after = d->pid;
	unsigned int n, i;
	int err = 0;

	do {
		n = mx_tasks_next(d->obs.ns, after, tasks, nrs, BATCH);
		for (i = 0; i < n; i++) {
			if (!tasks[i]) {
				if (!err)
					after = nrs[i];	/* going away: skipped */
				continue;
			}
			if (!err && mx_pid_may_read_as(tasks[i]->pid, &d->obs)) {
				err = fill_task(skb, cb, tasks[i], nrs[i]);
				if (!err)
					after = nrs[i];
			} else if (!err) {
				after = nrs[i];		/* not ours to see: skipped */
			}
			mx_task_put(tasks[i]);
		}
		cond_resched();
	} while (n == BATCH && !err);
	d->pid = after;
	return skb->len;
}
