/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/excServer.h>: the server side of exc.defs (subsystem
 * 2401, 32-bit codes), as `mig -sheader` generates it for macOS:
 * the catch_exception_raise* routines the program defines, exc_server()
 * and exc_server_routine(), the subsystem table catch_exc_subsystem
 * (routine descriptors, and maxsize: the size of the largest reply, which
 * programs use to size their buffers) and the request and reply unions.
 * libmachexc defines the server and the table, so a program written
 * against mig's generated server links without running mig; one that
 * runs mig itself uses its own header and code (same guard).
 *
 * The prototypes are MIG's: a program that includes this header defines
 * its routines exactly so (macOS's own headers do not declare them).
 */
#ifndef _exc_server_
#define _exc_server_

#include <mach/exc.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread,
		mach_port_t task, exception_type_t exception, exception_data_t code,
		mach_msg_type_number_t codeCnt);
kern_return_t catch_exception_raise_state(mach_port_t exception_port,
		exception_type_t exception, const exception_data_t code,
		mach_msg_type_number_t codeCnt, int *flavor, const thread_state_t old_state,
		mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
		mach_msg_type_number_t *new_stateCnt);
kern_return_t catch_exception_raise_state_identity(mach_port_t exception_port,
		mach_port_t thread, mach_port_t task, exception_type_t exception,
		exception_data_t code, mach_msg_type_number_t codeCnt, int *flavor,
		thread_state_t old_state, mach_msg_type_number_t old_stateCnt,
		thread_state_t new_state, mach_msg_type_number_t *new_stateCnt);

boolean_t exc_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);
mig_routine_t exc_server_routine(mach_msg_header_t *InHeadP);

/* Description of this subsystem, for use in direct RPC */
extern const struct catch_exc_subsystem {
	mig_server_routine_t server;	/* exc_server_routine */
	mach_msg_id_t start;		/* 2401 */
	mach_msg_id_t end;		/* the last id + 1 */
	unsigned int maxsize;		/* sizeof(union __ReplyUnion__catch_exc_subsystem) */
	vm_address_t reserved;
	struct routine_descriptor routine[3];
} catch_exc_subsystem;

#ifndef __RequestUnion__catch_exc_subsystem__defined
#define __RequestUnion__catch_exc_subsystem__defined
union __RequestUnion__catch_exc_subsystem {
	__Request__exception_raise_t Request_exception_raise;
	__Request__exception_raise_state_t Request_exception_raise_state;
	__Request__exception_raise_state_identity_t Request_exception_raise_state_identity;
};
#endif

#ifndef __ReplyUnion__catch_exc_subsystem__defined
#define __ReplyUnion__catch_exc_subsystem__defined
union __ReplyUnion__catch_exc_subsystem {
	__Reply__exception_raise_t Reply_exception_raise;
	__Reply__exception_raise_state_t Reply_exception_raise_state;
	__Reply__exception_raise_state_identity_t Reply_exception_raise_state_identity;
};
#endif

#ifndef subsystem_to_name_map_exc
#define subsystem_to_name_map_exc \
	{ "exception_raise", 2401 }, \
	{ "exception_raise_state", 2402 }, \
	{ "exception_raise_state_identity", 2403 }
#endif

#ifdef __cplusplus
}
#endif

#endif /* _exc_server_ */
