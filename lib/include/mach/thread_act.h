/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/thread_act.h>: the thread calls libmachexc implements.
 *
 * A thread port may be another process's (from task_threads() or an
 * exception message); using it is checked as ptrace() would attach to
 * that process (else KERN_FAILURE).
 */
#ifndef _MACHEXC_MACH_THREAD_ACT_H
#define _MACHEXC_MACH_THREAD_ACT_H

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The state of a thread stopped in an exception (the thread port an
 * exception message carries) or suspended; a running thread gives
 * KERN_FAILURE.
 */
kern_return_t thread_get_state(thread_read_t target_act, thread_state_flavor_t flavor,
			       thread_state_t old_state, mach_msg_type_number_t *old_stateCnt);
kern_return_t thread_set_state(thread_act_t target_act, thread_state_flavor_t flavor,
			       thread_state_t new_state, mach_msg_type_number_t new_stateCnt);

/*
 * Suspend counts, as Mach's: the thread runs again when its count and its
 * task's are both 0.
 */
kern_return_t thread_suspend(thread_read_t target_act);
kern_return_t thread_resume(thread_read_t target_act);
/*
 * THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO; *thread_info_outCnt is the
 * room in, the count out.
 */
kern_return_t thread_info(thread_inspect_t target_act, thread_flavor_t flavor,
			  thread_info_t thread_info_out, mach_msg_type_number_t *thread_info_outCnt);

/* Exception ports: of any thread whose task the caller may debug (the ptrace rule). */
kern_return_t thread_set_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
					 mach_port_t new_port, exception_behavior_t behavior,
					 thread_state_flavor_t new_flavor);
kern_return_t thread_get_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
					 exception_mask_array_t masks,
					 mach_msg_type_number_t *masksCnt,
					 exception_handler_array_t old_handlers,
					 exception_behavior_array_t old_behaviors,
					 exception_flavor_array_t old_flavors);
kern_return_t thread_swap_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
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
