// SPDX-License-Identifier: LGPL-2.1-or-later
/* The NDR record of this machine (x86-64: little-endian ints, ASCII, IEEE). */
#include <mach/ndr.h>
#include <mach/message.h>

NDR_record_t NDR_record = {
	.mig_vers = 0, .if_vers = 0, .reserved1 = 0, .mig_encoding = NDR_PROTOCOL_2_0,
	.int_rep = NDR_INT_LITTLE_ENDIAN, .char_rep = NDR_CHAR_ASCII,
	.float_rep = NDR_FLOAT_IEEE, .reserved2 = 0,
};

const security_token_t KERNEL_SECURITY_TOKEN = { { 0, 1 } };
const audit_token_t KERNEL_AUDIT_TOKEN = { { 0, 0, 0, 0, 0, 0, 0, 0 } };
