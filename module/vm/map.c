// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_allocate and mach_vm_deallocate on a task (XNU's vm/vm_user.c),
 * the caller's own or another's.
 *
 * The kernel maps and unmaps only in current->mm (vm_mmap(), vm_munmap()),
 * so the work is done by a kernel thread that borrows the target's mm:
 * a work item on our own workqueue runs kthread_use_mm(), as USB gadget
 * FunctionFS's completion work does, then vm_mmap() or vm_munmap() under
 * the target's mmap lock like any mmap() of the target's own, with every
 * rule of the kernel's (userfaultfd, VMA merging, accounting).  It needs
 * nothing of the target's threads, so it works on a task that is
 * suspended, stopped or traced.
 *
 * What a kernel thread would get wrong, and how it is put right:
 *  - its credentials are the kernel's: it runs with the caller's
 *    (override_creds()), so the LSM hooks, vm.mmap_min_addr
 *    (security_mmap_addr(): CAP_SYS_RAWIO) and the overcommit check judge
 *    the caller, never root;
 *  - its rlimits are unlimited: the target's RLIMIT_AS and RLIMIT_DATA (and
 *    RLIMIT_MEMLOCK under mlockall(MCL_FUTURE)) are checked first, against
 *    the target's counters, the way may_expand_vm() checks them (just
 *    before the mapping, not under the same hold of the lock: a target
 *    that maps meanwhile may pass them by what it mapped); the mapping
 *    count is the kernel's own check, on the mm;
 *  - its memory cgroup is the root's: the VMA and what the mapping
 *    allocates are charged to the target's cgroup (set_active_memcg()),
 *    where the target's own mmap() and its page faults charge them.
 *
 * The caller sleeps until the work is done (killable).  A caller killed
 * meanwhile leaves: the request is counted (refcount), the work finishes
 * on its own and frees it; memory it mapped stays in the target, as a
 * lost MIG reply leaves XNU's.  Module unload drains the workqueue.
 *
 * Locks: none of ours; the work takes the target's mmap lock (for reading
 * to check the limits, then vm_mmap()/vm_munmap() take it for writing).
 */
#include <linux/cred.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "../mach_abi.h"
#include "vm.h"

static struct workqueue_struct *mx_vm_wq;

struct vm_map_req {
	struct work_struct work;
	struct completion done;
	refcount_t refs;		/* the caller's and the work's */
	struct mm_struct *mm;		/* the target's (mm_users) */
	struct task_struct *task;	/* the target's: its rlimits */
	const struct cred *cred;	/* the caller's */
	unsigned long start, len;	/* page aligned */
	bool unmap, fixed, overwrite;
	long kr;			/* the result, once done */
};

static void vm_map_req_put(struct vm_map_req *req)
{
	if (!refcount_dec_and_test(&req->refs))
		return;
	mmput(req->mm);
	put_task_struct(req->task);
	put_cred(req->cred);
	kfree(req);
}

/* Pages of [start, end) mapped in @mm, all and data; mmap lock held. */
static void vm_mapped_in(struct mm_struct *mm, unsigned long start, unsigned long end,
			 unsigned long *all, unsigned long *data)
{
	struct vm_area_struct *vma;
	unsigned long addr = start, lo, hi;

	mmap_assert_locked(mm);
	*all = 0;
	*data = 0;
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		lo = max(vma->vm_start, start);
		hi = min(vma->vm_end, end);
		*all += (hi - lo) >> PAGE_SHIFT;
		if ((vma->vm_flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE)
			*data += (hi - lo) >> PAGE_SHIFT;
		addr = vma->vm_end;
		cond_resched();
	}
}

/* Is @pages more than @limit bytes allow? */
static bool vm_over(unsigned long pages, unsigned long limit)
{
	return limit != RLIM_INFINITY && pages > limit >> PAGE_SHIFT;
}

/*
 * Would the mapping take the target past its RLIMIT_AS, RLIMIT_DATA or,
 * if it locks new mappings, RLIMIT_MEMLOCK?  As may_expand_vm() and
 * mlock_future_ok() judge its own mmap(): what an overwrite replaces is
 * counted off, RLIMIT_DATA 0 is Valgrind's "up to the hard limit", and
 * CAP_IPC_LOCK (the caller's) lifts the lock limit.  In the work.
 */
