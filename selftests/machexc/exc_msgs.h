/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception messages as a handler test sees them (exc_raise_test,
 * exc_crash_test, exc_soft_signal_test): the MIG request and reply of
 * mach_exception_raise and mach_exception_raise_state_identity (64-bit
 * codes), received and answered by hand, so that a test controls every
 * field of the answer.
 */
#ifndef _MACHEXC_SELFTEST_EXC_MSGS_H
#define _MACHEXC_SELFTEST_EXC_MSGS_H

#include <stdint.h>
#include <string.h>

#include <mach/mach.h>

#pragma pack(push, 4)
typedef struct {			/* DEFAULT or STATE_IDENTITY, 64-bit codes */
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	int64_t code[2];
	int flavor;
	mach_msg_type_number_t old_stateCnt;
	natural_t old_state[THREAD_STATE_MAX];
	mach_msg_max_trailer_t trailer;
} request_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int flavor;
	mach_msg_type_number_t new_stateCnt;
	natural_t new_state[THREAD_STATE_MAX];
} reply_t;
#pragma pack(pop)

/* Receive a request; with @poll only one already queued. */
static inline mach_msg_return_t receive(mach_port_t port, request_t *req, int poll)
{
	memset(&req->Head, 0, sizeof(req->Head));
	return mach_msg(&req->Head, MACH_RCV_MSG | (poll ? MACH_RCV_TIMEOUT : 0), 0,
			sizeof(*req), port, 0, MACH_PORT_NULL);
}

/* Answer @req with @kr (and, for a state behavior, the state it carried). */
static inline void answer(request_t *req, kern_return_t kr)
{
	reply_t rep;

	memset(&rep, 0, sizeof(rep));
	rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep.Head.msgh_remote_port = req->Head.msgh_remote_port;
	rep.Head.msgh_id = req->Head.msgh_id + 100;
	rep.Head.msgh_size = sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4;
	rep.NDR = NDR_record;
	rep.RetCode = kr;
	if (kr == KERN_SUCCESS && req->Head.msgh_id == 2407) {
		rep.flavor = req->flavor;
		rep.new_stateCnt = req->old_stateCnt;
		memcpy(rep.new_state, req->old_state, req->old_stateCnt * 4);
		rep.Head.msgh_size += 8 + req->old_stateCnt * 4;
	}
	mach_msg(&rep.Head, MACH_SEND_MSG, rep.Head.msgh_size, 0, MACH_PORT_NULL, 0,
		 MACH_PORT_NULL);
}

/* The thread and task rights an identity request carried, dropped. */
static inline void drop_ports(request_t *req)
{
	if (req->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		mach_port_deallocate(mach_task_self(), req->thread.name);
		mach_port_deallocate(mach_task_self(), req->task.name);
	}
}

#endif /* _MACHEXC_SELFTEST_EXC_MSGS_H */
