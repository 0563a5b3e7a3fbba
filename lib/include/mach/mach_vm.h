/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/mach_vm.h>: a task's memory, with 64-bit addresses
 * and sizes, as macOS's mach_vm.defs declares the calls.
 *
 * Reading, writing and describing memory work on any task port: one's own
 * (mach_task_self()) or another process's (task_for_pid()), which every
 * call checks as ptrace() would attach (else KERN_FAILURE).  Allocating,
 * deallocating and changing protections work only on one's own task;
 * another task's port gets KERN_NOT_SUPPORTED (lib/src/vm.c says why).
 */
#ifndef _MACHEXC_MACH_MACH_VM_H
#define _MACHEXC_MACH_MACH_VM_H

#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/vm_region.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags);
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size);
kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address,
			      mach_vm_size_t size, boolean_t set_maximum,
			      vm_prot_t new_protection);
/*
 * The bytes come back in fresh memory of the caller's, at the same offset
 * within its page as @address: free it with
 * vm_deallocate(mach_task_self(), *data, *dataCnt).
 */
kern_return_t mach_vm_read(vm_map_read_t target_task, mach_vm_address_t address,
			   mach_vm_size_t size, vm_offset_t *data,
			   mach_msg_type_number_t *dataCnt);
kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address, vm_offset_t data,
			    mach_msg_type_number_t dataCnt);
kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task, mach_vm_address_t address,
				     mach_vm_size_t size, mach_vm_address_t data,
				     mach_vm_size_t *outsize);
kern_return_t mach_vm_region_recurse(vm_map_read_t target_task, mach_vm_address_t *address,
				     mach_vm_size_t *size, natural_t *nesting_depth,
				     vm_region_recurse_info_t info,
				     mach_msg_type_number_t *infoCnt);
kern_return_t mach_vm_region(vm_map_read_t target_task, mach_vm_address_t *address,
			     mach_vm_size_t *size, vm_region_flavor_t flavor,
			     vm_region_info_t info, mach_msg_type_number_t *infoCnt,
			     mach_port_t *object_name);

#ifdef __cplusplus
}
#endif

#endif
