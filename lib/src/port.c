// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mach_port_* calls: each one MACHEXC_IOC_PORT operation, with the
 * arguments where the ABI table in <linux/machexc.h> puts them.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <mach/mach.h>

#include "internal.h"
#include "machexc.h"

kern_return_t machexc_port_call(struct machexc_port_op *op)
{
	int fd = machexc_device_fd();
	long ret;

	if (fd < 0)
		return MACH_SEND_INVALID_DEST;
	ret = ioctl(fd, MACHEXC_IOC_PORT, op);
	if (ret >= 0)
		return (kern_return_t)ret;
	switch (errno) {
	case EFAULT:
		return KERN_INVALID_ADDRESS;
	case ENOMEM:
		return KERN_RESOURCE_SHORTAGE;
	case EINVAL:
		return KERN_INVALID_ARGUMENT;
	default:
		return KERN_FAILURE;
	}
}

static kern_return_t call(uint32_t opcode, ipc_space_t task, struct machexc_port_op *op)
{
	op->op = opcode;
	op->task = task;
	return machexc_port_call(op);
}

kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
				 mach_port_name_t *name)
{
	struct machexc_port_op op = { .right = right };
	kern_return_t kr = call(MACHEXC_PORT_ALLOCATE, task, &op);

	if (kr == KERN_SUCCESS)
		*name = op.name;
	return kr;
}

kern_return_t mach_port_allocate_name(ipc_space_t task, mach_port_right_t right,
				      mach_port_name_t name)
{
	struct machexc_port_op op = { .right = right, .name = name };

	return call(MACHEXC_PORT_ALLOCATE_NAME, task, &op);
}

kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name)
{
	struct machexc_port_op op = { .name = name };

	return call(MACHEXC_PORT_DEALLOCATE, task, &op);
}

kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name)
{
	struct machexc_port_op op = { .name = name };

	return call(MACHEXC_PORT_DESTROY, task, &op);
}

kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right, mach_port_delta_t delta)
{
	struct machexc_port_op op = { .name = name, .right = right, .delta = delta };

	return call(MACHEXC_PORT_MOD_REFS, task, &op);
}

kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right, mach_port_urefs_t *refs)
{
	struct machexc_port_op op = { .name = name, .right = right };
	kern_return_t kr = call(MACHEXC_PORT_GET_REFS, task, &op);

	if (kr == KERN_SUCCESS)
		*refs = op.value;
	return kr;
}

kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype)
{
	struct machexc_port_op op = { .name = name };
	kern_return_t kr = call(MACHEXC_PORT_TYPE, task, &op);

	if (kr == KERN_SUCCESS)
		*ptype = op.value;
	return kr;
}

kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
				     mach_port_t poly, mach_msg_type_name_t polyPoly)
{
	struct machexc_port_op op = { .name = name, .poly = poly, .arg = polyPoly };

	return call(MACHEXC_PORT_INSERT_RIGHT, task, &op);
}

kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
				      mach_msg_type_name_t msgt_name, mach_port_t *poly,
				      mach_msg_type_name_t *polyPoly)
{
	struct machexc_port_op op = { .name = name, .arg = msgt_name };
	kern_return_t kr = call(MACHEXC_PORT_EXTRACT_RIGHT, task, &op);

	if (kr == KERN_SUCCESS) {
		*poly = op.poly;
		*polyPoly = op.value;
	}
	return kr;
}

/*
 * Two arrays the caller frees with vm_deallocate(), as on macOS.  The
 * space may grow between asking its size and fetching it: try again.
 */
kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
			      mach_msg_type_number_t *namesCnt, mach_port_type_array_t *types,
			      mach_msg_type_number_t *typesCnt)
{
	struct machexc_port_op op = { .count = 0 };
	uint32_t capacity = 0, *buf = NULL;
	vm_address_t n = 0, t = 0;
	kern_return_t kr;

	for (;;) {
		op.count = capacity;
		op.buf = (uintptr_t)buf;
		kr = call(MACHEXC_PORT_NAMES, task, &op);
		if (kr != KERN_SUCCESS || op.count <= capacity)
			break;
		free(buf);
		capacity = op.count + 16;
		buf = malloc(2 * capacity * sizeof(uint32_t));
		if (!buf)
			return KERN_RESOURCE_SHORTAGE;
	}
	if (kr == KERN_SUCCESS && op.count) {
		kr = vm_allocate(mach_task_self(), &n, op.count * sizeof(uint32_t),
				 VM_FLAGS_ANYWHERE);
		if (kr == KERN_SUCCESS)
			kr = vm_allocate(mach_task_self(), &t, op.count * sizeof(uint32_t),
					 VM_FLAGS_ANYWHERE);
		if (kr == KERN_SUCCESS) {
			memcpy((void *)n, buf, op.count * sizeof(uint32_t));
			memcpy((void *)t, buf + op.count, op.count * sizeof(uint32_t));
		} else if (n) {
			vm_deallocate(mach_task_self(), n, op.count * sizeof(uint32_t));
			n = 0;
		}
	}
	free(buf);
	if (kr != KERN_SUCCESS)
		return kr;
	*names = (mach_port_name_array_t)n;
	*types = (mach_port_type_array_t)t;
	*namesCnt = *typesCnt = op.count;
	return KERN_SUCCESS;
}

kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member,
				    mach_port_name_t after)
{
	struct machexc_port_op op = { .name = member, .poly = after };

	return call(MACHEXC_PORT_MOVE_MEMBER, task, &op);
}

kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name,
				      mach_port_name_t pset)
{
	struct machexc_port_op op = { .name = name, .poly = pset };

	return call(MACHEXC_PORT_INSERT_MEMBER, task, &op);
}

kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name,
				       mach_port_name_t pset)
{
	struct machexc_port_op op = { .name = name, .poly = pset };

	return call(MACHEXC_PORT_EXTRACT_MEMBER, task, &op);
}

kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
					     mach_msg_id_t msgid, mach_port_mscount_t sync,
					     mach_port_t notify,
					     mach_msg_type_name_t notifyPoly,
					     mach_port_t *previous)
{
	struct machexc_port_op op = {
		.name = name, .arg = (uint32_t)msgid, .value = sync,
		.poly = notify, .right = notifyPoly,
	};
	kern_return_t kr = call(MACHEXC_PORT_REQUEST_NOTIFICATION, task, &op);

	if (kr == KERN_SUCCESS)
		*previous = op.poly;
	return kr;
}

kern_return_t mach_port_get_attributes(ipc_space_t task, mach_port_name_t name,
				       mach_port_flavor_t flavor,
				       mach_port_info_t port_info_out,
				       mach_msg_type_number_t *port_info_outCnt)
{
	struct machexc_port_op op = {
		.name = name, .arg = (uint32_t)flavor,
		.buf = (uintptr_t)port_info_out, .count = *port_info_outCnt,
	};
	kern_return_t kr = call(MACHEXC_PORT_GET_ATTRIBUTES, task, &op);

	if (kr == KERN_SUCCESS)
		*port_info_outCnt = op.count;
	return kr;
}

kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
				       mach_port_flavor_t flavor, mach_port_info_t port_info,
				       mach_msg_type_number_t port_infoCnt)
{
	struct machexc_port_op op = {
		.name = name, .arg = (uint32_t)flavor,
		.buf = (uintptr_t)port_info, .count = port_infoCnt,
	};

	return call(MACHEXC_PORT_SET_ATTRIBUTES, task, &op);
}

kern_return_t task_get_special_port(task_t task, int which_port, mach_port_t *special_port)
{
	struct machexc_port_op op = { .arg = (uint32_t)which_port };
	kern_return_t kr = call(MACHEXC_PORT_GET_SPECIAL_PORT, task, &op);

	if (kr == KERN_SUCCESS)
		*special_port = op.poly;
	return kr;
}

kern_return_t task_set_special_port(task_t task, int which_port, mach_port_t special_port)
{
	struct machexc_port_op op = { .arg = (uint32_t)which_port, .poly = special_port };

	return call(MACHEXC_PORT_SET_SPECIAL_PORT, task, &op);
}
