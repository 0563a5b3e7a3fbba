// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_error_string(), mach_error_type() and mach_error(), worded and
 * decoded as macOS's libsyscall does (mach_error_string.c, error_codes.c
 * and the err_*.sub tables).
 *
 * An error is | system (6 bits) | subsystem (12) | code (14) |
 * (<mach/error.h>).  Codes from before that layout are moved into it
 * first, as do_compat() does: -100..-199 are old ipc/send codes, -200..
 * -299 old ipc/rcv, -300..-399 the MIG codes (MIG_TYPE_ERROR and friends,
 * read as ipc/mig of system 4), 1000.., 1600.. and 27600.. the old netname,
 * env_mgr and execd servers.  Then the system's table names the
 * subsystem, and the subsystem's table the code; IOKit's tables are
 * sparse and go through a map, as on macOS.
 *
 * Tables: os (kern, unix), server, ipc (the original IPC), mach_ipc
 * (send, rcv, mig), libkern and iokit (common and bluetooth codes; the
 * other IOKit subsystems are named, their codes are not).  The user-space
 * system (1) has no subsystems here.  Where macOS has a string the same
 * one is returned; where it would add the type and the value (an unknown
 * code or subsystem) mach_error() does the same.
 *
 * Two differences: the MACH_MSG_MASK flags the kernel may add to a
 * mach_msg error (MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE) are ignored,
 * where macOS finds no string; and a system without a table gives
 * "unknown error code", never NULL as macOS's does.
 */
#include <stddef.h>
#include <stdio.h>

#include <mach/mach.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char unknown_code[] = "unknown error code";	/* NO_SUCH_ERROR */

/* System 0, err_kern.sub. */
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

/* unix_err(errno): the BSD errno values of macOS, 0 to 69. */
static const char *const unix_codes[] = {
	unknown_code,
	"(os/unix) no rights to object",
	"(os/unix) file or directory does not exist",
	"(os/unix) no such process",
	"(os/unix) interrupted system call",
	"(os/unix) i/o error",			/* 5 */
	"(os/unix) device does not exist",
	"(os/unix) argument list is too long",
	"(os/unix) invalid executable object format",
	"(os/unix) bad file descriptor number",
	"(os/unix) no child processes are present",	/* 10 */
	"(os/unix) no more processes are available",
	"(os/unix) insufficient memory",
	"(os/unix) access denied",
	"(os/unix) memory access fault",
	"(os/unix) block device required for operation",	/* 15 */
	"(os/unix) mount device busy",
	"(os/unix) file already exists",
	"(os/unix) cross device link",
	"(os/unix) device does not exist",
	"(os/unix) object is not a directory",	/* 20 */
	"(os/unix) object is a directory",
	"(os/unix) invalid argument",
	"(os/unix) internal file table overflow",
	"(os/unix) maximum number of open files reached",
	"(os/unix) object is not a tty-like device",	/* 25 */
	"(os/unix) executable object is in use",
	"(os/unix) file is too large",
	"(os/unix) no space is left on device",
	"(os/unix) illegal seek attempt",
	"(os/unix) read-only file system",	/* 30 */
	"(os/unix) too many links",
	"(os/unix) broken pipe",
	"(os/unix) argument is too large",
	"(os/unix) result is out of range",
	"(os/unix) operation on device would block",	/* 35 */
	"(os/unix) operation is now in progress",
	"(os/unix) operation is already in progress",
	"(os/unix) socket operation attempted on non-socket object",
	"(os/unix) destination address is required",
	"(os/unix) message is too long",	/* 40 */
	"(os/unix) protocol type is incorrect for socket",
	"(os/unix) protocol type is not availaible",	/* sic */
	"(os/unix) protocol type is not supported",
	"(os/unix) socket type is not supported",
	"(os/unix) operation is not supported on sockets",	/* 45 */
	"(os/unix) protocol family is not supported",
	"(os/unix) address family is not supported by protocol family",
	"(os/unix) address is already in use",
	"(os/unix) can't assign requested address",
	"(os/unix) network is down",		/* 50 */
	"(os/unix) network is unreachable",
	"(os/unix) network dropped connection on reset",
	"(os/unix) software aborted connection",
	"(os/unix) connection reset by peer",
	"(os/unix) no buffer space is available",	/* 55 */
	"(os/unix) socket is already connected",
	"(os/unix) socket is not connected",
	"(os/unix) can't send after socket shutdown",
	"(os/unix) too many references; can't splice",
	"(os/unix) connection timed out",	/* 60 */
	"(os/unix) connection was refused",
	"(os/unix) too many levels of symbolic links",
	"(os/unix) file name exceeds system maximum limit",
	"(os/unix) host is down",
	"(os/unix) there is no route to host",	/* 65 */
	"(os/unix) directory is not empty",
	"(os/unix) quota on number of processes exceeded",
	"(os/unix) quota on number of users exceeded",
	"(os/unix) quota on available disk space exceeded",
};

