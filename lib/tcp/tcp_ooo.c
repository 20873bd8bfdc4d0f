/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The out-of-order queue: received packets (payload only) above rcv_nxt, sorted by sequence,
 * bounded in bytes per connection (ooo_max) and per worker (worker_buf); and the SACK blocks
 * we report from it (RFC 2018 4: the first block holds the most recent segment).
 */
#include "tcp_priv.h"

/* Remove n bytes from the front of a chain; returns the new head (segments may be freed). */
struct rte_mbuf *
tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n)
{
	while (n > 0 && n >= m->data_len && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		n -= m->data_len;
		next->pkt_len = m->pkt_len - m->data_len;
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		next->port = m->port;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (n > 0) {
		n = RTE_MIN(n, m->data_len);
		m->data_off = (uint16_t)(m->data_off + n);
		m->data_len = (uint16_t)(m->data_len - n);
		m->pkt_len -= n;
	}
	return m;
}

/* Cut a chain to len bytes (len <= pkt_len), freeing the segments past it. */
void
tcp_mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t segs = 1;

	if (len >= m->pkt_len)
		return;
	while (left > seg->data_len) {
		left -= seg->data_len;
		seg = seg->next;
		segs++;
	}
	seg->data_len = (uint16_t)left;
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->pkt_len = len;
	m->nb_segs = segs;
}

/* Report the run of queued bytes containing [seq, end) first, then the earlier blocks. */
void
tcp_sack_tx_update(struct mp_tcp_conn *c, uint32_t seq, uint32_t end)
{
	struct tcp_sack_block blk[TCP_SACK_TX];
	unsigned int n = 0;

	/* Grow [seq, end) over adjacent or overlapping queued packets. */
	for (struct rte_mbuf *m = c->ooo_head; m != NULL; m = tcp_meta(m)->next) {
		uint32_t s = tcp_meta(m)->seq, e = s + m->pkt_len;

		if (SEQ_LEQ(s, end) && SEQ_GEQ(e, seq)) {
			seq = SEQ_MIN(seq, s);
			end = SEQ_MAX(end, e);
		}
	}
	blk[n].start = seq;
	blk[n].end = end;
	n++;
	for (unsigned int i = 0; i < c->n_sack_tx && n < TCP_SACK_TX; i++) {
		const struct tcp_sack_block *b = &c->sack_tx[i];

		if (SEQ_LEQ(b->end, c->rcv_nxt) || (SEQ_GEQ(b->start, seq) && SEQ_LEQ(b->end, end)))
			continue;
		if (SEQ_LEQ(b->start, end) && SEQ_GEQ(b->end, seq))
			continue;
		blk[n++] = *b;
	}
	for (unsigned int i = 0; i < n; i++)
		c->sack_tx[i] = blk[i];
	c->n_sack_tx = (uint8_t)n;
}

/* Forget reported blocks that rcv_nxt reached. */
void
tcp_sack_tx_trim(struct mp_tcp_conn *c)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < c->n_sack_tx; i++)
		if (SEQ_GT(c->sack_tx[i].start, c->rcv_nxt))
			c->sack_tx[j++] = c->sack_tx[i];
	c->n_sack_tx = (uint8_t)j;
}

/*
 * Queue m (payload only, pkt_len bytes from seq). False when a byte limit refuses it: the
 * caller drops it. A packet wholly inside one already queued is freed as a duplicate.
 */
bool
tcp_ooo_insert(struct mp_tcp_conn *c, struct rte_mbuf *m, uint32_t seq, bool fin)
{
	struct mp_tcp_stack *s = c->stack;
	struct rte_mbuf *prev = NULL, *q = c->ooo_head;
	uint32_t len = m->pkt_len;

	(void)fin;
	while (q != NULL && SEQ_LEQ(tcp_meta(q)->seq, seq)) {
		if (SEQ_GEQ(tcp_meta(q)->seq + q->pkt_len, seq + len)) {
			rte_pktmbuf_free(m);
			tcp_sack_tx_update(c, seq, seq + len);
			return true;
		}
		prev = q;
		q = tcp_meta(q)->next;
	}
	if (c->ooo_bytes + len > s->p.ooo_max || s->buffered + len > s->p.worker_buf)
		return false;
	tcp_meta(m)->seq = seq;
	tcp_meta(m)->fin = 0;
	tcp_meta(m)->next = q;
	if (prev != NULL)
		tcp_meta(prev)->next = m;
	else
		c->ooo_head = m;
	c->ooo_bytes += len;
	c->ooo_segs++;
	s->buffered += len;
	tcp_stat(s, MP_TCP_ST_OOO_SEGS, 1);
	tcp_stat(s, MP_TCP_ST_OOO_BYTES, len);
	tcp_sack_tx_update(c, seq, seq + len);
	return true;
}

static struct rte_mbuf *
tcp_ooo_unlink_head(struct mp_tcp_conn *c)
{
	struct rte_mbuf *m = c->ooo_head;

	c->ooo_head = tcp_meta(m)->next;
	c->ooo_bytes -= m->pkt_len;
	c->ooo_segs--;
	c->stack->buffered -= m->pkt_len;
	return m;
}

/* The next queued packet that rcv_nxt reached, trimmed to start at rcv_nxt; NULL when none. */
struct rte_mbuf *
tcp_ooo_pull(struct mp_tcp_conn *c, bool *fin)
{
	*fin = false;
	while (c->ooo_head != NULL && SEQ_LEQ(tcp_meta(c->ooo_head)->seq, c->rcv_nxt)) {
		uint32_t seq = tcp_meta(c->ooo_head)->seq;
		struct rte_mbuf *m = tcp_ooo_unlink_head(c);

		if (SEQ_LEQ(seq + m->pkt_len, c->rcv_nxt)) {
			rte_pktmbuf_free(m);
			continue;
		}
		return tcp_mbuf_trim_front(m, c->rcv_nxt - seq);
	}
	return NULL;
}

void
tcp_ooo_flush(struct mp_tcp_conn *c)
{
	while (c->ooo_head != NULL)
		rte_pktmbuf_free(tcp_ooo_unlink_head(c));
	c->n_sack_tx = 0;
}
