// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A task's memory through MACHEXC_IOC_VM: mach_vm_read(),
 * mach_vm_read_overwrite(), mach_vm_write(), mach_vm_region() and
 * mach_vm_region_recurse(), and their vm_* forms, on any task port (the
 * caller's own included), with XNU's rules (osfmk/vm/vm_user.c,
 * vm_map.c vm_map_region() and vm_map_region_recurse_64()):
 *
 *  - reads and writes are all or nothing: a range not wholly mapped is
 *    KERN_INVALID_ADDRESS, one not readable (or, for a write, neither
 *    writable nor private) KERN_PROTECTION_FAILURE, and then nothing was
 *    copied; a range that wraps is KERN_INVALID_ADDRESS; a size of 0
 *    succeeds (mach_vm_read() then gives *data 0, *dataCnt 0);
 *  - mach_vm_read()'s bytes come back as fresh memory of the caller's at
 *    the same offset within its page as the source address (XNU's
 *    vm_map_copyout() of the copy object), to free with
 *    vm_deallocate(mach_task_self(), data, dataCnt); on failure nothing
 *    stays allocated.  Its count is a mach_msg_type_number_t, so a size
 *    that does not fit 32 bits is KERN_INVALID_ARGUMENT, as XNU's
 *    mach_vm_read() answers before it copies anything;
 *  - mach_vm_region() describes the region that holds the address, else
 *    the next one above it, else KERN_INVALID_ADDRESS.  Flavors:
 *    VM_REGION_BASIC_INFO_64, and VM_REGION_BASIC_INFO, which
 *    mach_vm_region() and vm_region_64() take as VM_REGION_BASIC_INFO_64
 *    (XNU's "legacy conversion") and only vm_region() answers with the
 *    32-bit-offset structure; any other flavor, or a count too small for
 *    the flavor, is KERN_INVALID_ARGUMENT.  *object_name is MACH_PORT_NULL;
 *  - mach_vm_region_recurse() picks its structure by *infoCnt as XNU does:
 *    below VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 KERN_INVALID_ARGUMENT,
 *    below VM_REGION_SUBMAP_INFO_V0_COUNT_64 the short structure, else
 *    the V0, V1 or V2 structure, the largest that fits; *infoCnt says
 *    which, and nothing past it is written.
 *
 * A Linux mapping (VMA) is a region.  Linux has no submaps and no
 * memory objects to look into, so the recurse structures say:
 * is_submap 0, and *nesting_depth 0, the depth XNU reports for a region
 * that is not in a submap; share_mode SM_SHARED for a shared mapping,
 * SM_COW for a private mapping of a file (its pages are the file's until
 * written), SM_PRIVATE for private anonymous memory (also before it is
 * touched, where XNU would say SM_EMPTY); external_pager 1 for a file;
 * ref_count 1 (this mapping; Linux does not count them); user_tag 0 (no
 * tags); pages_resident, pages_shared_now_private, pages_swapped_out,
 * pages_dirtied, pages_reusable, shadow_depth, object_id and
 * object_id_full 0 (the module does not walk the page tables for them).
 * user_wired_count is 1 for an mlock()ed mapping, else 0.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "internal.h"

/* MACHEXC_IOC_VM: its kern_return_t, or -errno (-ENXIO: no device). */
static long vm_ioctl(struct machexc_vm_op *op)
{
	int fd = machexc_device_fd();
	long ret;

	if (fd < 0)
		return -ENXIO;
	ret = ioctl(fd, MACHEXC_IOC_VM, op);
	return ret >= 0 ? ret : -errno;
}

/*
 * What MIG cannot send to (MACH_PORT_NULL, MACH_PORT_DEAD; no device)
 * is MACH_SEND_INVALID_DEST.  -EFAULT is a buffer of the caller's that
 * is not there: for a read, XNU's copy-out to the caller fails
 * (KERN_INVALID_ADDRESS); mach_vm_write() says otherwise.
 */
static kern_return_t vm_translate(struct machexc_vm_op *op, kern_return_t efault)
{
	long ret;

	if (!MACH_PORT_VALID(op->task))
		return MACH_SEND_INVALID_DEST;
	ret = vm_ioctl(op);
	if (ret >= 0)
		return (kern_return_t)ret;
	switch (-ret) {
	case ENXIO:
		return MACH_SEND_INVALID_DEST;
	case EFAULT:
		return efault;
	case ENOMEM:
		return KERN_RESOURCE_SHORTAGE;
	case EINVAL:
		return KERN_INVALID_ARGUMENT;
	case EINTR:
		return KERN_ABORTED;
	case ENOTTY:
		return KERN_NOT_SUPPORTED;	/* a module older than API 1.4 */
	default:
		return KERN_FAILURE;
	}
}

kern_return_t machexc_vm_call(struct machexc_vm_op *op)
{
	return vm_translate(op, KERN_INVALID_ADDRESS);
}

kern_return_t machexc_vm_region_of(unsigned int task, uint64_t addr,
				   struct machexc_vm_region *r)
{
	struct machexc_vm_op op = {
		.op = MACHEXC_VM_REGION, .task = task, .address = addr,
		.buf = (uintptr_t)r,
	};

	memset(r, 0, sizeof(*r));
	return machexc_vm_call(&op);
}

kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task, mach_vm_address_t address,
				     mach_vm_size_t size, mach_vm_address_t data,
				     mach_vm_size_t *outsize)
{
	struct machexc_vm_op op = {
		.op = MACHEXC_VM_READ, .task = target_task, .address = address,
		.size = size, .buf = data,
	};
	kern_return_t kr = machexc_vm_call(&op);

	if (kr == KERN_SUCCESS)
		*outsize = size;
	return kr;
}

kern_return_t mach_vm_read(vm_map_read_t target_task, mach_vm_address_t address,
			   mach_vm_size_t size, vm_offset_t *data, mach_msg_type_number_t *dataCnt)
{
	mach_vm_size_t page = (mach_vm_size_t)sysconf(_SC_PAGESIZE), off, room;
	struct machexc_vm_op op = {
		.op = MACHEXC_VM_READ, .task = target_task, .address = address,
	};
	kern_return_t kr;
	void *p;

	if (size > UINT32_MAX)
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		/* Still a call on the task: the port and the access are checked. */
		kr = machexc_vm_call(&op);
		if (kr == KERN_SUCCESS) {
			*data = 0;
			*dataCnt = 0;
		}
		return kr;
	}
	off = address & (page - 1);
	room = (off + size + page - 1) & ~(page - 1);
	p = mmap(NULL, room, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return KERN_RESOURCE_SHORTAGE;
	op.size = size;
	op.buf = (uintptr_t)p + off;
	kr = machexc_vm_call(&op);
	if (kr != KERN_SUCCESS) {
		munmap(p, room);
		return kr;
	}
	*data = (uintptr_t)p + off;
	*dataCnt = (mach_msg_type_number_t)size;
	return KERN_SUCCESS;
}

kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address, vm_offset_t data,
			    mach_msg_type_number_t dataCnt)
{
	struct machexc_vm_op op = {
		.op = MACHEXC_VM_WRITE, .task = target_task, .address = address,
		.size = dataCnt, .buf = data,
	};

	/*
	 * MIG sends @data out of line: if the caller's bytes are not there,
	 * the send fails before the target is touched.
	 */
	return vm_translate(&op, MACH_SEND_INVALID_MEMORY);
}

