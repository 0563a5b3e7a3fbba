// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_read, mach_vm_write and mach_vm_region on a task (XNU's
 * vm/vm_user.c; allocate and deallocate are in map.c), over the kernel's
 * get_user_pages_remote(): the way ptrace's PTRACE_PEEKDATA/POKEDATA and
 * /proc/PID/mem reach another process's memory, so every rule of the
 * kernel's own holds (copy on write for a breakpoint in text, no write
 * through a shared mapping the target cannot write, the instruction cache
 * kept coherent).
 *
 * Reads and writes check the whole range first, then go a page at a time
 * through one page of kernel memory: any size, all or nothing against
 * what the target has mapped, and a fatal signal ends them.  Locks: vm.h.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../compat/compat.h"
#include "../mach_abi.h"
#include "../task/task.h"
#include "vm.h"

/*
 * The mm of @target's process, checked as mm_access() checks it (vm.h):
 * a reference (mmput()), and in *@taskp a thread of that process with a
 * reference (put_task_struct()); or NULL with *@ret set.  Sleeps.
 */
static struct mm_struct *vm_target_mm(struct mx_task *self, struct mx_task *target,
				      struct task_struct **taskp, long *ret)
{
	struct mm_struct *mm = NULL;
	struct task_struct *p;

	*ret = MACH_SEND_INVALID_DEST;
	if (target == self) {
		mm = get_task_mm(current);
		if (mm) {
			*ret = KERN_SUCCESS;
			*taskp = get_task_struct(current);
		}
		return mm;
	}
	p = mx_live_thread(target->pid);
	if (!p)
		return NULL;
	if (down_read_killable(&p->signal->exec_update_lock)) {
		*ret = -EINTR;
	} else {
		*ret = mx_task_check(self, target);
		if (*ret == KERN_SUCCESS) {
			mm = get_task_mm(p);
			if (!mm)
				*ret = MACH_SEND_INVALID_DEST;
		}
		up_read(&p->signal->exec_update_lock);
	}
	if (mm)
		*taskp = p;
	else
		put_task_struct(p);
	return mm;
}

/* May @vma be read, or written as ptrace writes, a page at a time? */
static bool vm_accessible(const struct vm_area_struct *vma, bool write)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return false;
	if (!write)
		return vma->vm_flags & VM_READ;
	return (vma->vm_flags & VM_WRITE) || is_cow_mapping(vma->vm_flags);
}

/* Is all of [@start, @end) mapped, and accessible?  A kern_return_t. */
static long vm_check(struct mm_struct *mm, unsigned long start, unsigned long end,
		     bool write)
{
	struct vm_area_struct *vma;
	unsigned long addr = start;
	long kr = KERN_SUCCESS;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	while (addr < end && kr == KERN_SUCCESS) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			kr = KERN_INVALID_ADDRESS;
		else if (!vm_accessible(vma, write))
			kr = KERN_PROTECTION_FAILURE;
		else
			addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return kr;
}

/*
 * Copy @len bytes at @addr in @mm, all within one page, to @buf (read) or
 * from it (write).  The mmap lock is held for this page only; @buf is
 * kernel memory.  A kern_return_t, or -EINTR.
 */
static long vm_copy_page(struct mm_struct *mm, unsigned long addr, void *buf,
			 size_t len, bool write)
{
	struct vm_area_struct *vma;
	struct page *page;
	void *kaddr;
	long kr;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	page = mx_get_user_page_remote(mm, addr, write ? FOLL_WRITE | FOLL_FORCE : 0);
	vma = vma_lookup(mm, addr);
	if (IS_ERR(page) || !vma) {
		if (fatal_signal_pending(current))
			kr = -EINTR;
		else if (PTR_ERR(page) == -ENOMEM)
			kr = KERN_RESOURCE_SHORTAGE;
		else
			kr = vma ? KERN_PROTECTION_FAILURE : KERN_INVALID_ADDRESS;
		if (!IS_ERR(page))
			put_page(page);
		mmap_read_unlock(mm);
		return kr;
	}
	kaddr = kmap_local_page(page);
	if (write) {
		copy_to_user_page(vma, page, addr, kaddr + offset_in_page(addr), buf, len);
		set_page_dirty_lock(page);
	} else {
		copy_from_user_page(vma, page, addr, buf, kaddr + offset_in_page(addr), len);
	}
	kunmap_local(kaddr);
	put_page(page);
	mmap_read_unlock(mm);
	return KERN_SUCCESS;
}

/*
 * Can all of the caller's buffer for a write be read?  One byte a page,
 * so that a bad buffer is found before the target is touched; a fatal
 * signal ends it.  -EFAULT, -EINTR or KERN_SUCCESS.
 */
static long vm_check_source(const char __user *ubuf, u64 size)
{
	u64 off = 0;
	char c;

	while (off < size) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (get_user(c, ubuf + off))
			return -EFAULT;
		off += PAGE_SIZE - offset_in_page(ubuf + off);
		cond_resched();
	}
	return get_user(c, ubuf + size - 1) ? -EFAULT : KERN_SUCCESS;
}

