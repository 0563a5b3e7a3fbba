/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * machexc: Mach exception ports for Linux -- the ioctl ABI of /dev/machexc.
 *
 * This header is shared by the kernel module and user space (libmachexc,
 * the tools and the selftests).  Every structure is made of fixed-width
 * types with explicit padding so that its layout is the same for every
 * compiler; every ioctl number encodes the structure's size.
 *
 * Versioning: MACHEXC_IOC_VERSION reports MACHEXC_API_MAJOR/MINOR.  A
 * change that breaks an existing caller bumps MAJOR; an addition bumps
 * MINOR and sets a bit in the features mask.
 */
#ifndef _UAPI_LINUX_MACHEXC_H
#define _UAPI_LINUX_MACHEXC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MACHEXC_DEVICE_NAME	"machexc"
#define MACHEXC_DEVICE_PATH	"/dev/machexc"
/* Misc-device minor, so that opening /dev/machexc can load the module. */
#define MACHEXC_MINOR		249

#define MACHEXC_API_MAJOR	1
#define MACHEXC_API_MINOR	9

/* Feature bits reported in machexc_version.features. */
#define MACHEXC_FEATURE_VERSION	0x1U
#define MACHEXC_FEATURE_IPC	0x2U	/* ports, rights, mach_msg, port fds */
#define MACHEXC_FEATURE_EXC	0x4U	/* exceptions: thread, task, host levels */
#define MACHEXC_FEATURE_TASKS	0x8U	/* task_for_pid, suspend, remote state */
#define MACHEXC_FEATURE_OOL	0x10U	/* out-of-line memory and port arrays */
#define MACHEXC_FEATURE_LIMITS	0x20U	/* per-user caps; stats tasks .. limit_hits */
#define MACHEXC_FEATURE_VM	0x40U	/* MACHEXC_IOC_VM; TASK_SUSPEND_AT_EXEC */
#define MACHEXC_FEATURE_VM_ALLOCATE 0x80U /* MACHEXC_VM_ALLOCATE, _DEALLOCATE (API 1.5) */
#define MACHEXC_FEATURE_CRASH	0x100U	/* EXC_CRASH raised for fatal signals (API 1.6) */
/* EXC_SOFT_SIGNAL; TASK_SET_SOFT_SIGNALS, THREAD_SET_SOFT_SIGNAL (API 1.7) */
#define MACHEXC_FEATURE_SOFT_SIGNAL 0x200U
/* stats msg_handoffs and msg_requeued (API 1.8) */
#define MACHEXC_FEATURE_MSG_STATS 0x400U
/* lseek(fd, 0, SEEK_CUR) on the device returns MACHEXC_LSEEK_MARK (API 1.9) */
#define MACHEXC_FEATURE_LSEEK_MARK 0x800U

/*
 * What lseek(fd, 0, SEEK_CUR) returns on the device: a position no file
 * is at by chance (negative, and no error number: only files with
 * unsigned offsets, such as /proc/PID/mem, can be put there, on
 * purpose), so one cheap system call tells whether a descriptor is still
 * the device's (no security hook runs, nothing is copied, unlike
 * fstat()).  Any other lseek() fails with ESPIPE.  64-bit callers only: a
 * 32-bit lseek() cannot return it.
 */
#define MACHEXC_LSEEK_MARK	((__s64)0x8d4d616368657863ULL)

struct machexc_version {
	__u32 major;		/* MACHEXC_API_MAJOR of the running module */
	__u32 minor;		/* MACHEXC_API_MINOR of the running module */
	__u64 features;		/* MACHEXC_FEATURE_* */
};

