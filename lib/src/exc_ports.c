// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Exception ports at the three levels (task_, thread_, host_ ...
 * _set/_get/_swap_exception_ports), mach_host_self(), and
 * thread_get_state()/thread_set_state(): one MACHEXC_IOC_PORT operation
 * each, as the ABI table in <linux/machexc.h> lays them out.
 */
#include <stdint.h>

#include <mach/mach.h>

#include "internal.h"
#include "machexc.h"

/* The three opcodes of a level, in the order set, get, swap. */
#define TASK	MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS
#define THREAD	MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS
#define HOST	MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS

static kern_return_t exc_set(uint32_t level, mach_port_t target, exception_mask_t mask,
			     mach_port_t new_port, exception_behavior_t behavior,
			     thread_state_flavor_t flavor)
{
	struct machexc_port_op op = {
		.op = level, .task = target, .arg = mask, .poly = new_port,
		.value = (uint32_t)behavior, .right = (uint32_t)flavor,
	};

	return machexc_port_call(&op);
}

/* get (new_port unused) or swap: the old handlers, within the caller's room. */
static kern_return_t exc_get(uint32_t opcode, mach_port_t target, exception_mask_t mask,
			     mach_port_t new_port, exception_behavior_t behavior,
			     thread_state_flavor_t flavor, exception_mask_array_t masks,
			     mach_msg_type_number_t *count, exception_handler_array_t handlers,
			     exception_behavior_array_t behaviors,
			     exception_flavor_array_t flavors)
{
	struct machexc_exc_ports p = { .count = *count };
	struct machexc_port_op op = {
		.op = opcode, .task = target, .arg = mask, .poly = new_port,
		.value = (uint32_t)behavior, .right = (uint32_t)flavor,
		.buf = (uintptr_t)&p,
	};
	kern_return_t kr = machexc_port_call(&op);
	uint32_t i;

	if (kr != KERN_SUCCESS)
		return kr;
	for (i = 0; i < p.count; i++) {
		masks[i] = p.masks[i];
		handlers[i] = p.ports[i];
		behaviors[i] = (exception_behavior_t)p.behaviors[i];
		flavors[i] = (thread_state_flavor_t)p.flavors[i];
	}
	*count = p.count;
	return KERN_SUCCESS;
}

kern_return_t task_set_exception_ports(task_t task, exception_mask_t exception_mask,
				       mach_port_t new_port, exception_behavior_t behavior,
				       thread_state_flavor_t new_flavor)
{
	return exc_set(TASK, task, exception_mask, new_port, behavior, new_flavor);
}

kern_return_t task_get_exception_ports(task_t task, exception_mask_t exception_mask,
				       exception_mask_array_t masks,
				       mach_msg_type_number_t *masksCnt,
				       exception_handler_array_t old_handlers,
				       exception_behavior_array_t old_behaviors,
				       exception_flavor_array_t old_flavors)
{
	return exc_get(TASK + 1, task, exception_mask, MACH_PORT_NULL, 0, 0, masks, masksCnt,
		       old_handlers, old_behaviors, old_flavors);
}

kern_return_t task_swap_exception_ports(task_t task, exception_mask_t exception_mask,
					mach_port_t new_port, exception_behavior_t behavior,
					thread_state_flavor_t new_flavor,
					exception_mask_array_t masks,
					mach_msg_type_number_t *masksCnt,
					exception_handler_array_t old_handlers,
					exception_behavior_array_t old_behaviors,
					exception_flavor_array_t old_flavors)
{
	return exc_get(TASK + 2, task, exception_mask, new_port, behavior, new_flavor, masks,
		       masksCnt, old_handlers, old_behaviors, old_flavors);
}

kern_return_t thread_set_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
					 mach_port_t new_port, exception_behavior_t behavior,
					 thread_state_flavor_t new_flavor)
{
	return exc_set(THREAD, thread, exception_mask, new_port, behavior, new_flavor);
}

