/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/notify.h>: kernel notifications, as on macOS. */
#ifndef _MACHEXC_MACH_NOTIFY_H
#define _MACHEXC_MACH_NOTIFY_H

#include <mach/message.h>
#include <mach/ndr.h>
#include <mach/port.h>

#define MACH_NOTIFY_FIRST		0100
#define MACH_NOTIFY_PORT_DELETED	(MACH_NOTIFY_FIRST + 001)
#define MACH_NOTIFY_SEND_POSSIBLE	(MACH_NOTIFY_FIRST + 002)
#define MACH_NOTIFY_PORT_DESTROYED	(MACH_NOTIFY_FIRST + 005)
#define MACH_NOTIFY_NO_SENDERS		(MACH_NOTIFY_FIRST + 006)
#define MACH_NOTIFY_SEND_ONCE		(MACH_NOTIFY_FIRST + 007)
#define MACH_NOTIFY_DEAD_NAME		(MACH_NOTIFY_FIRST + 010)
#define MACH_NOTIFY_LAST		(MACH_NOTIFY_FIRST + 015)

#define MACH_NOTIFY_PORT_DELETED_SIZE	(sizeof(mach_port_deleted_notification_t))

#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;
	mach_msg_format_0_trailer_t trailer;
} mach_port_deleted_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;
	mach_msg_format_0_trailer_t trailer;
} mach_send_possible_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	mach_msg_body_t not_body;
	mach_msg_port_descriptor_t not_port;
	mach_msg_format_0_trailer_t trailer;
} mach_port_destroyed_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_msg_type_number_t not_count;
	mach_msg_format_0_trailer_t trailer;
} mach_no_senders_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	mach_msg_format_0_trailer_t trailer;
} mach_send_once_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;
	mach_msg_format_0_trailer_t trailer;
} mach_dead_name_notification_t;
#pragma pack(pop)

#endif