/* MACHEXC_VM_READ and MACHEXC_VM_WRITE. */
static long vm_read_write(struct mm_struct *mm, const struct machexc_vm_op *op, bool write)
{
	char __user *ubuf = u64_to_user_ptr(op->buf);
	unsigned long addr = op->address;
	u64 done;
	void *buf;
	long kr;

	if (!op->size)
		return KERN_SUCCESS;
	if (op->address + op->size < op->address)
		return KERN_INVALID_ADDRESS;
	if (!access_ok(ubuf, op->size))
		return -EFAULT;
	kr = vm_check(mm, addr, addr + op->size, write);
	if (kr == KERN_SUCCESS && write)
		kr = vm_check_source(ubuf, op->size);
	if (kr != KERN_SUCCESS)
		return kr;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return KERN_RESOURCE_SHORTAGE;
	for (done = 0; done < op->size; done += PAGE_SIZE - offset_in_page(addr),
	     addr += PAGE_SIZE - offset_in_page(addr)) {
		size_t len = min_t(u64, PAGE_SIZE - offset_in_page(addr), op->size - done);

		if (fatal_signal_pending(current)) {
			kr = -EINTR;
			break;
		}
		if (write && copy_from_user(buf, ubuf + done, len)) {
			kr = -EFAULT;
			break;
		}
		kr = vm_copy_page(mm, addr, buf, len, write);
		if (kr != KERN_SUCCESS)
			break;
		if (!write && copy_to_user(ubuf + done, buf, len)) {
			kr = -EFAULT;
			break;
		}
		cond_resched();
	}
	kfree(buf);
	return kr;
}

static u32 vm_prot(vm_flags_t f, vm_flags_t r, vm_flags_t w, vm_flags_t x)
{
	return (f & r ? VM_PROT_READ : 0) | (f & w ? VM_PROT_WRITE : 0) |
	       (f & x ? VM_PROT_EXECUTE : 0);
}

/* MACHEXC_VM_REGION: the first VMA that ends above op->address. */
static long vm_region(struct mm_struct *mm, const struct machexc_vm_op *op)
{
	struct machexc_vm_region r = { 0 };
	struct vm_area_struct *vma;
	vm_flags_t f;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, op->address);
	if (vma) {
		f = vma->vm_flags;
		r.start = vma->vm_start;
		r.end = vma->vm_end;
		r.offset = vma->vm_file ? (u64)vma->vm_pgoff << PAGE_SHIFT : 0;
		r.protection = vm_prot(f, VM_READ, VM_WRITE, VM_EXEC);
		r.max_protection = vm_prot(f, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC);
		r.inheritance = f & VM_MAYSHARE ? VM_INHERIT_SHARE :
				f & VM_DONTCOPY ? VM_INHERIT_NONE : VM_INHERIT_COPY;
		r.behavior = f & VM_RAND_READ ? VM_BEHAVIOR_RANDOM :
			     f & VM_SEQ_READ ? VM_BEHAVIOR_SEQUENTIAL : VM_BEHAVIOR_DEFAULT;
		r.flags = (f & VM_MAYSHARE ? MACHEXC_VM_REGION_SHARED : 0) |
			  (vma->vm_file ? MACHEXC_VM_REGION_FILE : 0) |
			  (f & VM_LOCKED ? MACHEXC_VM_REGION_WIRED : 0) |
			  (f & VM_GROWSDOWN ? MACHEXC_VM_REGION_STACK : 0);
	}
	mmap_read_unlock(mm);
	if (!vma)
		return KERN_INVALID_ADDRESS;
	return copy_to_user(u64_to_user_ptr(op->buf), &r, sizeof(r)) ? -EFAULT : KERN_SUCCESS;
}

long mx_vm_op(struct machexc_vm_op *op)
{
	struct task_struct *task = NULL;
	struct mx_task *self, *target;
	struct mm_struct *mm;
	long ret;

	if (op->reserved || !op->op || op->op > MACHEXC_VM_OP_MAX ||
	    (op->flags && op->op != MACHEXC_VM_ALLOCATE))
		return -EINVAL;
	self = mx_task_current();
	if (IS_ERR(self))
		return PTR_ERR(self);
	mutex_lock(&self->space.lock);
	target = mx_task_lookup_locked(&self->space, op->task);
	mutex_unlock(&self->space.lock);
	ret = MACH_SEND_INVALID_DEST;
	mm = target ? vm_target_mm(self, target, &task, &ret) : NULL;
	if (target)
		mx_task_put(target);
	if (mm) {
		switch (op->op) {
		case MACHEXC_VM_ALLOCATE:
			ret = mx_vm_allocate(mm, task, op);	/* takes mm, task */
			break;
		case MACHEXC_VM_DEALLOCATE:
			ret = mx_vm_deallocate(mm, task, op);
			break;
		case MACHEXC_VM_REGION:
			ret = vm_region(mm, op);
			break;
		default:
			ret = vm_read_write(mm, op, op->op == MACHEXC_VM_WRITE);
			break;
		}
		if (op->op != MACHEXC_VM_ALLOCATE && op->op != MACHEXC_VM_DEALLOCATE) {
			mmput(mm);
			put_task_struct(task);
		}
	}
	mx_task_put(self);
	return ret;
}
