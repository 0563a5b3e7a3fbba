// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compile-time proof that libmachexc's structures have macOS's x86-64
 * layouts (sizes and offsets from XNU's osfmk/mach headers, which pack
 * message structures to 4 bytes).  Built by `make check`; never linked.
 */
#include <stddef.h>

#include <mach/mach.h>

#define SIZE(type, n)		_Static_assert(sizeof(type) == (n), "sizeof " #type)
#define AT(type, field, n)	_Static_assert(offsetof(type, field) == (n), #type "." #field)

SIZE(mach_port_t, 4);
SIZE(natural_t, 4);
SIZE(boolean_t, 4);
SIZE(mach_msg_header_t, 24);
AT(mach_msg_header_t, msgh_remote_port, 8);
AT(mach_msg_header_t, msgh_voucher_port, 16);
AT(mach_msg_header_t, msgh_id, 20);
SIZE(mach_msg_body_t, 4);
SIZE(mach_msg_base_t, 28);
SIZE(mach_msg_port_descriptor_t, 12);
SIZE(mach_msg_ool_descriptor_t, 16);
SIZE(mach_msg_ool_ports_descriptor_t, 16);
SIZE(mach_msg_type_descriptor_t, 12);
SIZE(mach_msg_descriptor_t, 16);
/*
 * Out-of-line descriptors (osfmk/mach/message.h, LP64 user space): the
 * address, then deallocate/copy/pad-or-disposition/type in one word, then
 * the size or count; the 32 variants put the size before the bits.
 */
AT(mach_msg_ool_descriptor_t, size, 12);
AT(mach_msg_ool_ports_descriptor_t, count, 12);
SIZE(mach_msg_ool_descriptor64_t, 16);
AT(mach_msg_ool_descriptor64_t, size, 12);
SIZE(mach_msg_ool_ports_descriptor64_t, 16);
AT(mach_msg_ool_ports_descriptor64_t, count, 12);
SIZE(mach_msg_ool_descriptor32_t, 12);
AT(mach_msg_ool_descriptor32_t, size, 4);
SIZE(mach_msg_ool_ports_descriptor32_t, 12);
AT(mach_msg_ool_ports_descriptor32_t, count, 4);
SIZE(mach_msg_guarded_port_descriptor_t, 16);
AT(mach_msg_guarded_port_descriptor_t, name, 12);
SIZE(mach_msg_guarded_port_descriptor64_t, 16);
AT(mach_msg_guarded_port_descriptor64_t, name, 12);
SIZE(mach_msg_guarded_port_descriptor32_t, 12);
AT(mach_msg_guarded_port_descriptor32_t, name, 4);
_Static_assert(_Alignof(mach_msg_ool_descriptor_t) == 4, "descriptors are packed to 4");
_Static_assert(MACH_MSG_DESCRIPTOR_MAX == MACH_MSG_GUARDED_PORT_DESCRIPTOR &&
	       MACH_MSG_GUARD_FLAGS_MASK == 3, "descriptor types, guard flags");
SIZE(mach_msg_trailer_t, 8);
SIZE(mach_msg_seqno_trailer_t, 12);
SIZE(mach_msg_security_trailer_t, 20);
SIZE(mach_msg_audit_trailer_t, 52);
AT(mach_msg_audit_trailer_t, msgh_audit, 20);
SIZE(mach_msg_context_trailer_t, 60);
SIZE(mach_msg_mac_trailer_t, 68);
SIZE(mach_msg_max_trailer_t, 68);
SIZE(audit_token_t, 32);
SIZE(security_token_t, 8);
SIZE(NDR_record_t, 8);
SIZE(mig_reply_error_t, 36);
SIZE(mach_port_status_t, 40);
SIZE(mach_port_limits_t, 4);
SIZE(mach_dead_name_notification_t, 24 + 8 + 4 + 20);
SIZE(mach_no_senders_notification_t, 24 + 8 + 4 + 20);
SIZE(mach_send_once_notification_t, 24 + 20);
SIZE(mach_port_deleted_notification_t, 24 + 8 + 4 + 20);
SIZE(mach_send_possible_notification_t, 24 + 8 + 4 + 20);
SIZE(mach_port_destroyed_notification_t, 24 + 4 + 12 + 20);
AT(mach_port_destroyed_notification_t, not_port, 28);
AT(mach_port_destroyed_notification_t, trailer, 40);
_Static_assert(MACH_NOTIFY_PORT_DESTROYED == 0x45 && MACH_NOTIFY_SEND_POSSIBLE == 0x42,
	       "notify ids");
