/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A build without the TCP stack's congestion control and keyed sequence numbers (lib/tcp's
 * tcp_cc.c and tcp_cookie.c): the listeners meshpath serves itself are refused at start.
 */
#include <errno.h>

#include "meshpath.h"

int
mp_app_tcp_setup(struct meshpath *mp, struct mp_worker *w, int socket_id)
{
	(void)socket_id;
	(void)w;
	for (unsigned int i = 0; i < mp->conf->n_listeners; i++) {
		if (mp->conf->listeners[i].service == MP_SVC_NONE)
			continue;
		MP_LOG(ERR, "listener \"%s\": this meshpath was built without its TCP stack",
		       mp->conf->listeners[i].name);
		return -ENOTSUP;
	}
	return 0;
}

void
mp_app_tcp_teardown(struct mp_worker *w)
{
	(void)w;
}

int
mp_app_tcp_telemetry(struct meshpath *mp)
{
	(void)mp;
	return 0;
}

void
mp_app_tcp_fini(void)
{
}

void
mp_app_tcp_poll(struct mp_worker *w)
{
	(void)w;
}
