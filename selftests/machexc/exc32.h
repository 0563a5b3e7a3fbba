/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The callbacks exc_server() calls for the 32-bit messages (ids 2401 to
 * 2403), for a test whose handler serves both exc_server() and
 * mach_exc_server(): each forwards to the test's 64-bit callback of the
 * same behavior, without the codes (the tests that include this do not
 * look at them).  Include it once, after those three are declared.
 */
#ifndef _MACHEXC_SELFTEST_EXC32_H
#define _MACHEXC_SELFTEST_EXC32_H

#include <mach/exc.h>
#include <mach/mach_exc.h>

kern_return_t catch_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
				    exception_type_t exception, exception_data_t code,
				    mach_msg_type_number_t n)
{
	(void)code;
	return catch_mach_exception_raise(port, thread, task, exception, NULL, n);
}

kern_return_t catch_exception_raise_state(mach_port_t port, exception_type_t exception,
					  const exception_data_t code, mach_msg_type_number_t n,
					  int *flavor, const thread_state_t old,
					  mach_msg_type_number_t oldn, thread_state_t new_state,
					  mach_msg_type_number_t *newn)
{
	(void)code;
	return catch_mach_exception_raise_state(port, exception, NULL, n, flavor, old, oldn,
						new_state, newn);
}

kern_return_t catch_exception_raise_state_identity(mach_port_t port, mach_port_t thread,
						   mach_port_t task, exception_type_t exception,
						   exception_data_t code, mach_msg_type_number_t n,
						   int *flavor, thread_state_t old,
						   mach_msg_type_number_t oldn,
						   thread_state_t new_state,
						   mach_msg_type_number_t *newn)
{
	(void)code;
	return catch_mach_exception_raise_state_identity(port, thread, task, exception, NULL, n,
							 flavor, old, oldn, new_state, newn);
}

#endif
