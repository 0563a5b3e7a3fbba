// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The calls on a thread port, of one's own process or another's:
 * thread_suspend()/thread_resume() and thread_info(), each one
 * MACHEXC_IOC_PORT operation as the ABI table in <linux/machexc.h> lays
 * them out.
 */
#include <stdint.h>

#include <mach/mach.h>

#include "internal.h"

kern_return_t thread_suspend(thread_read_t target_act)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_SUSPEND, .task = target_act };

	return machexc_port_call(&op);
}

kern_return_t thread_resume(thread_read_t target_act)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_RESUME, .task = target_act };

	return machexc_port_call(&op);
}

kern_return_t thread_info(thread_inspect_t target_act, thread_flavor_t flavor,
			  thread_info_t thread_info_out, mach_msg_type_number_t *thread_info_outCnt)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_THREAD_INFO, .task = target_act, .arg = flavor,
		.buf = (uintptr_t)thread_info_out,
		.count = *thread_info_outCnt < MACHEXC_INFO_MAX ? *thread_info_outCnt
								 : MACHEXC_INFO_MAX,
	};
	kern_return_t kr = machexc_port_call(&op);

	if (kr == KERN_SUCCESS)
		*thread_info_outCnt = op.count;
	return kr;
}
