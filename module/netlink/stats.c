// SPDX-License-Identifier: GPL-2.0
/*
 * GET_STATS: the machine's counters (MACHEXC_A_STATS, what
 * MACHEXC_IOC_STATS has and more; the message handoffs and requeues,
 * counted for the machine only), and the same summed over the live
 * processes visible in the caller's pid namespace that the caller may
 * read (MACHEXC_A_STATS_NS; mx_pid_may_read(), as GET_TASKS shows them):
 * exceptions are counted per task, so the namespace's counts are those
 * of its processes that are still alive.  Only those processes' names
 * are walked (under their own space's lock, one at a time): a caller
 * cannot make machexc walk, or hold the locks of, spaces it may not
 * read.  The work is bounded by the readable spaces (the spaces cap)
 * times max_names, and yields the CPU as it goes.
 */
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <net/genetlink.h>

#include "../exc/exc.h"
#include "../msg/msg.h"
#include "../names/names.h"
#include "../ports/ports.h"
#include "../task/task.h"
#include "netlink.h"

#define BATCH	16

struct counts {
	u64 spaces, threads, ports, psets, msgs;
	u64 exc[MX_EXC_COUNTS];
};

static const u16 exc_attr[MX_EXC_COUNTS] = {
	[MX_EXC_RAISED] = MACHEXC_S_EXC_RAISED,
	[MX_EXC_HANDOFFS] = MACHEXC_S_EXC_HANDOFFS,
	[MX_EXC_QUEUED] = MACHEXC_S_EXC_QUEUED,
	[MX_EXC_HANDLED] = MACHEXC_S_EXC_HANDLED,
	[MX_EXC_FALLBACKS] = MACHEXC_S_EXC_FALLBACKS,
	[MX_EXC_ABORTED] = MACHEXC_S_EXC_ABORTED,
};

static int put_u64(struct sk_buff *skb, int attr, u64 v)
{
	return nla_put_u64_64bit(skb, attr, v, MACHEXC_S_PAD);
}

static int put_counts(struct sk_buff *skb, const struct counts *c)
{
	unsigned int i;

	if (put_u64(skb, MACHEXC_S_SPACES, c->spaces) ||
	    put_u64(skb, MACHEXC_S_THREADS, c->threads) ||
	    put_u64(skb, MACHEXC_S_PORTS, c->ports) ||
	    put_u64(skb, MACHEXC_S_PSETS, c->psets) ||
	    put_u64(skb, MACHEXC_S_MSGS, c->msgs))
		return -EMSGSIZE;
	for (i = 0; i < MX_EXC_COUNTS; i++)
		if (put_u64(skb, exc_attr[i], c->exc[i]))
			return -EMSGSIZE;
	return 0;
}

static int put_global(struct sk_buff *skb)
{
	unsigned long handoffs, requeued;
	struct nlattr *nest, *lat;
	struct counts c = {
		.spaces = atomic_long_read(&mx_nr_spaces),
		.threads = atomic_long_read(&mx_nr_threads),
		.ports = atomic_long_read(&mx_nr_ports),
		.psets = atomic_long_read(&mx_nr_psets),
		.msgs = atomic_long_read(&mx_nr_kmsgs),
		.exc = {
			[MX_EXC_RAISED] = mx_exc_stat(MX_EXC_RAISED),
			[MX_EXC_HANDOFFS] = mx_exc_stat(MX_EXC_HANDOFFS),
			[MX_EXC_QUEUED] = mx_exc_stat(MX_EXC_QUEUED),
			[MX_EXC_HANDLED] = mx_exc_stat(MX_EXC_HANDLED),
			[MX_EXC_FALLBACKS] = mx_exc_stat(MX_EXC_FALLBACKS),
			[MX_EXC_ABORTED] = mx_exc_stat(MX_EXC_ABORTED),
		},
	};
	unsigned int i;

	BUILD_BUG_ON(MX_LAT_BUCKETS != MACHEXC_LAT_BUCKETS);
	mx_msg_handoff_counts(&handoffs, &requeued);
	nest = nla_nest_start(skb, MACHEXC_A_STATS);
	if (!nest || put_counts(skb, &c) ||
	    put_u64(skb, MACHEXC_S_NOMEM, atomic_long_read(&mx_nr_nomem)) ||
	    put_u64(skb, MACHEXC_S_LIMIT_HITS, atomic_long_read(&mx_nr_limit_hits)) ||
	    nla_put_u32(skb, MACHEXC_S_EXC_HOST_MASK, READ_ONCE(mx_host_exc_mask)) ||
	    put_u64(skb, MACHEXC_S_MSG_HANDOFFS, handoffs) ||
	    put_u64(skb, MACHEXC_S_MSG_REQUEUED, requeued))
		return -EMSGSIZE;
	lat = nla_nest_start(skb, MACHEXC_S_LATENCY);
	if (!lat)
		return -EMSGSIZE;
	for (i = 0; i < MX_LAT_BUCKETS; i++)
		if (nla_put_u64_64bit(skb, i + 1, mx_exc_latency(i), 0))
			return -EMSGSIZE;
	nla_nest_end(skb, lat);
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The live tasks visible in the caller's pid namespace that the caller
 * may read, summed.  No lock held.
 */
static void sum_namespace(struct counts *c)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct mx_task *tasks[BATCH];
	struct mx_nl_summary sum;
	unsigned int n, i, j;
	pid_t nrs[BATCH], after = 0;

	do {
		n = mx_tasks_next(ns, after, tasks, nrs, BATCH);
		for (i = 0; i < n; i++) {
			after = nrs[i];
			if (!tasks[i])
				continue;	/* going away */
			if (!mx_pid_may_read(tasks[i]->pid)) {
				mx_task_put(tasks[i]);
				continue;
			}
			mx_nl_summarize(tasks[i], &sum);
			c->spaces++;
			c->threads += sum.threads;
			c->ports += sum.rights[MACHEXC_R_RECEIVE];
			c->psets += sum.rights[MACHEXC_R_PORT_SET];
			c->msgs += sum.msgs;
			for (j = 0; j < MX_EXC_COUNTS; j++)
				c->exc[j] += atomic_long_read(&tasks[i]->exc_counts[j]);
			mx_task_put(tasks[i]);
		}
		cond_resched();
	} while (n == BATCH);
}

/* GET_STATS (a doit: no lock held). */
int mx_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct counts c = {};
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	sum_namespace(&c);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mx_genl_family, 0, MACHEXC_CMD_GET_STATS);
	if (!hdr || put_global(msg))
		goto full;
	nest = nla_nest_start(msg, MACHEXC_A_STATS_NS);
	if (!nest || put_counts(msg, &c))
		goto full;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
full:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
