// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_error_string(), mach_error_type() and mach_error(), worded as
 * macOS's libsyscall words them (err_kern.sub, err_mach_ipc.sub).
 *
 * An error is | system (6 bits) | subsystem (12) | code (14) |.  Only the
 * systems Mach IPC produces have tables here: 0 (os/kern) and 4 (ipc/send,
 * ipc/rcv, ipc/mig).  As on macOS, the old negative MIG codes (-300 to
 * -399, MIG_TYPE_ERROR and friends) are read as ipc/mig codes, and an
 * error without a string is printed with its type and value.
 *
 * Two differences: the MACH_MSG_MASK flags the kernel may add to a receive
 * error (MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE) are ignored, where
 * macOS finds no string; and a system without a table gives "unknown
 * error code", never NULL.
 */
#include <stddef.h>
#include <stdio.h>

#include <mach/mach.h>

static const char *const kern_codes[] = {
	"(os/kern) successful",
	"(os/kern) invalid address",
	"(os/kern) protection failure",
	"(os/kern) no space available",
	"(os/kern) invalid argument",
	"(os/kern) failure",			/* 5 */
	"(os/kern) resource shortage",
	"(os/kern) not receiver",
	"(os/kern) no access",
	"(os/kern) memory failure",
	"(os/kern) memory error",		/* 10 */
	"(os/kern) already in set",
	"(os/kern) not in set",
	"(os/kern) name exists",
	"(os/kern) aborted",
	"(os/kern) invalid name",		/* 15 */
	"(os/kern) invalid task",
	"(os/kern) invalid right",
	"(os/kern) invalid value",
	"(os/kern) urefs overflow",
	"(os/kern) invalid capability",		/* 20 */
	"(os/kern) right exists",
	"(os/kern) invalid host",
	"(os/kern) memory present",
	"(os/kern) memory data moved",
	"(os/kern) memory restart copy",	/* 25 */
	"(os/kern) invalid processor set",
	"(os/kern) policy limit",
	"(os/kern) invalid policy",
	"(os/kern) invalid object",
	"(os/kern) already waiting",		/* 30 */
	"(os/kern) default set",
	"(os/kern) exception protected",
	"(os/kern) invalid ledger",
	"(os/kern) invalid memory control",
	"(os/kern) invalid security",		/* 35 */
	"(os/kern) not depressed",
	"(os/kern) object terminated",
	"(os/kern) lock set destroyed",
	"(os/kern) lock unstable",
	"(os/kern) lock owned by another",	/* 40 */
	"(os/kern) lock owned by self",
	"(os/kern) semaphore destroyed",
	"(os/kern) RPC terminated",
	"(os/kern) terminate orphan",
	"(os/kern) let orphan continue",	/* 45 */
	"(os/kern) service not supported",
	"(os/kern) remote node down",
	"(os/kern) thread not waiting",
	"(os/kern) operation timed out",
	"(os/kern) code signing error",		/* 50 */
	"(os/kern) policy is static",
	"(os/kern) insufficient input buffer size",
	"(os/kern) denied by security policy",
	"(os/kern) missing kernel collection",
	"(os/kern) invalid kernel collection",	/* 55 */
	"(os/kern) result not found",
};

/* Codes macOS no longer uses keep their old slots ("unused error"). */
static const char *const send_codes[] = {
	"(ipc/send) no error",
	"(ipc/send) send in progress",
	"(ipc/send) invalid data",
	"(ipc/send) invalid destination port",
	"(ipc/send) timed out",
	"(ipc/send) invalid voucher",		/* 5 */
	"(ipc/send) unused error",
	"(ipc/send) interrupted",
	"(ipc/send) msg too small",
	"(ipc/send) invalid reply port",
	"(ipc/send) invalid port right",	/* 10 */
	"(ipc/send) invalid notify port",
	"(ipc/send) invalid memory",
	"(ipc/send) no msg buffer",
	"(ipc/send) msg too large",
	"(ipc/send) invalid msg-type",		/* 15 */
	"(ipc/send) invalid msg-header",
	"(ipc/send) invalid msg-trailer",
	"(ipc/send) invalid context for reply",
	"(ipc/send) unused error",
	"(ipc/send) unused error",		/* 20 */
	"(ipc/send) out-of-line buffer too large",
	"(ipc/send) destination does not accept OOL ports",
};

