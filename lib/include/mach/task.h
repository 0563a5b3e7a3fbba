/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/task.h>: the task calls libmachexc implements. */
#ifndef _MACHEXC_MACH_TASK_H
#define _MACHEXC_MACH_TASK_H

#include <mach/mach_types.h>
#include <mach/task_special_ports.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t task_get_special_port(task_t task, int which_port, mach_port_t *special_port);
kern_return_t task_set_special_port(task_t task, int which_port, mach_port_t special_port);

#ifdef __cplusplus
}
#endif

#endif
