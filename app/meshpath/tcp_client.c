/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test client on meshpath's TCP stack, for active opens against real servers: telemetry
 * /meshpath/tcp/connect,ADDRESS,PORT,BYTES asks worker 0 to connect to an echo server, send
 * BYTES of a fixed pattern, close its side, and check that the same bytes come back;
 * /meshpath/tcp/connect,ADDRESS,PORT,BYTES,send only sends them, to a server that reads until
 * the end and closes (a discard server: the goodput benchmark's sink). /meshpath/tcp/client
 * tells how far it got and, once done, how long it took. One client at a time. The request
 * travels to the worker over a ring; the worker alone touches the connection, the telemetry
 * thread only reads the counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "meshpath.h"
#include "mp_tcp.h"

#define CLIENT_WORKER 0
#define CLIENT_CHUNK  1448 /* one segment's worth per mbuf */
/* The byte pattern repeats with this period: a prime, so that it does not line up with segment
 * sizes. Copied and compared with memcpy/memcmp, it costs the client little of the worker's
 * time (the goodput benchmark's sender is this client). */
#define CLIENT_PERIOD 65521
#define CLIENT_RING   4
#define CLIENT_ECHO   0 /* send, and check that the same bytes come back */
#define CLIENT_SEND   1 /* send only: nothing may come back */

enum client_state {
	CLIENT_IDLE = 0,
	CLIENT_CONNECTING,
	CLIENT_RUNNING,
	CLIENT_DONE,
	CLIENT_FAILED,
};

static const char *const client_state_names[] = {"idle", "connecting", "running", "done", "failed"};

/* Copied through the ring (a ring of elements: nothing allocated on either side). */
struct client_req {
	uint64_t bytes;
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t mode; /* CLIENT_ECHO or CLIENT_SEND */
	uint8_t pad[4];
};
_Static_assert(sizeof(struct client_req) % 4 == 0, "ring elements are multiples of 4 bytes");

struct client {
	struct mp_worker *w;
	struct rte_ring *ring;
	struct mp_tcp_conn *conn;
	uint64_t bytes;
	uint8_t mode;
	uint64_t start; /* TSC of the connect */
	/* read by telemetry, written by the worker */
	volatile uint32_t state;
	volatile uint64_t sent;
	volatile uint64_t received;
	volatile uint64_t wrong; /* bytes that came back different */
	volatile uint64_t usec;  /* connect to closed, once done or failed */
};

static struct client client;

/* The pattern from offset 0 to CLIENT_PERIOD + CLIENT_CHUNK: any chunk is one memcpy away. */
static uint8_t client_pattern[CLIENT_PERIOD + CLIENT_CHUNK];

static inline const uint8_t *
client_pattern_at(uint64_t off)
{
	return client_pattern + off % CLIENT_PERIOD;
}

static void
client_fill(struct mp_tcp_conn *c)
{
	struct rte_mempool *pool = client.w->net.pool;

	while (client.sent < client.bytes) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)CLIENT_CHUNK, client.bytes - client.sent);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d;

		if (m == NULL)
			return; /* the next ACK's `writable` is not promised: retried on data */
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		memcpy(d, client_pattern_at(client.sent), n);
		if (mp_tcp_send(c, m) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		client.sent += n;
	}
	mp_tcp_shutdown(c);
}

static void
client_connected(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	client.state = CLIENT_RUNNING;
	client_fill(c);
}

static void
client_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	uint64_t off = client.received;

	(void)arg;
	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *d = rte_pktmbuf_mtod(seg, const uint8_t *);

		for (uint32_t done = 0, n; done < seg->data_len; done += n, off += n) {
			const uint8_t *want = client_pattern_at(off);

			n = RTE_MIN((uint32_t)CLIENT_CHUNK, seg->data_len - done);
			if (memcmp(d + done, want, n) == 0)
				continue;
			for (uint32_t i = 0; i < n; i++)
				client.wrong += d[done + i] != want[i];
		}
	}
	client.received = off;
	mp_tcp_recv_done(c, m->pkt_len);
	rte_pktmbuf_free(m);
	if (client.sent < client.bytes)
		client_fill(c);
}

static void
client_writable(struct mp_tcp_conn *c, uint32_t space, void *arg)
{
	(void)space;
	(void)arg;
	client_fill(c);
}

static void
client_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	mp_tcp_close(c);
}