static bool vm_past_limits(struct vm_map_req *req)
{
	struct mm_struct *mm = req->mm;
	unsigned long n = req->len >> PAGE_SHIFT, all = 0, data = 0;
	unsigned long as = task_rlimit(req->task, RLIMIT_AS);
	unsigned long dl = task_rlimit(req->task, RLIMIT_DATA);
	unsigned long ml = task_rlimit(req->task, RLIMIT_MEMLOCK);
	bool past;

	mmap_read_lock(mm);
	if (req->overwrite)
		vm_mapped_in(mm, req->start, req->start + req->len, &all, &data);
	past = vm_over(mm->total_vm - all + n, as);
	if (vm_over(mm->data_vm - data + n, dl) &&
	    !(dl == 0 && !vm_over(mm->data_vm - data + n,
				  task_rlimit_max(req->task, RLIMIT_DATA))))
		past = true;
	if ((mm->def_flags & VM_LOCKED) && vm_over(mm->locked_vm + n, ml) &&
	    !capable(CAP_IPC_LOCK))
		past = true;
	mmap_read_unlock(mm);
	return past;
}

/* MACHEXC_VM_ALLOCATE, in the work, on current->mm (the target's). */
static long vm_map_here(struct vm_map_req *req)
{
	unsigned long flags = MAP_PRIVATE | MAP_ANONYMOUS, addr;

	if (vm_past_limits(req))
		return KERN_NO_SPACE;
	if (req->fixed)
		flags |= req->overwrite ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	addr = vm_mmap(NULL, req->start, req->len, PROT_READ | PROT_WRITE, flags, 0);
	if (!IS_ERR_VALUE(addr)) {
		req->start = addr;
		return KERN_SUCCESS;
	}
	/*
	 * EEXIST: a mapping is there.  EPERM: below vm.mmap_min_addr (where a
	 * 64-bit macOS program has __PAGEZERO) or sealed.  ENOMEM: no room,
	 * or the mapping count.  As the library answers for its own task.
	 */
	return (long)addr == -EINVAL ? KERN_INVALID_ADDRESS : KERN_NO_SPACE;
}

/* MACHEXC_VM_DEALLOCATE, in the work. */
static long vm_unmap_here(struct vm_map_req *req)
{
	int err = vm_munmap(req->start, req->len);

	if (!err)
		return KERN_SUCCESS;
	if (err == -EPERM)
		return KERN_PROTECTION_FAILURE;	/* sealed (mseal()) */
	return err == -ENOMEM ? KERN_RESOURCE_SHORTAGE : KERN_INVALID_ARGUMENT;
}

/*
 * The work: in the target's mm, with the caller's credentials and the
 * target's memory cgroup.  Runs in a kworker (a kernel thread without an
 * mm of its own, as kthread_use_mm() wants); no lock held.
 */
static void vm_map_work(struct work_struct *work)
{
	struct vm_map_req *req = container_of(work, struct vm_map_req, work);
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(req->mm);
	struct mem_cgroup *old_memcg = set_active_memcg(memcg);
	const struct cred *old_cred = override_creds(req->cred);

	kthread_use_mm(req->mm);
	req->kr = req->unmap ? vm_unmap_here(req) : vm_map_here(req);
	kthread_unuse_mm(req->mm);
	revert_creds(old_cred);
	set_active_memcg(old_memcg);
	mem_cgroup_put(memcg);
	complete(&req->done);
	vm_map_req_put(req);
}

/*
 * Run the request in the work and wait for it.  Takes over @mm and
 * @task (their references).  A kern_return_t, or -ENOMEM, or -EINTR when
 * a fatal signal ended the wait (the work goes on; vm.h).  Sleeps.
 */
