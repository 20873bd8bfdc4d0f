/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-impairment stage (mp_impair.h): control path (attach, detach, telemetry) and the
 * RX/TX callbacks that run on the workers.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>

#include "mp_impair.h"

#define IMPAIR_MASK       (MP_IMPAIR_HOLD - 1)
#define IMPAIR_FLUSH      32           /* TX packets the RX callback sends per tx_burst call */
#define IMPAIR_PROB_SCALE 4294967296.0 /* 2^32: a probability as a 32-bit threshold */
#define IMPAIR_MS         1000
#define IMPAIR_US         1000000
#define IMPAIR_MAX_BURST  1024 /* TX bursts above this pass untouched (meshpath sends <= 256) */

_Static_assert((MP_IMPAIR_HOLD & IMPAIR_MASK) == 0, "MP_IMPAIR_HOLD is a power of two");

struct impair_held {
	struct rte_mbuf *m;
	uint64_t due; /* TSC */
};

/* One direction of one queue: written by the queue's worker only. */
struct impair_dir {
	uint64_t rng;
	struct rte_mbuf *reorder; /* held back until the next packet goes ahead */
	uint64_t reorder_at;      /* when it came: it leaves alone reorder_tsc later */
	uint32_t head, tail;      /* FIFO, free-running: tail - head packets held */
	struct mp_impair_counters cnt;
	struct impair_held fifo[MP_IMPAIR_HOLD];
};

struct impair_queue {
	struct impair_dir rx __rte_cache_aligned;
	struct impair_dir tx __rte_cache_aligned;
	struct mp_impair *im;
	uint16_t queue;
	bool bypass; /* the RX callback is sending due TX packets: let them through */
	const struct rte_eth_rxtx_callback *rx_cb;
	const struct rte_eth_rxtx_callback *tx_cb;
};

struct mp_impair {
	char name[MP_NAME_LEN];
	uint16_t port_id;
	uint16_t n_queues;
	struct mp_impair_params prm;
	struct rte_mempool *pool;
	struct impair_queue *q;
};

/* Ports with a stage, for telemetry. Control thread only (attach, detach, the command). */
static struct mp_impair *impair_ports[RTE_MAX_ETHPORTS];
static bool impair_tel_registered;

/* ------------------------------------------------------------------------------------------ */
/* Data path                                                                                  */

/* Discarded packets: freed, or (TX inputs) left for the sender to free. */
struct impair_sink {
	struct rte_mbuf **dead;
	uint16_t n;
};

static inline void
impair_discard(struct impair_sink *sink, struct rte_mbuf *m, bool input)
{
	if (input && sink->dead != NULL)
		sink->dead[sink->n++] = m;
	else
		rte_pktmbuf_free(m);
}

static inline void
impair_push(struct impair_dir *d, const struct mp_impair_params *p, struct rte_mbuf *m,
            uint64_t now, struct impair_sink *sink, bool input)
{
	uint64_t due = now;

	if (d->tail - d->head == MP_IMPAIR_HOLD) {
		d->cnt.hold_full++;
		impair_discard(sink, m, input);
		return;
	}
	if (p->delay_tsc != 0 || p->jitter_tsc != 0) {
		due += p->delay_tsc;
		if (p->jitter_tsc != 0)
			due += mp_impair_rand(&d->rng) % (p->jitter_tsc + 1);
		d->cnt.delayed++;
	}
	d->fifo[d->tail & IMPAIR_MASK] = (struct impair_held){.m = m, .due = due};
	d->tail++;
}

/* A packet that is not dropped: maybe held back by `reorder`, then into the FIFO. */
static inline void
impair_pass(struct impair_dir *d, const struct mp_impair_params *p, struct rte_mbuf *m,
            bool reorder, uint64_t now, struct impair_sink *sink, bool input)
{
	struct rte_mbuf *held = d->reorder;

	if (reorder && held == NULL) {
		d->reorder = m;
		d->reorder_at = now;
		d->cnt.reordered++;
		return;
	}
	impair_push(d, p, m, now, sink, input);
	if (held != NULL) {
		d->reorder = NULL;
		/* Delayed from when it came; an input of an earlier call, ours to free. */
		impair_push(d, p, held, d->reorder_at, sink, false);
	}
}

