// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_task_self(): the name of the task's own port, asked of the module
 * once and cached.  A fork()ed child has a new port space, so the cache
 * is dropped in the child (pthread_atfork), and the child asks again.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <mach/mach.h>

#include "internal.h"

static _Atomic mach_port_t task_self_name = MACH_PORT_NULL;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_in_child(void)
{
	atomic_store(&task_self_name, MACH_PORT_NULL);
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}

mach_port_t machexc_task_self(void)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SELF };
	mach_port_t name = atomic_load(&task_self_name);

	if (name != MACH_PORT_NULL)
		return name;
	pthread_once(&atfork_once, install_atfork);
	if (machexc_port_call(&op) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	/* Racing threads get the same name (each adds a user reference). */
	atomic_store(&task_self_name, op.name);
	return op.name;
}

mach_port_t mach_thread_self(void)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_SELF };

	return machexc_port_call(&op) == KERN_SUCCESS ? op.name : MACH_PORT_NULL;
}
