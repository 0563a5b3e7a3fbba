// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's memory generators: MACHEXC_IOC_VM's READ, WRITE and REGION
 * on our own task, our children's and other fuzz processes' (mostly well
 * formed: addresses inside the target's regions, sizes that fit; now and
 * then unmapped, wrapping, PROT_NONE, or a buffer of ours that is not
 * there), the same through libmachexc (mach_vm_read and its kin, region
 * walks, mach_vm_protect of our own scratch pages), and
 * TASK_SUSPEND_AT_EXEC; ALLOCATE and DEALLOCATE.
 *
 * Nobody is corrupted: a write goes only into fz_vm_scratch, pages that no
 * fuzz process touches but through these calls (the binary is static and
 * not PIE: the scratch is at the same address in every fuzz process), or
 * to an address where it must fail; a read lands only in our c->rbuf.
 *
 * Memory is allocated, overwritten and deallocated at will only in our own
 * task, in ranges we allocated there (forgotten at a fork: the child's
 * copies are its own, and at an exec).  In another task a call either
 * must fail (a fixed range over the scratch, which every fuzz process has
 * mapped; bad flags, sizes and ranges; a deallocation that wraps or is
 * empty) or allocates a page anywhere, at most FZ_VM_LEAKS times in a
 * process's life: never a deallocation, which after the target's exec
 * could hit the new program's memory.
 *
 * No process is left suspended for good: TASK_SUSPEND_AT_EXEC goes only to
 * our own children (they die with us: parent-death signal), and every task
 * we asked it for is looked at again by each memory generator, which
 * resumes it once it has been suspended (by its exec, or otherwise).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "fuzz.h"

#define R (&c->rng)
#define PAGE 4096UL
#define SCRATCH (3 * PAGE)
#define USER_END (1ULL << 47)

static unsigned char fz_vm_scratch[SCRATCH] __attribute__((aligned(4096)));

static long vm_op(struct fz_ctx *c, struct machexc_vm_op *op)
{
	long r = ioctl(c->fd, MACHEXC_IOC_VM, op);

	c->last = r < 0 ? -errno : r;
	return r;
}

/* A task to look at: ours, a child's, anyone's, now and then no task at all. */
static uint32_t vm_task(struct fz_ctx *c)
{
	switch (fz_below(R, 8)) {
	case 0:
	case 1:
		return fz_pick(c, FZ_SEND | FZ_TASK | FZ_CHILD);
	case 2:
	case 3:
		return fz_pick(c, FZ_SEND | FZ_TASK | FZ_FOREIGN);
	case 4:
		return fz_pick(c, FZ_SEND | FZ_TASK);
	case 5:
		return fz_one_in(R, 4) ? fz_pick(c, FZ_ANY) : c->task;
	default:
		return c->task;
	}
}

/*
 * Somewhere a call must be refused in any process: the null page, beyond
 * user space (or wrapping, with most sizes), the kernel.
 */
static uint64_t bad_address(struct fz_ctx *c)
{
	switch (fz_below(R, 4)) {
	case 0:
		return fz_below(R, 4096);
	case 1:
		return USER_END + fz_below(R, 1U << 20);
	case 2:
		return ~0ULL - fz_below(R, 4096);
	default:
		return 0xffffffff81000000ULL;
	}
}

/*
 * An address in the target: in a region of its (found with REGION), or
 * anywhere; *room is how much may be read from there (a guess, or FZ_BUF).
 */
static uint64_t some_address(struct fz_ctx *c, uint32_t task, uint64_t *room)
{
	struct machexc_vm_region r;
	struct machexc_vm_op op = { .op = MACHEXC_VM_REGION, .task = task,
				    .buf = (uintptr_t)&r };

	*room = FZ_BUF;
	switch (fz_below(R, 8)) {
	case 0:
		return bad_address(c);
	case 1:
		*room = SCRATCH;
		return (uintptr_t)fz_vm_scratch;
	case 2:
		return fz_next(R) & (USER_END - 1);
	default:
		op.address = fz_next(R) & (USER_END - 1);
		if (fz_one_in(R, 2))
			op.address = (uintptr_t)fz_vm_scratch - fz_below(R, 64) * PAGE;
		if (vm_op(c, &op) || r.end <= r.start)
			return op.address;
		/* Somewhere in it, with *room the bytes from there to its end. */
		op.address = r.start + (fz_next(R) % (r.end - r.start) & ~7ULL);
		*room = r.end - op.address;
		return op.address;
	}
}

