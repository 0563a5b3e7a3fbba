/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/host_priv.h>: the host exception ports.
 *
 * Pass mach_host_self(); the caller needs CAP_SYS_ADMIN (else
 * KERN_NO_ACCESS), and a handler only sees exceptions of processes in
 * the pid namespace it was set from, or below.
 */
#ifndef _MACHEXC_MACH_HOST_PRIV_H
#define _MACHEXC_MACH_HOST_PRIV_H

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
				       mach_port_t new_port, exception_behavior_t behavior,
				       thread_state_flavor_t new_flavor);
kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
				       exception_mask_array_t masks,
				       mach_msg_type_number_t *masksCnt,
				       exception_handler_array_t old_handlers,
				       exception_behavior_array_t old_behaviors,
				       exception_flavor_array_t old_flavors);
kern_return_t host_swap_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
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
