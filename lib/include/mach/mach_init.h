/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/mach_init.h>.
 *
 * macOS keeps the task's own name in the variable mach_task_self_, set
 * when a process starts.  Here the name comes from the module on first
 * use (so programs that never use Mach never open /dev/machexc) and is
 * forgotten in a fork()ed child, whose space is a new one: both spellings
 * call machexc_task_self().
 */
#ifndef _MACHEXC_MACH_MACH_INIT_H
#define _MACHEXC_MACH_MACH_INIT_H

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

mach_port_t machexc_task_self(void);
/* A send right to the calling thread's port (release it when done). */
mach_port_t mach_thread_self(void);
/* A send right to the host port (host_*_exception_ports need CAP_SYS_ADMIN). */
mach_port_t mach_host_self(void);

#define mach_task_self()	machexc_task_self()
#define mach_task_self_		(machexc_task_self())
#define current_task()		mach_task_self()

#ifdef __cplusplus
}
#endif

#endif