static uint64_t some_size(struct fz_ctx *c, uint64_t room)
{
	uint64_t max = room < FZ_BUF ? room : FZ_BUF;

	if (fz_one_in(R, 16))
		return fz_choose(R, 0, 1, FZ_BUF, 2 * FZ_BUF);
	return 1 + fz_below(R, (uint32_t)(max ? max : 1));
}

/* --- suspend at exec, and the sweep that undoes it ------------------------ */

/*
 * Resume what we asked to stop at its exec once it is suspended (by its
 * exec, or by a task_suspend of ours: either way it runs again); forget
 * the dead; a child we may no longer look at (it changed its credentials
 * before its exec) is killed rather than left to stop for good.
 */
static void sweep(struct fz_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->natexec;) {
		mach_task_basic_info_data_t ti;
		struct machexc_port_op info = {
			.op = MACHEXC_PORT_TASK_INFO, .task = c->atexec[i],
			.arg = MACH_TASK_BASIC_INFO, .buf = (uintptr_t)&ti,
			.count = MACH_TASK_BASIC_INFO_COUNT,
		};
		long r = fz_port(c, &info);

		if (r == 0 && ti.suspend_count > 0) {
			struct machexc_port_op res = { .op = MACHEXC_PORT_TASK_RESUME,
						       .task = c->atexec[i] };

			fz_port(c, &res);
		}
		if (r != 0 && r != MACH_SEND_INVALID_DEST && fz_is_child(c, c->atexec_pid[i]))
			kill(c->atexec_pid[i], SIGKILL);
		if (r != 0) {
			c->atexec_pid[i] = c->atexec_pid[c->natexec - 1];
			c->atexec[i] = c->atexec[--c->natexec];
			continue;
		}
		i++;
	}
}

/*
 * Before our own exec: the new image will not know which children may
 * stop at theirs, so those still alive go now.
 */
void fz_vm_let_go(struct fz_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->natexec; i++)
		if (fz_is_child(c, c->atexec_pid[i]))
			kill(c->atexec_pid[i], SIGKILL);
	c->natexec = 0;
}

FZ_GEN(task_suspend_at_exec)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SUSPEND_AT_EXEC };
	pid_t pid;

	sweep(c);
	op.task = fz_pick(c, FZ_SEND | FZ_TASK | FZ_CHILD);
	if (fz_one_in(R, 6))
		op.task = fz_choose(R, MACH_PORT_NULL, MACH_PORT_DEAD, c->thread, c->host);
	/* Only a child of ours (it dies with us), and while we can keep track. */
	pid = fz_pid_of(c, op.task);
	if (pid == getpid() || (pid > 0 && !fz_is_child(c, pid)) ||
	    (pid > 0 && c->natexec == FZ_ATEXEC))
		op.task = MACH_PORT_NULL;
	if (fz_port(c, &op))
		return FZ_FAIL;
	if (pid > 0 && c->natexec < FZ_ATEXEC) {
		c->atexec_pid[c->natexec] = pid;
		c->atexec[c->natexec++] = op.task;
	}
	return FZ_OK;
}

/* --- the raw ioctl ---------------------------------------------------------- */

