/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/vm_region.h>: what vm_region() and
 * vm_region_recurse() report, with macOS's flavors, counts and x86-64
 * layouts (osfmk/mach/vm_region.h packs these structures to 4 bytes, so
 * a 64-bit offset may sit at a 4-byte boundary).
 */
#ifndef _MACHEXC_MACH_VM_REGION_H
#define _MACHEXC_MACH_VM_REGION_H

#include <stdint.h>

#include <mach/boolean.h>
#include <mach/memory_object_types.h>
#include <mach/message.h>
#include <mach/vm_behavior.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_types.h>

#pragma pack(push, 4)

typedef uint32_t vm32_object_id_t;

#define VM_REGION_INFO_MAX	(1024)
typedef int *vm_region_info_t;
typedef int *vm_region_info_64_t;
typedef int *vm_region_recurse_info_t;
typedef int *vm_region_recurse_info_64_t;
typedef int vm_region_flavor_t;
typedef int vm_region_info_data_t[VM_REGION_INFO_MAX];

#define VM_REGION_BASIC_INFO_64		9
struct vm_region_basic_info_64 {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	boolean_t shared;
	boolean_t reserved;
	memory_object_offset_t offset;
	vm_behavior_t behavior;
	unsigned short user_wired_count;
};
typedef struct vm_region_basic_info_64 *vm_region_basic_info_64_t;
typedef struct vm_region_basic_info_64 vm_region_basic_info_data_64_t;
#define VM_REGION_BASIC_INFO_COUNT_64	((mach_msg_type_number_t) \
	(sizeof(vm_region_basic_info_data_64_t) / sizeof(int)))

/* mach_vm_region() and vm_region_64() take it as VM_REGION_BASIC_INFO_64. */
#define VM_REGION_BASIC_INFO		10
struct vm_region_basic_info {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	boolean_t shared;
	boolean_t reserved;
	uint32_t offset;		/* truncated */
	vm_behavior_t behavior;
	unsigned short user_wired_count;
};
typedef struct vm_region_basic_info *vm_region_basic_info_t;
typedef struct vm_region_basic_info vm_region_basic_info_data_t;
#define VM_REGION_BASIC_INFO_COUNT	((mach_msg_type_number_t) \
	(sizeof(vm_region_basic_info_data_t) / sizeof(int)))

/* share_mode */
#define SM_COW			1
#define SM_PRIVATE		2
#define SM_EMPTY		3
#define SM_SHARED		4
#define SM_TRUESHARED		5
#define SM_PRIVATE_ALIASED	6
#define SM_SHARED_ALIASED	7
#define SM_LARGE_PAGE		8

/* Declared for source compatibility; vm_region() refuses these flavors. */
#define VM_REGION_EXTENDED_INFO	13
struct vm_region_extended_info {
	vm_prot_t protection;
	unsigned int user_tag;
	unsigned int pages_resident;
	unsigned int pages_shared_now_private;
	unsigned int pages_swapped_out;
	unsigned int pages_dirtied;
	unsigned int ref_count;
	unsigned short shadow_depth;
	unsigned char external_pager;
	unsigned char share_mode;
	unsigned int pages_reusable;
};
typedef struct vm_region_extended_info *vm_region_extended_info_t;
typedef struct vm_region_extended_info vm_region_extended_info_data_t;
#define VM_REGION_EXTENDED_INFO_COUNT	((mach_msg_type_number_t) \
	(sizeof(vm_region_extended_info_data_t) / sizeof(natural_t)))

#define VM_REGION_TOP_INFO	12
struct vm_region_top_info {
	unsigned int obj_id;
	unsigned int ref_count;
	unsigned int private_pages_resident;
	unsigned int shared_pages_resident;
	unsigned char share_mode;
};
typedef struct vm_region_top_info *vm_region_top_info_t;
typedef struct vm_region_top_info vm_region_top_info_data_t;
#define VM_REGION_TOP_INFO_COUNT	((mach_msg_type_number_t) \
	(sizeof(vm_region_top_info_data_t) / sizeof(natural_t)))