_Static_assert(MACH_PORT_RECEIVE_STATUS_COUNT == 10, "status count");
_Static_assert(MACH_PORT_LIMITS_INFO_COUNT == 1, "limits count");
_Static_assert(MACH_PORT_TYPE_SEND == 0x10000 && MACH_PORT_TYPE_DEAD_NAME == 0x100000, "types");
_Static_assert(MACH_NOTIFY_DEAD_NAME == 72 && MACH_NOTIFY_NO_SENDERS == 70, "notify ids");
_Static_assert(MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT) == 0x03000000, "trailer");

/* Thread state (mach/i386/_structs.h, thread_status.h). */
SIZE(x86_thread_state64_t, 168);
AT(x86_thread_state64_t, __rip, 128);
AT(x86_thread_state64_t, __gs, 160);
SIZE(x86_exception_state64_t, 16);
AT(x86_exception_state64_t, __err, 4);
AT(x86_exception_state64_t, __faultvaddr, 8);
SIZE(x86_float_state64_t, 524);
AT(x86_float_state64_t, __fpu_fcw, 8);
AT(x86_float_state64_t, __fpu_mxcsr, 32);
AT(x86_float_state64_t, __fpu_stmm0, 40);
AT(x86_float_state64_t, __fpu_xmm0, 168);
AT(x86_float_state64_t, __fpu_xmm15, 408);
AT(x86_float_state64_t, __fpu_reserved1, 520);
SIZE(x86_thread_state32_t, 64);
SIZE(x86_float_state32_t, 524);
SIZE(x86_exception_state32_t, 12);
SIZE(x86_state_hdr_t, 8);
SIZE(x86_thread_state_t, 176);
SIZE(x86_float_state_t, 532);
SIZE(x86_exception_state_t, 24);
_Static_assert(x86_THREAD_STATE64_COUNT == 42 && x86_FLOAT_STATE64_COUNT == 131 &&
	       x86_EXCEPTION_STATE64_COUNT == 4 && x86_THREAD_STATE_COUNT == 44 &&
	       x86_FLOAT_STATE_COUNT == 133 && x86_EXCEPTION_STATE_COUNT == 6, "state counts");
_Static_assert(THREAD_STATE_MAX == 614, "THREAD_STATE_MAX");
/* AVX and AVX-512: the float state, __fpu_reserved1, 64 reserved bytes, the rest. */
SIZE(x86_avx_state64_t, 844);
AT(x86_avx_state64_t, __fpu_xmm15, 408);
AT(x86_avx_state64_t, __fpu_rsrv4, 424);
AT(x86_avx_state64_t, __fpu_reserved1, 520);
AT(x86_avx_state64_t, __avx_reserved1, 524);
AT(x86_avx_state64_t, __fpu_ymmh0, 588);
AT(x86_avx_state64_t, __fpu_ymmh15, 828);
SIZE(x86_avx512_state64_t, 2444);
AT(x86_avx512_state64_t, __fpu_ymmh15, 828);
AT(x86_avx512_state64_t, __fpu_k0, 844);
AT(x86_avx512_state64_t, __fpu_k7, 900);
AT(x86_avx512_state64_t, __fpu_zmmh0, 908);
AT(x86_avx512_state64_t, __fpu_zmmh15, 1388);
AT(x86_avx512_state64_t, __fpu_zmm16, 1420);
AT(x86_avx512_state64_t, __fpu_zmm31, 2380);
SIZE(x86_avx_state32_t, 716);
AT(x86_avx_state32_t, __fpu_ymmh0, 588);
SIZE(x86_avx512_state32_t, 1036);
AT(x86_avx512_state32_t, __fpu_k0, 716);
AT(x86_avx512_state32_t, __fpu_zmmh0, 780);
SIZE(x86_avx_state_t, 8 + 844);
AT(x86_avx_state_t, ufs.as64.__fpu_ymmh0, 8 + 588);
SIZE(x86_avx512_state_t, 8 + 2444);
AT(x86_avx512_state_t, ufs.as64.__fpu_zmm31, 8 + 2380);
_Static_assert(x86_AVX_STATE32 == 16 && x86_AVX_STATE64 == 17 && x86_AVX_STATE == 18 &&
	       x86_AVX512_STATE32 == 19 && x86_AVX512_STATE64 == 20 && x86_AVX512_STATE == 21,
	       "AVX flavors");
