/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Mach ABI as the module needs it: numbers and wire layouts that must
 * match macOS's <mach/...> headers (x86-64).  libmachexc's headers carry
 * the same numbers under the same names for user space; the selftests check
 * that both agree.
 */
#ifndef _MACHEXC_MACH_ABI_H
#define _MACHEXC_MACH_ABI_H

#include <linux/types.h>

typedef u32 mx_return_t;	/* kern_return_t or mach_msg_return_t */

/* kern_return_t */
#define KERN_SUCCESS			0
#define KERN_INVALID_ADDRESS		1
#define KERN_PROTECTION_FAILURE		2
#define KERN_NO_SPACE			3
#define KERN_INVALID_ARGUMENT		4
#define KERN_FAILURE			5
#define KERN_RESOURCE_SHORTAGE		6
#define KERN_NOT_RECEIVER		7
#define KERN_NO_ACCESS			8
#define KERN_ALREADY_IN_SET		11
#define KERN_NOT_IN_SET			12
#define KERN_NAME_EXISTS		13
#define KERN_INVALID_NAME		15
#define KERN_INVALID_TASK		16
#define KERN_INVALID_RIGHT		17
#define KERN_INVALID_VALUE		18
#define KERN_UREFS_OVERFLOW		19
#define KERN_INVALID_CAPABILITY		20
#define KERN_RIGHT_EXISTS		21
#define KERN_NOT_SUPPORTED		46

/* vm_prot_t, vm_inherit_t, vm_behavior_t (osfmk/mach/vm_prot.h, ...) */
#define VM_PROT_READ			0x1
#define VM_PROT_WRITE			0x2
#define VM_PROT_EXECUTE			0x4
#define VM_INHERIT_SHARE		0
#define VM_INHERIT_COPY			1
#define VM_INHERIT_NONE			2
#define VM_BEHAVIOR_DEFAULT		0
#define VM_BEHAVIOR_RANDOM		1
#define VM_BEHAVIOR_SEQUENTIAL		2

/* mach_vm_allocate()'s flags (osfmk/mach/vm_statistics.h) */
#define VM_FLAGS_ANYWHERE		0x00000001
#define VM_FLAGS_OVERWRITE		0x00004000
#define VM_FLAGS_USER_ALLOCATE		0xFF07509F

/* mach_msg_return_t */
#define MACH_MSG_SUCCESS		0x00000000
#define MACH_MSG_VM_KERNEL		0x00000400
#define MACH_MSG_VM_SPACE		0x00001000
#define MACH_MSG_IPC_SPACE		0x00002000
#define MACH_MSG_MASK			0x00003e00
#define MACH_SEND_INVALID_DATA		0x10000002
#define MACH_SEND_INVALID_DEST		0x10000003
#define MACH_SEND_TIMED_OUT		0x10000004
#define MACH_SEND_INVALID_VOUCHER	0x10000005
#define MACH_SEND_INTERRUPTED		0x10000007
#define MACH_SEND_MSG_TOO_SMALL		0x10000008
#define MACH_SEND_INVALID_REPLY		0x10000009
#define MACH_SEND_INVALID_RIGHT		0x1000000a
#define MACH_SEND_INVALID_MEMORY	0x1000000c
#define MACH_SEND_NO_BUFFER		0x1000000d
#define MACH_SEND_TOO_LARGE		0x1000000e
#define MACH_SEND_INVALID_TYPE		0x1000000f
#define MACH_SEND_INVALID_HEADER	0x10000010
#define MACH_RCV_INVALID_NAME		0x10004002
#define MACH_RCV_TIMED_OUT		0x10004003
#define MACH_RCV_TOO_LARGE		0x10004004
#define MACH_RCV_INTERRUPTED		0x10004005
#define MACH_RCV_PORT_CHANGED		0x10004006
#define MACH_RCV_INVALID_NOTIFY		0x10004007
#define MACH_RCV_INVALID_DATA		0x10004008
#define MACH_RCV_PORT_DIED		0x10004009
#define MACH_RCV_IN_SET			0x1000400a
#define MACH_RCV_HEADER_ERROR		0x1000400b
#define MACH_RCV_BODY_ERROR		0x1000400c
#define MACH_RCV_INVALID_TRAILER	0x1000400f

