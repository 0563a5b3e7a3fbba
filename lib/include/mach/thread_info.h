/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/thread_info.h>: the thread_info() flavors the module
 * answers, with macOS's numbers and layouts (not packed: XNU does not
 * pack this header).
 */
#ifndef _MACHEXC_MACH_THREAD_INFO_H
#define _MACHEXC_MACH_THREAD_INFO_H

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/message.h>
#include <mach/policy.h>
#include <mach/time_value.h>
#include <mach/vm_types.h>

typedef natural_t thread_flavor_t;
typedef integer_t *thread_info_t;	/* a varying array of integer_t */

/* As current SDKs (old ones said 1024); thread_info_t's MIG bound is 32 too. */
#define THREAD_INFO_MAX		(32)
typedef integer_t thread_info_data_t[THREAD_INFO_MAX];

#define THREAD_BASIC_INFO	3

struct thread_basic_info {
	time_value_t user_time;
	time_value_t system_time;
	integer_t cpu_usage;		/* in TH_USAGE_SCALE parts */
	policy_t policy;
	integer_t run_state;		/* TH_STATE_* */
	integer_t flags;		/* TH_FLAGS_* */
	integer_t suspend_count;	/* thread_suspend()'s */
	integer_t sleep_time;
};
typedef struct thread_basic_info thread_basic_info_data_t;
typedef struct thread_basic_info *thread_basic_info_t;
#define THREAD_BASIC_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(thread_basic_info_data_t) / sizeof(natural_t)))

#define THREAD_IDENTIFIER_INFO	4

struct thread_identifier_info {
	uint64_t thread_id;
	uint64_t thread_handle;
	uint64_t dispatch_qaddr;
};
typedef struct thread_identifier_info thread_identifier_info_data_t;
typedef struct thread_identifier_info *thread_identifier_info_t;
#define THREAD_IDENTIFIER_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(thread_identifier_info_data_t) / sizeof(natural_t)))

#define TH_USAGE_SCALE		1000

#define TH_STATE_RUNNING	1
#define TH_STATE_STOPPED	2
#define TH_STATE_WAITING	3
#define TH_STATE_UNINTERRUPTIBLE 4
#define TH_STATE_HALTED		5

#define TH_FLAGS_SWAPPED	0x1
#define TH_FLAGS_IDLE		0x2
#define TH_FLAGS_GLOBAL_FORCED_IDLE 0x4

#endif