static void
impair_input(struct impair_dir *d, const struct mp_impair *im, struct rte_mbuf *m, uint64_t now,
             struct impair_sink *sink)
{
	uint32_t v = mp_impair_decide(&d->rng, &im->prm);
	struct rte_mbuf *copy = NULL;

	d->cnt.pkts++;
	if (v & MP_IMPAIR_DROP) {
		d->cnt.dropped++;
		impair_discard(sink, m, true);
		return;
	}
	if (v & MP_IMPAIR_DUP) {
		copy = rte_pktmbuf_copy(m, im->pool, 0, UINT32_MAX);
		if (copy == NULL)
			d->cnt.dup_failed++;
		else
			d->cnt.duplicated++;
	}
	impair_pass(d, &im->prm, m, (v & MP_IMPAIR_REORDER) != 0, now, sink, true);
	if (copy != NULL)
		impair_pass(d, &im->prm, copy, false, now, sink, false);
}

/* Move due packets to out[0..cap); returns how many. */
static uint16_t
impair_release(struct impair_dir *d, const struct mp_impair_params *p, uint64_t now,
               struct rte_mbuf **out, uint16_t cap)
{
	uint16_t k = 0;

	if (d->reorder != NULL && now - d->reorder_at >= p->reorder_tsc) {
		/* Nothing came to overtake it: it goes alone, delayed from when it came. */
		struct impair_sink none = {NULL, 0};

		impair_push(d, p, d->reorder, d->reorder_at, &none, false);
		d->reorder = NULL;
	}
	while (k < cap && d->head != d->tail && d->fifo[d->head & IMPAIR_MASK].due <= now) {
		out[k++] = d->fifo[d->head & IMPAIR_MASK].m;
		d->head++;
	}
	return k;
}

/* Send this queue's due TX packets from the RX poll, so they leave when traffic stops. */
static void
impair_flush_tx(struct impair_queue *q, uint64_t now)
{
	struct impair_dir *d = &q->tx;
	struct rte_mbuf *out[IMPAIR_FLUSH];
	uint16_t k, sent;

	do {
		k = impair_release(d, &q->im->prm, now, out, IMPAIR_FLUSH);
		if (k == 0)
			return;
		q->bypass = true;
		sent = rte_eth_tx_burst(q->im->port_id, q->queue, out, k);
		q->bypass = false;
		/* The FIFO slots still hold the unsent ones: take them back, in order. */
		d->head -= (uint32_t)(k - sent);
	} while (sent == IMPAIR_FLUSH);
}

static uint16_t
impair_rx_cb(uint16_t port_id, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n, uint16_t max,
             void *arg)
{
	struct impair_queue *q = arg;
	struct impair_sink sink = {NULL, 0};
	uint64_t now = rte_rdtsc();
	uint16_t i;

	(void)port_id;
	(void)queue;
	if (q->tx.head != q->tx.tail || q->tx.reorder != NULL)
		impair_flush_tx(q, now);
	for (i = 0; i < n; i++)
		impair_input(&q->rx, q->im, pkts[i], now, &sink);
	return impair_release(&q->rx, &q->im->prm, now, pkts, max);
}

/* Take one more reference on every segment: the sender's free of the tail then leaves it. */
static inline void
impair_keep_ref(struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, 1);
}