static void
client_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	client.conn = NULL;
	client.usec = (rte_rdtsc() - client.start) * 1000000u / rte_get_tsc_hz();
	client.state =
	        client.sent == client.bytes && client.wrong == 0 &&
	                        client.received == (client.mode == CLIENT_ECHO ? client.bytes : 0)
	                ? CLIENT_DONE
	                : CLIENT_FAILED;
}

static const struct mp_tcp_callbacks client_cb = {
        .connected = client_connected,
        .data = client_data,
        .writable = client_writable,
        .peer_closed = client_peer_closed,
        .closed = client_closed,
};

/* The worker's side: take a request, pick the source address, connect. */
void
mp_app_tcp_poll(struct mp_worker *w)
{
	struct client_req r, *req = &r;
	const uint8_t *src;
	uint16_t port = 0;

	if (w->index != CLIENT_WORKER || client.ring == NULL ||
	    rte_ring_sc_dequeue_elem(client.ring, &r, sizeof(r)) != 0)
		return;
	src = mp_app_tcp_source(w, req->family, req->addr, &port);
	client.bytes = req->bytes;
	client.mode = req->mode;
	client.sent = client.received = client.wrong = client.usec = 0;
	client.start = rte_rdtsc();
	mp_tcp_set_now(w->tcp, w->net.now);
	client.conn = src == NULL ? NULL
	                          : mp_tcp_connect(w->tcp, req->family, src, req->addr, req->port,
	                                           port, &client_cb, NULL);
	client.state = client.conn != NULL ? CLIENT_CONNECTING : CLIENT_FAILED;
}

/* /meshpath/tcp/connect,ADDRESS,PORT,BYTES[,send] */
static int
client_tel_connect(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char addr[64], *end;
	struct client_req r = {0}, *req = &r;
	unsigned long port;
	uint64_t bytes;
	const char *p;

	(void)cmd;
	if (params == NULL || (p = strchr(params, ',')) == NULL ||
	    (size_t)(p - params) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, params, (size_t)(p - params));
	addr[p - params] = '\0';
	port = strtoul(p + 1, &end, 10);
	if (*end != ',' || port == 0 || port > UINT16_MAX)
		return -EINVAL;
	bytes = strtoull(end + 1, &end, 10);
	if (strcmp(end, ",send") == 0)
		req->mode = CLIENT_SEND;
	else if (*end != '\0')
		return -EINVAL;
	if (client.state == CLIENT_CONNECTING || client.state == CLIENT_RUNNING)
		return -EBUSY;
	req->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(req->family, addr, req->addr) != 1)
		return -EINVAL;
	req->port = (uint16_t)port;
	req->bytes = bytes;
	client.state = CLIENT_CONNECTING;
	if (rte_ring_mp_enqueue_elem(client.ring, &r, sizeof(r)) != 0) {
		client.state = CLIENT_FAILED;
		return -ENOSPC;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "connect", "requested: see /meshpath/tcp/client");
	return 0;
}

/* /meshpath/tcp/client */
static int
client_tel_state(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "state", client_state_names[client.state]);
	rte_tel_data_add_dict_u64(d, "bytes", client.bytes);
	rte_tel_data_add_dict_u64(d, "sent", client.sent);
	rte_tel_data_add_dict_u64(d, "received", client.received);
	rte_tel_data_add_dict_u64(d, "wrong", client.wrong);
	rte_tel_data_add_dict_string(d, "mode", client.mode == CLIENT_SEND ? "send" : "echo");
	rte_tel_data_add_dict_u64(d, "usec", client.usec);
	return 0;
}

int
mp_app_tcp_client_setup(struct meshpath *mp)
{
	int rc;

	client.w = mp->workers[CLIENT_WORKER];
	for (uint32_t i = 0; i < RTE_DIM(client_pattern); i++)
		client_pattern[i] = (uint8_t)((i % CLIENT_PERIOD) * 2654435761u >> 24);
	client.ring = rte_ring_create_elem("mp_tcp_client", sizeof(struct client_req), CLIENT_RING,
	                                   SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (client.ring == NULL)
		return -rte_errno;
	rc = rte_telemetry_register_cmd(
	        "/meshpath/tcp/connect", client_tel_connect,
	        "test client: send BYTES to an echo server and check them "
	        "(',send': only send). Parameters: ADDRESS,PORT,BYTES[,send]");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		        "/meshpath/tcp/client", client_tel_state,
		        "test client: state, bytes sent, received, wrong, mode, "
		        "microseconds from connect to close");
	return rc;
}

void
mp_app_tcp_client_teardown(void)
{
	if (client.ring == NULL)
		return;
	rte_ring_free(client.ring);
	client.ring = NULL;
}
