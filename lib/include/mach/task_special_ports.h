/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/task_special_ports.h>, as on macOS. */
#ifndef _MACHEXC_MACH_TASK_SPECIAL_PORTS_H
#define _MACHEXC_MACH_TASK_SPECIAL_PORTS_H

typedef int task_special_port_t;

#define TASK_KERNEL_PORT		1
#define TASK_HOST_PORT			2
#define TASK_NAME_PORT			3
#define TASK_BOOTSTRAP_PORT		4
#define TASK_INSPECT_PORT		5
#define TASK_READ_PORT			6
#define TASK_SEATBELT_PORT		7
#define TASK_ACCESS_PORT		9
#define TASK_DEBUG_CONTROL_PORT		10
#define TASK_RESOURCE_NOTIFY_PORT	11
#define TASK_MAX_SPECIAL_PORT		TASK_RESOURCE_NOTIFY_PORT

#define task_get_kernel_port(task, port) \
	(task_get_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_set_kernel_port(task, port) \
	(task_set_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_get_bootstrap_port(task, port) \
	(task_get_special_port((task), TASK_BOOTSTRAP_PORT, (port)))
#define task_set_bootstrap_port(task, port) \
	(task_set_special_port((task), TASK_BOOTSTRAP_PORT, (port)))

#endif