_Static_assert(x86_AVX_STATE64_COUNT == 211 && x86_AVX_STATE_COUNT == 213 &&
	       x86_AVX512_STATE64_COUNT == 611 && x86_AVX512_STATE_COUNT == 613 &&
	       x86_AVX_STATE32_COUNT == 179 && x86_AVX512_STATE32_COUNT == 259, "AVX counts");
_Static_assert(x86_AVX512_STATE_COUNT <= THREAD_STATE_MAX, "AVX-512 state fits a message");
_Static_assert(VALID_THREAD_STATE_FLAVOR(x86_AVX512_STATE) &&
	       !VALID_THREAD_STATE_FLAVOR(14) && !VALID_THREAD_STATE_FLAVOR(22), "valid flavors");

/* exc.defs and mach_exc.defs messages (MIG, packed to 4). */
#include <mach/exc.h>
#include <mach/mach_exc.h>
SIZE(__Request__exception_raise_t, 76);
SIZE(__Request__mach_exception_raise_t, 84);
SIZE(__Request__exception_raise_state_t, 24 + 8 + 4 + 4 + 8 + 4 + 4 + 614 * 4);
SIZE(__Request__mach_exception_raise_state_t, 24 + 8 + 4 + 4 + 16 + 4 + 4 + 614 * 4);
SIZE(__Request__exception_raise_state_identity_t, 52 + 8 + 4 + 4 + 8 + 4 + 4 + 614 * 4);
SIZE(__Request__mach_exception_raise_state_identity_t, 52 + 8 + 4 + 4 + 16 + 4 + 4 + 614 * 4);
AT(__Request__mach_exception_raise_t, code, 68);
SIZE(__Reply__exception_raise_t, 36);
SIZE(__Reply__mach_exception_raise_state_identity_t, 44 + 614 * 4);
AT(__Reply__exception_raise_state_t, new_state, 44);

/*
 * Code that mig(1) generates from exc.defs packs its own message structs
 * only where <mach/mig.h> defines __MigPackStructs, as macOS's does, and
 * skips our message typedefs where it has made its own (the guards of
 * macOS's generated headers).
 */
#ifndef __MigPackStructs
#error "<mach/mig.h> must define __MigPackStructs"
#endif
#if !defined(_mach_exc_user_) || !defined(__Request__mach_exc_subsystem__defined) || \
	!defined(__Reply__exc_subsystem__defined)
#error "<mach/exc.h>, <mach/mach_exc.h>: the guards of macOS's generated headers"
#endif
_Static_assert(EXC_I386_NOEXT == 3 && EXC_I386_EXTOVR == 4 && EXC_I386_EXTERR == 5,
	       "EXC_I386_* codes");
_Static_assert(MACH_RCV_NOTIFY == 0 && MACH_RCV_OVERWRITE == 0,
	       "obsolete receive options are 0 in the macOS 11 SDK and later");
#include <mach/exception.h>
SIZE(x86_debug_state32_t, 32);
SIZE(x86_debug_state64_t, 64);
_Static_assert(x86_DEBUG_STATE64_COUNT == 16 && x86_DEBUG_STATE32_COUNT == 8 &&
	       x86_DEBUG_STATE_COUNT == 18, "x86 debug state counts");
AT(x86_debug_state_t, uds.ds64.__dr7, 8 + 56);

