// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * exc.defs and mach_exc.defs, written by hand as MIG would generate them:
 * the server side (exc_server(), mach_exc_server()) and the client stubs
 * (exception_raise*, mach_exception_raise*), for both subsystems at once.
 *
 * A request is read field by field: as MIG packs a variable array, the
 * fields after code[] move when codeCnt is less than 2.  Checks are MIG's
 * __MigTypeCheck ones: MIG_BAD_ARGUMENTS for a size or count that does not
 * add up, MIG_TYPE_ERROR for a wrong descriptor.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "exc_mig.h"

#define HDR	sizeof(mach_msg_header_t)
#define IDENT	(sizeof(mach_msg_body_t) + 2 * sizeof(mach_msg_port_descriptor_t))
#define NDR_SIZE	sizeof(NDR_record_t)

#pragma pack(push, 4)
struct state_reply {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int flavor;
	mach_msg_type_number_t new_stateCnt;
	natural_t new_state[THREAD_STATE_MAX];
};
#pragma pack(pop)

#define STATE_REPLY_HDR	offsetof(struct state_reply, new_state)

static kern_return_t serve(const struct exc_subsystem *sub, int which,
			   const mach_msg_header_t *in, mach_msg_header_t *out)
{
	const char *p = (const char *)in;
	mach_msg_size_t size = in->msgh_size, at = HDR, count, old_count;
	natural_t old_state[THREAD_STATE_MAX];
	struct state_reply *r = (struct state_reply *)out;
	mach_port_t thread = MACH_PORT_NULL, task = MACH_PORT_NULL;
	mach_msg_type_number_t new_count = THREAD_STATE_MAX;
	int identity = which != 1, state = which != 0, flavor;
	exception_type_t exception;
	uint64_t code[2] = { 0, 0 };
	kern_return_t kr;

	if (identity) {
		mach_msg_port_descriptor_t d[2];
		mach_msg_body_t body;

		if (!(in->msgh_bits & MACH_MSGH_BITS_COMPLEX) || size < HDR + IDENT)
			return MIG_BAD_ARGUMENTS;
		memcpy(&body, p + HDR, sizeof(body));
		if (body.msgh_descriptor_count != 2)
			return MIG_BAD_ARGUMENTS;
		memcpy(d, p + HDR + sizeof(body), sizeof(d));
		if (d[0].type != MACH_MSG_PORT_DESCRIPTOR || d[1].type != MACH_MSG_PORT_DESCRIPTOR ||
		    d[0].disposition != MACH_MSG_TYPE_PORT_SEND ||
		    d[1].disposition != MACH_MSG_TYPE_PORT_SEND)
			return MIG_TYPE_ERROR;
		thread = d[0].name;
		task = d[1].name;
		at += IDENT;
	} else if (in->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		return MIG_BAD_ARGUMENTS;
	}
	if (size < at + NDR_SIZE + 8)
		return MIG_BAD_ARGUMENTS;
	memcpy(&exception, p + at + NDR_SIZE, 4);
	memcpy(&count, p + at + NDR_SIZE + 4, 4);
	at += NDR_SIZE + 8;
	if (count > 2 || size < at + count * sub->code_size)
		return MIG_BAD_ARGUMENTS;
	memcpy(code, p + at, count * sub->code_size);
	at += count * sub->code_size;

	if (!state) {
		if (size != at)
			return MIG_BAD_ARGUMENTS;
		return sub->raise(in->msgh_local_port, thread, task, exception, code, count);
	}
	if (size < at + 8)
		return MIG_BAD_ARGUMENTS;
	memcpy(&flavor, p + at, 4);
	memcpy(&old_count, p + at + 4, 4);
	at += 8;
	if (old_count > THREAD_STATE_MAX || size != at + old_count * 4)
		return MIG_BAD_ARGUMENTS;
	memcpy(old_state, p + at, old_count * 4);
	kr = (identity ? sub->identity : sub->state)(in->msgh_local_port, thread, task, exception,
						     code, count, &flavor, old_state, old_count,
						     r->new_state, &new_count);
	if (kr != KERN_SUCCESS)
		return kr;
	if (new_count > THREAD_STATE_MAX)
		new_count = THREAD_STATE_MAX;
	r->flavor = flavor;
	r->new_stateCnt = new_count;
	out->msgh_size = (mach_msg_size_t)(STATE_REPLY_HDR + new_count * 4);
	return KERN_SUCCESS;
}

