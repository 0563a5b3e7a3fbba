// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line memory and port arrays (GNU Mach's and XNU's
 * ipc_kmsg_copyin/copyout of OOL descriptors).
 *
 * The sender's bytes (or port names) are copied into the kernel when the
 * message is sent, before the space's lock is taken: physical and virtual
 * copy alike, so the receiver sees the memory as it was at the send, as
 * macOS promises for both.  With the deallocate flag the sender's pages
 * are unmapped once the message is on its way (a failed send leaves them
 * where they were).  The receiver gets fresh anonymous memory, mapped
 * before its rights are copied out, then filled: its own, to vm_deallocate.
 *
 * Every function here may fault on user memory or take mmap_lock: none is
 * called with a space's or a port's lock held.  The kernel's copies are
 * charged to the sender's memory cgroup; max_ool_size caps one message.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "msg.h"

unsigned int mx_max_ool_size = 16U << 20;

static bool is_send_or_receive(u32 d)
{
	return d >= MACH_MSG_TYPE_MOVE_RECEIVE && d <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/*
 * Walk the descriptors: their types and sizes, how many rights and how
 * many out-of-line parts they carry.  Fills @kmsg->ool when @fill.
 */
static mx_return_t walk(struct mx_kmsg *kmsg, bool fill, u64 *bytes)
{
	const u32 first = sizeof(struct mach_msg_header) + sizeof(struct mach_msg_body);
	struct mach_msg_ool_descriptor64 *o;
	u32 count, i, offset = first, nool = 0, nrights = 0, len;
	u8 type;

	count = ((struct mach_msg_body *)(kmsg->hdr + 1))->msgh_descriptor_count;
	*bytes = 0;
	for (i = 0; i < count; i++, offset += len) {
		if (kmsg->size < offset + sizeof(struct mach_msg_port_descriptor))
			return MACH_SEND_MSG_TOO_SMALL;
		type = kmsg->data[offset + 11];	/* byte 11 in every layout */
		if (type > MACH_MSG_OOL_PORTS_DESCRIPTOR)
			return MACH_SEND_INVALID_TYPE;
		len = type == MACH_MSG_PORT_DESCRIPTOR ? sizeof(struct mach_msg_port_descriptor) :
						       sizeof(*o);
		if (kmsg->size < offset + len)
			return MACH_SEND_MSG_TOO_SMALL;
		if (type == MACH_MSG_PORT_DESCRIPTOR) {
			nrights++;
			continue;
		}
		o = (struct mach_msg_ool_descriptor64 *)(kmsg->data + offset);
		if (type == MACH_MSG_OOL_DESCRIPTOR) {
			if (o->copy != MACH_MSG_PHYSICAL_COPY && o->copy != MACH_MSG_VIRTUAL_COPY)
				return MACH_SEND_INVALID_TYPE;
			*bytes += o->size;
		} else if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			if (!is_send_or_receive(o->disposition))
				return MACH_SEND_INVALID_RIGHT;
			nrights += min_t(u32, o->size, MX_MSG_DESC_MAX + 1);
			*bytes += (u64)o->size * sizeof(u32);
		} else {
			return MACH_SEND_INVALID_TYPE;
		}
		if (nrights > MX_MSG_DESC_MAX)
			return MACH_SEND_TOO_LARGE;
		if (fill) {
			kmsg->ool[nool] = (struct mx_kool){
				.offset = offset, .type = type, .copy = o->copy,
				.dealloc = o->deallocate, .size = o->size, .uaddr = o->address,
			};
		}
		nool++;
	}
	if (nrights > MX_MSG_DESC_MAX)
		return MACH_SEND_TOO_LARGE;
	kmsg->nrights = nrights;
	kmsg->nool = nool;
	return MACH_MSG_SUCCESS;
}

/*
 * A complex message's descriptors checked, and its out-of-line memory and
 * port names read from the sender, before its rights are copied in.
 */