/* vm_region_recurse() (the 32-bit-offset form). */
struct vm_region_submap_info {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	uint32_t offset;
	unsigned int user_tag;
	unsigned int pages_resident;
	unsigned int pages_shared_now_private;
	unsigned int pages_swapped_out;
	unsigned int pages_dirtied;
	unsigned int ref_count;
	unsigned short shadow_depth;
	unsigned char external_pager;
	unsigned char share_mode;
	boolean_t is_submap;
	vm_behavior_t behavior;
	vm32_object_id_t object_id;
	unsigned short user_wired_count;
};
typedef struct vm_region_submap_info *vm_region_submap_info_t;
typedef struct vm_region_submap_info vm_region_submap_info_data_t;
#define VM_REGION_SUBMAP_INFO_COUNT	((mach_msg_type_number_t) \
	(sizeof(vm_region_submap_info_data_t) / sizeof(natural_t)))

/* mach_vm_region_recurse() and vm_region_recurse_64(). */
struct vm_region_submap_info_64 {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	memory_object_offset_t offset;
	unsigned int user_tag;
	unsigned int pages_resident;
	unsigned int pages_shared_now_private;
	unsigned int pages_swapped_out;
	unsigned int pages_dirtied;
	unsigned int ref_count;
	unsigned short shadow_depth;
	unsigned char external_pager;
	unsigned char share_mode;
	boolean_t is_submap;
	vm_behavior_t behavior;
	vm32_object_id_t object_id;
	unsigned short user_wired_count;
	unsigned int pages_reusable;		/* V1 */
	vm_object_id_t object_id_full;		/* V2 */
};
typedef struct vm_region_submap_info_64 *vm_region_submap_info_64_t;
typedef struct vm_region_submap_info_64 vm_region_submap_info_data_64_t;

#define VM_REGION_SUBMAP_INFO_V2_SIZE	(sizeof(vm_region_submap_info_data_64_t))
#define VM_REGION_SUBMAP_INFO_V1_SIZE	(VM_REGION_SUBMAP_INFO_V2_SIZE - sizeof(vm_object_id_t))
#define VM_REGION_SUBMAP_INFO_V0_SIZE	(VM_REGION_SUBMAP_INFO_V1_SIZE - sizeof(unsigned int))
#define VM_REGION_SUBMAP_INFO_V2_COUNT_64	((mach_msg_type_number_t) \
	(VM_REGION_SUBMAP_INFO_V2_SIZE / sizeof(natural_t)))
#define VM_REGION_SUBMAP_INFO_V1_COUNT_64	((mach_msg_type_number_t) \
	(VM_REGION_SUBMAP_INFO_V1_SIZE / sizeof(natural_t)))
#define VM_REGION_SUBMAP_INFO_V0_COUNT_64	((mach_msg_type_number_t) \
	(VM_REGION_SUBMAP_INFO_V0_SIZE / sizeof(natural_t)))
#define VM_REGION_SUBMAP_INFO_COUNT_64	VM_REGION_SUBMAP_INFO_V2_COUNT_64

/* What a count below VM_REGION_SUBMAP_INFO_V0_COUNT_64 gets. */
struct vm_region_submap_short_info_64 {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	memory_object_offset_t offset;
	unsigned int user_tag;
	unsigned int ref_count;
	unsigned short shadow_depth;
	unsigned char external_pager;
	unsigned char share_mode;
	boolean_t is_submap;
	vm_behavior_t behavior;
	vm32_object_id_t object_id;
	unsigned short user_wired_count;
};
typedef struct vm_region_submap_short_info_64 *vm_region_submap_short_info_64_t;
typedef struct vm_region_submap_short_info_64 vm_region_submap_short_info_data_64_t;
#define VM_REGION_SUBMAP_SHORT_INFO_COUNT_64	((mach_msg_type_number_t) \
	(sizeof(vm_region_submap_short_info_data_64_t) / sizeof(natural_t)))

struct mach_vm_read_entry {
	mach_vm_address_t address;
	mach_vm_size_t size;
};

struct vm_read_entry {
	vm_address_t address;
	vm_size_t size;
};

#define VM_MAP_ENTRY_MAX	(256)
typedef struct mach_vm_read_entry mach_vm_read_entry_t[VM_MAP_ENTRY_MAX];
typedef struct vm_read_entry vm_read_entry_t[VM_MAP_ENTRY_MAX];

#pragma pack(pop)

#endif