/* System 2, err_server.sub. */
static const char *const netname_codes[] = {
	"(server/netname) name is not yours",
	"(server/netname) name not checked in",
	"(server/netname) no such host",
	"(server/netname) host not found",
};

static const char *const env_mgr_codes[] = {
	unknown_code,
	"(server/env_mgr) variable not found",
	"(server/env_mgr) wrong type of variable",
	"(server/env_mgr) unknown port",
	"(server/env_mgr) read only environment",
	"(server/env_mgr) no more connections available",
	"(server/env_mgr) port table full",
	"(server/env_mgr) attempting to enter a null port ",	/* sic, with the space */
};

static const char *const execd_codes[] = {
	unknown_code,
	"(server/execd) could not find file to run",
	"(server/execd) userid or password incorrect",
	"(server/execd) fork failed",
};

static const char *const netmemory_codes[] = {
	"(server/netmemory) successful",
	"(server/netmemory) invalid argument",
	"(server/netmemory) resource shortage",
};

static const char *const ufs_codes[] = {
	unknown_code,
};

static const char *const task_master_codes[] = {
	"(server/task_master) GENERIC ERROR",
	"(server/task_master) invalid tm_task port",
	"(server/task_master) invalid task id",
	"(server/task_master) invalid kernel port",
	"(server/task_master) invalid job group",
	"(server/task_master) invalid action",
};

static const char *const ns_codes[] = {
	"(server/ns) GENERIC ERROR",
	"(server/ns) invalid handle",
	"(server/ns) name not found",
	"(server/ns) name already exists",
	"(server/ns) name too long",
	"(server/ns) path too long",
	"(server/ns) invalid name",
	"(server/ns) not a directory",
	"(server/ns) is a directory",
	"(server/ns) directory not empty",
	"(server/ns) infinite retry loop in resolver",
	"(server/ns) infinite forwarding loop in resolver",
	"(server/ns) invalid prefix",
	"(server/ns) prefix table overflow",
	"(server/ns) bad format for directory",
	"(server/ns) unknown entry type",
	"(server/ns) invalid generation",
	"(server/ns) entry not reserved",
};

static const char *const io_codes[] = {
	"(server/io) GENERIC ERROR",
	"(server/io) invalid offset",
	"(server/io) invalid size",
	"(server/io) invalid mode",
	"(server/io) invalid strategy",
	"(server/io) operation rejected under current I/O strategy",
};

static const char *const auth_codes[] = {
	"(server/auth) GENERIC ERROR",
	"(server/auth) bad private port",
	"(server/auth) bad name",
	"(server/auth) not primary",
	"(server/auth) bad pauthsword",		/* sic */
	"(server/auth) bad group",
	"(server/auth) duplicate id",
	"(server/auth) duplicate name",
	"(server/auth) not secondary",
};

static const char *const us_codes[] = {
	"(server/us) GENERIC ERROR",
	"(server/us) unknown error",
	"(server/us) object not found",
	"(server/us) object exists",
	"(server/us) object busy",
	"(server/us) object not started",
	"(server/us) object dead",
	"(server/us) invalid args",
	"(server/us) invalid access",
	"(server/us) invalid format",
	"(server/us) invalid buffer size",
	"(server/us) access denied",
	"(server/us) resource exhausted",
	"(server/us) quota exceeded",
	"(server/us) limit exceeded",
	"(server/us) not implemented",
	"(server/us) not supported",
	"(server/us) hardware error",
	"(server/us) retry required",
	"(server/us) not authenticated",
	"(server/us) exclusive access",
	"(server/us) timeout",
	"(server/us) bad reference count",
	"(server/us) internal error",
};

