/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The machexc generic netlink family: what the module is doing, for
 * observers (machexc-info stats/ps/ports/monitor).  The family is named
 * MACHEXC_GENL_NAME; resolve its id with the nlctrl family as usual.
 *
 * Every attribute has a type and a policy, and requests are validated
 * strictly: unknown attributes, wrong types or lengths, a pid out of
 * range, a non-zero reserved header field are refused with an error and
 * an extended-ack message.
 *
 *   GET_STATS  (do)    -> MACHEXC_A_STATS (the whole machine) and
 *                          MACHEXC_A_STATS_NS (the processes visible in the
 *                          caller's pid namespace that it may read, as
 *                          GET_TASKS shows them), both nests of
 *                          MACHEXC_S_*.
 *   GET_TASKS  (dump)  -> one message per process using machexc that the
 *                          caller may read (ptrace_may_access() in
 *                          PTRACE_MODE_READ_REALCREDS, visible in the
 *                          caller's pid namespace); others are skipped.
 *   GET_PORTS  (dump, MACHEXC_A_PID required)
 *                      -> one message per name of that process's space, in
 *                          name order (mach_port_names() plus what lsmp(1)
 *                          shows); ESRCH when the pid is not visible or does
 *                          not use machexc, EPERM when it may not be read
 *                          (on 6.1 these come without the extack message:
 *                          its dumps' start callbacks get none).
 *   EVENT      (multicast group MACHEXC_GENL_MCGRP_EVENTS) one message per
 *                          exception event (MACHEXC_EVENT_*).  Joining the
 *                          group needs CAP_SYS_ADMIN in the initial user
 *                          namespace; pids in events are the initial pid
 *                          namespace's.
 */
#ifndef _UAPI_LINUX_MACHEXC_NETLINK_H
#define _UAPI_LINUX_MACHEXC_NETLINK_H

#define MACHEXC_GENL_NAME		"machexc"
#define MACHEXC_GENL_VERSION		1
#define MACHEXC_GENL_MCGRP_EVENTS	"events"

enum machexc_cmd {
	MACHEXC_CMD_UNSPEC,
	MACHEXC_CMD_GET_STATS,
	MACHEXC_CMD_GET_TASKS,
	MACHEXC_CMD_GET_PORTS,
	MACHEXC_CMD_EVENT,		/* multicast only */

	__MACHEXC_CMD_MAX,
	MACHEXC_CMD_MAX = __MACHEXC_CMD_MAX - 1
};

/* Top-level attributes (one space for every command). */
enum machexc_attr {
	MACHEXC_A_UNSPEC,
	MACHEXC_A_PAD,
	MACHEXC_A_STATS,		/* nest: MACHEXC_S_* */
	MACHEXC_A_STATS_NS,		/* nest: MACHEXC_S_* */
	MACHEXC_A_PID,			/* u32: process (request and reply) */
	MACHEXC_A_TID,			/* u32: thread */
	MACHEXC_A_COMM,			/* string */
	MACHEXC_A_RIGHTS,		/* nest: MACHEXC_R_* (u32 counts) */
	MACHEXC_A_EXC_THREAD_MASK,	/* u32: types some thread has a port for */
	MACHEXC_A_EXC_TASK_MASK,	/* u32: types with a task-level port */
	MACHEXC_A_EXC_HOST_MASK,	/* u32: types with a host-level port */
	MACHEXC_A_THREADS,		/* u32: thread records */
	MACHEXC_A_TASK_SUSPEND,		/* u32: task_suspend() count */
	MACHEXC_A_THREAD_SUSPEND,	/* u32: sum of thread_suspend() counts */
	MACHEXC_A_PORT_NAME,		/* u32 */
	MACHEXC_A_PORT_TYPE,		/* u32: MACH_PORT_TYPE_* bits */
	MACHEXC_A_PORT_UREFS,		/* u32 */
	MACHEXC_A_PORT_MSGCOUNT,	/* u32: receive rights only */
	MACHEXC_A_PORT_QLIMIT,		/* u32: receive rights only */
	MACHEXC_A_PORT_SEQNO,		/* u32: receive rights only */
	MACHEXC_A_PORT_RECEIVER,	/* u32: pid holding the receive right, if visible */
	MACHEXC_A_PORT_KOBJECT,		/* u32: MACHEXC_KOBJECT_* */
	MACHEXC_A_PORT_REQUESTS,	/* u32: MACHEXC_REQ_* */
	MACHEXC_A_EVENT,		/* u32: MACHEXC_EVENT_* */
	MACHEXC_A_EXC_TYPE,		/* u32: EXC_* */
	MACHEXC_A_EXC_CODE,		/* u64: code[0] */
	MACHEXC_A_EXC_SUBCODE,		/* u64: code[1] */
	MACHEXC_A_EXC_LEVEL,		/* u32: MACHEXC_LEVEL_* */
	MACHEXC_A_BLOCKED_NS,		/* u64: the thread's time stopped so far */

	__MACHEXC_A_MAX,
	MACHEXC_A_MAX = __MACHEXC_A_MAX - 1
};

/* Counters in MACHEXC_A_STATS and MACHEXC_A_STATS_NS (u64 each). */
enum machexc_stat {
	MACHEXC_S_UNSPEC,
	MACHEXC_S_PAD,
	MACHEXC_S_SPACES,		/* processes with a port space (= tasks) */
	MACHEXC_S_THREADS,		/* thread records */
	MACHEXC_S_PORTS,		/* ports (ns: receive rights held) */
	MACHEXC_S_PSETS,		/* port sets */
	MACHEXC_S_MSGS,			/* queued messages */
	MACHEXC_S_EXC_RAISED,		/* exception_raise messages sent */
	MACHEXC_S_EXC_HANDOFFS,		/* ... straight to a waiting handler */
	MACHEXC_S_EXC_QUEUED,		/* ... queued with nobody waiting */
	MACHEXC_S_EXC_HANDLED,		/* exceptions a handler answered KERN_SUCCESS */
	MACHEXC_S_EXC_FALLBACKS,	/* exceptions left to Linux's signal */
	MACHEXC_S_EXC_ABORTED,		/* threads killed while they waited */
	MACHEXC_S_NOMEM,		/* fault- or fork-path allocations lost */
	MACHEXC_S_LIMIT_HITS,		/* requests refused by a cap */
	MACHEXC_S_LATENCY,		/* nest: MACHEXC_LAT_BUCKETS u64, types 1.. */
	MACHEXC_S_EXC_HOST_MASK,	/* u32: types with a host-level port */
	MACHEXC_S_MSG_HANDOFFS,		/* messages handed to a waiting receiver */
	MACHEXC_S_MSG_REQUEUED,		/* ... put back in the queue unreceived */

	__MACHEXC_S_MAX,
	MACHEXC_S_MAX = __MACHEXC_S_MAX - 1
};

/*
 * The time a thread stayed stopped for an exception, from the fault to
 * its resumption or its signal: attribute 1 of MACHEXC_S_LATENCY counts
 * the exceptions that took less than a microsecond, attribute i > 1 those
 * that took [2^(i-2), 2^(i-1)) microseconds, the last also longer ones.
 */
#define MACHEXC_LAT_BUCKETS	24

/* Rights by type, in MACHEXC_A_RIGHTS (u32 each). */
enum machexc_rights {
	MACHEXC_R_UNSPEC,
	MACHEXC_R_SEND,
	MACHEXC_R_RECEIVE,
	MACHEXC_R_SEND_ONCE,
	MACHEXC_R_PORT_SET,
	MACHEXC_R_DEAD_NAME,
	MACHEXC_R_NAMES,		/* all names */

	__MACHEXC_R_MAX,
	MACHEXC_R_MAX = __MACHEXC_R_MAX - 1
};

/* What a send right's port stands for (MACHEXC_A_PORT_KOBJECT). */
enum machexc_kobject {
	MACHEXC_KOBJECT_NONE,
	MACHEXC_KOBJECT_TASK,
	MACHEXC_KOBJECT_THREAD,
	MACHEXC_KOBJECT_HOST,
};

/* Notification requests on a name (MACHEXC_A_PORT_REQUESTS). */
#define MACHEXC_REQ_DEAD_NAME		0x1	/* dead-name or send-possible */
#define MACHEXC_REQ_NO_SENDERS		0x2	/* on the receive right */
#define MACHEXC_REQ_PORT_DESTROYED	0x4	/* on the receive right */

/* Exception events (MACHEXC_A_EVENT). */
enum machexc_event {
	MACHEXC_EVENT_UNSPEC,
	MACHEXC_EVENT_RAISED,		/* a level's handler was sent the exception */
	MACHEXC_EVENT_HANDLED,		/* a handler answered KERN_SUCCESS */
	MACHEXC_EVENT_FALLBACK,		/* no handler took it: Linux delivers the signal */
	MACHEXC_EVENT_ABORTED,		/* the thread was killed while it waited */
};

/* MACHEXC_A_EXC_LEVEL */
enum machexc_level {
	MACHEXC_LEVEL_THREAD,
	MACHEXC_LEVEL_TASK,
	MACHEXC_LEVEL_HOST,
	MACHEXC_LEVEL_NONE,
};

#endif /* _UAPI_LINUX_MACHEXC_NETLINK_H */
