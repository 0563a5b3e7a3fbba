/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process being debugged: attaching to it or starting it, its task
 * and exception ports, stopping and resuming it, and the exception loop.
 *
 * Stop-the-world: whenever the debugger has control, the task is
 * suspended (task_suspend(), one count held by us: T.held) and every
 * thread that took an exception waits in it for our reply (a "pending"
 * exception, answered when the target is resumed).
 */
#ifndef MACHEXC_DBG_TARGET_H
#define MACHEXC_DBG_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <machexc.h>
#include <mach/mach.h>

#include "threads.h"

#define MAX_PENDING 64
#define MAX_OLD_PORTS 16

/* An exception a thread is waiting in, until we reply. */
struct pending {
	bool used;
	bool reported;		/* shown to the user as a stop */
	pid_t tid;
	mach_port_t reply;	/* the send-once reply right */
	mach_msg_id_t id;	/* the request's id */
	exception_type_t exception;
	int64_t code[2];
	struct machexc_thread_fault fault;	/* the Linux view: signal, si_code */
	bool have_fault;
	kern_return_t answer;	/* KERN_SUCCESS: resume; else pass it on (the signal) */
};

enum target_state { TARGET_NONE, TARGET_STOPPED, TARGET_RUNNING, TARGET_EXITED };

struct target {
	enum target_state state;
	pid_t pid;
	task_t task;
	bool launched;		/* our child (we reap it) */
	bool held;		/* we hold one task_suspend() count */
	mach_port_t port;	/* our exception port (receive right) */
	int port_fd, pidfd;
	char exe[PATH_MAX];
	struct pending pending[MAX_PENDING];
	/* The exception ports the task had before us, restored on detach. */
	mach_msg_type_number_t nold;
	exception_mask_t old_masks[MAX_OLD_PORTS];
	mach_port_t old_ports[MAX_OLD_PORTS];
	exception_behavior_t old_behaviors[MAX_OLD_PORTS];
	thread_state_flavor_t old_flavors[MAX_OLD_PORTS];
	int exit_status;	/* wait status, when launched */
};

extern struct target T;

/* What ended a wait for the target. */
enum stop_kind { STOP_EXCEPTION, STOP_EXITED, STOP_INTERRUPTED, STOP_ERROR };

struct stop {
	enum stop_kind kind;
	struct pending *p;	/* STOP_EXCEPTION */
	struct dthread *th;
};

/* Attach to a running process / start one stopped before its first instruction. 0 or -1. */
int target_attach(pid_t pid);
int target_launch(char **argv);
/* Leave the process running as it was before us / kill it. */
int target_detach(void);
void target_kill(void);
bool target_alive(void);

/* The pending exception of @th, if it waits in one. */
struct pending *target_pending_of(struct dthread *th);
/* The first exception taken but not yet shown to the user. */
struct pending *target_unreported(void);

/*
 * Let the target run and wait for the next event.  @step: that thread
 * runs alone with the trap flag set, for one instruction; NULL: every
 * thread runs.  Pending exceptions are answered first (only @step's when
 * stepping).  On return the task is suspended again (or has exited).
 */
void target_resume(struct dthread *step, struct stop *st);

const char *exc_name(exception_type_t type);

#endif