/* mach_msg options */
#define MACH_SEND_MSG			0x00000001
#define MACH_RCV_MSG			0x00000002
#define MACH_RCV_LARGE			0x00000004
#define MACH_SEND_TIMEOUT		0x00000010
#define MACH_SEND_OVERRIDE		0x00000020
#define MACH_SEND_INTERRUPT		0x00000040
#define MACH_SEND_NOTIFY		0x00000080
#define MACH_RCV_TIMEOUT		0x00000100
#define MACH_RCV_INTERRUPT		0x00000400
#define MACH_RCV_SYNC_WAIT		0x00004000
#define MACH_SEND_SYNC_OVERRIDE		0x00100000
#define MACH_RCV_TRAILER_ELEMENTS(o)	(((o) >> 24) & 0xf)
#define MACH_RCV_TRAILER_TYPE(o)	(((o) >> 28) & 0xf)
#define MACH_MSG_TRAILER_FORMAT_0	0

/* msgh_bits */
#define MACH_MSGH_BITS_REMOTE(b)	((b) & 0x1f)
#define MACH_MSGH_BITS_LOCAL(b)		(((b) >> 8) & 0x1f)
#define MACH_MSGH_BITS_VOUCHER(b)	(((b) >> 16) & 0x1f)
#define MACH_MSGH_BITS(remote, local)	((remote) | ((local) << 8))
#define MACH_MSGH_BITS_PORTS_MASK	0x001f1f1f
#define MACH_MSGH_BITS_COMPLEX		0x80000000U
#define MACH_MSGH_BITS_USER		0x801f1f1fU

/* mach_msg_type_name_t */
#define MACH_MSG_TYPE_PORT_NAME		15
#define MACH_MSG_TYPE_MOVE_RECEIVE	16
#define MACH_MSG_TYPE_MOVE_SEND		17
#define MACH_MSG_TYPE_MOVE_SEND_ONCE	18
#define MACH_MSG_TYPE_COPY_SEND		19
#define MACH_MSG_TYPE_MAKE_SEND		20
#define MACH_MSG_TYPE_MAKE_SEND_ONCE	21
#define MACH_MSG_TYPE_COPY_RECEIVE	22
#define MACH_MSG_TYPE_PORT_RECEIVE	MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND		MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE	MACH_MSG_TYPE_MOVE_SEND_ONCE

/* descriptors */
#define MACH_MSG_PORT_DESCRIPTOR	0
#define MACH_MSG_OOL_DESCRIPTOR		1
#define MACH_MSG_OOL_PORTS_DESCRIPTOR	2
#define MACH_MSG_PHYSICAL_COPY		0
#define MACH_MSG_VIRTUAL_COPY		1

/* mach_port_right_t and mach_port_type_t */
#define MACH_PORT_RIGHT_SEND		0
#define MACH_PORT_RIGHT_RECEIVE		1
#define MACH_PORT_RIGHT_SEND_ONCE	2
#define MACH_PORT_RIGHT_PORT_SET	3
#define MACH_PORT_RIGHT_DEAD_NAME	4
#define MACH_PORT_RIGHT_NUMBER		6
#define MACH_PORT_TYPE(right)		(1U << ((right) + 16))
#define MACH_PORT_TYPE_SEND		MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE		MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE	MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET		MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME	MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)
#define MACH_PORT_TYPE_DNREQUEST	0x80000000U
#define MACH_PORT_TYPE_SPREQUEST	0x40000000U
#define MACH_PORT_TYPE_SPREQUEST_DELAYED 0x20000000U

#define MACH_PORT_NULL			0U
#define MACH_PORT_DEAD			(~0U)
#define MACH_PORT_UREFS_MAX		0xffffU

/* notifications (mach/notify.h) */
#define MACH_NOTIFY_PORT_DELETED	0101
#define MACH_NOTIFY_SEND_POSSIBLE	0102
#define MACH_NOTIFY_PORT_DESTROYED	0105
#define MACH_NOTIFY_NO_SENDERS		0106
#define MACH_NOTIFY_SEND_ONCE		0107
#define MACH_NOTIFY_DEAD_NAME		0110