/* task_info() and thread_info() (mach/task_info.h, thread_info.h, time_value.h). */
#include <linux/machexc.h>
SIZE(time_value_t, 8);
AT(time_value_t, microseconds, 4);
SIZE(mach_task_basic_info_data_t, 48);
AT(mach_task_basic_info_data_t, resident_size, 8);
AT(mach_task_basic_info_data_t, resident_size_max, 16);
AT(mach_task_basic_info_data_t, user_time, 24);
AT(mach_task_basic_info_data_t, system_time, 32);
AT(mach_task_basic_info_data_t, policy, 40);
AT(mach_task_basic_info_data_t, suspend_count, 44);
_Static_assert(_Alignof(mach_task_basic_info_data_t) == 4, "task_info.h is packed to 4");
SIZE(thread_basic_info_data_t, 40);
AT(thread_basic_info_data_t, cpu_usage, 16);
AT(thread_basic_info_data_t, run_state, 24);
AT(thread_basic_info_data_t, suspend_count, 32);
AT(thread_basic_info_data_t, sleep_time, 36);
SIZE(thread_identifier_info_data_t, 24);
AT(thread_identifier_info_data_t, thread_handle, 8);
AT(thread_identifier_info_data_t, dispatch_qaddr, 16);
_Static_assert(MACH_TASK_BASIC_INFO == 20 && MACH_TASK_BASIC_INFO_COUNT == 12 &&
	       THREAD_BASIC_INFO == 3 && THREAD_BASIC_INFO_COUNT == 10 &&
	       THREAD_IDENTIFIER_INFO == 4 && THREAD_IDENTIFIER_INFO_COUNT == 6, "info flavors");
_Static_assert(TASK_INFO_MAX == 1024 && TASK_INFO_MAX == MACHEXC_INFO_MAX &&
	       THREAD_INFO_MAX == 32, "info maxima");
_Static_assert(TH_STATE_RUNNING == 1 && TH_STATE_HALTED == 5 && TH_USAGE_SCALE == 1000 &&
	       TH_FLAGS_IDLE == 2 && POLICY_TIMESHARE == 1 && POLICY_FIFO == 4, "thread info values");
SIZE(task_info_data_t, 4096);
SIZE(thread_info_data_t, 128);

/* Behaviors of macOS 12 and later (osfmk/mach/exception_types.h). */
_Static_assert(EXCEPTION_IDENTITY_PROTECTED == 4 && EXCEPTION_STATE_IDENTITY_PROTECTED == 5,
	       "protected behaviors");
_Static_assert(MACH_EXCEPTION_BACKTRACE_PREFERRED == 0x20000000 &&
	       MACH_EXCEPTION_MASK == 0xe0000000U, "behavior flags");

/* Memory (mach/vm_region.h, packed to 4; vm_prot.h, vm_inherit.h, vm_behavior.h). */
#include <mach/mach_vm.h>
SIZE(vm_region_basic_info_data_64_t, 36);
AT(vm_region_basic_info_data_64_t, reserved, 16);
AT(vm_region_basic_info_data_64_t, offset, 20);
AT(vm_region_basic_info_data_64_t, behavior, 28);
AT(vm_region_basic_info_data_64_t, user_wired_count, 32);
SIZE(vm_region_basic_info_data_t, 32);
AT(vm_region_basic_info_data_t, offset, 20);
AT(vm_region_basic_info_data_t, behavior, 24);
AT(vm_region_basic_info_data_t, user_wired_count, 28);
SIZE(vm_region_submap_info_data_64_t, 76);
AT(vm_region_submap_info_data_64_t, offset, 12);
AT(vm_region_submap_info_data_64_t, user_tag, 20);
AT(vm_region_submap_info_data_64_t, ref_count, 40);
AT(vm_region_submap_info_data_64_t, shadow_depth, 44);
AT(vm_region_submap_info_data_64_t, external_pager, 46);
AT(vm_region_submap_info_data_64_t, share_mode, 47);
AT(vm_region_submap_info_data_64_t, is_submap, 48);
AT(vm_region_submap_info_data_64_t, behavior, 52);
AT(vm_region_submap_info_data_64_t, object_id, 56);
AT(vm_region_submap_info_data_64_t, user_wired_count, 60);
AT(vm_region_submap_info_data_64_t, pages_reusable, 64);
AT(vm_region_submap_info_data_64_t, object_id_full, 68);
SIZE(vm_region_submap_short_info_data_64_t, 48);
AT(vm_region_submap_short_info_data_64_t, offset, 12);
AT(vm_region_submap_short_info_data_64_t, user_tag, 20);
AT(vm_region_submap_short_info_data_64_t, ref_count, 24);
AT(vm_region_submap_short_info_data_64_t, shadow_depth, 28);
AT(vm_region_submap_short_info_data_64_t, share_mode, 31);
AT(vm_region_submap_short_info_data_64_t, is_submap, 32);
AT(vm_region_submap_short_info_data_64_t, behavior, 36);
AT(vm_region_submap_short_info_data_64_t, object_id, 40);
AT(vm_region_submap_short_info_data_64_t, user_wired_count, 44);
SIZE(vm_region_submap_info_data_t, 60);
AT(vm_region_submap_info_data_t, user_tag, 16);
AT(vm_region_submap_info_data_t, is_submap, 44);
AT(vm_region_submap_info_data_t, object_id, 52);
AT(vm_region_submap_info_data_t, user_wired_count, 56);
SIZE(vm_region_extended_info_data_t, 36);
SIZE(vm_region_top_info_data_t, 20);
SIZE(struct mach_vm_read_entry, 16);
SIZE(struct vm_read_entry, 16);
SIZE(vm_region_info_data_t, 4096);
_Static_assert(_Alignof(vm_region_basic_info_data_64_t) == 4, "vm_region.h is packed to 4");
_Static_assert(VM_REGION_BASIC_INFO_64 == 9 && VM_REGION_BASIC_INFO == 10 &&
	       VM_REGION_TOP_INFO == 12 && VM_REGION_EXTENDED_INFO == 13, "region flavors");
