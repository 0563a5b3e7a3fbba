/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/thread_status.h>: thread state as the kernel passes
 * it (arrays of natural_t), and the x86 flavors and structures.
 */
#ifndef _MACHEXC_MACH_THREAD_STATUS_H
#define _MACHEXC_MACH_THREAD_STATUS_H

#include <mach/vm_types.h>
#include <mach/i386/thread_status.h>

typedef natural_t *thread_state_t;
typedef int thread_state_flavor_t;
typedef thread_state_flavor_t *thread_state_flavor_array_t;

#define THREAD_STATE_MAX	I386_THREAD_STATE_MAX
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

#define THREAD_STATE_FLAVOR_LIST	0
#define THREAD_STATE_FLAVOR_LIST_NEW	128
#define THREAD_STATE_FLAVOR_LIST_10_9	129
#define THREAD_STATE_FLAVOR_LIST_10_13	130
#define THREAD_STATE_FLAVOR_LIST_10_15	131

#endif
