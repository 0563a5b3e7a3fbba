/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/thread_status.h>: thread state flavors (x86-64), as on
 * macOS.  The state structures themselves arrive with thread_get_state().
 */
#ifndef _MACHEXC_MACH_THREAD_STATUS_H
#define _MACHEXC_MACH_THREAD_STATUS_H

#include <mach/vm_types.h>

typedef natural_t *thread_state_t;
typedef int thread_state_flavor_t;
typedef thread_state_flavor_t *thread_state_flavor_array_t;

#define THREAD_STATE_MAX	614
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

#define THREAD_STATE_FLAVOR_LIST	0
#define THREAD_STATE_FLAVOR_LIST_NEW	128
#define THREAD_STATE_FLAVOR_LIST_10_9	129
#define THREAD_STATE_FLAVOR_LIST_10_13	130
#define THREAD_STATE_FLAVOR_LIST_10_15	131

#define x86_THREAD_STATE32	1
#define x86_FLOAT_STATE32	2
#define x86_EXCEPTION_STATE32	3
#define x86_THREAD_STATE64	4
#define x86_FLOAT_STATE64	5
#define x86_EXCEPTION_STATE64	6
#define x86_THREAD_STATE	7
#define x86_FLOAT_STATE		8
#define x86_EXCEPTION_STATE	9
#define x86_DEBUG_STATE32	10
#define x86_DEBUG_STATE64	11
#define x86_DEBUG_STATE		12
#define THREAD_STATE_NONE	13

#endif
