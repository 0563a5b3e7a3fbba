/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/vm_map.h>: the vm_* calls with the address-sized
 * types of macOS's vm_map.defs (on x86-64 the same width as mach_vm_*,
 * which they call).  <mach/mach_vm.h> comes along, as it does not on
 * macOS: a superset, so that a program written for either compiles.
 */
#ifndef _MACHEXC_MACH_VM_MAP_H
#define _MACHEXC_MACH_VM_MAP_H

#include <mach/mach_types.h>
#include <mach/mach_vm.h>
#include <mach/message.h>
#include <mach/vm_region.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
			  int flags);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);
kern_return_t vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size,
			 boolean_t set_maximum, vm_prot_t new_protection);
kern_return_t vm_read(vm_map_read_t target_task, vm_address_t address, vm_size_t size,
		      vm_offset_t *data, mach_msg_type_number_t *dataCnt);
kern_return_t vm_write(vm_map_t target_task, vm_address_t address, vm_offset_t data,
		       mach_msg_type_number_t dataCnt);
kern_return_t vm_read_overwrite(vm_map_read_t target_task, vm_address_t address,
				vm_size_t size, vm_address_t data, vm_size_t *outsize);
/* VM_REGION_BASIC_INFO here is the legacy structure, with a 32-bit offset. */
kern_return_t vm_region(vm_map_read_t target_task, vm_address_t *address, vm_size_t *size,
			vm_region_flavor_t flavor, vm_region_info_t info,
			mach_msg_type_number_t *infoCnt, mach_port_t *object_name);
kern_return_t vm_region_64(vm_map_read_t target_task, vm_address_t *address, vm_size_t *size,
			   vm_region_flavor_t flavor, vm_region_info_t info,
			   mach_msg_type_number_t *infoCnt, mach_port_t *object_name);
/* struct vm_region_submap_info (VM_REGION_SUBMAP_INFO_COUNT). */
kern_return_t vm_region_recurse(vm_map_read_t target_task, vm_address_t *address,
				vm_size_t *size, natural_t *nesting_depth,
				vm_region_recurse_info_t info, mach_msg_type_number_t *infoCnt);
kern_return_t vm_region_recurse_64(vm_map_read_t target_task, vm_address_t *address,
				   vm_size_t *size, natural_t *nesting_depth,
				   vm_region_recurse_info_t info,
				   mach_msg_type_number_t *infoCnt);

#ifdef __cplusplus
}
#endif

#endif