/*
 * Port operations: one structure for every mach_port_* call.  The ioctl
 * returns the call's kern_return_t (0 or a positive Mach code); a negative
 * return (-1 with errno) means the structure itself could not be read or
 * written back (EFAULT) or the operation is unknown (EINVAL).
 *
 * Which fields an operation reads (in) and writes (out):
 *
 *   op                   in                          out
 *   ALLOCATE             right                       name
 *   ALLOCATE_NAME        right, name
 *   DEALLOCATE           name
 *   DESTROY              name
 *   MOD_REFS             name, right, delta
 *   GET_REFS             name, right                 value (urefs)
 *   TYPE                 name                        value (MACH_PORT_TYPE_*)
 *   INSERT_RIGHT         name, poly, arg=disposition
 *   EXTRACT_RIGHT        name, arg=disposition       poly, value=type name
 *   NAMES                buf, count (capacity)       count; buf: names then types
 *   MOVE_MEMBER          name (member), poly (set or MACH_PORT_NULL)
 *   INSERT_MEMBER        name, poly (set)
 *   EXTRACT_MEMBER       name, poly (set)
 *   REQUEST_NOTIFICATION name, arg=msgid, value=sync, poly=notify,
 *                        right=disposition of notify  poly (previous)
 *   GET_ATTRIBUTES       name, arg=flavor, buf, count  count (in natural_t)
 *   SET_ATTRIBUTES       name, arg=flavor, buf, count
 *   TASK_SELF                                        name (send right, +1 uref)
 *   GET_SPECIAL_PORT     arg=which (TASK_*_PORT)     poly (send right, or NULL)
 *   SET_SPECIAL_PORT     arg=which, poly (copied send right, or NULL)
 *
 *   TASK_SET_EXCEPTION_PORTS  arg=mask, poly=port (copied send right or
 *                        NULL), value=behavior, right=flavor
 *   TASK_GET_EXCEPTION_PORTS  arg=mask, buf=struct machexc_exc_ports
 *   TASK_SWAP_EXCEPTION_PORTS both: sets, and returns what was there
 *   THREAD_SELF                                      name (send right to the
 *                                                    calling thread's port)
 *   THREAD_SET/GET/SWAP_EXCEPTION_PORTS  as TASK_*, with task = a thread
 *                        port (any process's, under the rule below)
 *   HOST_SELF                                        name (send right to the
 *                                                    host port)
 *   HOST_SET/GET/SWAP_EXCEPTION_PORTS  as TASK_*, with task = the host
 *                        port; CAP_SYS_ADMIN, else KERN_NO_ACCESS
 *   THREAD_GET_STATE     task=thread, arg=flavor,    count; buf: the state
 *                        buf, count (capacity, natural_t)
 *   THREAD_SET_STATE     task=thread, arg=flavor, buf, count
 *   PID_FOR_TASK         task=a task port            value (pid in the
 *                                                    caller's namespace, 0
 *                                                    if not visible there)
 *   THREAD_FAULT         task=a thread port,         value (tid, as above);
 *                        buf=struct                  count (1: the thread is
 *                        machexc_thread_fault        stopped in a fault, buf
 *                                                    filled; 0: it is not)
 *   TASK_FOR_PID         arg=pid (caller's pid       name (send right to
 *                        namespace)                  that task's port)
 *   TASK_THREADS         task, buf (__u32 names),    count; if it exceeds the
 *                        count (capacity)            capacity nothing is made
 *                                                    and buf is untouched
 *   TASK_SUSPEND, TASK_RESUME      task
 *   THREAD_SUSPEND, THREAD_RESUME  task=a thread port
 *   TASK_INFO            task, arg=flavor, buf,      count (natural_t)
 *                        count (capacity, natural_t)
 *   THREAD_INFO          task=a thread port, arg=flavor, buf, count: as
 *                        TASK_INFO
 *   TASK_SUSPEND_AT_EXEC task (a machexc extension, for debuggers that
 *                        start a program: macOS's POSIX_SPAWN_START_SUSPENDED)
 *                        the task's next execve() that succeeds leaves it
 *                        suspended (suspend count + 1) before the new
 *                        program's first instruction, once (asking twice
 *                        is asking once).  An exec that changes
 *                        credentials ends the task instead (its port
 *                        dies) and nothing is suspended.
 *   TASK_SET_SOFT_SIGNALS task, arg (0 off, 1 on)  (a machexc extension,
 *                        API 1.7) the task's signals are reported as
 *                        EXC_SOFTWARE / EXC_SOFT_SIGNAL before delivery
 *   THREAD_SET_SOFT_SIGNAL task=a thread port, arg=signal (0: none)
 *                        the signal a thread stopped in an EXC_SOFT_SIGNAL
 *                        report takes once its handler answers
 *                        KERN_SUCCESS (macOS's PT_THUPDATE); KERN_FAILURE
 *                        if it is not in such a report
 *
 * Task and thread ports of other processes: every use checks, with the
 * caller's credentials at that moment, what ptrace(PTRACE_ATTACH) would
 * (ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)), and that the target
 * is in the caller's pid and user namespaces or below them.  A refusal is
 * KERN_FAILURE.  pid_for_task needs only the send right, as on macOS.
 *
 * thread_get/set_state work on a thread stopped in an exception or
 * suspended (else KERN_FAILURE), through any send right to its thread port.
 *
 * The special ports are task_get_special_port()'s: TASK_KERNEL_PORT (1,
 * the task port; get only) and TASK_BOOTSTRAP_PORT (4), which a fork()ed
 * child inherits, as on macOS.
 *
 * "task" names the task to operate on.  The mach_port_* operations and the
 * special ports take only the caller's own task port (mach_task_self());
 * the task and exception-port calls take any task port.
 */