FZ_GEN(vm_read)
{
	struct machexc_vm_op op = { .op = MACHEXC_VM_READ };
	uint64_t room;

	sweep(c);
	op.task = vm_task(c);
	op.address = some_address(c, op.task, &room);
	op.size = some_size(c, room);
	op.buf = (uintptr_t)c->rbuf;
	if (op.size > FZ_BUF || fz_one_in(R, 16))
		op.buf = fz_choose(R, 0, 1, 2) == 0 ? 0 : fz_one_in(R, 2) ?
			 (uintptr_t)c->guard : (uintptr_t)fz_vm_read;	/* text: read-only */
	return vm_op(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(vm_write)
{
	struct machexc_vm_op op = { .op = MACHEXC_VM_WRITE };
	uint64_t off;

	sweep(c);
	op.task = vm_task(c);
	off = fz_below(R, SCRATCH);
	op.address = (uintptr_t)fz_vm_scratch + off;
	op.size = fz_one_in(R, 8) ? 0 : 1 + fz_below(R, (uint32_t)(SCRATCH - off));
	op.buf = (uintptr_t)c->buf;
	switch (fz_below(R, 10)) {
	case 0:
		op.address = bad_address(c);
		break;
	case 1:
		/* Our own PROT_NONE page: written as ptrace writes (nothing reads it). */
		if (c->guard) {
			op.task = c->task;
			op.address = (uintptr_t)c->guard + fz_below(R, 4000);
			op.size = fz_below(R, 96);
		}
		break;
	case 2:
		op.buf = fz_one_in(R, 2) ? 0 : (uintptr_t)c->guard;
		break;
	default:
		break;
	}
	return vm_op(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(vm_region)
{
	struct machexc_vm_region *r = c->rbuf;
	struct machexc_vm_op op = { .op = MACHEXC_VM_REGION, .buf = (uintptr_t)r };

	sweep(c);
	op.task = vm_task(c);
	switch (fz_below(R, 6)) {
	case 0:
		op.address = bad_address(c);
		break;
	case 1:
		op.address = (uintptr_t)fz_vm_scratch + fz_below(R, SCRATCH);
		break;
	case 2:
		op.address = 0;
		break;
	default:
		op.address = fz_next(R) & (USER_END - 1);
		break;
	}
	if (fz_one_in(R, 24))
		op.buf = fz_one_in(R, 2) ? 0 : (uintptr_t)c->guard;
	return vm_op(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

/*
 * Unknown operations, reserved fields, sizes that do not fit, ranges that
 * wrap, an unreadable structure: refused (FZ_OK means refused).
 */
FZ_GEN(vm_bad)
{
	static const uint64_t huge[] = { ~0ULL, ~0ULL - PAGE + 2, 1ULL << 62, USER_END };
	struct machexc_vm_op op = { .op = MACHEXC_VM_READ, .task = c->task,
				    .address = (uintptr_t)fz_vm_scratch, .size = 8,
				    .buf = (uintptr_t)c->rbuf };

	switch (fz_below(R, 7)) {
	case 5:	/* an allocation that must be refused, in anyone */
		op.op = MACHEXC_VM_ALLOCATE;
		op.task = vm_task(c);
		op.size = PAGE;
		switch (fz_below(R, 4)) {
		case 0:
			op.flags = VM_FLAGS_ANYWHERE | fz_choose(R, 0x20, 0x40, 0x100, 0x100000,
								 0x800000, 0x200);
			break;
		case 1:
			op.flags = VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE;
			break;
		case 2:
			op.flags = fz_choose(R, 0, VM_FLAGS_ANYWHERE);
			op.size = huge[fz_below(R, 4)];
			break;
		default:
			op.address = USER_END - fz_below(R, 2) * PAGE;
			op.size = fz_one_in(R, 2) ? PAGE + 1 : 1ULL << 40;
			break;
		}
		if (fz_one_in(R, 8))
			op.buf = fz_one_in(R, 2) ? 0 : (uintptr_t)c->guard;
		break;
	case 6:	/* a deallocation that wraps, in anyone */
		op.op = MACHEXC_VM_DEALLOCATE;
		op.task = vm_task(c);
		op.size = ~0ULL - op.address + 1 + fz_below(R, 4096);
		break;
	case 4:	/* the structure itself unreadable */
		return ioctl(c->fd, MACHEXC_IOC_VM, fz_one_in(R, 2) ? NULL : c->guard) != 0 ?
		       FZ_OK : FZ_FAIL;
	case 0:
		op.op = fz_choose(R, 0, MACHEXC_VM_OP_MAX + 1, 0xffffffffU);
		break;
	case 1:
		/* reserved, or flags outside ALLOCATE */
		if (fz_one_in(R, 2))
			op.reserved = 1 + fz_below(R, 100);
		else
			op.flags = 1 + fz_below(R, 100);
		break;
	case 2:
		op.size = fz_choose(R, 0xffffffffU, 0x80000000U) | (fz_next(R) << 32);
		break;
	default:
		op.address = (uintptr_t)fz_vm_scratch;
		op.size = ~0ULL - op.address + 1 + fz_below(R, 4096);	/* wraps */
		break;
	}
	return vm_op(c, &op) != 0 ? FZ_OK : FZ_FAIL;
}

/* --- allocate and deallocate ------------------------------------------------ */

#define FZ_VM_OWN	8	/* ranges of our own we track */
#define FZ_VM_LEAKS	64	/* pages a process may leave in others */

static struct {
	pid_t owner;		/* the process these are about */
	unsigned int n, leaks;
	uint64_t addr[FZ_VM_OWN], len[FZ_VM_OWN];
} own;

static long vm_alloc(struct fz_ctx *c, uint32_t task, uint64_t *addr, uint64_t len,
		     uint32_t flags)
{
	struct machexc_vm_op op = { .op = MACHEXC_VM_ALLOCATE, .task = task, .address = *addr,
				    .size = len, .flags = flags, .buf = (uintptr_t)addr };

	return vm_op(c, &op);
}

static long vm_dealloc(struct fz_ctx *c, uint32_t task, uint64_t addr, uint64_t len)
{
	struct machexc_vm_op op = { .op = MACHEXC_VM_DEALLOCATE, .task = task, .address = addr,
				    .size = len };

	return vm_op(c, &op);
}

FZ_GEN(vm_allocate)
{
	uint32_t tag = fz_one_in(R, 4) ? (uint32_t)fz_below(R, 256) << 24 : 0;
	uint64_t a = 0, len = (1 + fz_below(R, 4)) * PAGE;
	mach_vm_address_t ma;
	unsigned int i;
	long r = -1;

	sweep(c);
	if (own.owner != getpid()) {
		own.owner = getpid();
		own.n = 0;
		own.leaks = 0;
	}
	i = own.n ? fz_below(R, own.n) : 0;
	switch (fz_below(R, 6)) {
	case 0:
	case 1:
		/* Ours, anywhere, now and then through the library. */
		if (own.n == FZ_VM_OWN)
			break;
		if (fz_one_in(R, 2)) {
			r = vm_alloc(c, c->task, &a, len, VM_FLAGS_ANYWHERE | tag);
		} else {
			ma = 0;
			r = mach_vm_allocate(mach_task_self(), &ma, len, VM_FLAGS_ANYWHERE | tag);
			a = ma;
		}
		if (r == 0) {
			own.addr[own.n] = a;
			own.len[own.n++] = len;
		}
		break;
	case 2:
		/* One of ours, replaced in place. */
		if (!own.n)
			break;
		a = own.addr[i];
		r = vm_alloc(c, c->task, &a, own.len[i], VM_FLAGS_OVERWRITE | tag);
		break;
	case 3:
		/* One of ours, given back (the module's call or the library's). */
		if (!own.n)
			break;
		r = fz_one_in(R, 2) ? vm_dealloc(c, c->task, own.addr[i], own.len[i]) :
		    mach_vm_deallocate(mach_task_self(), own.addr[i], own.len[i]);
		own.addr[i] = own.addr[own.n - 1];
		own.len[i] = own.len[--own.n];
		break;
	case 4:
		/* Someone's, fixed over the scratch: refused. */
		a = (uintptr_t)fz_vm_scratch + fz_below(R, SCRATCH);
		r = vm_alloc(c, vm_task(c), &a, len, tag) == KERN_NO_SPACE ? 0 : -1;
		break;
	default:
		/* Someone's, a page anywhere, while the budget lasts. */
		if (own.leaks == FZ_VM_LEAKS)
			break;
		own.leaks++;
		if (fz_one_in(R, 2)) {
			r = vm_alloc(c, vm_task(c), &a, PAGE, VM_FLAGS_ANYWHERE | tag);
		} else {
			ma = 0;
			r = mach_vm_allocate(vm_task(c), &ma, PAGE, VM_FLAGS_ANYWHERE | tag);
		}
		break;
	}
	return r == 0 ? FZ_OK : FZ_FAIL;
}

/* --- through libmachexc ------------------------------------------------------ */

FZ_GEN(lib_vm)
{
	union {
		vm_region_submap_info_data_64_t full;
		vm_region_basic_info_data_64_t basic;
		natural_t w[32];
	} info;
	mach_msg_type_number_t n;
	mach_vm_address_t a;
	mach_vm_size_t s, out;
	vm_offset_t data;
	vm_address_t va;
	vm_size_t vs;
	natural_t depth;
	mach_port_t obj;
	kern_return_t kr = KERN_SUCCESS;
	uint64_t room;
	task_t task;
	int i;

	sweep(c);
	task = vm_task(c);
	switch (fz_below(R, 6)) {
	case 0:
		a = some_address(c, task, &room);
		kr = mach_vm_read(task, a, some_size(c, room), &data, &n);
		if (kr == KERN_SUCCESS && n)
			vm_deallocate(mach_task_self(), data, n);
		break;
	case 1:
		a = some_address(c, task, &room);
		s = some_size(c, room);
		if (s > FZ_BUF)
			s = FZ_BUF;
		kr = mach_vm_read_overwrite(task, a, s, (uintptr_t)c->rbuf, &out);
		break;
	case 2:
		a = some_address(c, task, &room);
		n = fz_choose(R, VM_REGION_SUBMAP_SHORT_INFO_COUNT_64,
			      VM_REGION_SUBMAP_INFO_V0_COUNT_64, VM_REGION_SUBMAP_INFO_COUNT_64,
			      fz_below(R, 32));
		depth = fz_below(R, 3);
		kr = mach_vm_region_recurse(task, &a, &s, &depth, (vm_region_recurse_info_t)&info,
					    &n);
		break;
	case 3:
		/* A walk, bounded. */
		a = fz_one_in(R, 2) ? 0 : fz_next(R) & (USER_END - 1);
		for (i = 0; i < 64; i++) {
			n = VM_REGION_BASIC_INFO_COUNT_64;
			kr = mach_vm_region(task, &a, &s, fz_choose(R, VM_REGION_BASIC_INFO_64,
								      VM_REGION_BASIC_INFO),
					    (vm_region_info_t)&info, &n, &obj);
			if (kr != KERN_SUCCESS)
				break;
			a += s;
		}
		if (kr == KERN_INVALID_ADDRESS && i > 0)
			kr = KERN_SUCCESS;	/* the end of the map */
		break;
	case 4:
		n = fz_below(R, 12);
		va = (uintptr_t)fz_vm_scratch;
		kr = vm_region(task, &va, &vs,
			       fz_choose(R, VM_REGION_BASIC_INFO, VM_REGION_BASIC_INFO_64,
					 VM_REGION_TOP_INFO, fz_below(R, 64)),
			       (vm_region_info_t)&info, &n, &obj);
		break;
	default:
		/* Our scratch pages' protection (another task's: not supported). */
		room = fz_below(R, SCRATCH);	/* the offset: never past the scratch */
		kr = mach_vm_protect(fz_one_in(R, 4) ? task : mach_task_self(),
				     (uintptr_t)fz_vm_scratch + room,
				     fz_below(R, (uint32_t)(SCRATCH - room)), fz_one_in(R, 4),
				     fz_choose(R, VM_PROT_READ, VM_PROT_DEFAULT, VM_PROT_ALL,
					       VM_PROT_NONE, VM_PROT_COPY | VM_PROT_DEFAULT,
					       fz_below(R, 64)));
		break;
	}
	return kr == KERN_SUCCESS ? FZ_OK : FZ_FAIL;
}
