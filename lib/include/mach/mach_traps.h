/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mach_traps.h>: the traps libmachexc implements. */
#ifndef _MACHEXC_MACH_MACH_TRAPS_H
#define _MACHEXC_MACH_MACH_TRAPS_H

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The pid of the process @t is the task port of, as the caller's pid
 * namespace numbers it (0 if it cannot see it); KERN_FAILURE if @t is not
 * a task port.
 */
kern_return_t pid_for_task(mach_port_name_t t, int *x);

/*
 * A send right to the task port of process @pid (in the caller's pid
 * namespace) in *@t; pass mach_task_self() as @target_tport.  The caller
 * must be allowed to ptrace() it, else KERN_FAILURE; on failure *@t is
 * MACH_PORT_NULL, as on macOS.
 */
kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t);

#ifdef __cplusplus
}
#endif

#endif
