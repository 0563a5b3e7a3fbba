// SPDX-License-Identifier: LGPL-2.1-or-later
/* mach_error_string() and friends, with macOS's wording. */
#include <stdio.h>

#include <mach/mach.h>

static const char *const kern_strings[] = {
	"(os/kern) successful", "(os/kern) invalid address", "(os/kern) protection failure",
	"(os/kern) no space available", "(os/kern) invalid argument", "(os/kern) failure",
	"(os/kern) resource shortage", "(os/kern) not receiver", "(os/kern) no access",
	"(os/kern) memory failure", "(os/kern) memory error", "(os/kern) already in set",
	"(os/kern) not in set", "(os/kern) name exists", "(os/kern) aborted",
	"(os/kern) invalid name", "(os/kern) invalid task", "(os/kern) invalid right",
	"(os/kern) invalid value", "(os/kern) urefs overflow", "(os/kern) invalid capability",
	"(os/kern) right exists", "(os/kern) invalid host", "(os/kern) memory present",
	"(os/kern) memory data moved", "(os/kern) memory restart copy",
	"(os/kern) invalid processor set", "(os/kern) policy limit", "(os/kern) invalid policy",
	"(os/kern) invalid object", "(os/kern) already waiting", "(os/kern) default set",
	"(os/kern) exception protected", "(os/kern) invalid ledger",
	"(os/kern) invalid memory control", "(os/kern) invalid security",
	"(os/kern) not depressed", "(os/kern) object terminated", "(os/kern) lock set destroyed",
	"(os/kern) lock unstable", "(os/kern) lock owned by another",
	"(os/kern) lock owned by self", "(os/kern) semaphore destroyed",
	"(os/kern) RPC terminated", "(os/kern) terminate orphan",
	"(os/kern) let orphan continue", "(os/kern) service not supported",
	"(os/kern) remote node down", "(os/kern) thread not waiting",
	"(os/kern) operation timed out", "(os/kern) code signature error",
	"(os/kern) policy is static", "(os/kern) insufficient input buffer size",
};

static const char *const send_strings[] = {
	"(ipc/send) unknown error", "(ipc/send) in progress", "(ipc/send) invalid data",
	"(ipc/send) invalid destination port", "(ipc/send) timed out",
	"(ipc/send) invalid voucher", "(ipc/send) will notify", "(ipc/send) interrupted",
	"(ipc/send) msg too small", "(ipc/send) invalid reply port",
	"(ipc/send) invalid port right", "(ipc/send) invalid notify port",
	"(ipc/send) invalid memory", "(ipc/send) no msg buffer", "(ipc/send) msg too large",
	"(ipc/send) invalid msg-type", "(ipc/send) invalid msg-header",
	"(ipc/send) invalid msg-trailer", "(ipc/send) invalid context for reply",
};

static const char *const rcv_strings[] = {
	"(ipc/rcv) unknown error", "(ipc/rcv) in progress", "(ipc/rcv) invalid name",
	"(ipc/rcv) timed out", "(ipc/rcv) msg too large", "(ipc/rcv) interrupted",
	"(ipc/rcv) port changed", "(ipc/rcv) invalid notify port", "(ipc/rcv) invalid msg-data",
	"(ipc/rcv) port died", "(ipc/rcv) port in set", "(ipc/rcv) header error",
	"(ipc/rcv) body error", "(ipc/rcv) invalid msg-type",
	"(ipc/rcv) scatter list too small", "(ipc/rcv) invalid trailer",
	"(ipc/rcv) unknown error", "(ipc/rcv) in progress timed",
	"(ipc/rcv) invalid reply port",
};

static const char *const mig_strings[] = {
	"(ipc/mig) type check failure in message interface",
	"(ipc/mig) wrong return message ID", "(ipc/mig) server detected error",
	"(ipc/mig) bad request message ID", "(ipc/mig) server found wrong arguments",
	"(ipc/mig) no reply should be sent", "(ipc/mig) server raised exception",
	"(ipc/mig) user specified array not large enough", "(ipc/mig) server died",
	"(ipc/mig) trailer has an unknown format",
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

char *mach_error_string(mach_error_t err)
{
	int code = err_get_code(err);

	if (err <= MIG_TYPE_ERROR && err >= MIG_TYPE_ERROR - N(mig_strings) + 1)
		return (char *)mig_strings[MIG_TYPE_ERROR - err];
	if (err_get_system(err) == err_get_system(err_kern) && err_get_sub(err) == 0 &&
	    code < N(kern_strings))
		return (char *)kern_strings[code];
	if (err_get_system(err) == err_get_system(err_mach_ipc)) {
		/* Flags such as MACH_MSG_IPC_SPACE ride in the middle bits. */
		code &= ~MACH_MSG_MASK;
		if (err_get_sub(err) == 0 && code < N(send_strings))
			return (char *)send_strings[code];
		if (err_get_sub(err) == 1 && code < N(rcv_strings))
			return (char *)rcv_strings[code];
	}
	return (char *)"unknown error code";
}

char *mach_error_type(mach_error_t err)
{
	switch (err_get_system(err)) {
	case 0x0:
		return (char *)"(os/kern)";
	case 0x4:
		return err_get_sub(err) ? (char *)"(ipc/rcv)" : (char *)"(ipc/send)";
	}
	if (err <= MIG_TYPE_ERROR && err > MIG_TYPE_ERROR - N(mig_strings))
		return (char *)"(ipc/mig)";
	return (char *)"(unknown/unknown)";
}

void mach_error(const char *str, mach_error_t err)
{
	fprintf(stderr, "%s %s (0x%x)\n", str, mach_error_string(err), (unsigned int)err);
}