static uint16_t
impair_tx_cb(uint16_t port_id, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n, void *arg)
{
	struct impair_queue *q = arg;
	struct rte_mbuf *dead[IMPAIR_MAX_BURST];
	struct impair_sink sink = {dead, 0};
	struct impair_dir *d = &q->tx;
	uint64_t now = rte_rdtsc();
	uint16_t i, k, slot;
	uint32_t back;

	(void)port_id;
	(void)queue;
	if (q->bypass || n == 0 || n > IMPAIR_MAX_BURST)
		return n;
	for (i = 0; i < n; i++)
		impair_input(d, q->im, pkts[i], now, &sink);
	k = impair_release(d, &q->im->prm, now, pkts, n);
	/*
	 * The sender frees pkts[k..n) as unsent. Give it the dropped inputs first, then held
	 * packets with one more reference. Every input is sent, dropped or held, so there are
	 * always enough.
	 */
	slot = k;
	for (i = 0; i < sink.n; i++) {
		if (slot < n)
			pkts[slot++] = dead[i];
		else
			rte_pktmbuf_free(dead[i]);
	}
	if (slot < n && d->reorder != NULL) {
		impair_keep_ref(d->reorder);
		pkts[slot++] = d->reorder;
	}
	for (back = d->tail; slot < n && back != d->head; back--) {
		struct rte_mbuf *m = d->fifo[(back - 1) & IMPAIR_MASK].m;

		impair_keep_ref(m);
		pkts[slot++] = m;
	}
	RTE_ASSERT(slot == n);
	return k;
}

/* ------------------------------------------------------------------------------------------ */
/* Control path                                                                               */

void
mp_impair_params_init(struct mp_impair_params *p, const struct mp_conf_impair *c, uint64_t tsc_hz)
{
	memset(p, 0, sizeof(*p));
	p->loss = (uint32_t)(c->loss * IMPAIR_PROB_SCALE);
	p->duplicate = (uint32_t)(c->duplicate * IMPAIR_PROB_SCALE);
	p->reorder = (uint32_t)(c->reorder * IMPAIR_PROB_SCALE);
	p->delay_tsc = tsc_hz * c->delay_ms / IMPAIR_MS;
	p->jitter_tsc = tsc_hz * c->jitter_ms / IMPAIR_MS;
	p->reorder_tsc = tsc_hz * MP_IMPAIR_REORDER_US / IMPAIR_US;
}

uint64_t
mp_impair_seed(uint32_t seed, uint16_t port_index, uint16_t queue, enum mp_impair_dir dir)
{
	uint64_t s = (uint64_t)seed << 32 | (uint64_t)port_index << 17 | (uint64_t)queue << 1 |
	             (uint64_t)dir;

	/* One splitmix step decorrelates neighbouring inputs. */
	return mp_impair_rand(&s);
}

void
mp_impair_sum(const struct mp_impair *im, enum mp_impair_dir dir, struct mp_impair_counters *sum)
{
	uint16_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < im->n_queues; i++) {
		const struct mp_impair_counters *c =
		        dir == MP_IMPAIR_RX ? &im->q[i].rx.cnt : &im->q[i].tx.cnt;

#define MP_IMPAIR_ADD(n, d) sum->n += c->n;
		MP_IMPAIR_COUNTERS(MP_IMPAIR_ADD)
#undef MP_IMPAIR_ADD
	}
}

static int
impair_tel_dir(struct rte_tel_data *d, const struct mp_impair *im, enum mp_impair_dir dir)
{
	struct rte_tel_data *t = rte_tel_data_alloc();
	struct mp_impair_counters sum;

	if (t == NULL)
		return -ENOMEM;
	mp_impair_sum(im, dir, &sum);
	rte_tel_data_start_dict(t);
#define MP_IMPAIR_TEL(n, desc) rte_tel_data_add_dict_u64(t, #n, sum.n);
	MP_IMPAIR_COUNTERS(MP_IMPAIR_TEL)
#undef MP_IMPAIR_TEL
	return rte_tel_data_add_dict_container(d, dir == MP_IMPAIR_RX ? "rx" : "tx", t, 0);
}

static int
impair_tel(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(impair_ports); i++) {
		const struct mp_impair *im = impair_ports[i];
		char key[MP_NAME_LEN];
		struct rte_tel_data *p;

		if (im == NULL)
			continue;
		p = rte_tel_data_alloc();
		if (p == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_string(p, "name", im->name);
		if (impair_tel_dir(p, im, MP_IMPAIR_RX) < 0 ||
		    impair_tel_dir(p, im, MP_IMPAIR_TX) < 0) {
			rte_tel_data_free(p);
			return -ENOMEM;
		}
		rte_tel_data_add_dict_container(d, mp_tel_key(im->name, key, sizeof(key)), p, 0);
	}
	return 0;
}

