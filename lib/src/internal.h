/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc internals. */
#ifndef _MACHEXC_LIB_INTERNAL_H
#define _MACHEXC_LIB_INTERNAL_H

#include <linux/machexc.h>
#include <mach/kern_return.h>

/*
 * One MACHEXC_IOC_PORT call.  Returns the kernel's kern_return_t, or a
 * kern_return_t for what went wrong on the way: no device (as a dead MIG
 * destination: MACH_SEND_INVALID_DEST), a bad pointer, no memory.
 */
kern_return_t machexc_port_call(struct machexc_port_op *op);

/* One MACHEXC_IOC_VM call, with the same translation (vm_remote.c). */
kern_return_t machexc_vm_call(struct machexc_vm_op *op);

/* MACHEXC_VM_REGION: the first mapping of @task that ends above @addr. */
kern_return_t machexc_vm_region_of(unsigned int task, uint64_t addr,
				   struct machexc_vm_region *r);

#endif
