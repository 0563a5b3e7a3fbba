/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef _MACHEXC_MACH_STD_TYPES_H
#define _MACHEXC_MACH_STD_TYPES_H

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/port.h>
#include <mach/vm_types.h>

#endif