static void
impair_dir_free(struct impair_dir *d)
{
	if (d->reorder != NULL)
		rte_pktmbuf_free(d->reorder);
	d->reorder = NULL;
	for (; d->head != d->tail; d->head++)
		rte_pktmbuf_free(d->fifo[d->head & IMPAIR_MASK].m);
}

void
mp_impair_detach(struct mp_impair *im)
{
	uint16_t i;

	if (im == NULL)
		return;
	impair_ports[im->port_id] = NULL;
	for (i = 0; i < im->n_queues; i++) {
		struct impair_queue *q = &im->q[i];

		/* The workers have stopped: the callbacks can be unlinked and freed. */
		if (q->rx_cb != NULL && rte_eth_remove_rx_callback(im->port_id, i, q->rx_cb) == 0)
			rte_free((void *)(uintptr_t)q->rx_cb);
		if (q->tx_cb != NULL && rte_eth_remove_tx_callback(im->port_id, i, q->tx_cb) == 0)
			rte_free((void *)(uintptr_t)q->tx_cb);
		impair_dir_free(&q->rx);
		impair_dir_free(&q->tx);
	}
	rte_free(im->q);
	rte_free(im);
}

int
mp_impair_attach(uint16_t port_id, uint16_t port_index, const char *name, uint16_t n_queues,
                 const struct mp_conf_impair *c, struct rte_mempool *pool, struct mp_impair **out)
{
	int socket = rte_eth_dev_socket_id(port_id);
	struct mp_impair *im;
	uint16_t i;
	int rc;

	*out = NULL;
	im = rte_zmalloc_socket("mp_impair", sizeof(*im), RTE_CACHE_LINE_SIZE, socket);
	if (im == NULL)
		goto nomem;
	im->q = rte_zmalloc_socket("mp_impair_q", sizeof(*im->q) * n_queues, RTE_CACHE_LINE_SIZE,
	                           socket);
	if (im->q == NULL)
		goto nomem;
	snprintf(im->name, sizeof(im->name), "%s", name);
	im->port_id = port_id;
	im->n_queues = n_queues;
	im->pool = pool;
	mp_impair_params_init(&im->prm, c, rte_get_tsc_hz());
	for (i = 0; i < n_queues; i++) {
		struct impair_queue *q = &im->q[i];

		q->im = im;
		q->queue = i;
		q->rx.rng = mp_impair_seed(c->seed, port_index, i, MP_IMPAIR_RX);
		q->tx.rng = mp_impair_seed(c->seed, port_index, i, MP_IMPAIR_TX);
		q->rx_cb = rte_eth_add_rx_callback(port_id, i, impair_rx_cb, q);
		q->tx_cb = rte_eth_add_tx_callback(port_id, i, impair_tx_cb, q);
		if (q->rx_cb == NULL || q->tx_cb == NULL) {
			rc = -rte_errno;
			MP_LOG(ERR,
			       "port %s: cannot add the impairment callbacks to queue %u: %s; "
			       "remove the port's impair group",
			       name, i, rte_strerror(rte_errno));
			im->n_queues = (uint16_t)(i + 1);
			mp_impair_detach(im);
			return rc < 0 ? rc : -ENOTSUP;
		}
	}
	if (!impair_tel_registered) {
		rc = rte_telemetry_register_cmd("/meshpath/impair", impair_tel,
		                                "Packet impairment counters per port, rx and tx "
		                                "(tests only). No parameters.");
		impair_tel_registered = rc == 0;
		if (rc < 0)
			MP_LOG(WARNING, "telemetry command /meshpath/impair not registered: %s",
			       rte_strerror(-rc));
	}
	impair_ports[port_id] = im;
	MP_LOG(WARNING,
	       "port %s: IMPAIRED for testing: loss %g, duplicate %g, reorder %g, delay %u ms + "
	       "0..%u ms, seed %u",
	       name, c->loss, c->duplicate, c->reorder, c->delay_ms, c->jitter_ms, c->seed);
	*out = im;
	return 0;
nomem:
	if (im != NULL)
		rte_free(im);
	MP_LOG(ERR, "port %s: no memory for the impairment stage of %u queues", name, n_queues);
	return -ENOMEM;
}
