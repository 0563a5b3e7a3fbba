// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mach_msg_server_once() and mach_msg_server(): the generic receive,
 * demux, reply loop that MIG servers (mach_exc_server(), exc_server())
 * are run with, as on macOS.
 *
 * The reply goes where the demux routine addressed it, unless it answered
 * MIG_NO_REPLY.  A request that failed (a simple reply with an error) has
 * its rights destroyed, its reply port excepted, since the routine did not
 * take them.  A reply to a send right (not a send-once right) is sent with
 * a zero timeout, so a client that does not receive cannot block the
 * server; a reply that cannot be delivered is destroyed.
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mach.h>

typedef boolean_t (*demux_t)(mach_msg_header_t *, mach_msg_header_t *);

/* Room for a message of @max_size and the largest trailer. */
static mach_msg_header_t *buffer(mach_msg_size_t max_size)
{
	return calloc(1, (size_t)max_size + sizeof(mach_msg_max_trailer_t));
}

/*
 * Run @demux on @request into @reply.  Whether there is a reply to send
 * and, if so, the send options it needs.
 */
static boolean_t serve(demux_t demux, mach_msg_header_t *request, mach_msg_header_t *reply,
		       mach_msg_option_t *send_options)
{
	mig_reply_error_t *r = (mig_reply_error_t *)reply;

	memset(reply, 0, sizeof(mig_reply_error_t));
	demux(request, reply);
	if (!(reply->msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
		if (r->RetCode == MIG_NO_REPLY) {
			reply->msgh_remote_port = MACH_PORT_NULL;
		} else if (r->RetCode != KERN_SUCCESS &&
			   (request->msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
			request->msgh_remote_port = MACH_PORT_NULL;	/* the reply's */
			mach_msg_destroy(request);
		}
	}
	if (reply->msgh_remote_port == MACH_PORT_NULL) {
		mach_msg_destroy(reply);	/* whatever it carried */
		return FALSE;
	}
	*send_options = MACH_SEND_MSG;
	if (MACH_MSGH_BITS_REMOTE(reply->msgh_bits) != MACH_MSG_TYPE_MOVE_SEND_ONCE)
		*send_options |= MACH_SEND_TIMEOUT;
	return TRUE;
}

static mach_msg_option_t rcv_options(mach_msg_options_t options)
{
	return MACH_RCV_MSG | (options & MACH_RCV_TRAILER_MASK) |
	       (options & MACH_RCV_TRAILER_TYPE(0xf));
}

static int undeliverable(mach_msg_return_t mr)
{
	return mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT;
}

mach_msg_return_t mach_msg_server_once(demux_t demux, mach_msg_size_t max_size,
				       mach_port_t rcv_name, mach_msg_options_t options)
{
	mach_msg_header_t *request = buffer(max_size), *reply = buffer(max_size);
	mach_msg_size_t size = max_size + (mach_msg_size_t)sizeof(mach_msg_max_trailer_t);
	mach_msg_option_t send;
	mach_msg_return_t mr;

	if (!request || !reply) {
		free(request);
		free(reply);
		return KERN_RESOURCE_SHORTAGE;
	}
	mr = mach_msg(request, rcv_options(options), 0, size, rcv_name, MACH_MSG_TIMEOUT_NONE,
		      MACH_PORT_NULL);
	if (mr == MACH_MSG_SUCCESS && serve(demux, request, reply, &send)) {
		mr = mach_msg(reply, send, reply->msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
		if (undeliverable(mr))
			mach_msg_destroy(reply);
	}
	free(request);
	free(reply);
	return mr;
}

mach_msg_return_t mach_msg_server(demux_t demux, mach_msg_size_t max_size,
				  mach_port_t rcv_name, mach_msg_options_t options)
{
	mach_msg_header_t *request = buffer(max_size), *reply = buffer(max_size), *t;
	mach_msg_size_t size = max_size + (mach_msg_size_t)sizeof(mach_msg_max_trailer_t);
	mach_msg_option_t send;
	mach_msg_return_t mr;

	if (!request || !reply) {
		free(request);
		free(reply);
		return KERN_RESOURCE_SHORTAGE;
	}
	mr = mach_msg(request, rcv_options(options), 0, size, rcv_name, MACH_MSG_TIMEOUT_NONE,
		      MACH_PORT_NULL);
	while (mr == MACH_MSG_SUCCESS) {
		if (!serve(demux, request, reply, &send)) {
			mr = mach_msg(request, rcv_options(options), 0, size, rcv_name,
				      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
			continue;
		}
		/* The reply and the next receive in one call, into the reply's buffer. */
		mr = mach_msg(reply, send | rcv_options(options), reply->msgh_size, size, rcv_name,
			      0, MACH_PORT_NULL);
		if (undeliverable(mr)) {
			mach_msg_destroy(reply);
			mr = mach_msg(request, rcv_options(options), 0, size, rcv_name,
				      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
			continue;
		}
		t = request;	/* the new request is where the reply was */
		request = reply;
		reply = t;
	}
	free(request);
	free(reply);
	return mr;
}