mx_return_t mx_kmsg_ool_copyin(struct mx_kmsg *kmsg)
{
	struct mx_kool *ool;
	mx_return_t mr;
	u64 bytes;
	size_t len;
	u32 i;

	if (!(kmsg->hdr->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return MACH_MSG_SUCCESS;
	if (kmsg->size < sizeof(struct mach_msg_header) + sizeof(struct mach_msg_body))
		return MACH_SEND_MSG_TOO_SMALL;
	mr = walk(kmsg, false, &bytes);
	if (mr != MACH_MSG_SUCCESS)
		return mr;
	if (bytes > READ_ONCE(mx_max_ool_size))
		return MACH_SEND_TOO_LARGE;
	if (!kmsg->nool)
		return MACH_MSG_SUCCESS;
	kmsg->ool = kvcalloc(kmsg->nool, sizeof(*kmsg->ool), GFP_KERNEL_ACCOUNT);
	if (!kmsg->ool)
		return MACH_SEND_NO_BUFFER;
	walk(kmsg, true, &bytes);
	for (i = 0; i < kmsg->nool; i++) {
		ool = &kmsg->ool[i];
		len = ool->type == MACH_MSG_OOL_DESCRIPTOR ? ool->size : ool->size * sizeof(u32);
		if (!len)
			continue;
		ool->data = kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!ool->data)
			return MACH_SEND_NO_BUFFER;
		if (copy_from_user(ool->data, u64_to_user_ptr(ool->uaddr), len))
			return MACH_SEND_INVALID_MEMORY;
	}
	return MACH_MSG_SUCCESS;
}

void mx_kmsg_ool_free(struct mx_kmsg *kmsg)
{
	u32 i;

	if (!kmsg->ool) {
		kmsg->nool = 0;	/* most messages: no call for nothing */
		return;
	}
	for (i = 0; i < kmsg->nool; i++)
		kvfree(kmsg->ool[i].data);
	kvfree(kmsg->ool);
	kmsg->ool = NULL;
	kmsg->nool = 0;
}

/*
 * The sender's pages to unmap once the message is sent (deallocate flag),
 * whole pages as vm_deallocate() takes them: read before the send, after
 * which the message is its receiver's.  The count; *@ranges to kfree().
 */
u32 mx_kmsg_ool_dealloc_ranges(struct mx_kmsg *kmsg, struct mx_ool_range **ranges)
{
	unsigned long start, end;
	struct mx_kool *ool;
	u32 i, n = 0;

	*ranges = NULL;
	for (i = 0; i < kmsg->nool; i++)
		n += kmsg->ool[i].dealloc && kmsg->ool[i].size;
	if (!n)
		return 0;
	*ranges = kmalloc_array(n, sizeof(**ranges), GFP_KERNEL);
	if (!*ranges)
		return 0;	/* the sender keeps its memory */
	n = 0;
	for (i = 0; i < kmsg->nool; i++) {
		ool = &kmsg->ool[i];
		if (!ool->dealloc || !ool->size)
			continue;
		start = ool->uaddr & PAGE_MASK;
		end = ool->uaddr + (ool->type == MACH_MSG_OOL_DESCRIPTOR ? ool->size :
				    (u64)ool->size * sizeof(u32));
		(*ranges)[n].start = start;
		(*ranges)[n].len = PAGE_ALIGN(end) - start;
		n++;
	}
	return n;
}

void mx_ool_dealloc(struct mx_ool_range *ranges, u32 n)
{
	u32 i;

	if (!ranges)
		return;
	for (i = 0; i < n; i++)
		vm_munmap(ranges[i].start, ranges[i].len);
	kfree(ranges);
}

/*
 * Fresh memory in the receiver for each region and port array, the
 * regions filled at once.  One that cannot be mapped arrives as address 0
 * and size 0, with MACH_MSG_VM_SPACE in *@mr; its rights are released
 * when they are copied out.
 */
void mx_kmsg_ool_map(struct mx_kmsg *kmsg, mx_return_t *mr)
{
	struct mx_kool *ool;
	unsigned long addr;
	size_t len;
	u32 i;

	for (i = 0; i < kmsg->nool; i++) {
		ool = &kmsg->ool[i];
		len = ool->type == MACH_MSG_OOL_DESCRIPTOR ? ool->size : ool->size * sizeof(u32);
		ool->uaddr = 0;
		if (!len)
			continue;
		addr = vm_mmap(NULL, 0, PAGE_ALIGN(len), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, 0);
		if (IS_ERR_VALUE(addr) ||
		    (ool->type == MACH_MSG_OOL_DESCRIPTOR &&
		     copy_to_user((void __user *)addr, ool->data, len))) {
			if (!IS_ERR_VALUE(addr))
				vm_munmap(addr, PAGE_ALIGN(len));
			ool->failed = true;
			*mr |= MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
			continue;
		}
		ool->uaddr = addr;
	}
}

/*
 * After the rights: the port arrays' names into the receiver's memory,
 * and every out-of-line descriptor as the receiver sees it.
 */
mx_return_t mx_kmsg_ool_copyout(struct mx_kmsg *kmsg)
{
	struct mach_msg_ool_descriptor64 *o;
	mx_return_t mr = MACH_MSG_SUCCESS;
	struct mx_kool *ool;
	u32 i;

	for (i = 0; i < kmsg->nool; i++) {
		ool = &kmsg->ool[i];
		o = (struct mach_msg_ool_descriptor64 *)(kmsg->data + ool->offset);
		if (ool->type == MACH_MSG_OOL_PORTS_DESCRIPTOR && ool->uaddr &&
		    copy_to_user(u64_to_user_ptr(ool->uaddr), ool->data,
				 ool->size * sizeof(u32)))
			mr = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
		o->address = ool->uaddr;
		if (ool->failed)
			o->size = 0;
		/* As XNU: the receiver owns it; "deallocate" says virtual copy. */
		o->deallocate = ool->type == MACH_MSG_OOL_DESCRIPTOR &&
				ool->copy == MACH_MSG_VIRTUAL_COPY;
	}
	return mr;
}
