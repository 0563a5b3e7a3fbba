/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: the vm_allocate flags of <mach/vm_statistics.h>. */
#ifndef _MACHEXC_MACH_VM_STATISTICS_H
#define _MACHEXC_MACH_VM_STATISTICS_H

#define VM_FLAGS_FIXED		0x0000
#define VM_FLAGS_ANYWHERE	0x0001
#define VM_FLAGS_PURGABLE	0x0002
#define VM_FLAGS_OVERWRITE	0x4000

#endif