static const char *const rcv_codes[] = {
	"(ipc/rcv) no error",
	"(ipc/rcv) receive in progress",
	"(ipc/rcv) invalid name",
	"(ipc/rcv) timed out",
	"(ipc/rcv) msg too large",
	"(ipc/rcv) interrupted",		/* 5 */
	"(ipc/rcv) port changed",
	"(ipc/rcv) invalid notify port",
	"(ipc/rcv) invalid data",
	"(ipc/rcv) port died",
	"(ipc/rcv) port in set",		/* 10 */
	"(ipc/rcv) header error",
	"(ipc/rcv) body error",
	"(ipc/rcv) invalid scatter list entry",
	"(ipc/rcv) overwrite region too small",
	"(ipc/rcv) invalid msg-trailer",	/* 15 */
	"(ipc/rcv) DIPC transport error",
};

static const char *const mig_codes[] = {
	"(ipc/mig) client type check failure",	/* MIG_TYPE_ERROR, -300 */
	"(ipc/mig) wrong reply message ID",
	"(ipc/mig) server detected error",
	"(ipc/mig) bad request message ID",
	"(ipc/mig) server type check failure",
	"(ipc/mig) no reply should be sent",	/* 5 */
	"(ipc/mig) server raised exception",
	"(ipc/mig) array not large enough",
	"(ipc/mig) server died",
	"(ipc/mig) unknown trailer format",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct subsystem {
	const char *type;
	const char *const *codes;
	size_t count;
};

/* err_kern's subsystems, then err_mach_ipc's, as macOS numbers them. */
static const struct subsystem kern_subs[] = {
	{ "(os/kern)", kern_codes, N(kern_codes) },
	{ "(os/?)", NULL, 0 },
	{ "(os/?)", NULL, 0 },
	{ "(os/unix)", NULL, 0 },
};

static const struct subsystem ipc_subs[] = {
	{ "(ipc/send)", send_codes, N(send_codes) },
	{ "(ipc/rcv)", rcv_codes, N(rcv_codes) },
	{ "(ipc/mig)", mig_codes, N(mig_codes) },
};

static const char unknown_code[] = "unknown error code";

/*
 * The subsystem of err, or NULL; *bad is the string for a subsystem the
 * system does not have, *code the index into the subsystem's table.
 */
static const struct subsystem *lookup(mach_error_t err, const char **bad,
				      unsigned int *code)
{
	unsigned int sub;

	/* MIG's codes predate the error layout: -300 - n is ipc/mig n. */
	if (err <= MIG_TYPE_ERROR && err > MIG_TYPE_ERROR - 100)
		err = (mach_error_t)(err_mach_ipc | err_sub(2) | (MIG_TYPE_ERROR - err));
	sub = err_get_sub(err);
	*code = err_get_code(err);
	*bad = unknown_code;
	switch (err_get_system(err)) {
	case 0x0:
		*bad = "(operating system/?) unknown subsystem error";
		return sub < N(kern_subs) ? &kern_subs[sub] : NULL;
	case 0x4:
		*code &= ~(unsigned int)MACH_MSG_MASK;
		*bad = "(ipc/?) unknown subsystem error";
		return sub < N(ipc_subs) ? &ipc_subs[sub] : NULL;
	}
	return NULL;
}

/* The string, or NULL where macOS would add the type and the value. */
static const char *known_string(mach_error_t err, const char **fallback)
{
	unsigned int code;
	const struct subsystem *s = lookup(err, fallback, &code);

	if (!s)
		return NULL;
	*fallback = unknown_code;
	return code < s->count ? s->codes[code] : NULL;
}

char *mach_error_string(mach_error_t error_value)
{
	const char *fallback;
	const char *s = known_string(error_value, &fallback);

	return (char *)(s ? s : fallback);
}

char *mach_error_type(mach_error_t error_value)
{
	const char *bad;
	unsigned int code;
	const struct subsystem *s = lookup(error_value, &bad, &code);

	return (char *)(s ? s->type : "(?/?)");
}

/* "str string", or "str type string (value)" for an unknown error. */
void mach_error(const char *str, mach_error_t error_value)
{
	const char *fallback;
	const char *s = known_string(error_value, &fallback);

	if (s)
		fprintf(stderr, "%s %s\n", str, s);
	else
		fprintf(stderr, "%s %s %s (%x)\n", str, mach_error_type(error_value), fallback,
			(unsigned int)error_value);
}
