/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's memory: mach_vm_read, mach_vm_write and mach_vm_region (XNU's
 * vm/vm_user.c), for a debugger, on the caller's own task or on any task
 * whose port it holds, under the permission rule of task.h.
 *
 * Lock rules.  The target's mm is taken as mm_access() takes it: under
 * the process's exec_update_lock, after the permission check, so that an
 * exec which changes credentials cannot come between the two; the calls
 * then work on that mm (after a later exec, on the old image, never the
 * new one).  The target's mmap lock is held for reading for one walk over
 * its VMAs or for one page, and never while the caller's own memory is
 * touched (the caller may be the target).  No spinlock is taken.
 */
#ifndef _MACHEXC_VM_H
#define _MACHEXC_VM_H

#include <linux/machexc.h>

/* MACHEXC_IOC_VM: a kern_return_t (>= 0), or -EFAULT, -EINVAL, -EINTR. */
long mx_vm_op(struct machexc_vm_op *op);

#endif /* _MACHEXC_VM_H */
