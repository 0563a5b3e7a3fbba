/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "machexc": what the module is doing, for
 * observers (lsmp(1) is the macOS analogue; machexc-info(1) the tool).
 * The ABI is uapi/linux/machexc_netlink.h.
 *
 *   family.c   the family: policies, commands, registration
 *   summary.c  one task summed up: rights by type, threads, suspend
 *              counts, exception ports per level (GET_TASKS, GET_STATS)
 *   stats.c    GET_STATS: global and per-pid-namespace counters
 *   tasks.c    GET_TASKS: the processes using machexc (a dump)
 *   ports.c    GET_PORTS: one process's names (a dump)
 *   events.c   the "events" multicast group: one message per exception
 *              raised, handled, left to Linux or abandoned
 *
 * Permission: a process is shown only to a caller that may read it
 * (mx_pid_may_read(): visible in the caller's pid namespace, in its user
 * namespace or below, ptrace_may_access(PTRACE_MODE_READ_REALCREDS)).
 * Dumps skip the others silently; GET_PORTS refuses them (ESRCH when not
 * visible, EPERM when visible but not readable).  A dump acts for the
 * process that sent the request, never for whoever reads the socket
 * later (current in the callbacks after the first; CVE-2014-0181): its
 * .start saves the requester's credentials, pid namespace and process
 * (struct mx_observer, in cb->ctx), every callback checks against those
 * (mx_pid_may_read_as()) and resolves pids in that namespace, and .done
 * drops them.  GET_STATS is a doit, run by the requester itself.  The
 * events group is for CAP_SYS_ADMIN in the initial user namespace only
 * (the group's GENL_MCAST_CAP_SYS_ADMIN: the family lives in init_net),
 * so events carry global pids and need no per-receiver filter.
 *
 * Dump rules: no lock is held from one callback to the next; the
 * references held are the observer's and, for GET_PORTS, the target's
 * task (released in .done).  The cursor in the context is a pid
 * (GET_TASKS) or a name (GET_PORTS): each callback finds its place again
 * from it, so a process that exits or a name that goes away meanwhile is
 * simply not shown; a GET_PORTS whose process is gone ends with ESRCH.
 * Each callback fills at most one skb.
 *
 * Locks: a task's space->lock (mutex) while its names are read, and
 * inside it one port's lock at a time, for a few loads (no loop runs
 * under a spinlock).  Nothing here is called with a lock held.
 */
#ifndef _MACHEXC_NETLINK_H
#define _MACHEXC_NETLINK_H

#include <linux/machexc_netlink.h>
#include <linux/netlink.h>
#include <linux/types.h>

#include "../exc/exc.h"
#include "../task/task.h"

struct genl_family;
struct genl_info;
struct mx_task;
struct netlink_callback;
struct sk_buff;

/*
 * A dump's state, in cb->ctx (zeroed when the dump starts; 48 bytes in
 * 6.1 and 6.12): set up by .start, released by .done.
 */
struct mx_nl_dump {
	struct mx_observer obs;		/* the requester */
	struct mx_task *task;		/* GET_PORTS: its process's, referenced */
	pid_t pid;			/* the last sent, or the one asked for */
	u32 name;			/* GET_PORTS: the last name sent */
};

static inline struct mx_nl_dump *mx_nl_dump(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct mx_nl_dump) > sizeof(cb->ctx));
	return (struct mx_nl_dump *)cb->ctx;
}

int mx_nl_dump_done(struct netlink_callback *cb);

/* family.c */
extern struct genl_family mx_genl_family;
int mx_netlink_init(void);
void mx_netlink_exit(void);
void *mx_nl_put_header(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);

/* summary.c: task->space.lock not held (it takes it) */
struct mx_nl_summary {
	u32 rights[MACHEXC_R_MAX + 1];	/* MACHEXC_R_* */
	u64 msgs;			/* queued on its receive rights */
	u32 threads;
	u32 task_suspend;
	u32 thread_suspend;		/* summed over its threads */
	u32 exc_task_mask;
	u32 exc_thread_mask;
};

void mx_nl_summarize(struct mx_task *task, struct mx_nl_summary *sum);

/* stats.c */
int mx_nl_get_stats(struct sk_buff *skb, struct genl_info *info);

/* tasks.c */
int mx_nl_get_tasks_start(struct netlink_callback *cb);
int mx_nl_get_tasks(struct sk_buff *skb, struct netlink_callback *cb);

/* ports.c */
int mx_nl_get_ports_start(struct netlink_callback *cb);
int mx_nl_get_ports(struct sk_buff *skb, struct netlink_callback *cb);

/* events.c */
void mx_nl_event(const struct mx_exc_event *ev);

#endif /* _MACHEXC_NETLINK_H */
