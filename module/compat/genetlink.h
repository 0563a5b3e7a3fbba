/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink differences between the kernels machexc builds for
 * (netlink/).  Checked against Debian's 6.1 and 6.12 headers:
 *
 *   - Families use struct genl_ops (full ops: per-command policy and
 *     maxattr, doit/start/dumpit/done), which 6.1, 6.12 and 7.x all have;
 *     genl_small_ops carries no policy and split ops (6.2+) are not in
 *     6.1.  resv_start_op is left 0: every command gets strict header and
 *     attribute validation (GENL_DONT_VALIDATE_* is never used).
 *   - A dump's parsed attributes: genl_dumpit_info(cb)->attrs up to 6.5,
 *     genl_info_dump(cb)->attrs from 6.6.
 *   - A dump's start callback gets the request's extended ack
 *     (cb->extack) from 6.2 on (netlink_dump_control.extack); in 6.1 it
 *     is NULL there, so a start callback's error reaches the caller with
 *     its errno but without its message (NL_SET_ERR_MSG() accepts NULL).
 *   - A dump's own state: struct netlink_callback's ctx[48] (a union
 *     with args[6]) in 6.1 and 6.12 alike, zeroed before .start; genetlink
 *     keeps its own in cb->data.  .done runs in process context (a
 *     worker when the socket goes away mid-dump), and is not called when
 *     .start fails.  No difference to wrap.
 *   - GENL_MCAST_CAP_SYS_ADMIN (a multicast group only CAP_SYS_ADMIN in
 *     the family's network namespace's user namespace may join) is in
 *     6.7 and in 6.1.64+ stable (Debian's 6.1); a kernel without it gets
 *     no events group rather than an open one.
 */
#ifndef _MACHEXC_COMPAT_GENETLINK_H
#define _MACHEXC_COMPAT_GENETLINK_H

#include <linux/version.h>
#include <net/genetlink.h>

static inline struct nlattr **mx_genl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#ifdef GENL_MCAST_CAP_SYS_ADMIN
#define MX_GENL_MCAST_ADMIN	GENL_MCAST_CAP_SYS_ADMIN
#define MX_GENL_HAVE_EVENTS	1
#else
#define MX_GENL_MCAST_ADMIN	0
#define MX_GENL_HAVE_EVENTS	0
#endif

#endif /* _MACHEXC_COMPAT_GENETLINK_H */