enum machexc_port_op_code {
	MACHEXC_PORT_ALLOCATE = 1,
	MACHEXC_PORT_ALLOCATE_NAME,
	MACHEXC_PORT_DEALLOCATE,
	MACHEXC_PORT_DESTROY,
	MACHEXC_PORT_MOD_REFS,
	MACHEXC_PORT_GET_REFS,
	MACHEXC_PORT_TYPE,
	MACHEXC_PORT_INSERT_RIGHT,
	MACHEXC_PORT_EXTRACT_RIGHT,
	MACHEXC_PORT_NAMES,
	MACHEXC_PORT_MOVE_MEMBER,
	MACHEXC_PORT_INSERT_MEMBER,
	MACHEXC_PORT_EXTRACT_MEMBER,
	MACHEXC_PORT_REQUEST_NOTIFICATION,
	MACHEXC_PORT_GET_ATTRIBUTES,
	MACHEXC_PORT_SET_ATTRIBUTES,
	MACHEXC_PORT_TASK_SELF,
	MACHEXC_PORT_GET_SPECIAL_PORT,
	MACHEXC_PORT_SET_SPECIAL_PORT,
	MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS,
	MACHEXC_PORT_TASK_GET_EXCEPTION_PORTS,
	MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS,
	MACHEXC_PORT_THREAD_SELF,
	MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS,
	MACHEXC_PORT_THREAD_GET_EXCEPTION_PORTS,
	MACHEXC_PORT_THREAD_SWAP_EXCEPTION_PORTS,
	MACHEXC_PORT_HOST_SELF,
	MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS,
	MACHEXC_PORT_HOST_GET_EXCEPTION_PORTS,
	MACHEXC_PORT_HOST_SWAP_EXCEPTION_PORTS,
	MACHEXC_PORT_THREAD_GET_STATE,
	MACHEXC_PORT_THREAD_SET_STATE,
	MACHEXC_PORT_PID_FOR_TASK,
	MACHEXC_PORT_THREAD_FAULT,
	MACHEXC_PORT_TASK_FOR_PID,
	MACHEXC_PORT_TASK_THREADS,
	MACHEXC_PORT_TASK_SUSPEND,
	MACHEXC_PORT_TASK_RESUME,
	MACHEXC_PORT_THREAD_SUSPEND,
	MACHEXC_PORT_THREAD_RESUME,
	MACHEXC_PORT_TASK_INFO,
	MACHEXC_PORT_THREAD_INFO,
	MACHEXC_PORT_TASK_SUSPEND_AT_EXEC,
	MACHEXC_PORT_TASK_SET_SOFT_SIGNALS,
	MACHEXC_PORT_THREAD_SET_SOFT_SIGNAL,
	MACHEXC_PORT_OP_MAX = MACHEXC_PORT_THREAD_SET_SOFT_SIGNAL,
};

/*
 * MACHEXC_PORT_THREAD_FAULT (a machexc extension): the Linux view of the
 * fault a thread is stopped in, for crash reports.
 */
struct machexc_thread_fault {
	__s32 signo;		/* the signal Linux would deliver */
	__s32 code;		/* its si_code */
	__u64 addr;		/* its si_addr */
	__u32 trapno;		/* the x86 trap */
	__u32 error_code;	/* the trap's error code */
};

/* The most natural_t TASK_INFO and THREAD_INFO return (TASK_INFO_MAX). */
#define MACHEXC_INFO_MAX		1024

/* THREAD_STATE_MAX (x86-64): the most a state buffer holds, in natural_t. */
#define MACHEXC_THREAD_STATE_MAX	614

/* EXC_TYPES_COUNT: one slot per exception type. */
#define MACHEXC_EXC_SLOTS	14

/* The (old) handlers of *_get/_swap_exception_ports, grouped as macOS does. */
struct machexc_exc_ports {
	__u32 count;		/* in: room (<= MACHEXC_EXC_SLOTS); out: used */
	__u32 masks[MACHEXC_EXC_SLOTS];
	__u32 ports[MACHEXC_EXC_SLOTS];	/* send rights, now the caller's */
	__u32 behaviors[MACHEXC_EXC_SLOTS];
	__u32 flavors[MACHEXC_EXC_SLOTS];
};

struct machexc_port_op {
	__u32 op;		/* enum machexc_port_op_code */
	__u32 task;		/* mach_task_self() */
	__u32 name;
	__u32 right;
	__s32 delta;
	__u32 poly;
	__u32 arg;
	__u32 value;
	__u64 buf;		/* user pointer */
	__u32 count;
	__u32 reserved;		/* must be 0 */
};

/*
 * mach_msg().  The ioctl returns the mach_msg_return_t; MACH_RCV_INTERRUPTED
 * and MACH_SEND_INTERRUPTED come back when a signal arrives, and the library
 * retries unless the caller asked for MACH_*_INTERRUPT, as macOS does.
 */
struct machexc_msg {
	__u64 msg;		/* user pointer to mach_msg_header_t */
	__u32 option;
	__u32 send_size;
	__u32 rcv_size;
	__u32 rcv_name;
	__u32 timeout;		/* milliseconds */
	__u32 notify;		/* as on macOS, no port meaning (README) */
};

/*
 * A file descriptor that poll/epoll understand for a receive right or a
 * port set: readable (EPOLLIN) while a message is queued, EPOLLHUP once the
 * right is gone.  The descriptor holds the port, not the right.
 */
struct machexc_port_fd {
	__u32 name;
	__u32 flags;		/* O_CLOEXEC, O_NONBLOCK */
};

/* Module-wide counters, for tests and monitoring. */
struct machexc_stats {
	__u64 spaces;		/* live port spaces */
	__u64 ports;		/* live ports */
	__u64 psets;		/* live port sets */
	__u64 kmsgs;		/* queued messages */
	__u64 exc_raised;	/* exception_raise messages sent */
	__u64 exc_handoffs;	/* ... to a receiver already waiting */
	__u64 exc_misses;	/* ... queued with nobody waiting */
	__u64 exc_handled;	/* exceptions a handler answered KERN_SUCCESS */
	__u64 tasks;		/* = spaces: each task owns one space (ABI) */
	__u64 threads;		/* live thread records */
	__u64 nomem;		/* fault- or fork-path allocations that failed */
	__u64 limit_hits;	/* requests refused by a global or per-user cap */
	/* MACHEXC_FEATURE_MSG_STATS: */
	__u64 msg_handoffs;	/* messages of any kind handed to a waiting receiver */
	__u64 msg_requeued;	/* ... and put back in the queue unreceived */
	__u64 reserved[2];
};

/*
 * A task's memory (mach_vm_read/write/region/allocate/deallocate):
 * MACHEXC_IOC_VM.  The ioctl returns the call's kern_return_t, as
 * MACHEXC_IOC_PORT does; -1 with errno means the structure or buf could
 * not be read or written (EFAULT), the operation is unknown, reserved is
 * not 0 or flags is not 0 outside ALLOCATE (EINVAL), or a fatal signal
 * ended the call (EINTR).
 *
 *   op          in                                 out
 *   READ        task, address, size, buf (the     buf: the target's bytes
 *               caller's memory, size bytes)
 *   WRITE       task, address, size, buf          the target's bytes
 *   REGION      task, address, buf=struct         buf: the first region
 *               machexc_vm_region                 that ends above address
 *   ALLOCATE    task, address, size, flags        buf: the address (a
 *               (VM_FLAGS_*), buf=__u64           __u64), on KERN_SUCCESS
 *   DEALLOCATE  task, address, size
 *
 * task is a send right to a task port, the caller's own or another's under
 * the permission rule above.  READ and WRITE are all or nothing against
 * the target's mappings when the call starts (one that changes them
 * meanwhile, not stopped, may see part of a write): the whole range must
 * be mapped (else KERN_INVALID_ADDRESS, and nothing is copied),
 * readable for READ, and for WRITE writable or a private mapping, which is
 * written as ptrace(PTRACE_POKEDATA) writes (copy on write, so a debugger
 * can plant a breakpoint in text); anything else is KERN_PROTECTION_FAILURE.
 * They go a page at a time: any size, no large kernel buffer, and a fatal
 * signal ends them.  A range that wraps is KERN_INVALID_ADDRESS; a size
 * of 0 succeeds and copies nothing.
 *
 * ALLOCATE and DEALLOCATE (API 1.5, MACHEXC_FEATURE_VM_ALLOCATE) are
 * mach_vm_allocate() and mach_vm_deallocate() with XNU's rules, on any
 * task under the same rule: zero-filled private memory, readable and
 * writable.  flags outside VM_FLAGS_USER_ALLOCATE, VM_FLAGS_OVERWRITE
 * without a fixed address, or a size that cannot be rounded to pages are
 * KERN_INVALID_ARGUMENT; a size of 0 gives address 0.  With
 * VM_FLAGS_ANYWHERE the target's kernel picks the address (address is not
 * read); else address is truncated to its page and the range must be
 * inside user space (KERN_INVALID_ADDRESS) and free (KERN_NO_SPACE),
 * unless VM_FLAGS_OVERWRITE replaces what is there.  No room, the
 * target's mapping count, RLIMIT_AS or RLIMIT_DATA, or an address below
 * vm.mmap_min_addr that the caller may not map: KERN_NO_SPACE.
 * VM_FLAGS_ANYWHERE in a 32-bit process: KERN_NOT_SUPPORTED.
 * DEALLOCATE unmaps the pages the range touches, holes and all; a range
 * that wraps is KERN_INVALID_ARGUMENT, a size of 0 succeeds.
 */
enum machexc_vm_op_code {
	MACHEXC_VM_READ = 1,
	MACHEXC_VM_WRITE,
	MACHEXC_VM_REGION,
	MACHEXC_VM_ALLOCATE,
	MACHEXC_VM_DEALLOCATE,
	MACHEXC_VM_OP_MAX = MACHEXC_VM_DEALLOCATE,
};

struct machexc_vm_op {
	__u32 op;		/* enum machexc_vm_op_code */
	__u32 task;		/* a send right to a task port */
	__u64 address;		/* in the target */
	__u64 size;		/* bytes */
	__u64 buf;		/* user pointer, in the caller */
	__u32 flags;		/* ALLOCATE: VM_FLAGS_*; else 0 */
	__u32 reserved;		/* must be 0 */
};

/* MACHEXC_VM_REGION: one mapping (a VMA), in Mach's terms. */
struct machexc_vm_region {
	__u64 start;
	__u64 end;		/* exclusive */
	__u64 offset;		/* in the mapped file; 0 for anonymous memory */
	__u32 protection;	/* VM_PROT_READ | _WRITE | _EXECUTE */
	__u32 max_protection;	/* what mprotect() could raise it to */
	__u32 inheritance;	/* VM_INHERIT_SHARE, _COPY or _NONE */
	__u32 behavior;		/* VM_BEHAVIOR_DEFAULT, _RANDOM, _SEQUENTIAL */
	__u32 flags;		/* MACHEXC_VM_REGION_* */
	__u32 reserved;
};

#define MACHEXC_VM_REGION_SHARED	0x1U	/* MAP_SHARED */
#define MACHEXC_VM_REGION_FILE		0x2U	/* backed by a file */
#define MACHEXC_VM_REGION_WIRED		0x4U	/* mlock()ed */
#define MACHEXC_VM_REGION_STACK		0x8U	/* grows down */

#define MACHEXC_IOC_MAGIC	0xE7

#define MACHEXC_IOC_VERSION	_IOR(MACHEXC_IOC_MAGIC, 0x00, struct machexc_version)
#define MACHEXC_IOC_PORT	_IOWR(MACHEXC_IOC_MAGIC, 0x01, struct machexc_port_op)
#define MACHEXC_IOC_MSG		_IOW(MACHEXC_IOC_MAGIC, 0x02, struct machexc_msg)
#define MACHEXC_IOC_PORT_FD	_IOW(MACHEXC_IOC_MAGIC, 0x03, struct machexc_port_fd)
#define MACHEXC_IOC_STATS	_IOR(MACHEXC_IOC_MAGIC, 0x04, struct machexc_stats)
#define MACHEXC_IOC_VM		_IOW(MACHEXC_IOC_MAGIC, 0x05, struct machexc_vm_op)

#endif /* _UAPI_LINUX_MACHEXC_H */