static const char *const sunrpc_codes[] = {
	"(server/sunrpc) GENERIC ERROR",
	"(server/sunrpc) cannot encode arguments",
	"(server/sunrpc) cannot decode results",
	"(server/sunrpc) failure in sending call",
	"(server/sunrpc) failure in receiving result",
	"(server/sunrpc) call timed out",
	"(server/sunrpc) rpc versions not compatible",
	"(server/sunrpc) authentication error",
	"(server/sunrpc) program not available",
	"(server/sunrpc) program version mismatched",
	"(server/sunrpc) procedure unavailable",
	"(server/sunrpc) decode arguments error",
	"(server/sunrpc) generic other problem",
	"(server/sunrpc) unknown host name",
	"(server/sunrpc) portmapper failed",
	"(server/sunrpc) remote program not registered",
	"(server/sunrpc) unspecified error",
	"(server/sunrpc) unknown protocol",
};

static const char *const machobj_codes[] = {
	"(server/object system) GENERIC ERROR",
	"(server/object system) object not found",
	"(server/object system) no such operation",
	"(server/object system) undefined ipc method arguments",
	"(server/object system) too many arguments to method",
	"(server/object system) bad ipc message format",
};

static const char *const loader_codes[] = {
	"(server/loader) GENERIC ERROR",
	"(server/loader) object file not relocated",
	"(server/loader) unknown file type",
	"(server/loader) symbol not found",
	"(server/loader) symbol multiply defined",
	"(server/loader) memory region overlap",
};

static const char *const exception_codes[] = {
	"(server/exception) GENERIC ERROR",
	"(server/exception) invalid access",
	"(server/exception) invalid instruction",
	"(server/exception) arithmetic exception",
	"(server/exception) emulation exception",
	"(server/exception) software exception",
	"(server/exception) breakpoint exception",
};

static const char *const ux_signal_codes[] = {
	"(server/unix-signal) GENERIC ERROR",
	"(server/unix-signal) hangup",
	"(server/unix-signal) interrupt",
	"(server/unix-signal) quit",
	"(server/unix-signal) undefined",
	"(server/unix-signal) undefined",
	"(server/unix-signal) undefined",
	"(server/unix-signal) undefined",
	"(server/unix-signal) kill",
	"(server/unix-signal) undefined",
	"(server/unix-signal) undefined",
	"(server/unix-signal) system error",
	"(server/unix-signal) pipe signal",
	"(server/unix-signal) alarm",
	"(server/unix-signal) terminate",
	"(server/unix-signal) urgent i/o",
	"(server/unix-signal) stop",
	"(server/unix-signal) terminal stop",
	"(server/unix-signal) continue",
	"(server/unix-signal) child death",
	"(server/unix-signal) tty input",
	"(server/unix-signal) tty output",
	"(server/unix-signal) i/o signal",
	"(server/unix-signal) cpu time limit exceeded",
	"(server/unix-signal) file size exceeded",
	"(server/unix-signal) virtual alarm",
	"(server/unix-signal) profile signal",
	"(server/unix-signal) window size change",
	"(server/unix-signal) user-defined signal 1",
	"(server/unix-signal) user-defined signal 2",
};

static const char *const xkernel_codes[] = {
	"(server/xkernel) GENERIC ERROR",
	"(server/xkernel) map full",
	"(server/xkernel) inconsistent bind",
	"(server/xkernel) cannot resolve",
	"(server/xkernel) cannot unbind",
	"(server/xkernel) invalid type",
	"(server/xkernel) invalid opcode",
	"(server/xkernel) buffer too small",
	"(server/xkernel) invalid ev code",
	"(server/xkernel) event not registered",
	"(server/xkernel) invalid open",
	"(server/xkernel) already open",
	"(server/xkernel) bad addr",
};

/* System 3, err_ipc.sub: the original IPC's codes (-100.., -200.., -300..). */
static const char *const old_send_codes[] = {
	"(ipc/send) unknown error",
	"(ipc/send) invalid memory",
	"(ipc/send) invalid port",
	"(ipc/send) timed out",
	"(ipc/send) unused error",
	"(ipc/send) will notify",
	"(ipc/send) notify in progress",
	"(ipc/send) kernel refused message",
	"(ipc/send) send interrupted",
	"(ipc/send) send message too large",
	"(ipc/send) send message too small",
	"(ipc/send) message size changed while being copied",
};

static const char *const old_rcv_codes[] = {
	"(ipc/rcv) unknown error",
	"(ipc/rcv) invalid memory",
	"(ipc/rcv) invalid port",
	"(ipc/rcv) receive timed out",
	"(ipc/rcv) message too large",
	"(ipc/rcv) no space for message data",
	"(ipc/rcv) only sender remaining",
	"(ipc/rcv) receive interrupted",
	"(ipc/rcv) port receiver changed or port became enabled",
};

