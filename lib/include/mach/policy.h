/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/policy.h>: the scheduling policy a task_info or
 * thread_info reports.  Linux's SCHED_OTHER threads are POLICY_TIMESHARE;
 * SCHED_RR and SCHED_FIFO ones are the fixed-priority classes.
 */
#ifndef _MACHEXC_MACH_POLICY_H
#define _MACHEXC_MACH_POLICY_H

#include <mach/boolean.h>
#include <mach/message.h>
#include <mach/vm_types.h>

typedef int policy_t;
typedef integer_t *policy_info_t;
typedef integer_t *policy_base_t;
typedef integer_t *policy_limit_t;

#define POLICY_NULL		0
#define POLICY_TIMESHARE	1
#define POLICY_RR		2
#define POLICY_FIFO		4

#define __NEW_SCHEDULING_FRAMEWORK__

#define POLICYCLASS_FIXEDPRI	(POLICY_RR | POLICY_FIFO)

#define invalid_policy(policy) \
	((policy) != POLICY_TIMESHARE && (policy) != POLICY_RR && (policy) != POLICY_FIFO)

#endif
