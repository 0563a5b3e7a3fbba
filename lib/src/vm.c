// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vm_allocate()/vm_deallocate()/vm_protect() (and mach_vm_*), with XNU's
 * rules (osfmk/vm/vm_user.c
 * mach_vm_allocate_kernel(), vm_map_enter(), vm_map_protect();
 * osfmk/mach/vm_statistics.h):
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
 * vm_protect() checks the whole range before it changes anything, as
 * vm_map_protect() does: protection bits other than VM_PROT_ALL and
 * VM_PROT_COPY or a range that wraps are KERN_INVALID_ARGUMENT, a size of
 * 0 succeeds; a hole anywhere in the (page-rounded) range is
 * KERN_INVALID_ADDRESS; asking for more than a mapping's maximum
 * protection is KERN_PROTECTION_FAILURE, whether as the current protection
 * or, with set_maximum, as the new maximum (a maximum is never raised).
 * The maximum is what the module reports (MACHEXC_VM_REGION): the
 * VM_MAY* bits of the mapping, everything for private mappings, no write
 * for a shared mapping of a file opened read-only.  What differs from
 * macOS, because Linux keeps no maximum that user space can lower:
 *
 *  - set_maximum=TRUE lowers the current protection to what it shares with
 *    the new maximum (as XNU does), but the maximum itself stays: a later
 *    vm_protect() that raises the current protection again, within the
 *    mapping's real maximum, succeeds where macOS would refuse it;
 *  - VM_PROT_COPY on a private mapping adds nothing (Linux's private
 *    mappings are already copy on write, and writable in their maximum);
 *    on a shared mapping the pages become a private anonymous copy of
 *    their present contents (made with the module's READ, then moved over
 *    the range with mremap(), at once), which is what XNU's copy gives;
 *    writes another thread makes to the shared pages between the copy and
 *    the move are lost to the copy;
 *  - without the module (no /dev/machexc) there is no maximum to check and
 *    no all-or-nothing: mprotect() is called, and its errno translated.
 *
 * macOS's libsyscall (mach_vm.c) tries the _kernelrpc_mach_vm_* trap,
 * which answers MACH_SEND_INVALID_DEST for anything but the caller's own
 * task port (osfmk/ipc/mach_kernelrpc.c), then the MIG call to the
 * target, which for MACH_PORT_NULL, a dead name or a name without a send
 * right fails to send: MACH_SEND_INVALID_DEST as well.  So here.  Another
 * process's task port: vm_allocate() and vm_deallocate() go to the module
 * (MACHEXC_VM_ALLOCATE, _DEALLOCATE: the same rules, applied in the
 * target's address space under the permission rule of task ports;
 * KERN_NOT_SUPPORTED from a module older than API 1.5); vm_protect() gets
 * KERN_NOT_SUPPORTED, as the kernel exports nothing that changes another
 * mm's protections (a debugger does not need it: mach_vm_write() writes
 * through read-only private mappings, breakpoints in text, the way
 * ptrace() does).  A send right to anything else gets
 * KERN_INVALID_ARGUMENT.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "internal.h"

/* x86-64 user space with 4-level paging ends below 2^47. */
#define USER_END	((mach_vm_address_t)1 << 47)