static const char *const old_mig_codes[] = {
	"(ipc/mig) type check failure in message interface",
	"(ipc/mig) wrong return message ID",
	"(ipc/mig) server detected error",
	"(ipc/mig) bad message ID",
	"(ipc/mig) server found wrong arguments",
	"(ipc/mig) no reply should be sent",
	"(ipc/mig) server raised exception",
	"(ipc/mig) user specified array not large enough for return info",
};

/*
 * System 4, err_mach_ipc.sub: mach_msg_return_t and MIG's codes.  Codes
 * macOS no longer uses keep their old slots ("unused error").
 */
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

/* System 0x37, err_libkern.sub. */
static const char *const libkern_common_codes[] = {
	unknown_code,
	"(libkern/common) general/unspecified error",
};

static const char *const libkern_metaclass_codes[] = {
	unknown_code,
	"(libkern/metaclass) runtime internal error",
	"(libkern/metaclass) class has instances",
	"(libkern/metaclass) OSMetaClass::preModLoad() not called, runtime internal error",
	"(libkern/metaclass) allocation failure, internal data",
	"(libkern/metaclass) allocation failure, class tracking dictionaries",
	"(libkern/metaclass) allocation failure, no kext/class set",
	"(libkern/metaclass) failed to insert class into class dictionary",
	"(libkern/metaclass) can't associate class with its superclass",
	"(libkern/metaclass) can't find superclass during instance creation",
	"(libkern/metaclass) duplicate class name encountered",
	"(libkern/metaclass) no kext for metaclass",
};

static const char *const libkern_kext_codes[] = {
	unknown_code,
	"(libkern/kext) internal error",
	"(libkern/kext) allocation failure",
	"(libkern/kext) resource shortage",
	"(libkern/kext) not privileged",
	"(libkern/kext) invalid argument",
	"(libkern/kext) not found",
	"(libkern/kext) bad data (mkext/other)",
	"(libkern/kext) XML (un)serialization error",
	"(libkern/kext) function/version unsupported",
	"(libkern/kext) function disabled",
	"(libkern/kext) malformed kext (bundle layout/missing plist)",
	"(libkern/kext) validation failure (plist/executable)",
	"(libkern/kext) authentication failure (file ownership/permissions)",
	"(libkern/kext) dependency resolution failure",
	"(libkern/kext) requested architecture/executable not found",
	"(libkern/kext) cache error",
	"(libkern/kext) operation deferred (queued to user space)",
	"(libkern/kext) operation/kext not allowed at current boot level",
	"(libkern/kext) not loadable (reason unspecified)",
	"(libkern/kext) different version/uuid already loaded",
	"(libkern/kext) dependency load failed",
	"(libkern/kext) link error",
	"(libkern/kext) kext (kmod) start/stop routine failed",
	"(libkern/kext) kext is in use or retained (cannot unload)",
	"(libkern/kext) kext request timed out",
	"(libkern/kext) kext is stopping and cannot issue requests",
};

/*
 * System 0x38, err_iokit.sub.  kIOReturnInvalid (1), then kIOReturnError
 * (0x2bc) to kIOReturnNotFound (0x2f0): the map below folds them together.
 */
static const char *const iokit_common_codes[] = {
	"(iokit/common) invalid - should never be seen",	/* 0x001 */
	"(iokit/common) general error",				/* 0x2bc */
	"(iokit/common) can't allocate memory",
	"(iokit/common) resource shortage",
	"(iokit/common) error during IPC",
	"(iokit/common) no such device",			/* 0x2c0 */
	"(iokit/common) privilege violation",
	"(iokit/common) invalid argument",
	"(iokit/common) device read locked",
	"(iokit/common) device write locked",
	"(iokit/common) exclusive access and device already open",
	"(iokit/common) sent/received messages had different msg_id",
	"(iokit/common) unsupported function",
	"(iokit/common) misc. VM failure",			/* 0x2c8 */
	"(iokit/common) internal error",
	"(iokit/common) General I/O error",
	"(iokit/common) ???",
	"(iokit/common) can't acquire lock",
	"(iokit/common) device not open",
	"(iokit/common) read not supported",
	"(iokit/common) write not supported",
	"(iokit/common) alignment error",			/* 0x2d0 */
	"(iokit/common) Media Error",
	"(iokit/common) device(s) still open",
	"(iokit/common) rld failure",
	"(iokit/common) DMA failure",
	"(iokit/common) Device Busy",
	"(iokit/common) I/O Timeout",
	"(iokit/common) device offline",
	"(iokit/common) not ready",				/* 0x2d8 */
	"(iokit/common) device not attached",
	"(iokit/common) no DMA channels left",
	"(iokit/common) no space for data",
	"(iokit/common) ???",
	"(iokit/common) port already exists",
	"(iokit/common) can't wire down physical memory",
	"(iokit/common) no interrupt attached",
	"(iokit/common) no DMA frames enqueued",		/* 0x2e0 */
	"(iokit/common) oversized msg received on interrupt port",
	"(iokit/common) not permitted",
	"(iokit/common) no power to device",
	"(iokit/common) media not present",
	"(iokit/common) media not formatted",
	"(iokit/common) no such mode",
	"(iokit/common) data underrun",
	"(iokit/common) data overrun",				/* 0x2e8 */
	"(iokit/common) the device is not working properly!",
	"(iokit/common) a completion routine is required",
	"(iokit/common) operation aborted",
	"(iokit/common) bus bandwidth would be exceeded",
	"(iokit/common) device not responding",
	"(iokit/common) isochronous I/O request for distant past!",
	"(iokit/common) isochronous I/O request for distant future",
	"(iokit/common) data was not found",			/* 0x2f0 */
};