/* What the module says of a mapping, as XNU's basic info. */
static void basic_of(const struct machexc_vm_region *r, vm_region_basic_info_data_64_t *b)
{
	memset(b, 0, sizeof(*b));
	b->protection = (vm_prot_t)r->protection;
	b->max_protection = (vm_prot_t)r->max_protection;
	b->inheritance = r->inheritance;
	b->shared = !!(r->flags & MACHEXC_VM_REGION_SHARED);
	b->reserved = FALSE;
	b->offset = r->offset;
	b->behavior = (vm_behavior_t)r->behavior;
	b->user_wired_count = r->flags & MACHEXC_VM_REGION_WIRED ? 1 : 0;
}

static unsigned char share_mode_of(const struct machexc_vm_region *r)
{
	if (r->flags & MACHEXC_VM_REGION_SHARED)
		return SM_SHARED;
	return r->flags & MACHEXC_VM_REGION_FILE ? SM_COW : SM_PRIVATE;
}

/* vm_map_region(): @legacy answers VM_REGION_BASIC_INFO with the old structure. */
static kern_return_t region(vm_map_read_t task, mach_vm_address_t *address,
			    mach_vm_size_t *size, vm_region_flavor_t flavor, vm_region_info_t info,
			    mach_msg_type_number_t *infoCnt, mach_port_t *object_name)
{
	vm_region_basic_info_data_64_t b64;
	struct machexc_vm_region r;
	mach_msg_type_number_t need;
	kern_return_t kr;

	switch (flavor) {
	case VM_REGION_BASIC_INFO_64:
		need = VM_REGION_BASIC_INFO_COUNT_64;
		break;
	case VM_REGION_BASIC_INFO:
		need = VM_REGION_BASIC_INFO_COUNT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	if (*infoCnt < need)
		return KERN_INVALID_ARGUMENT;
	kr = machexc_vm_region_of(task, *address, &r);
	if (kr != KERN_SUCCESS)
		return kr;
	basic_of(&r, &b64);
	if (flavor == VM_REGION_BASIC_INFO_64) {
		memcpy(info, &b64, sizeof(b64));
	} else {
		vm_region_basic_info_data_t b;

		memset(&b, 0, sizeof(b));
		b.protection = b64.protection;
		b.max_protection = b64.max_protection;
		b.inheritance = b64.inheritance;
		b.shared = b64.shared;
		b.reserved = b64.reserved;
		b.offset = (uint32_t)b64.offset;
		b.behavior = b64.behavior;
		b.user_wired_count = b64.user_wired_count;
		memcpy(info, &b, sizeof(b));
	}
	*infoCnt = need;
	*address = r.start;
	*size = r.end - r.start;
	if (object_name)
		*object_name = MACH_PORT_NULL;
	return KERN_SUCCESS;
}

kern_return_t mach_vm_region(vm_map_read_t target_task, mach_vm_address_t *address,
			     mach_vm_size_t *size, vm_region_flavor_t flavor, vm_region_info_t info,
			     mach_msg_type_number_t *infoCnt, mach_port_t *object_name)
{
	/* XNU: "legacy conversion". */
	if (flavor == VM_REGION_BASIC_INFO)
		flavor = VM_REGION_BASIC_INFO_64;
	return region(target_task, address, size, flavor, info, infoCnt, object_name);
}

kern_return_t mach_vm_region_recurse(vm_map_read_t target_task, mach_vm_address_t *address,
				     mach_vm_size_t *size, natural_t *nesting_depth,
				     vm_region_recurse_info_t info, mach_msg_type_number_t *infoCnt)
{
	vm_region_submap_info_data_64_t full;
	vm_region_submap_short_info_data_64_t shrt;
	struct machexc_vm_region r;
	mach_msg_type_number_t count;
	kern_return_t kr;

	if (*infoCnt < VM_REGION_SUBMAP_SHORT_INFO_COUNT_64)
		return KERN_INVALID_ARGUMENT;
	if (*infoCnt < VM_REGION_SUBMAP_INFO_V0_COUNT_64)
		count = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64;
	else if (*infoCnt < VM_REGION_SUBMAP_INFO_V1_COUNT_64)
		count = VM_REGION_SUBMAP_INFO_V0_COUNT_64;
	else if (*infoCnt < VM_REGION_SUBMAP_INFO_V2_COUNT_64)
		count = VM_REGION_SUBMAP_INFO_V1_COUNT_64;
	else
		count = VM_REGION_SUBMAP_INFO_V2_COUNT_64;
	kr = machexc_vm_region_of(target_task, *address, &r);
	if (kr != KERN_SUCCESS)
		return kr;
	/* The short and the full structure share these fields' names. */
#define FILL_SUBMAP(s)								\
	do {									\
		memset(&(s), 0, sizeof(s));					\
		(s).protection = (vm_prot_t)r.protection;			\
		(s).max_protection = (vm_prot_t)r.max_protection;		\
		(s).inheritance = r.inheritance;				\
		(s).offset = r.offset;						\
		(s).ref_count = 1;						\
		(s).external_pager = !!(r.flags & MACHEXC_VM_REGION_FILE);	\
		(s).share_mode = share_mode_of(&r);				\
		(s).is_submap = FALSE;						\
		(s).behavior = (vm_behavior_t)r.behavior;			\
		(s).user_wired_count = r.flags & MACHEXC_VM_REGION_WIRED ? 1 : 0; \
	} while (0)
	if (count == VM_REGION_SUBMAP_SHORT_INFO_COUNT_64) {
		FILL_SUBMAP(shrt);
		memcpy(info, &shrt, sizeof(shrt));
	} else {
		FILL_SUBMAP(full);
		memcpy(info, &full, count * sizeof(natural_t));
	}
#undef FILL_SUBMAP
	*infoCnt = count;
	*nesting_depth = 0;
	*address = r.start;
	*size = r.end - r.start;
	return KERN_SUCCESS;
}

/* The vm_* forms: the same calls with vm_address_t and vm_size_t. */

kern_return_t vm_read(vm_map_read_t target_task, vm_address_t address, vm_size_t size,
		      vm_offset_t *data, mach_msg_type_number_t *dataCnt)
{
	return mach_vm_read(target_task, address, size, data, dataCnt);
}

kern_return_t vm_write(vm_map_t target_task, vm_address_t address, vm_offset_t data,
		       mach_msg_type_number_t dataCnt)
{
	return mach_vm_write(target_task, address, data, dataCnt);
}

kern_return_t vm_read_overwrite(vm_map_read_t target_task, vm_address_t address,
				vm_size_t size, vm_address_t data, vm_size_t *outsize)
{
	mach_vm_size_t out = 0;
	kern_return_t kr = mach_vm_read_overwrite(target_task, address, size, data, &out);

	if (kr == KERN_SUCCESS)
		*outsize = (vm_size_t)out;
	return kr;
}

kern_return_t vm_region_64(vm_map_read_t target_task, vm_address_t *address, vm_size_t *size,
			   vm_region_flavor_t flavor, vm_region_info_t info,
			   mach_msg_type_number_t *infoCnt, mach_port_t *object_name)
{
	mach_vm_address_t a = *address;
	mach_vm_size_t s = 0;
	kern_return_t kr = mach_vm_region(target_task, &a, &s, flavor, info, infoCnt,
					  object_name);

	if (kr == KERN_SUCCESS) {
		*address = (vm_address_t)a;
		*size = (vm_size_t)s;
	}
	return kr;
}

kern_return_t vm_region(vm_map_read_t target_task, vm_address_t *address, vm_size_t *size,
			vm_region_flavor_t flavor, vm_region_info_t info,
			mach_msg_type_number_t *infoCnt, mach_port_t *object_name)
{
	mach_vm_address_t a = *address;
	mach_vm_size_t s = 0;
	kern_return_t kr = region(target_task, &a, &s, flavor, info, infoCnt, object_name);

	if (kr == KERN_SUCCESS) {
		*address = (vm_address_t)a;
		*size = (vm_size_t)s;
	}
	return kr;
}

kern_return_t vm_region_recurse_64(vm_map_read_t target_task, vm_address_t *address,
				   vm_size_t *size, natural_t *nesting_depth,
				   vm_region_recurse_info_t info, mach_msg_type_number_t *infoCnt)
{
	mach_vm_address_t a = *address;
	mach_vm_size_t s = 0;
	kern_return_t kr = mach_vm_region_recurse(target_task, &a, &s, nesting_depth, info,
						  infoCnt);

	if (kr == KERN_SUCCESS) {
		*address = (vm_address_t)a;
		*size = (vm_size_t)s;
	}
	return kr;
}

kern_return_t vm_region_recurse(vm_map_read_t target_task, vm_address_t *address,
				vm_size_t *size, natural_t *nesting_depth,
				vm_region_recurse_info_t info, mach_msg_type_number_t *infoCnt)
{
	vm_region_submap_info_data_64_t i64;
	vm_region_submap_info_data_t i32;
	mach_msg_type_number_t n = VM_REGION_SUBMAP_INFO_COUNT_64;
	kern_return_t kr;

	if (*infoCnt < VM_REGION_SUBMAP_INFO_COUNT)
		return KERN_INVALID_ARGUMENT;
	kr = vm_region_recurse_64(target_task, address, size, nesting_depth,
				  (vm_region_recurse_info_t)&i64, &n);
	if (kr != KERN_SUCCESS)
		return kr;
	memset(&i32, 0, sizeof(i32));
	i32.protection = i64.protection;
	i32.max_protection = i64.max_protection;
	i32.inheritance = i64.inheritance;
	i32.offset = (uint32_t)i64.offset;
	i32.user_tag = i64.user_tag;
	i32.pages_resident = i64.pages_resident;
	i32.pages_shared_now_private = i64.pages_shared_now_private;
	i32.pages_swapped_out = i64.pages_swapped_out;
	i32.pages_dirtied = i64.pages_dirtied;
	i32.ref_count = i64.ref_count;
	i32.shadow_depth = i64.shadow_depth;
	i32.external_pager = i64.external_pager;
	i32.share_mode = i64.share_mode;
	i32.is_submap = i64.is_submap;
	i32.behavior = i64.behavior;
	i32.object_id = i64.object_id;
	i32.user_wired_count = i64.user_wired_count;
	memcpy(info, &i32, sizeof(i32));
	*infoCnt = VM_REGION_SUBMAP_INFO_COUNT;
	return KERN_SUCCESS;
}