/* task special ports (mach/task_special_ports.h) */
#define TASK_KERNEL_PORT		1
#define TASK_BOOTSTRAP_PORT		4

/* mach_port_flavor_t */
#define MACH_PORT_LIMITS_INFO		1
#define MACH_PORT_RECEIVE_STATUS	2
#define MACH_PORT_LIMITS_INFO_COUNT	1
#define MACH_PORT_RECEIVE_STATUS_COUNT	10
#define MACH_PORT_QLIMIT_DEFAULT	5
#define MACH_PORT_QLIMIT_MAX		1024

/* task_info() and thread_info() (mach/task_info.h, mach/thread_info.h) */
#define MACH_TASK_BASIC_INFO		20
#define MACH_TASK_BASIC_INFO_COUNT	12
#define THREAD_BASIC_INFO		3
#define THREAD_BASIC_INFO_COUNT		10
#define THREAD_IDENTIFIER_INFO		4
#define THREAD_IDENTIFIER_INFO_COUNT	6
#define TH_STATE_RUNNING		1
#define TH_STATE_STOPPED		2
#define TH_STATE_WAITING		3
#define TH_STATE_UNINTERRUPTIBLE	4
#define TH_STATE_HALTED			5
#define TH_USAGE_SCALE			1000
#define POLICY_TIMESHARE		1

/* Wire layouts. */

/* time_value_t */
struct mx_time_value {
	s32 seconds;
	s32 microseconds;
};

/* struct mach_task_basic_info, packed to 4 as on macOS (48 bytes). */
struct mx_task_basic_info {
	u64 virtual_size;
	u64 resident_size;
	u64 resident_size_max;
	struct mx_time_value user_time;
	struct mx_time_value system_time;
	s32 policy;
	s32 suspend_count;
} __packed __aligned(4);

/* struct thread_basic_info (40 bytes) */
struct mx_thread_basic_info {
	struct mx_time_value user_time;
	struct mx_time_value system_time;
	s32 cpu_usage;
	s32 policy;
	s32 run_state;
	s32 flags;
	s32 suspend_count;
	s32 sleep_time;
};

/* struct thread_identifier_info (24 bytes), packed to 4 as on macOS */
struct mx_thread_identifier_info {
	u64 thread_id;
	u64 thread_handle;
	u64 dispatch_qaddr;
} __packed __aligned(4);

struct mach_msg_header {
	u32 msgh_bits;
	u32 msgh_size;
	u32 msgh_remote_port;
	u32 msgh_local_port;
	u32 msgh_voucher_port;
	s32 msgh_id;
};

struct mach_msg_body {
	u32 msgh_descriptor_count;
};

/* Every 64-bit descriptor keeps its type in byte 11. */
struct mach_msg_port_descriptor {
	u32 name;
	u32 pad1;
	u16 pad2;
	u8 disposition;
	u8 type;
};

/*
 * mach_msg_ool_descriptor64_t and mach_msg_ool_ports_descriptor64_t: the
 * bitfields deallocate:8, copy:8, pad1 or disposition:8, type:8 are bytes
 * 8 to 11 on x86-64; size is a byte count, or the number of names.
 */
struct mach_msg_ool_descriptor64 {
	u64 address;
	u8 deallocate;
	u8 copy;
	u8 disposition;
	u8 type;
	u32 size;
};

/* The largest trailer (mach_msg_mac_trailer_t), packed to 4 as on macOS. */
struct mach_msg_max_trailer {
	u32 msgh_trailer_type;
	u32 msgh_trailer_size;
	u32 msgh_seqno;
	u32 msgh_sender[2];		/* security_token_t: euid, egid */
	u32 msgh_audit[8];		/* audit_token_t */
	u32 msgh_context[2];		/* mach_port_context_t, 4-aligned */
	s32 msgh_ad;
	u32 msgh_labels;
};

/* NDR_record_t as every MIG message on x86-64 carries it. */
struct ndr_record {
	u8 mig_vers, if_vers, reserved1, mig_encoding;
	u8 int_rep, char_rep, float_rep, reserved2;
};

#endif /* _MACHEXC_MACH_ABI_H */
