/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/vm_inherit.h>: what fork() does with a range. */
#ifndef _MACHEXC_MACH_VM_INHERIT_H
#define _MACHEXC_MACH_VM_INHERIT_H

typedef unsigned int vm_inherit_t;

#define VM_INHERIT_SHARE	((vm_inherit_t)0)	/* MAP_SHARED */
#define VM_INHERIT_COPY		((vm_inherit_t)1)	/* MAP_PRIVATE */
#define VM_INHERIT_NONE		((vm_inherit_t)2)	/* MADV_DONTFORK */
#define VM_INHERIT_DONATE_COPY	((vm_inherit_t)3)
#define VM_INHERIT_DEFAULT	VM_INHERIT_COPY
#define VM_INHERIT_LAST_VALID	VM_INHERIT_NONE

#endif