kern_return_t thread_get_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
					 exception_mask_array_t masks,
					 mach_msg_type_number_t *masksCnt,
					 exception_handler_array_t old_handlers,
					 exception_behavior_array_t old_behaviors,
					 exception_flavor_array_t old_flavors)
{
	return exc_get(THREAD + 1, thread, exception_mask, MACH_PORT_NULL, 0, 0, masks,
		       masksCnt, old_handlers, old_behaviors, old_flavors);
}

kern_return_t thread_swap_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
					  mach_port_t new_port, exception_behavior_t behavior,
					  thread_state_flavor_t new_flavor,
					  exception_mask_array_t masks,
					  mach_msg_type_number_t *masksCnt,
					  exception_handler_array_t old_handlers,
					  exception_behavior_array_t old_behaviors,
					  exception_flavor_array_t old_flavors)
{
	return exc_get(THREAD + 2, thread, exception_mask, new_port, behavior, new_flavor,
		       masks, masksCnt, old_handlers, old_behaviors, old_flavors);
}

kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
				       mach_port_t new_port, exception_behavior_t behavior,
				       thread_state_flavor_t new_flavor)
{
	return exc_set(HOST, host_priv, exception_mask, new_port, behavior, new_flavor);
}

kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
				       exception_mask_array_t masks,
				       mach_msg_type_number_t *masksCnt,
				       exception_handler_array_t old_handlers,
				       exception_behavior_array_t old_behaviors,
				       exception_flavor_array_t old_flavors)
{
	return exc_get(HOST + 1, host_priv, exception_mask, MACH_PORT_NULL, 0, 0, masks,
		       masksCnt, old_handlers, old_behaviors, old_flavors);
}

kern_return_t host_swap_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
					mach_port_t new_port, exception_behavior_t behavior,
					thread_state_flavor_t new_flavor,
					exception_mask_array_t masks,
					mach_msg_type_number_t *masksCnt,
					exception_handler_array_t old_handlers,
					exception_behavior_array_t old_behaviors,
					exception_flavor_array_t old_flavors)
{
	return exc_get(HOST + 2, host_priv, exception_mask, new_port, behavior, new_flavor,
		       masks, masksCnt, old_handlers, old_behaviors, old_flavors);
}

mach_port_t mach_host_self(void)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_HOST_SELF };

	return machexc_port_call(&op) == KERN_SUCCESS ? op.name : MACH_PORT_NULL;
}

kern_return_t thread_get_state(thread_read_t target_act, thread_state_flavor_t flavor,
			       thread_state_t old_state,
			       mach_msg_type_number_t *old_stateCnt)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_THREAD_GET_STATE, .task = target_act,
		.arg = (uint32_t)flavor, .buf = (uintptr_t)old_state,
		.count = *old_stateCnt < THREAD_STATE_MAX ? *old_stateCnt : THREAD_STATE_MAX,
	};
	kern_return_t kr = machexc_port_call(&op);

	if (kr == KERN_SUCCESS)
		*old_stateCnt = op.count;
	return kr;
}

kern_return_t thread_set_state(thread_act_t target_act, thread_state_flavor_t flavor,
			       thread_state_t new_state, mach_msg_type_number_t new_stateCnt)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_THREAD_SET_STATE, .task = target_act,
		.arg = (uint32_t)flavor, .buf = (uintptr_t)new_state, .count = new_stateCnt,
	};

	/* MIG refuses an array larger than the type allows before sending. */
	if (new_stateCnt > THREAD_STATE_MAX)
		return MIG_ARRAY_TOO_LARGE;
	return machexc_port_call(&op);
}

kern_return_t pid_for_task(mach_port_name_t t, int *x)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_PID_FOR_TASK, .task = t };
	kern_return_t kr = machexc_port_call(&op);

	if (kr == KERN_SUCCESS)
		*x = (int)op.value;
	return kr;
}

int machexc_thread_fault(unsigned int thread, int *tid, int *stopped,
			 struct machexc_thread_fault *fault)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_THREAD_FAULT, .task = thread, .buf = (uintptr_t)fault,
	};
	kern_return_t kr = machexc_port_call(&op);

	if (kr == KERN_SUCCESS) {
		*tid = (int)op.value;
		*stopped = op.count == 1;
	}
	return kr;
}
