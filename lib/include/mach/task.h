/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/task.h>: the task calls libmachexc implements.
 *
 * They take any task port: one's own (mach_task_self()) or another
 * process's (task_for_pid()), which every call checks as ptrace() would
 * attach (else KERN_FAILURE); task_get/set_special_port() take only the
 * caller's own.
 */
#ifndef _MACHEXC_MACH_TASK_H
#define _MACHEXC_MACH_TASK_H

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The task's threads, as send rights in an array this call vm_allocate()s
 * in the caller (a MIG out-of-line reply): release each right with
 * mach_port_deallocate() and the array with vm_deallocate().  No threads
 * give a null array and a count of 0.
 */
kern_return_t task_threads(task_inspect_t target_task, thread_act_array_t *act_list,
			   mach_msg_type_number_t *act_listCnt);
/* Suspend counts, as Mach's: the task runs again when its count is 0. */
kern_return_t task_suspend(task_read_t target_task);
kern_return_t task_resume(task_read_t target_task);
/* MACH_TASK_BASIC_INFO; *task_info_outCnt is the room in, the count out. */
kern_return_t task_info(task_name_t target_task, task_flavor_t flavor, task_info_t task_info_out,
			mach_msg_type_number_t *task_info_outCnt);

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
					exception_handler_array_t old_handlers,
					exception_behavior_array_t old_behaviors,
					exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif
