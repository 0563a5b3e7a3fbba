/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/vm_map.h>, <mach/mach_vm.h>: memory for one's own task. */
#ifndef _MACHEXC_MACH_VM_MAP_H
#define _MACHEXC_MACH_VM_MAP_H

#include <mach/mach_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
			  int flags);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);
kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags);
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif
