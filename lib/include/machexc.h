/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: what the library offers beyond macOS's <mach/...> API --
 * access to the /dev/machexc device itself.
 */
#ifndef _MACHEXC_MACHEXC_H
#define _MACHEXC_MACHEXC_H

#include <linux/machexc.h>
#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The process's descriptor for /dev/machexc, opened (close-on-exec, never
 * 0, 1 or 2) on first use and shared by all threads.  If the program has
 * closed it, or the number now belongs to another file, the device is
 * opened again (the other file is left alone); port names stay valid.
 * Returns -1 with errno set if the device cannot be opened (ENOENT: the
 * module is not loaded).
 */
int machexc_device_fd(void);

/* The API version of the running module.  0, or -1 with errno set. */
int machexc_api_version(struct machexc_version *v);

/*
 * The module's counters: live objects, and exceptions raised, handed
 * straight to a waiting handler (exc_handoffs) or queued (exc_misses).
 * 0, or -1 with errno set.
 */
int machexc_get_stats(struct machexc_stats *s);

/*
 * A file descriptor for poll/epoll on a receive right or port set: readable
 * while a message is queued, EPOLLHUP once the right is gone.  @flags:
 * O_CLOEXEC, O_NONBLOCK.  The descriptor, or -1 with errno set.
 */
int machexc_port_fd(unsigned int name, int flags);

/*
 * The thread a thread port names: its tid (in the caller's pid namespace)
 * and, if it is stopped in an exception, the Linux view of the fault
 * (*stopped = 1 and *fault filled).  A kern_return_t.
 */
int machexc_thread_fault(unsigned int thread, int *tid, int *stopped,
			 struct machexc_thread_fault *fault);

/*
 * Leave @task suspended at its next successful execve(), before the new
 * program's first instruction (suspend count + 1, undone by
 * task_resume()): what macOS's POSIX_SPAWN_START_SUSPENDED gives a
 * debugger that starts a program (fork, this on the child's task port,
 * then let the child exec).  Asking twice before the exec is asking once.
 * An exec that changes credentials (setuid, file capabilities) ends the
 * task instead: its port dies and nothing is suspended.  The task port is
 * checked as the other task calls check it (else KERN_FAILURE); a module
 * without MACHEXC_FEATURE_VM answers KERN_INVALID_ARGUMENT.
 */
kern_return_t machexc_task_suspend_at_exec(task_t task);

/*
 * Report @task's signals, before each is delivered, as EXC_SOFTWARE with
 * code[0] EXC_SOFT_SIGNAL and code[1] the signal, in the thread that
 * takes it, through its thread, task and host exception ports (a
 * machexc extension, API 1.7, MACHEXC_FEATURE_SOFT_SIGNAL; @on 0 stops
 * it).  Not inherited by fork().  The task port is checked as the other
 * task calls check it (else KERN_FAILURE); a module without the feature
 * answers KERN_NOT_SUPPORTED, or KERN_INVALID_ARGUMENT if older.
 */
kern_return_t machexc_task_set_soft_signals(task_t task, boolean_t on);

/*
 * For @thread, stopped in an EXC_SOFT_SIGNAL report: the signal it takes
 * once this handler answers KERN_SUCCESS (0: none; another signal
 * replaces it, with si_code SI_USER and the caller's pid and uid), as
 * macOS's ptrace(PT_THUPDATE).  KERN_FAILURE if the thread is in no such
 * report; KERN_INVALID_ARGUMENT for a signal above 64.
 */
kern_return_t machexc_thread_set_soft_signal(thread_act_t thread, int signal);

#ifdef __cplusplus
}
#endif

#endif /* _MACHEXC_MACHEXC_H */
