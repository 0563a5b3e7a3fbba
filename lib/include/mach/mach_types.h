/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mach_types.h>: the kernel object types, all port names. */
#ifndef _MACHEXC_MACH_MACH_TYPES_H
#define _MACHEXC_MACH_MACH_TYPES_H

#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/memory_object_types.h>
#include <mach/port.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/time_value.h>
#include <mach/vm_behavior.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_region.h>
#include <mach/vm_types.h>

/* Port names all; MIG's prototypes name the flavor of right they want. */
typedef mach_port_t task_t;
typedef mach_port_t task_name_t;
typedef mach_port_t task_inspect_t;
typedef mach_port_t task_read_t;
typedef mach_port_t task_suspension_token_t;
typedef mach_port_t thread_t;
typedef mach_port_t thread_act_t;
typedef mach_port_t thread_inspect_t;
typedef mach_port_t thread_read_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t ipc_space_read_t;
typedef mach_port_t ipc_space_inspect_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef mach_port_t exception_handler_t;
typedef exception_handler_t *exception_handler_array_t;
typedef task_t *task_array_t;
typedef thread_t *thread_array_t;
typedef thread_act_t *thread_act_array_t;

/* The older spellings macOS keeps for compatibility. */
typedef task_t task_port_t;
typedef task_array_t task_port_array_t;
typedef thread_t thread_port_t;
typedef thread_array_t thread_port_array_t;
typedef thread_act_t thread_act_port_t;
typedef thread_act_array_t thread_act_port_array_t;

#define TASK_NULL		((task_t) 0)
#define TASK_NAME_NULL		((task_name_t) 0)
#define TASK_INSPECT_NULL	((task_inspect_t) 0)
#define TASK_READ_NULL		((task_read_t) 0)
#define THREAD_NULL		((thread_t) 0)
#define THREAD_INSPECT_NULL	((thread_inspect_t) 0)
#define THREAD_READ_NULL	((thread_read_t) 0)
#define THR_ACT_NULL		((thread_act_t) 0)
#define TID_NULL		((uint64_t) 0)
#define HOST_NULL		((host_t) 0)

/* The address-space flavors of a task port (vm_map_t is in <mach/vm_types.h>). */
typedef mach_port_t vm_map_read_t;
typedef mach_port_t vm_map_inspect_t;
typedef mach_port_t vm_task_entry_t;
#define VM_MAP_NULL		((vm_map_t) 0)
#define VM_MAP_INSPECT_NULL	((vm_map_inspect_t) 0)
#define VM_MAP_READ_NULL	((vm_map_read_t) 0)

#endif
