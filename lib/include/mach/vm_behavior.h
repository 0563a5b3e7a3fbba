/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/vm_behavior.h>: paging hints, with macOS's values. */
#ifndef _MACHEXC_MACH_VM_BEHAVIOR_H
#define _MACHEXC_MACH_VM_BEHAVIOR_H

typedef int vm_behavior_t;

#define VM_BEHAVIOR_DEFAULT		((vm_behavior_t)0)
#define VM_BEHAVIOR_RANDOM		((vm_behavior_t)1)	/* MADV_RANDOM */
#define VM_BEHAVIOR_SEQUENTIAL		((vm_behavior_t)2)	/* MADV_SEQUENTIAL */
#define VM_BEHAVIOR_RSEQNTL		((vm_behavior_t)3)
#define VM_BEHAVIOR_WILLNEED		((vm_behavior_t)4)
#define VM_BEHAVIOR_DONTNEED		((vm_behavior_t)5)
#define VM_BEHAVIOR_FREE		((vm_behavior_t)6)
#define VM_BEHAVIOR_ZERO_WIRED_PAGES	((vm_behavior_t)7)
#define VM_BEHAVIOR_REUSABLE		((vm_behavior_t)8)
#define VM_BEHAVIOR_REUSE		((vm_behavior_t)9)
#define VM_BEHAVIOR_CAN_REUSE		((vm_behavior_t)10)
#define VM_BEHAVIOR_PAGEOUT		((vm_behavior_t)11)
#define VM_BEHAVIOR_ZERO		((vm_behavior_t)12)

#endif
