// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * exc_server(): exc.defs's server, which calls the program's
 * catch_exception_raise* routines.  They are weak here so that the shared
 * library links without them and a program defines only those it uses; a
 * request for one it lacks gets MIG_BAD_ID back.  Also the subsystem table
 * and lookup routine MIG generates with it (<mach/excServer.h>).
 */
#include <mach/excServer.h>

#include "exc_mig.h"

#pragma weak catch_exception_raise
#pragma weak catch_exception_raise_state
#pragma weak catch_exception_raise_state_identity

static kern_return_t raise(mach_port_t port, mach_port_t thread, mach_port_t task,
			   exception_type_t exception, const void *code,
			   mach_msg_type_number_t count)
{
	if (!catch_exception_raise)
		return MIG_BAD_ID;
	return catch_exception_raise(port, thread, task, exception, (exception_data_t)code, count);
}

static kern_return_t state(mach_port_t port, mach_port_t thread, mach_port_t task,
			   exception_type_t exception, const void *code,
			   mach_msg_type_number_t count, int *flavor, natural_t *old_state,
			   mach_msg_type_number_t old_count, natural_t *new_state,
			   mach_msg_type_number_t *new_count)
{
	(void)thread;
	(void)task;
	if (!catch_exception_raise_state)
		return MIG_BAD_ID;
	return catch_exception_raise_state(port, exception, (exception_data_t)code, count, flavor,
					   old_state, old_count, new_state, new_count);
}

static kern_return_t identity(mach_port_t port, mach_port_t thread, mach_port_t task,
			      exception_type_t exception, const void *code,
			      mach_msg_type_number_t count, int *flavor, natural_t *old_state,
			      mach_msg_type_number_t old_count, natural_t *new_state,
			      mach_msg_type_number_t *new_count)
{
	if (!catch_exception_raise_state_identity)
		return MIG_BAD_ID;
	return catch_exception_raise_state_identity(port, thread, task, exception,
						    (exception_data_t)code, count, flavor,
						    old_state, old_count, new_state, new_count);
}

static const struct exc_subsystem exc = { 2401, sizeof(exception_data_type_t), raise, state,
					  identity };

boolean_t exc_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	return machexc_exc_server(&exc, InHeadP, OutHeadP);
}

/*
 * The subsystem table MIG generates with the server: routine i serves
 * msgh_id 2401 + i.  The stub of each is the whole server (the header
 * of the reply is made the same way either way).
 */
static void stub(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	exc_server(InHeadP, OutHeadP);
}

const struct catch_exc_subsystem catch_exc_subsystem = {
	.server = exc_server_routine,
	.start = 2401,
	.end = 2404,
	.maxsize = (mach_msg_size_t)sizeof(union __ReplyUnion__catch_exc_subsystem),
	.routine = {
		{ 0, stub, 6, 0, 0, (mach_msg_size_t)sizeof(__Reply__exception_raise_t) },
		{ 0, stub, 9, 0, 0, (mach_msg_size_t)sizeof(__Reply__exception_raise_state_t) },
		{ 0, stub, 11, 0, 0,
		  (mach_msg_size_t)sizeof(__Reply__exception_raise_state_identity_t) },
	},
};

mig_routine_t exc_server_routine(mach_msg_header_t *InHeadP)
{
	int which = InHeadP->msgh_id - catch_exc_subsystem.start;

	return which >= 0 && which < catch_exc_subsystem.end - catch_exc_subsystem.start ?
	       catch_exc_subsystem.routine[which].stub_routine : 0;
}
