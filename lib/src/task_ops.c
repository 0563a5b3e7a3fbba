// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The calls on a task port, one's own or another process's:
 * task_for_pid(), task_threads(), task_suspend()/task_resume() and
 * task_info(), and the machexc_task_suspend_at_exec() extension, each one
 * MACHEXC_IOC_PORT operation with the arguments where the ABI table in
 * <linux/machexc.h> puts them.
 */
#include <stdint.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "internal.h"

kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_TASK_FOR_PID, .task = target_tport, .arg = (uint32_t)pid,
	};
	kern_return_t kr = machexc_port_call(&op);

	/* XNU copies out MACH_PORT_NULL when it fails. */
	*t = kr == KERN_SUCCESS ? op.name : MACH_PORT_NULL;
	return kr;
}

/* Room for this many names fills whole pages: vm_deallocate works in pages. */
static vm_size_t names_room(uint64_t want, vm_size_t *bytes)
{
	vm_size_t page = (vm_size_t)sysconf(_SC_PAGESIZE);

	*bytes = (want * sizeof(thread_act_t) + page - 1) / page * page;
	if (*bytes == 0)
		*bytes = page;
	return *bytes / sizeof(thread_act_t);
}

/* Threads can appear between two tries; after this many, give up. */
#define TASK_THREADS_TRIES	16

kern_return_t task_threads(task_inspect_t target_task, thread_act_array_t *act_list,
			   mach_msg_type_number_t *act_listCnt)
{
	mach_port_t self = mach_task_self();
	uint64_t want = 0;	/* a page's worth to begin with: most tasks fit */
	int tries;

	for (tries = 0; tries < TASK_THREADS_TRIES; tries++) {
		vm_size_t bytes, used;
		vm_size_t room = names_room(want, &bytes);
		vm_address_t addr = 0;
		struct machexc_port_op op = {
			.op = MACHEXC_PORT_TASK_THREADS, .task = target_task,
		};
		kern_return_t kr;

		if (room > UINT32_MAX)
			return KERN_RESOURCE_SHORTAGE;
		kr = vm_allocate(self, &addr, bytes, VM_FLAGS_ANYWHERE);
		if (kr != KERN_SUCCESS)
			return KERN_RESOURCE_SHORTAGE;
		op.buf = addr;
		op.count = (uint32_t)room;
		kr = machexc_port_call(&op);
		if (kr != KERN_SUCCESS || op.count > room) {
			vm_deallocate(self, addr, bytes);
			if (kr != KERN_SUCCESS)
				return kr;
			/* No rights were made; retry with room for newcomers. */
			want = 2 * (uint64_t)op.count;
			continue;
		}
		if (op.count == 0) {
			vm_deallocate(self, addr, bytes);
			*act_list = NULL;
			*act_listCnt = 0;
			return KERN_SUCCESS;
		}
		/*
		 * Keep only the pages the names use, so that the caller's
		 * vm_deallocate(list, count * sizeof(*list)) frees it all.
		 */
		names_room(op.count, &used);
		if (used < bytes)
			vm_deallocate(self, addr + used, bytes - used);
		*act_list = (thread_act_array_t)(uintptr_t)addr;
		*act_listCnt = op.count;
		return KERN_SUCCESS;
	}
	return KERN_RESOURCE_SHORTAGE;
}

kern_return_t task_suspend(task_read_t target_task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SUSPEND, .task = target_task };

	return machexc_port_call(&op);
}

kern_return_t task_resume(task_read_t target_task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_RESUME, .task = target_task };

	return machexc_port_call(&op);
}

kern_return_t task_info(task_name_t target_task, task_flavor_t flavor, task_info_t task_info_out,
			mach_msg_type_number_t *task_info_outCnt)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_TASK_INFO, .task = target_task, .arg = flavor,
		.buf = (uintptr_t)task_info_out,
		.count = *task_info_outCnt < MACHEXC_INFO_MAX ? *task_info_outCnt : MACHEXC_INFO_MAX,
	};
	kern_return_t kr = machexc_port_call(&op);

	if (kr == KERN_SUCCESS)
		*task_info_outCnt = op.count;
	return kr;
}

kern_return_t machexc_task_suspend_at_exec(task_t task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SUSPEND_AT_EXEC, .task = task };

	return machexc_port_call(&op);
}

kern_return_t machexc_task_set_soft_signals(task_t task, boolean_t on)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SET_SOFT_SIGNALS, .task = task,
				      .arg = on ? 1 : 0 };

	return machexc_port_call(&op);
}

kern_return_t machexc_thread_set_soft_signal(thread_act_t thread, int signal)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_SET_SOFT_SIGNAL, .task = thread,
				      .arg = (uint32_t)signal };

	if (signal < 0)
		return KERN_INVALID_ARGUMENT;
	return machexc_port_call(&op);
}