static uintptr_t page_mask(void)
{
	return (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
}

/*
 * KERN_SUCCESS if target is the caller's task; else MACH_SEND_INVALID_DEST
 * for what MIG could not send to, KERN_NOT_SUPPORTED for another task's
 * port (pid_for_task() takes it) and KERN_INVALID_ARGUMENT for any other
 * send right.
 */
static kern_return_t check_target(vm_map_t target)
{
	mach_port_type_t type;
	int pid;

	if (!MACH_PORT_VALID(target))
		return MACH_SEND_INVALID_DEST;
	if (target == mach_task_self())
		return KERN_SUCCESS;
	if (mach_port_type(mach_task_self(), target, &type) != KERN_SUCCESS ||
	    !(type & MACH_PORT_TYPE_SEND))
		return MACH_SEND_INVALID_DEST;
	if (pid_for_task(target, &pid) == KERN_SUCCESS)
		return KERN_NOT_SUPPORTED;
	return KERN_INVALID_ARGUMENT;
}

/* Can the module allocate and deallocate in another task (API 1.5)? */
static bool remote_supported(void)
{
	struct machexc_version v;

	return machexc_api_version(&v) == 0 && (v.features & MACHEXC_FEATURE_VM_ALLOCATE);
}

/* mach_vm_allocate() in another task: the module applies the same rules. */
static kern_return_t remote_allocate(vm_map_t target, mach_vm_address_t *address,
				     mach_vm_size_t size, int flags)
{
	uint64_t addr = 0;
	struct machexc_vm_op op = {
		.op = MACHEXC_VM_ALLOCATE, .task = target, .address = *address,
		.size = size, .flags = (uint32_t)flags, .buf = (uintptr_t)&addr,
	};
	kern_return_t kr;

	if (!remote_supported())
		return KERN_NOT_SUPPORTED;
	kr = machexc_vm_call(&op);
	if (kr == KERN_SUCCESS)
		*address = addr;
	return kr;
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

	if (kr == KERN_NOT_SUPPORTED)
		return remote_allocate(target, address, size, flags);
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

	if (kr == KERN_NOT_SUPPORTED) {
		struct machexc_vm_op op = {
			.op = MACHEXC_VM_DEALLOCATE, .task = target, .address = address,
			.size = size,
		};

		return remote_supported() ? machexc_vm_call(&op) : KERN_NOT_SUPPORTED;
	}
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

static int linux_prot(vm_prot_t p)
{
	return (p & VM_PROT_READ ? PROT_READ : 0) | (p & VM_PROT_WRITE ? PROT_WRITE : 0) |
	       (p & VM_PROT_EXECUTE ? PROT_EXEC : 0);
}

static kern_return_t errno_kr(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return KERN_PROTECTION_FAILURE;
	case EINVAL:
		return KERN_INVALID_ARGUMENT;
	default:
		return KERN_INVALID_ADDRESS;	/* ENOMEM: not mapped (or no room to split) */
	}
}

/* The mapping of ours that contains @addr, or KERN_INVALID_ADDRESS. */
static kern_return_t region_at(mach_vm_address_t addr, struct machexc_vm_region *r)
{
	kern_return_t kr = machexc_vm_region_of(mach_task_self(), addr, r);

	if (kr == KERN_SUCCESS && r->start > addr)
		return KERN_INVALID_ADDRESS;
	return kr;
}

/*
 * VM_PROT_COPY on the shared mapping [start, end) (inside one region of
 * protection @cur, maximum @max): a private anonymous copy of its bytes
 * takes its place.
 */
static kern_return_t copy_private(mach_vm_address_t start, mach_vm_address_t end,
				  vm_prot_t cur, vm_prot_t max)
{
	size_t len = end - start;
	mach_vm_size_t got;
	kern_return_t kr;
	void *p;

	if (!(max & VM_PROT_READ))
		return KERN_PROTECTION_FAILURE;
	if (!(cur & VM_PROT_READ) &&
	    mprotect((void *)(uintptr_t)start, len, linux_prot(cur | VM_PROT_READ)))
		return errno_kr(errno);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return KERN_RESOURCE_SHORTAGE;
	kr = mach_vm_read_overwrite(mach_task_self(), start, len, (uintptr_t)p, &got);
	if (kr == KERN_SUCCESS && mprotect(p, len, linux_prot(cur)))
		kr = errno_kr(errno);
	if (kr == KERN_SUCCESS &&
	    mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(uintptr_t)start) ==
		    MAP_FAILED)
		kr = errno == ENOMEM ? KERN_RESOURCE_SHORTAGE : errno_kr(errno);
	if (kr != KERN_SUCCESS) {
		munmap(p, len);
		if (!(cur & VM_PROT_READ))
			mprotect((void *)(uintptr_t)start, len, linux_prot(cur));
	}
	return kr;
}

kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address,
			      mach_vm_size_t size, boolean_t set_maximum, vm_prot_t new_protection)
{
	uintptr_t mask = page_mask();
	vm_prot_t want = new_protection & ~VM_PROT_COPY;
	bool copy = new_protection & VM_PROT_COPY;
	mach_vm_address_t start, end, a;
	struct machexc_vm_region r;
	kern_return_t kr = check_target(target_task);

	if (kr != KERN_SUCCESS)
		return kr;
	if (address + size < address || (new_protection & ~(VM_PROT_ALL | VM_PROT_COPY)))
		return KERN_INVALID_ARGUMENT;
	if (size == 0)
		return KERN_SUCCESS;
	start = address & ~(mach_vm_address_t)mask;
	end = (address + size + mask) & ~(mach_vm_address_t)mask;
	if (end == 0 || end > USER_END)
		return KERN_INVALID_ADDRESS;	/* nothing of ours is mapped up there */

	if (machexc_device_fd() < 0) {
		/* No module: no maximum to check; Linux's mprotect() it is. */
		if (mprotect((void *)(uintptr_t)start, end - start, linux_prot(want)))
			return errno_kr(errno);
		return KERN_SUCCESS;
	}

	/* First pass: every page mapped, nothing above its maximum. */
	for (a = start; a < end; a = r.end) {
		kr = region_at(a, &r);
		if (kr != KERN_SUCCESS)
			return kr;
		if ((want & (vm_prot_t)r.max_protection) != want &&
		    !(copy && (want & ((vm_prot_t)r.max_protection | VM_PROT_WRITE)) == want))
			return KERN_PROTECTION_FAILURE;
	}

	/* Second pass: copies, then the new protections. */
	for (a = start; a < end; a = r.end) {
		mach_vm_address_t lo, hi;
		vm_prot_t prot = want;

		kr = region_at(a, &r);
		if (kr != KERN_SUCCESS)
			return kr;
		lo = a;
		hi = r.end < end ? r.end : end;
		if (copy && (r.flags & MACHEXC_VM_REGION_SHARED)) {
			kr = copy_private(lo, hi, (vm_prot_t)r.protection,
					  (vm_prot_t)r.max_protection);
			if (kr != KERN_SUCCESS)
				return kr;
		}
		if (set_maximum)
			prot = (vm_prot_t)r.protection & want;
		if (mprotect((void *)(uintptr_t)lo, hi - lo, linux_prot(prot)))
			return errno_kr(errno);
		r.end = hi;
	}
	return KERN_SUCCESS;
}

kern_return_t vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size,
			 boolean_t set_maximum, vm_prot_t new_protection)
{
	return mach_vm_protect(target_task, address, size, set_maximum, new_protection);
}
