// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "machexc": its commands, the policy of each
 * (strict validation everywhere: an attribute a command does not take,
 * a wrong type or length, a pid out of range are refused with an extack
 * message), its events group, and its registration.
 */
#include <linux/module.h>
#include <linux/threads.h>
#include <net/genetlink.h>

#include "../compat/genetlink.h"
#include "netlink.h"

/* GET_PORTS: the pid, 1..PID_MAX_LIMIT; nothing else (6.1 wants it writable). */
static struct netlink_range_validation pid_range = {
	.min = 1,
	.max = PID_MAX_LIMIT,
};

static const struct nla_policy ports_policy[MACHEXC_A_PID + 1] = {
	[MACHEXC_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, &pid_range),
};

/* GET_STATS and GET_TASKS take no attribute. */
static const struct nla_policy no_policy[MACHEXC_A_PID + 1] = {
	[MACHEXC_A_PID] = { .type = NLA_REJECT },
};

static const struct genl_ops ops[] = {
	{
		.cmd = MACHEXC_CMD_GET_STATS,
		.doit = mx_nl_get_stats,
		.policy = no_policy,
		.maxattr = ARRAY_SIZE(no_policy) - 1,
	},
	{
		.cmd = MACHEXC_CMD_GET_TASKS,
		.start = mx_nl_get_tasks_start,
		.dumpit = mx_nl_get_tasks,
		.done = mx_nl_dump_done,
		.policy = no_policy,
		.maxattr = ARRAY_SIZE(no_policy) - 1,
	},
	{
		.cmd = MACHEXC_CMD_GET_PORTS,
		.start = mx_nl_get_ports_start,
		.dumpit = mx_nl_get_ports,
		.done = mx_nl_dump_done,
		.policy = ports_policy,
		.maxattr = ARRAY_SIZE(ports_policy) - 1,
	},
};

/* Joined only with CAP_SYS_ADMIN in init_net's user namespace. */
static const struct genl_multicast_group mcgrps[] = {
	{ .name = MACHEXC_GENL_MCGRP_EVENTS, .flags = MX_GENL_MCAST_ADMIN },
};

struct genl_family mx_genl_family = {
	.name = MACHEXC_GENL_NAME,
	.version = MACHEXC_GENL_VERSION,
	.maxattr = MACHEXC_A_MAX,
	.netnsok = false,		/* init_net only: see netlink.h */
	.parallel_ops = true,		/* our own locks; no genl_mutex */
	.ops = ops,
	.n_ops = ARRAY_SIZE(ops),
	.mcgrps = mcgrps,
	.n_mcgrps = MX_GENL_HAVE_EVENTS ? ARRAY_SIZE(mcgrps) : 0,
	.module = THIS_MODULE,
};

/* A dump message's header, for the requester; NULL when the skb is full. */
void *mx_nl_put_header(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &mx_genl_family, NLM_F_MULTI, cmd);
}

/*
 * A dump's end (either command), or its socket's release: drop what
 * .start took.  No lock held.
 */
int mx_nl_dump_done(struct netlink_callback *cb)
{
	struct mx_nl_dump *d = mx_nl_dump(cb);

	if (d->task)
		mx_task_put(d->task);
	d->task = NULL;
	mx_observer_put(&d->obs);
	return 0;
}

int mx_netlink_init(void)
{
	int err = genl_register_family(&mx_genl_family);

	if (err)
		return err;
	if (MX_GENL_HAVE_EVENTS)
		mx_exc_set_observer(mx_nl_event);
	return 0;
}

/* At unload, once no exception can be in flight (module references). */
void mx_netlink_exit(void)
{
	mx_exc_set_observer(NULL);
	genl_unregister_family(&mx_genl_family);
}
