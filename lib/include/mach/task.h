/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/task.h>: the task calls libmachexc implements. */
#ifndef _MACHEXC_MACH_TASK_H
#define _MACHEXC_MACH_TASK_H

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/task_special_ports.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t task_get_special_port(task_t task, int which_port, mach_port_t *special_port);
kern_return_t task_set_special_port(task_t task, int which_port, mach_port_t special_port);
kern_return_t task_set_exception_ports(task_t task, exception_mask_t exception_mask,
				       mach_port_t new_port, exception_behavior_t behavior,
				       thread_state_flavor_t new_flavor);
kern_return_t task_get_exception_ports(task_t task, exception_mask_t exception_mask,
				       exception_mask_array_t masks,
				       mach_msg_type_number_t *masksCnt,
				       exception_handler_array_t old_handlers,
				       exception_behavior_array_t old_behaviors,
				       exception_flavor_array_t old_flavors);
kern_return_t task_swap_exception_ports(task_t task, exception_mask_t exception_mask,
					mach_port_t new_port, exception_behavior_t behavior,
					thread_state_flavor_t new_flavor,
					exception_mask_array_t masks,
					mach_msg_type_number_t *masksCnt,
					exception_handler_array_t old_handlerss,
					exception_behavior_array_t old_behaviors,
					exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif
