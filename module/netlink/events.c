// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" multicast group: one message per exception raised to a
 * level's handler, handled, left to Linux's signal (fallback) or
 * abandoned by a thread killed while it waited.  There is no timeout
 * (a thread waits for its handler as long as it takes, as in GNU Mach)
 * and no hook on a crash itself: a fallback is the last thing machexc
 * sees before Linux delivers the signal.
 *
 * Sent by the faulting thread from its task work (may sleep, no lock
 * held).  Nothing is built when nobody listens: genl_has_listeners() is
 * one bit test.  Listeners have CAP_SYS_ADMIN in the initial user
 * namespace (the group's flag, family.c): pids are global.
 */
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "netlink.h"

/* What fill_event() puts: sized exactly, not a page per event. */
static size_t event_size(void)
{
	return 5 * nla_total_size(sizeof(u32)) +	/* event, pid, tid, type, level */
	       nla_total_size(TASK_COMM_LEN) +
	       3 * nla_total_size_64bit(sizeof(u64));	/* code, subcode, blocked ns */
}

static int fill_event(struct sk_buff *skb, const struct mx_exc_event *ev)
{
	void *hdr = genlmsg_put(skb, 0, 0, &mx_genl_family, 0, MACHEXC_CMD_EVENT);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MACHEXC_A_EVENT, ev->event) ||
	    nla_put_u32(skb, MACHEXC_A_PID, task_tgid_nr(current)) ||
	    nla_put_u32(skb, MACHEXC_A_TID, task_pid_nr(current)) ||
	    nla_put_string(skb, MACHEXC_A_COMM, current->comm) ||
	    nla_put_u32(skb, MACHEXC_A_EXC_TYPE, ev->exc->type) ||
	    nla_put_u64_64bit(skb, MACHEXC_A_EXC_CODE, ev->exc->code[0], MACHEXC_A_PAD) ||
	    nla_put_u64_64bit(skb, MACHEXC_A_EXC_SUBCODE, ev->exc->code[1], MACHEXC_A_PAD) ||
	    nla_put_u32(skb, MACHEXC_A_EXC_LEVEL, ev->level) ||
	    nla_put_u64_64bit(skb, MACHEXC_A_BLOCKED_NS, ktime_get_ns() - ev->start_ns,
			      MACHEXC_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The exc/ observer: current raised, or is done with, an exception. */
void mx_nl_event(const struct mx_exc_event *ev)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&mx_genl_family, &init_net, 0))
		return;
	skb = genlmsg_new(event_size(), GFP_KERNEL);
	if (!skb)
		return;		/* listeners see a gap, as with a full socket */
	if (fill_event(skb, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast(&mx_genl_family, skb, 0, 0, GFP_KERNEL);
}
