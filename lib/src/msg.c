// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_msg().  Like macOS's wrapper, it restarts a send or receive that a
 * signal interrupted, unless the caller asked to see interruptions with
 * MACH_SEND_INTERRUPT or MACH_RCV_INTERRUPT; those two options are the
 * library's, and the kernel never sees them.  The kernel reports
 * MACH_RCV_INTERRUPTED only after the send half is done, so a restart
 * only receives.
 */
#include <stdint.h>
#include <sys/ioctl.h>

#include <mach/mach.h>

#include "machexc.h"

static mach_msg_return_t trap(mach_msg_header_t *msg, mach_msg_option_t option,
			      mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			      mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			      mach_port_name_t notify)
{
	struct machexc_msg m = {
		.msg = (uintptr_t)msg,
		.option = (uint32_t)(option & ~(MACH_SEND_INTERRUPT | MACH_RCV_INTERRUPT)),
		.send_size = send_size,
		.rcv_size = rcv_size, .rcv_name = rcv_name, .timeout = timeout,
		.notify = notify,
	};
	int fd = machexc_device_fd();
	long ret;

	if (fd < 0)
		return option & MACH_SEND_MSG ? MACH_SEND_INVALID_DEST : MACH_RCV_INVALID_NAME;
	ret = ioctl(fd, MACHEXC_IOC_MSG, &m);
	if (ret >= 0)
		return (mach_msg_return_t)ret;
	return option & MACH_SEND_MSG ? MACH_SEND_INVALID_DATA : MACH_RCV_INVALID_DATA;
}

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
			   mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			   mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			   mach_port_name_t notify)
{
	mach_msg_return_t mr;

	for (;;) {
		mr = trap(msg, option, send_size, rcv_size, rcv_name, timeout, notify);
		if (mr == MACH_SEND_INTERRUPTED && !(option & MACH_SEND_INTERRUPT))
			continue;
		if (mr == MACH_RCV_INTERRUPTED && !(option & MACH_RCV_INTERRUPT)) {
			option &= ~MACH_SEND_MSG;
			continue;
		}
		return mr;
	}
}

mach_msg_return_t mach_msg_overwrite(mach_msg_header_t *msg, mach_msg_option_t option,
				     mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				     mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
				     mach_port_name_t notify, mach_msg_header_t *rcv_msg,
				     mach_msg_size_t rcv_limit)
{
	mach_msg_return_t mr;

	(void)rcv_limit;
	if (!rcv_msg || rcv_msg == msg || !(option & MACH_RCV_MSG) || !(option & MACH_SEND_MSG))
		return mach_msg(rcv_msg && !(option & MACH_SEND_MSG) ? rcv_msg : msg, option,
				send_size, rcv_size, rcv_name, timeout, notify);
	mr = mach_msg(msg, option & ~MACH_RCV_MSG, send_size, 0, MACH_PORT_NULL, timeout,
		      notify);
	if (mr != MACH_MSG_SUCCESS)
		return mr;
	return mach_msg(rcv_msg, option & ~MACH_SEND_MSG, 0, rcv_size, rcv_name, timeout,
			notify);
}

/*
 * As if a right of this disposition had been sent and destroyed
 * (libsyscall/mach/mach_msg.c, mach_msg_destroy_port()): a moved right
 * goes away; a right the message would have made is made and released,
 * so a made send right counts as made (a no-senders notification can
 * fire) and a made send-once right sends its send-once notification; a
 * copied right, or a name without a right, is left alone.  One
 * difference: macOS releases a reference under the name even when the
 * make failed (the name holds no receive right, so the message was never
 * valid); here such a name is left alone.
 */
static void destroy_right(mach_port_name_t name, mach_msg_type_name_t type)
{
	mach_msg_type_name_t t;

	if (!MACH_PORT_VALID(name))
		return;
	switch (type) {
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		mach_port_deallocate(mach_task_self(), name);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		if (mach_port_insert_right(mach_task_self(), name, name,
					   MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS)
			mach_port_deallocate(mach_task_self(), name);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (mach_port_extract_right(mach_task_self(), name, MACH_MSG_TYPE_MAKE_SEND_ONCE,
					    &name, &t) == KERN_SUCCESS)
			mach_port_deallocate(mach_task_self(), name);
		break;
	}
}

static void destroy_memory(uintptr_t addr, mach_msg_size_t size)
{
	if (size)
		vm_deallocate(mach_task_self(), addr, size);
}

/*
 * Release the rights and memory a received message brought, or that an
 * unsent one carries, as macOS does: the header's remote and voucher
 * ports (msgh_local_port holds no right: a receive consumes the
 * destination, and an unsent message's reply right was never made), each
 * port descriptor's right, out-of-line memory whose descriptor says
 * deallocate, and each right of an out-of-line port array, then the
 * array itself if it says deallocate.  Volatile memory is left alone.
 * Guarded port descriptors are released like port descriptors (the
 * module has no guards to take off first).  Descriptors differ in size,
 * so the walk stops at a type it does not know, as macOS's does.
 */
void mach_msg_destroy(mach_msg_header_t *msg)
{
	mach_msg_bits_t bits = msg->msgh_bits;
	char *d;
	mach_msg_size_t i, j, count;

	destroy_right(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
	destroy_right(msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
	if (!(bits & MACH_MSGH_BITS_COMPLEX))
		return;
	count = ((mach_msg_base_t *)msg)->body.msgh_descriptor_count;
	d = (char *)((mach_msg_base_t *)msg + 1);
	for (i = 0; i < count; i++) {
		mach_msg_descriptor_t *u = (mach_msg_descriptor_t *)d;

		switch (u->type.type) {
		case MACH_MSG_PORT_DESCRIPTOR:
			destroy_right(u->port.name, u->port.disposition);
			d += sizeof(u->port);
			break;
		case MACH_MSG_OOL_DESCRIPTOR:
			if (u->out_of_line.deallocate)
				destroy_memory((uintptr_t)u->out_of_line.address,
					       u->out_of_line.size);
			d += sizeof(u->out_of_line);
			break;
		case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
			d += sizeof(u->out_of_line);
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR:
			for (j = 0; j < u->ool_ports.count; j++)
				destroy_right(((mach_port_t *)u->ool_ports.address)[j],
					      u->ool_ports.disposition);
			if (u->ool_ports.deallocate)
				destroy_memory((uintptr_t)u->ool_ports.address,
					       u->ool_ports.count * (mach_msg_size_t)sizeof(mach_port_t));
			d += sizeof(u->ool_ports);
			break;
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
			destroy_right(u->guarded_port.name, u->guarded_port.disposition);
			d += sizeof(u->guarded_port);
			break;
		default:
			return;
		}
	}
}
