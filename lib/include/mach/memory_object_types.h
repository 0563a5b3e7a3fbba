/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/memory_object_types.h>: the types vm_region() and
 * its kin report (memory objects themselves do not exist here).
 */
#ifndef _MACHEXC_MACH_MEMORY_OBJECT_TYPES_H
#define _MACHEXC_MACH_MEMORY_OBJECT_TYPES_H

#include <mach/port.h>
#include <mach/vm_types.h>

typedef unsigned long long memory_object_offset_t;
typedef unsigned long long memory_object_size_t;
typedef natural_t memory_object_cluster_size_t;
typedef unsigned long long vm_object_id_t;
typedef mach_port_t memory_object_t;
typedef mach_port_t memory_object_control_t;
typedef mach_port_t memory_object_name_t;
typedef mach_port_t memory_object_default_t;

#define MEMORY_OBJECT_NULL		((memory_object_t)0)
#define MEMORY_OBJECT_CONTROL_NULL	((memory_object_control_t)0)
#define MEMORY_OBJECT_NAME_NULL		((memory_object_name_t)0)

#endif