boolean_t machexc_exc_server(const struct exc_subsystem *sub, mach_msg_header_t *in,
			     mach_msg_header_t *out)
{
	mig_reply_error_t *err = (mig_reply_error_t *)out;
	int which = in->msgh_id - sub->base;

	out->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	out->msgh_remote_port = in->msgh_remote_port;
	out->msgh_size = sizeof(mig_reply_error_t);
	out->msgh_local_port = MACH_PORT_NULL;
	out->msgh_voucher_port = MACH_PORT_NULL;
	out->msgh_id = in->msgh_id + 100;
	err->NDR = NDR_record;
	if (which < 0 || which > 2) {
		err->RetCode = MIG_BAD_ID;
		return FALSE;
	}
	err->RetCode = serve(sub, which, in, out);
	if (err->RetCode != KERN_SUCCESS)
		out->msgh_size = sizeof(mig_reply_error_t);	/* MIG_RETURN_ERROR */
	return TRUE;
}

kern_return_t machexc_exc_raise(mach_msg_id_t base, unsigned int code_size, int behavior,
				mach_port_t port, mach_port_t thread, mach_port_t task,
				exception_type_t exception, const void *code,
				mach_msg_type_number_t code_count, int *flavor,
				const natural_t *old_state, mach_msg_type_number_t old_count,
				natural_t *new_state, mach_msg_type_number_t *new_count)
{
	union {
		mach_msg_header_t h;
		struct state_reply r;
		char room[HDR + IDENT + NDR_SIZE + 8 + 16 + 8 + THREAD_STATE_MAX * 4 +
			  sizeof(mach_msg_max_trailer_t)];
	} m;
	int identity = behavior != EXCEPTION_STATE, state = behavior != EXCEPTION_DEFAULT;
	mach_port_t reply = mig_get_reply_port();
	mach_msg_id_t id = base + behavior - 1;
	mach_msg_size_t at = HDR;
	mach_msg_return_t mr;

	if (code_count > 2 || (state && old_count > THREAD_STATE_MAX))
		return MIG_ARRAY_TOO_LARGE;
	memset(&m.h, 0, sizeof(m.h));
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
			(identity ? MACH_MSGH_BITS_COMPLEX : 0);
	m.h.msgh_remote_port = port;
	m.h.msgh_local_port = reply;
	m.h.msgh_id = id;
	if (identity) {
		mach_msg_body_t body = { 2 };
		mach_msg_port_descriptor_t d[2] = {
			{ .name = thread, .disposition = MACH_MSG_TYPE_COPY_SEND,
			  .type = MACH_MSG_PORT_DESCRIPTOR },
			{ .name = task, .disposition = MACH_MSG_TYPE_COPY_SEND,
			  .type = MACH_MSG_PORT_DESCRIPTOR },
		};

		memcpy(m.room + at, &body, sizeof(body));
		memcpy(m.room + at + sizeof(body), d, sizeof(d));
		at += IDENT;
	}
	memcpy(m.room + at, &NDR_record, NDR_SIZE);
	memcpy(m.room + at + NDR_SIZE, &exception, 4);
	memcpy(m.room + at + NDR_SIZE + 4, &code_count, 4);
	at += NDR_SIZE + 8;
	memcpy(m.room + at, code, code_count * code_size);
	at += code_count * code_size;
	if (state) {
		memcpy(m.room + at, flavor, 4);
		memcpy(m.room + at + 4, &old_count, 4);
		memcpy(m.room + at + 8, old_state, old_count * 4);
		at += 8 + old_count * 4;
	}
	m.h.msgh_size = at;

	mr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, at, sizeof(m), reply, 0, MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS) {
		/* After a receive error the reply port's state is unknown: a new one. */
		if ((mr & 0x3fffc000) == (MACH_RCV_IN_PROGRESS & 0x3fffc000))
			mig_dealloc_reply_port(reply);
		return mr;
	}
	if (m.h.msgh_id != id + 100) {
		mach_msg_destroy(&m.h);
		return MIG_REPLY_MISMATCH;
	}
	if ((m.h.msgh_bits & MACH_MSGH_BITS_COMPLEX) || m.h.msgh_size < sizeof(mig_reply_error_t)) {
		mach_msg_destroy(&m.h);
		return MIG_TYPE_ERROR;
	}
	if (m.r.RetCode != KERN_SUCCESS || !state)
		return m.h.msgh_size == sizeof(mig_reply_error_t) ? m.r.RetCode : MIG_TYPE_ERROR;
	if (m.h.msgh_size < STATE_REPLY_HDR || m.r.new_stateCnt > THREAD_STATE_MAX ||
	    m.h.msgh_size != STATE_REPLY_HDR + m.r.new_stateCnt * 4)
		return MIG_TYPE_ERROR;
	*flavor = m.r.flavor;
	if (m.r.new_stateCnt > *new_count) {
		memcpy(new_state, m.r.new_state, *new_count * 4);
		*new_count = m.r.new_stateCnt;
		return MIG_ARRAY_TOO_LARGE;
	}
	memcpy(new_state, m.r.new_state, m.r.new_stateCnt * 4);
	*new_count = m.r.new_stateCnt;
	return KERN_SUCCESS;
}