static long vm_map_run(struct mm_struct *mm, struct task_struct *task, unsigned long start,
		       unsigned long len, bool unmap, bool fixed, bool overwrite,
		       unsigned long *addr)
{
	struct vm_map_req *req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	long kr;

	if (!req) {
		mmput(mm);
		put_task_struct(task);
		return -ENOMEM;
	}
	INIT_WORK(&req->work, vm_map_work);
	init_completion(&req->done);
	refcount_set(&req->refs, 2);
	req->mm = mm;
	req->task = task;
	req->cred = get_current_cred();
	req->start = start;
	req->len = len;
	req->unmap = unmap;
	req->fixed = fixed;
	req->overwrite = overwrite;
	queue_work(mx_vm_wq, &req->work);
	if (wait_for_completion_killable(&req->done)) {
		vm_map_req_put(req);
		return -EINTR;
	}
	kr = req->kr;
	*addr = req->start;
	vm_map_req_put(req);
	return kr;
}

/*
 * User space ends, for these calls, where macOS's x86-64 user space and
 * the library's own-task calls end: at 2^47 (DEFAULT_MAP_WINDOW, less
 * the guard page), also with 5-level paging.  Deallocation reaches to
 * TASK_SIZE_MAX, so nothing mapped is out of its reach.
 */
long mx_vm_allocate(struct mm_struct *mm, struct task_struct *task,
		    const struct machexc_vm_op *op)
{
	bool fixed = !(op->flags & VM_FLAGS_ANYWHERE);
	bool overwrite = op->flags & VM_FLAGS_OVERWRITE;
	unsigned long start = 0, len, addr = 0;
	long kr = KERN_SUCCESS;

	if (op->flags & ~(u32)VM_FLAGS_USER_ALLOCATE || (overwrite && !fixed) ||
	    op->size > ULONG_MAX - ~PAGE_MASK)
		kr = KERN_INVALID_ARGUMENT;
	else if (op->size > DEFAULT_MAP_WINDOW)
		kr = fixed ? KERN_INVALID_ADDRESS : KERN_NO_SPACE;
	/*
	 * The kworker picks addresses as a 64-bit process would (its own
	 * thread flags, mm->mmap_base): no use to a 32-bit target.
	 */
	else if (!fixed && test_tsk_thread_flag(task, TIF_ADDR32))
		kr = KERN_NOT_SUPPORTED;
	if (kr != KERN_SUCCESS || !op->size) {
		mmput(mm);
		put_task_struct(task);
		if (kr == KERN_SUCCESS && put_user(0ULL, (u64 __user *)u64_to_user_ptr(op->buf)))
			return -EFAULT;
		return kr;
	}
	len = PAGE_ALIGN(op->size);
	if (fixed) {
		start = op->address & PAGE_MASK;
		if (op->address > DEFAULT_MAP_WINDOW || start + len > DEFAULT_MAP_WINDOW) {
			mmput(mm);
			put_task_struct(task);
			return KERN_INVALID_ADDRESS;
		}
	}
	kr = vm_map_run(mm, task, start, len, false, fixed, overwrite, &addr);
	if (kr == KERN_SUCCESS && put_user((u64)addr, (u64 __user *)u64_to_user_ptr(op->buf)))
		return -EFAULT;
	return kr;
}

long mx_vm_deallocate(struct mm_struct *mm, struct task_struct *task,
		      const struct machexc_vm_op *op)
{
	unsigned long start = op->address & PAGE_MASK, end, addr;

	if (op->address + op->size < op->address || !op->size || start >= TASK_SIZE_MAX) {
		mmput(mm);
		put_task_struct(task);
		/* Nothing of the target's is up there: done, as XNU. */
		return op->address + op->size < op->address ? KERN_INVALID_ARGUMENT :
							       KERN_SUCCESS;
	}
	end = op->address + op->size > TASK_SIZE_MAX ? TASK_SIZE_MAX :
						       PAGE_ALIGN(op->address + op->size);
	return vm_map_run(mm, task, start, end - start, true, true, false, &addr);
}

int mx_vm_init(void)
{
	mx_vm_wq = alloc_workqueue("machexc_vm", WQ_UNBOUND, 0);
	return mx_vm_wq ? 0 : -ENOMEM;
}

void mx_vm_exit(void)
{
	destroy_workqueue(mx_vm_wq);
}