static const char *const iokit_bluetooth_codes[] = {
	"(iokit/bluetooth) unknown error",
	"(iokit/bluetooth) interrupted operation, hardware reset",
	"(iokit/bluetooth) connection to device already exists",
	"(iokit/bluetooth) no HCI controller",
	"(iokit/bluetooth) changing power states is unsupported",
};

/* Inclusive ranges of sparse numbers, numbered 0, 1, ... in order. */
struct range {
	unsigned int start, end;
};

static const struct range iokit_common_map[] = { { 0x001, 0x001 }, { 0x2bc, 0x2f0 } };
/* sub_iokit_common (0) to sub_iokit_pmu (9), vendor_specific and reserved (-2, -1). */
static const struct range iokit_sub_map[] = { { 0x000, 0x009 }, { 0xffe, 0xfff } };

struct subsystem {
	const char *name;
	const char *const *codes;
	unsigned int count;
	const struct range *map;
	unsigned int map_count;
};

#define SUB(name, codes)	{ name, codes, N(codes), NULL, 0 }
#define NAMED(name)		{ name, NULL, 0, NULL, 0 }

static const struct subsystem os_subs[] = {
	SUB("(os/kern)", kern_codes),
	NAMED("(os/?)"),
	NAMED("(os/?)"),
	SUB("(os/unix)", unix_codes),
};

static const struct subsystem server_subs[] = {
	SUB("(server/netname)", netname_codes),
	SUB("(server/env_mgr)", env_mgr_codes),
	SUB("(server/execd)", execd_codes),
	SUB("(server/netmemory)", netmemory_codes),
	SUB("(server/ufs)", ufs_codes),
	SUB("(server/task_master)", task_master_codes),
	SUB("(server/ns)", ns_codes),
	SUB("(server/io)", io_codes),
	SUB("(server/auth)", auth_codes),
	SUB("(server/us)", us_codes),
	SUB("(server/sunrpc)", sunrpc_codes),
	SUB("(server/object system)", machobj_codes),
	SUB("(server/loader)", loader_codes),
	SUB("(server/exception)", exception_codes),
	SUB("(server/unix-signal)", ux_signal_codes),
	SUB("(server/xkernel)", xkernel_codes),
};

static const struct subsystem old_ipc_subs[] = {
	SUB("(ipc/send)", old_send_codes),
	SUB("(ipc/rcv)", old_rcv_codes),
	SUB("(ipc/mig)", old_mig_codes),
};

static const struct subsystem ipc_subs[] = {
	SUB("(ipc/send)", send_codes),
	SUB("(ipc/rcv)", rcv_codes),
	SUB("(ipc/mig)", mig_codes),
};

static const struct subsystem libkern_subs[] = {
	SUB("(libkern/common)", libkern_common_codes),
	SUB("(libkern/metaclass)", libkern_metaclass_codes),
	SUB("(libkern/kext)", libkern_kext_codes),
};

static const struct subsystem iokit_subs[] = {
	{ "(iokit/common)", iokit_common_codes, N(iokit_common_codes), iokit_common_map,
	  N(iokit_common_map) },
	NAMED("(iokit/usb)"),
	NAMED("(iokit/firewire)"),
	NAMED("(iokit/?"),			/* sic: err_iokit_null_sub */
	NAMED("(iokit/blkstorage)"),
	NAMED("(iokit/graphics)"),
	NAMED("(iokit/?"),
	NAMED("(iokit/?"),
	SUB("(iokit/bluetooth)", iokit_bluetooth_codes),
	NAMED("(iokit/pmu)"),
	NAMED("(iokit/vendor)"),
	NAMED("(iokit/reserved)"),
};

