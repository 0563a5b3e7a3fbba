// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vm_allocate()/vm_deallocate() for the caller's own task: zero-filled
 * anonymous memory, page-rounded as Mach rounds it (a fixed address is
 * truncated to its page, the size rounded up on its own).  Other tasks
 * are not reachable this way (KERN_INVALID_ARGUMENT).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mach/mach.h>

static uintptr_t page_mask(void)
{
	return (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
}

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags)
{
	uintptr_t mask = page_mask();
	bool fixed = !(flags & VM_FLAGS_ANYWHERE);
	void *want = NULL, *p;
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;

	if (target != mach_task_self())
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	if (size > SIZE_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	size = (size + mask) & ~(mach_vm_size_t)mask;
	if (fixed) {
		want = (void *)(uintptr_t)(*address & ~(mach_vm_address_t)mask);
		mflags |= flags & VM_FLAGS_OVERWRITE ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (flags & VM_FLAGS_OVERWRITE) {
		return KERN_INVALID_ARGUMENT;	/* as XNU: only with a fixed address */
	}
	p = mmap(want, size, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (p == MAP_FAILED && fixed)
		/* Taken (or no room there), else not a user address. */
		return errno == EEXIST || errno == ENOMEM ? KERN_NO_SPACE : KERN_INVALID_ADDRESS;
	if (p == MAP_FAILED)
		return KERN_RESOURCE_SHORTAGE;
	/* Kernels before 4.17 take MAP_FIXED_NOREPLACE as a mere hint. */
	if (fixed && p != want) {
		munmap(p, size);
		return KERN_NO_SPACE;
	}
	*address = (uintptr_t)p;
	return KERN_SUCCESS;
}

kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size)
{
	uintptr_t mask = page_mask();
	mach_vm_address_t start = address & ~(mach_vm_address_t)mask;

	if (target != mach_task_self())
		return KERN_INVALID_ARGUMENT;
	if (size == 0)
		return KERN_SUCCESS;
	size = (address + size - start + mask) & ~(mach_vm_size_t)mask;
	return munmap((void *)(uintptr_t)start, size) ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
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
