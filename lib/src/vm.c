// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vm_allocate()/vm_deallocate() (and mach_vm_*) for the caller's own task,
 * with XNU's rules (osfmk/vm/vm_user.c mach_vm_allocate_kernel(),
 * vm_map_enter(); osfmk/mach/vm_statistics.h):
 *
 *  - zero-filled anonymous memory; a size of 0 succeeds with *address 0;
 *  - flags outside VM_FLAGS_USER_ALLOCATE are KERN_INVALID_ARGUMENT; the
 *    memory tag and the hints (purgable, no-cache, ...) are accepted and
 *    change nothing here;
 *  - without VM_FLAGS_ANYWHERE the address is fixed: truncated to its page
 *    (*address says where the memory went), the size rounded up to pages
 *    on its own; a range that overlaps a mapping is KERN_NO_SPACE, unless
 *    VM_FLAGS_OVERWRITE asks to replace what is there; a range outside the
 *    user address space is KERN_INVALID_ADDRESS;
 *  - VM_FLAGS_OVERWRITE without a fixed address is KERN_INVALID_ARGUMENT.
 *
 * The target must be mach_task_self().  macOS's libsyscall (mach_vm.c)
 * tries the _kernelrpc_mach_vm_allocate trap, which answers
 * MACH_SEND_INVALID_DEST for anything but the caller's own task port
 * (osfmk/ipc/mach_kernelrpc.c), then the MIG call to the target, which
 * for MACH_PORT_NULL, a dead name or a name without a send right fails to
 * send: MACH_SEND_INVALID_DEST as well.  So here.  A send right to another
 * task (or to any other port) gets KERN_INVALID_ARGUMENT: other tasks'
 * memory is not reachable through these calls.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mach/mach.h>

/* x86-64 user space with 4-level paging ends below 2^47. */
#define USER_END	((mach_vm_address_t)1 << 47)

static uintptr_t page_mask(void)
{
	return (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
}

/* KERN_SUCCESS if target is the caller's task, else what macOS answers. */
static kern_return_t check_target(vm_map_t target)
{
	mach_port_type_t type;

	if (!MACH_PORT_VALID(target))
		return MACH_SEND_INVALID_DEST;
	if (target == mach_task_self())
		return KERN_SUCCESS;
	if (mach_port_type(mach_task_self(), target, &type) != KERN_SUCCESS ||
	    !(type & MACH_PORT_TYPE_SEND))
		return MACH_SEND_INVALID_DEST;
	return KERN_INVALID_ARGUMENT;
}

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags)
{
	uintptr_t mask = page_mask();
	bool fixed = !(flags & VM_FLAGS_ANYWHERE);
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
	mach_vm_address_t start = 0;
	kern_return_t kr = check_target(target);
	void *p;

	if (kr != KERN_SUCCESS)
		return kr;
	if ((unsigned int)flags & ~(unsigned int)VM_FLAGS_USER_ALLOCATE)
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	if (size > SIZE_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	size = (size + mask) & ~(mach_vm_size_t)mask;
	if (fixed) {
		start = *address & ~(mach_vm_address_t)mask;
		if (start + size > USER_END || start + size < start)
			return KERN_INVALID_ADDRESS;
		mflags |= flags & VM_FLAGS_OVERWRITE ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (flags & VM_FLAGS_OVERWRITE) {
		return KERN_INVALID_ARGUMENT;
	}
	p = mmap((void *)(uintptr_t)start, size, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (p == MAP_FAILED) {
		if (!fixed)
			return KERN_NO_SPACE;
		/*
		 * EEXIST: something is mapped there.  EPERM: below
		 * vm.mmap_min_addr, where a 64-bit macOS program has its
		 * __PAGEZERO mapped: taken as well.  ENOMEM: no room (the
		 * mapping count or RLIMIT_AS).
		 */
		return errno == EINVAL ? KERN_INVALID_ADDRESS : KERN_NO_SPACE;
	}
	/* Kernels before 4.17 take MAP_FIXED_NOREPLACE as a mere hint. */
	if (fixed && (uintptr_t)p != start) {
		munmap(p, size);
		return KERN_NO_SPACE;
	}
	*address = (uintptr_t)p;
	return KERN_SUCCESS;
}

/*
 * The pages that [address, address + size) touches go; holes in the
 * range are fine, as in XNU's vm_map_remove().
 */
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size)
{
	uintptr_t mask = page_mask();
	mach_vm_address_t start = address & ~(mach_vm_address_t)mask, end;
	kern_return_t kr = check_target(target);

	if (kr != KERN_SUCCESS)
		return kr;
	if (address + size < address)
		return KERN_INVALID_ARGUMENT;
	if (size == 0)
		return KERN_SUCCESS;
	end = (address + size + mask) & ~(mach_vm_address_t)mask;
	if (end == 0 || start >= USER_END)
		return KERN_SUCCESS;	/* nothing of ours is there */
	if (end > USER_END)
		end = USER_END;
	return munmap((void *)(uintptr_t)start, end - start) ? KERN_INVALID_ARGUMENT :
							       KERN_SUCCESS;
}

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
			  int flags)
{
	mach_vm_address_t a = *address;
	kern_return_t kr = mach_vm_allocate(target_task, &a, size, flags);

	if (kr == KERN_SUCCESS)
		*address = (vm_address_t)a;
	return kr;
}

kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size)
{
	return mach_vm_deallocate(target_task, address, size);
}
