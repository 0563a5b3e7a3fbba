/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/vm_types.h> for x86-64, as on macOS. */
#ifndef _MACHEXC_MACH_VM_TYPES_H
#define _MACHEXC_MACH_VM_TYPES_H

#include <stdint.h>

typedef unsigned int natural_t;
typedef int integer_t;
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
typedef vm_offset_t vm_address_t;
typedef vm_offset_t pointer_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;
typedef natural_t mach_port_name_t;
typedef mach_port_name_t mach_port_t;	/* user space: a name */
typedef mach_port_t vm_map_t;

#endif