struct system {
	const char *bad_sub;		/* for a subsystem it does not have */
	const struct subsystem *subs;
	unsigned int count;
	const struct range *map;
	unsigned int map_count;
};

static const struct system systems[64] = {
	[0x00] = { "(operating system/?) unknown subsystem error", os_subs, N(os_subs), NULL, 0 },
	[0x01] = { "(user space/?) unknown subsystem error", NULL, 0, NULL, 0 },
	[0x02] = { "(server/?) unknown subsystem error", server_subs, N(server_subs), NULL, 0 },
	[0x03] = { "(ipc/?) unknown subsystem error", old_ipc_subs, N(old_ipc_subs), NULL, 0 },
	[0x04] = { "(ipc/?) unknown subsystem error", ipc_subs, N(ipc_subs), NULL, 0 },
	[0x37] = { "(libkern/?) unknown subsystem error", libkern_subs, N(libkern_subs), NULL, 0 },
	[0x38] = { "(iokit/?) unknown subsystem error", iokit_subs, N(iokit_subs), iokit_sub_map,
		   N(iokit_sub_map) },
};

/* The index of n in the ranges, or -1. */
static long unmap(unsigned int n, const struct range *map, unsigned int count)
{
	unsigned int i;
	long base = 0;

	if (!map)
		return n;
	for (i = 0; i < count; i++) {
		if (n >= map[i].start && n <= map[i].end)
			return base + (n - map[i].start);
		base += map[i].end - map[i].start + 1;
	}
	return -1;
}

/* do_compat(): codes from before the system/subsystem layout. */
static mach_error_t compat(mach_error_t err)
{
	if (err <= -100 && err > -200)
		return -(err + 100) | err_ipc | err_sub(0);
	if (err <= -200 && err > -300)
		return -(err + 200) | err_ipc | err_sub(1);
	if (err <= -300 && err > -400)
		return -(err + 300) | err_mach_ipc | err_sub(2);
	if (err >= 1000 && err < 1100)
		return (err - 1000) | err_server | err_sub(0);
	if (err >= 1600 && err < 1700)
		return (err - 1600) | err_server | err_sub(1);
	if (err >= 27600 && err < 27700)
		return (err - 27600) | err_server | err_sub(2);
	return err;
}

/* The system of err (after compat()), and its subsystem or NULL. */
static const struct subsystem *lookup(mach_error_t err, const struct system **sys)
{
	long sub;

	*sys = &systems[err_get_system(err)];
	sub = unmap((unsigned int)err_get_sub(err), (*sys)->map, (*sys)->map_count);
	return sub >= 0 && (unsigned long)sub < (*sys)->count ? &(*sys)->subs[sub] : NULL;
}

/* The string, and whether macOS would add the type and value (mach_error()). */
static const char *describe(mach_error_t err, int *diag)
{
	const struct system *sys;
	const struct subsystem *s;
	unsigned int code;
	long i;

	err = compat(err);
	s = lookup(err, &sys);
	*diag = 1;
	if (!sys->bad_sub)
		return unknown_code;
	if (!s)
		return sys->bad_sub;
	code = (unsigned int)err_get_code(err);
	if (err_get_system(err) == 0x4)
		code &= ~(unsigned int)MACH_MSG_MASK;
	i = unmap(code, s->map, s->map_count);
	if (i < 0 || (unsigned long)i >= s->count)
		return unknown_code;
	*diag = 0;
	return s->codes[i];
}

char *mach_error_string(mach_error_t error_value)
{
	int diag;

	return (char *)describe(error_value, &diag);
}

char *mach_error_type(mach_error_t error_value)
{
	const struct system *sys;
	const struct subsystem *s = lookup(compat(error_value), &sys);

	return (char *)(s ? s->name : "(?/?)");
}

/* "str string", or "str type string (value)" where the string says little. */
void mach_error(const char *str, mach_error_t error_value)
{
	int diag;
	const char *s = describe(error_value, &diag);

	if (diag)
		fprintf(stderr, "%s %s %s (%x)\n", str, mach_error_type(error_value), s,
			(unsigned int)error_value);
	else
		fprintf(stderr, "%s %s\n", str, s);
}
