/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's memory: mach_vm_read, mach_vm_write, mach_vm_region,
 * mach_vm_allocate and mach_vm_deallocate (XNU's vm/vm_user.c), for a
 * debugger, on the caller's own task or on any task whose port it holds,
 * under the permission rule of task.h.
 *
 * Lock rules.  The target's mm is taken as mm_access() takes it: under
 * the process's exec_update_lock, after the permission check, so that an
 * exec which changes credentials cannot come between the two; the calls
 * then work on that mm (after a later exec, on the old image, never the
 * new one).  The target's mmap lock is held for reading for one walk over
 * its VMAs or for one page, and never while the caller's own memory is
 * touched (the caller may be the target).  No spinlock is taken.
 * Allocate and deallocate run in a kworker of map.c's workqueue that
 * borrows the mm (kthread_use_mm()), with the caller's credentials;
 * vm_mmap() and vm_munmap() take the mmap lock for writing there.
 */
#ifndef _MACHEXC_VM_H
#define _MACHEXC_VM_H

#include <linux/machexc.h>

/* MACHEXC_IOC_VM: a kern_return_t (>= 0), or -EFAULT, -EINVAL, -EINTR, -ENOMEM. */
long mx_vm_op(struct machexc_vm_op *op);

struct mm_struct;
struct task_struct;

/*
 * map.c: MACHEXC_VM_ALLOCATE and _DEALLOCATE on @mm, the mm of @task's
 * process taken as above; they take over both references.  No lock held;
 * they sleep until a kworker borrowing @mm has done the work (killable:
 * -EINTR, and the work goes on by itself).
 */
long mx_vm_allocate(struct mm_struct *mm, struct task_struct *task,
		    const struct machexc_vm_op *op);
long mx_vm_deallocate(struct mm_struct *mm, struct task_struct *task,
		      const struct machexc_vm_op *op);
int mx_vm_init(void);
void mx_vm_exit(void);

#endif /* _MACHEXC_VM_H */
