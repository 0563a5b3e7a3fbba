// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_exc_server(): mach_exc.defs's server, which calls the program's
 * catch_mach_exception_raise* routines.  They are weak here so that the shared
 * library links without them and a program defines only those it uses; a
 * request for one it lacks gets MIG_BAD_ID back.  Also the subsystem table
 * and lookup routine MIG generates with it (<mach/mach_excServer.h>).
 */
#include <mach/mach_excServer.h>

#include "exc_mig.h"

#pragma weak catch_mach_exception_raise
#pragma weak catch_mach_exception_raise_state
#pragma weak catch_mach_exception_raise_state_identity

static kern_return_t raise(mach_port_t port, mach_port_t thread, mach_port_t task,
			   exception_type_t exception, const void *code,
			   mach_msg_type_number_t count)
{
	if (!catch_mach_exception_raise)
		return MIG_BAD_ID;
	return catch_mach_exception_raise(port, thread, task, exception, (mach_exception_data_t)code, count);
}

static kern_return_t state(mach_port_t port, mach_port_t thread, mach_port_t task,
			   exception_type_t exception, const void *code,
			   mach_msg_type_number_t count, int *flavor, natural_t *old_state,
			   mach_msg_type_number_t old_count, natural_t *new_state,
			   mach_msg_type_number_t *new_count)
{
	(void)thread;
	(void)task;
	if (!catch_mach_exception_raise_state)
		return MIG_BAD_ID;
	return catch_mach_exception_raise_state(port, exception, (mach_exception_data_t)code, count, flavor,
					   old_state, old_count, new_state, new_count);
}

static kern_return_t identity(mach_port_t port, mach_port_t thread, mach_port_t task,
			      exception_type_t exception, const void *code,
			      mach_msg_type_number_t count, int *flavor, natural_t *old_state,
			      mach_msg_type_number_t old_count, natural_t *new_state,
			      mach_msg_type_number_t *new_count)
{
	if (!catch_mach_exception_raise_state_identity)
		return MIG_BAD_ID;
	return catch_mach_exception_raise_state_identity(port, thread, task, exception,
						    (mach_exception_data_t)code, count, flavor,
						    old_state, old_count, new_state, new_count);
}

static const struct exc_subsystem mach_exc = { 2405, sizeof(mach_exception_data_type_t), raise,
					       state, identity };

boolean_t mach_exc_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	return machexc_exc_server(&mach_exc, InHeadP, OutHeadP);
}

/*
 * The subsystem table MIG generates with the server: routine i serves
 * msgh_id 2405 + i.  The stub of each is the whole server (the header
 * of the reply is made the same way either way).
 */
static void stub(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	mach_exc_server(InHeadP, OutHeadP);
}

const struct catch_mach_exc_subsystem catch_mach_exc_subsystem = {
	.server = mach_exc_server_routine,
	.start = 2405,
	.end = 2408,
	.maxsize = (mach_msg_size_t)sizeof(union __ReplyUnion__catch_mach_exc_subsystem),
	.routine = {
		{ 0, stub, 6, 0, 0, (mach_msg_size_t)sizeof(__Reply__mach_exception_raise_t) },
		{ 0, stub, 9, 0, 0, (mach_msg_size_t)sizeof(__Reply__mach_exception_raise_state_t) },
		{ 0, stub, 11, 0, 0,
		  (mach_msg_size_t)sizeof(__Reply__mach_exception_raise_state_identity_t) },
	},
};

mig_routine_t mach_exc_server_routine(mach_msg_header_t *InHeadP)
{
	int which = InHeadP->msgh_id - catch_mach_exc_subsystem.start;

	return which >= 0 && which < catch_mach_exc_subsystem.end - catch_mach_exc_subsystem.start ?
	       catch_mach_exc_subsystem.routine[which].stub_routine : 0;
}
