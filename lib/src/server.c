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

/* A request and a reply buffer, each with room for the largest trailer. */
struct buffers {
	mach_msg_header_t *request, *reply;
	mach_msg_size_t size;
	mach_port_t rcv_name;
	mach_msg_option_t rcv;
};

static int buffers_get(struct buffers *b, mach_msg_size_t max_size, mach_port_t rcv_name,
		       mach_msg_options_t options)
{
	b->size = max_size + MAX_TRAILER_SIZE;
	b->request = calloc(1, b->size);
	b->reply = calloc(1, b->size);
	b->rcv_name = rcv_name;
	b->rcv = MACH_RCV_MSG | (options & MACH_RCV_TRAILER_MASK) |
		 (options & MACH_RCV_TRAILER_TYPE(0xf));
	if (b->request && b->reply)
		return 0;
	free(b->request);
	free(b->reply);
	return -1;
}

static void buffers_put(struct buffers *b)
{
	free(b->request);
	free(b->reply);
}

static mach_msg_return_t receive(struct buffers *b)
{
	return mach_msg(b->request, b->rcv, 0, b->size, b->rcv_name, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
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

static int undeliverable(mach_msg_return_t mr)
{
	return mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT;
}

mach_msg_return_t mach_msg_server_once(demux_t demux, mach_msg_size_t max_size,
				       mach_port_t rcv_name, mach_msg_options_t options)
{
	mach_msg_option_t send;
	mach_msg_return_t mr;
	struct buffers b;

	if (buffers_get(&b, max_size, rcv_name, options))
		return KERN_RESOURCE_SHORTAGE;
	mr = receive(&b);
	if (mr == MACH_MSG_SUCCESS && serve(demux, b.request, b.reply, &send)) {
		mr = mach_msg(b.reply, send, b.reply->msgh_size, 0, MACH_PORT_NULL, 0,
			      MACH_PORT_NULL);
		if (undeliverable(mr))
			mach_msg_destroy(b.reply);
	}
	buffers_put(&b);
	return mr;
}

mach_msg_return_t mach_msg_server(demux_t demux, mach_msg_size_t max_size,
				  mach_port_t rcv_name, mach_msg_options_t options)
{
	mach_msg_header_t *t;
	mach_msg_option_t send;
	mach_msg_return_t mr;
	struct buffers b;

	if (buffers_get(&b, max_size, rcv_name, options))
		return KERN_RESOURCE_SHORTAGE;
	mr = receive(&b);
	while (mr == MACH_MSG_SUCCESS) {
		if (!serve(demux, b.request, b.reply, &send)) {
			mr = receive(&b);
			continue;
		}
		/* The reply and the next receive in one call, into the reply's buffer. */
		mr = mach_msg(b.reply, send | b.rcv, b.reply->msgh_size, b.size, rcv_name, 0,
			      MACH_PORT_NULL);
		if (undeliverable(mr)) {
			mach_msg_destroy(b.reply);
			mr = receive(&b);
			continue;
		}
		t = b.request;	/* the new request is where the reply was */
		b.request = b.reply;
		b.reply = t;
	}
	buffers_put(&b);
	return mr;
}
