// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_exc_server(): mach_exc.defs's server, which calls the program's
 * catch_mach_exception_raise* routines.  They are weak here so that the shared
 * library links without them and a program defines only those it uses; a
 * request for one it lacks gets MIG_BAD_ID back.
 */
#include <mach/mach_exc.h>

#include "catch.h"
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

/* MIG's per-message routine: here one wrapper serves all three. */
static void mach_exc_routine(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	mach_exc_server(InHeadP, OutHeadP);
}

mig_routine_t mach_exc_server_routine(mach_msg_header_t *InHeadP)
{
	int which = InHeadP->msgh_id - 2405;

	return which >= 0 && which <= 2 ? mach_exc_routine : 0;
}
