/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/mach_exc.h>: mach_exc.defs (subsystem 2405, 64-bit codes), as
 * MIG generates it for macOS: the client stubs mach_exception_raise*, the
 * server mach_exc_server() calling the catch_mach_exception_raise* routines a program
 * defines, and the message layouts.
 */
/* The guard macOS's generated header uses, so that only one of the two is seen. */
#ifndef _mach_exc_user_
#define _mach_exc_user_

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig.h>
#include <mach/ndr.h>
#include <mach/thread_status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define mach_exc_MSG_COUNT	3

kern_return_t mach_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
			      exception_type_t exception, mach_exception_data_t code,
			      mach_msg_type_number_t codeCnt);
kern_return_t mach_exception_raise_state(mach_port_t exception_port, exception_type_t exception,
				    const mach_exception_data_t code, mach_msg_type_number_t codeCnt,
				    int *flavor, const thread_state_t old_state,
				    mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
				    mach_msg_type_number_t *new_stateCnt);
kern_return_t mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread,
					     mach_port_t task, exception_type_t exception,
					     mach_exception_data_t code, mach_msg_type_number_t codeCnt,
					     int *flavor, thread_state_t old_state,
					     mach_msg_type_number_t old_stateCnt,
					     thread_state_t new_state,
					     mach_msg_type_number_t *new_stateCnt);

/* The server: TRUE if the message was one of mach_exc.defs' (OutHeadP is the reply). */
boolean_t mach_exc_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);
mig_routine_t mach_exc_server_routine(mach_msg_header_t *InHeadP);

#ifndef __Request__mach_exc_subsystem__defined
#define __Request__mach_exc_subsystem__defined
#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	int64_t code[2];
} __Request__mach_exception_raise_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	int64_t code[2];
	int flavor;
	mach_msg_type_number_t old_stateCnt;
	natural_t old_state[THREAD_STATE_MAX];
} __Request__mach_exception_raise_state_t;

typedef struct {
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
} __Request__mach_exception_raise_state_identity_t;

#pragma pack(pop)
#endif /* !__Request__mach_exc_subsystem__defined */

#ifndef __Reply__mach_exc_subsystem__defined
#define __Reply__mach_exc_subsystem__defined
#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
} __Reply__mach_exception_raise_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int flavor;
	mach_msg_type_number_t new_stateCnt;
	natural_t new_state[THREAD_STATE_MAX];
} __Reply__mach_exception_raise_state_t;

typedef __Reply__mach_exception_raise_state_t __Reply__mach_exception_raise_state_identity_t;
#pragma pack(pop)
#endif /* !__Reply__mach_exc_subsystem__defined */

#ifndef __RequestUnion__mach_exc_subsystem__defined
#define __RequestUnion__mach_exc_subsystem__defined
union __RequestUnion__mach_exc_subsystem {
	__Request__mach_exception_raise_t Request_mach_exception_raise;
	__Request__mach_exception_raise_state_t Request_mach_exception_raise_state;
	__Request__mach_exception_raise_state_identity_t Request_mach_exception_raise_state_identity;
};
#endif

#ifndef __ReplyUnion__mach_exc_subsystem__defined
#define __ReplyUnion__mach_exc_subsystem__defined
union __ReplyUnion__mach_exc_subsystem {
	__Reply__mach_exception_raise_t Reply_mach_exception_raise;
	__Reply__mach_exception_raise_state_t Reply_mach_exception_raise_state;
	__Reply__mach_exception_raise_state_identity_t Reply_mach_exception_raise_state_identity;
};
#endif

#ifdef __cplusplus
}
#endif

#endif