_Static_assert(VM_REGION_BASIC_INFO_COUNT_64 == 9 && VM_REGION_BASIC_INFO_COUNT == 8 &&
	       VM_REGION_SUBMAP_INFO_COUNT_64 == 19 && VM_REGION_SUBMAP_INFO_V2_COUNT_64 == 19 &&
	       VM_REGION_SUBMAP_INFO_V1_COUNT_64 == 17 && VM_REGION_SUBMAP_INFO_V0_COUNT_64 == 16 &&
	       VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 == 12 && VM_REGION_SUBMAP_INFO_COUNT == 15 &&
	       VM_REGION_EXTENDED_INFO_COUNT == 9 && VM_REGION_TOP_INFO_COUNT == 5,
	       "region counts");
_Static_assert(SM_COW == 1 && SM_PRIVATE == 2 && SM_EMPTY == 3 && SM_SHARED == 4 &&
	       SM_TRUESHARED == 5 && SM_PRIVATE_ALIASED == 6 && SM_SHARED_ALIASED == 7 &&
	       SM_LARGE_PAGE == 8, "share modes");
_Static_assert(VM_PROT_NONE == 0 && VM_PROT_READ == 1 && VM_PROT_WRITE == 2 &&
	       VM_PROT_EXECUTE == 4 && VM_PROT_DEFAULT == 3 && VM_PROT_ALL == 7 &&
	       VM_PROT_COPY == 0x10 && VM_PROT_NO_CHANGE == 0x01000000 &&
	       VM_PROT_NO_CHANGE_LEGACY == 8 && VM_PROT_IS_MASK == 0x40 &&
	       VM_PROT_STRIP_READ == 0x80 && VM_PROT_TPRO == 0x200, "protections");
_Static_assert(VM_INHERIT_SHARE == 0 && VM_INHERIT_COPY == 1 && VM_INHERIT_NONE == 2 &&
	       VM_INHERIT_DONATE_COPY == 3 && VM_INHERIT_DEFAULT == 1, "inheritance");
_Static_assert(VM_BEHAVIOR_DEFAULT == 0 && VM_BEHAVIOR_RANDOM == 1 &&
	       VM_BEHAVIOR_SEQUENTIAL == 2 && VM_BEHAVIOR_RSEQNTL == 3 &&
	       VM_BEHAVIOR_WILLNEED == 4 && VM_BEHAVIOR_DONTNEED == 5, "behaviors");
_Static_assert(sizeof(memory_object_offset_t) == 8 && sizeof(vm_object_id_t) == 8 &&
	       sizeof(vm32_object_id_t) == 4 && sizeof(vm_prot_t) == 4 &&
	       sizeof(vm_inherit_t) == 4 && sizeof(vm_behavior_t) == 4, "vm types");
/* The module's region structure carries what these need. */
_Static_assert(sizeof(struct machexc_vm_region) == 48 && sizeof(struct machexc_vm_op) == 40,
	       "MACHEXC_IOC_VM structures");
