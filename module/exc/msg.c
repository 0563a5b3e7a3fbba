// SPDX-License-Identifier: GPL-2.0
/*
 * exception_raise requests and replies, byte for byte as MIG lays them out
 * for macOS's exc.defs (ids 2401-2403, 32-bit codes) and mach_exc.defs
 * (2405-2407, 64-bit codes); replies are the request id + 100.
 *
 *   header
 *   body, thread and task port descriptors      DEFAULT, STATE_IDENTITY
 *   NDR record, exception, codeCnt, code[2]
 *   flavor, old_stateCnt, old_state[]           STATE, STATE_IDENTITY
 *
 * Replies: header, NDR, RetCode, then for the state behaviors flavor,
 * new_stateCnt, new_state[].  Everything is packed to 4 bytes.
 */
#include <kunit/visibility.h>
#include <linux/string.h>

#include "exc.h"

#define HDR	sizeof(struct mach_msg_header)
#define IDENT	(sizeof(struct mach_msg_body) + 2 * sizeof(struct mach_msg_port_descriptor))
#define NDR	sizeof(struct ndr_record)
#define REPLY	(HDR + NDR + sizeof(s32))	/* == sizeof(mig_reply_error_t) */

static u32 flavor_of(u32 behavior)
{
	return behavior & ~MACH_EXCEPTION_CODES;
}

bool mx_exc_has_identity(u32 behavior)
{
	return flavor_of(behavior) != EXCEPTION_STATE;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_has_identity);

static bool has_state(u32 behavior)
{
	return flavor_of(behavior) != EXCEPTION_DEFAULT;
}

s32 mx_exc_request_id(u32 behavior)
{
	return (behavior & MACH_EXCEPTION_CODES ? MX_MACH_EXC_MSGID_BASE : MX_EXC_MSGID_BASE) +
	       flavor_of(behavior);
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_request_id);

/* The size of a request body mx_exc_encode_body() writes. */
size_t mx_exc_body_size(u32 behavior, u32 state_count)
{
	size_t n = NDR + 2 * sizeof(u32) +
		   (behavior & MACH_EXCEPTION_CODES ? 2 * sizeof(s64) : 2 * sizeof(s32));

	return has_state(behavior) ? n + (2 + state_count) * sizeof(u32) : n;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_body_size);

/*
 * Append @len bytes (from @src, or zeroes); false once the buffer is full.
 * Inlined: each call's @len is known, and the copy becomes a few moves.
 */
static __always_inline bool put(u8 *buf, size_t size, size_t *at, const void *src, size_t len)
{
	if (len > size - *at)
		return false;
	if (src)
		memcpy(buf + *at, src, len);
	else
		memset(buf + *at, 0, len);
	*at += len;
	return true;
}

size_t mx_exc_encode_body(void *buf, size_t size, u32 behavior,
			  const struct mx_exception *exc, u32 flavor,
			  const u32 *state, u32 state_count)
{
	struct ndr_record ndr = { .int_rep = 1 };
	u32 code_count = 2;
	s32 code32[2];
	size_t at = 0;
	bool ok;

	ok = put(buf, size, &at, &ndr, sizeof(ndr)) &&
	     put(buf, size, &at, &exc->type, sizeof(u32)) &&
	     put(buf, size, &at, &code_count, sizeof(u32));
	if (behavior & MACH_EXCEPTION_CODES) {
		ok = ok && put(buf, size, &at, exc->code, sizeof(exc->code));
	} else {
		/* exc.defs codes are 32 bits: the low halves, as XNU sends them. */
		code32[0] = (s32)exc->code[0];
		code32[1] = (s32)exc->code[1];
		ok = ok && put(buf, size, &at, code32, sizeof(code32));
	}
	if (has_state(behavior))
		ok = ok && state_count <= MX_THREAD_STATE_MAX &&
		     put(buf, size, &at, &flavor, sizeof(u32)) &&
		     put(buf, size, &at, &state_count, sizeof(u32)) &&
		     put(buf, size, &at, state, state_count * sizeof(u32));
	return ok ? at : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_encode_body);

s32 mx_exc_parse_reply(const void *msg, u32 size, u32 behavior,
		       u32 *flavor, u32 *state, u32 *state_count)
{
	const struct mach_msg_header *h = msg;
	const u8 *p = msg;
	s32 ret;
	u32 count;

	if (size < REPLY || h->msgh_size != size ||
	    (h->msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
	    h->msgh_id != mx_exc_request_id(behavior) + MX_REPLY_ID_OFFSET)
		return MIG_REPLY_MISMATCH;
	memcpy(&ret, p + HDR + NDR, sizeof(ret));
	/* Errors, and every DEFAULT reply, are a bare mig_reply_error_t. */
	if (ret != KERN_SUCCESS || !has_state(behavior))
		return size == REPLY ? ret : MIG_REPLY_MISMATCH;

	if (size < REPLY + 2 * sizeof(u32))
		return MIG_REPLY_MISMATCH;
	memcpy(flavor, p + REPLY, sizeof(u32));
	memcpy(&count, p + REPLY + sizeof(u32), sizeof(u32));
	if (count > MX_THREAD_STATE_MAX || size != REPLY + 2 * sizeof(u32) + count * sizeof(u32))
		return MIG_REPLY_MISMATCH;
	if (state)
		memcpy(state, p + REPLY + 2 * sizeof(u32), count * sizeof(u32));
	*state_count = count;
	return KERN_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_parse_reply);

/*
 * Where the new state is in a reply that mx_exc_parse_reply() passed (its
 * state_count words): read in place, no copy.
 */
const u32 *mx_exc_reply_state(const void *msg)
{
	return (const u32 *)((const u8 *)msg + REPLY + 2 * sizeof(u32));
}
