/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/task_info.h>: the task_info() flavors the module
 * answers, with macOS's numbers and layouts.  XNU packs these structures
 * to 4 bytes (mach_task_basic_info is 48 bytes either way; only its
 * alignment differs).
 */
#ifndef _MACHEXC_MACH_TASK_INFO_H
#define _MACHEXC_MACH_TASK_INFO_H

#include <mach/message.h>
#include <mach/policy.h>
#include <mach/time_value.h>
#include <mach/vm_types.h>

typedef natural_t task_flavor_t;
typedef integer_t *task_info_t;		/* a varying array of integer_t */

#define TASK_INFO_MAX		(1024)
typedef integer_t task_info_data_t[TASK_INFO_MAX];

#pragma pack(push, 4)

/* Sizes in bytes; suspend_count is task_suspend()'s. */
#define MACH_TASK_BASIC_INFO	20

struct mach_task_basic_info {
	mach_vm_size_t virtual_size;
	mach_vm_size_t resident_size;
	mach_vm_size_t resident_size_max;
	time_value_t user_time;
	time_value_t system_time;
	policy_t policy;
	integer_t suspend_count;
};
typedef struct mach_task_basic_info mach_task_basic_info_data_t;
typedef struct mach_task_basic_info *mach_task_basic_info_t;
#define MACH_TASK_BASIC_INFO_COUNT \
	(sizeof(mach_task_basic_info_data_t) / sizeof(natural_t))

#pragma pack(pop)

#endif
