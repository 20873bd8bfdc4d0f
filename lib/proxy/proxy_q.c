/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte queues of single-segment mbufs: how bytes move between a client and a server without
 * copies. A received chain is split into its segments; whole segments move from one queue to
 * the other; a segment that a message boundary splits is cloned (an indirect mbuf on the same
 * data) or, when the piece is short, copied. Each queued mbuf says how many bytes its source
 * gets back in its receive window once the destination's TCP has taken it.
 */
#include <errno.h>
#include <string.h>

#include "proxy_priv.h"

static inline void
px_seg_alone(struct rte_mbuf *m)
{
	m->next = NULL;
	m->nb_segs = 1;
	m->pkt_len = m->data_len;
}

void
px_q_push(struct px_q *q, struct rte_mbuf *m, uint32_t release)
{
	px_seg_alone(m);
	m->hash.usr = release;
	if (q->tail == NULL)
		q->head = m;
	else
		q->tail->next = m;
	q->tail = m;
	q->bytes += m->data_len;
	q->total += m->data_len;
}

void
px_q_push_chain(struct px_q *q, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		if (m->data_len == 0)
			rte_pktmbuf_free_seg(m);
		else
			px_q_push(q, m, 0);
		m = next;
	}
}

struct rte_mbuf *
px_q_pop(struct px_q *q)
{
	struct rte_mbuf *m = q->head;

	if (m == NULL)
		return NULL;
	q->head = m->next;
	if (q->head == NULL)
		q->tail = NULL;
	m->next = NULL;
	q->bytes -= m->data_len;
	return m;
}

void
px_q_free(struct px_q *q)
{
	struct rte_mbuf *m;

	while ((m = px_q_pop(q)) != NULL)
		rte_pktmbuf_free_seg(m);
}

void
px_q_copy(const struct px_q *q, uint32_t len, uint8_t *dst)
{
	for (const struct rte_mbuf *m = q->head; m != NULL && len != 0; m = m->next) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len);

		memcpy(dst, rte_pktmbuf_mtod(m, const uint8_t *), n);
		dst += n;
		len -= n;
	}
}

void
px_q_drop(struct px_q *q, uint32_t n)
{
	while (n != 0 && q->head != NULL) {
		struct rte_mbuf *m = q->head;

		if (m->data_len <= n) {
			n -= m->data_len;
			rte_pktmbuf_free_seg(px_q_pop(q));
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)n);
		q->bytes -= n;
		n = 0;
	}
}

struct rte_mbuf *
px_seg_range(struct rte_mbuf *m, uint32_t off, uint32_t len, struct rte_mempool *pool,
             uint32_t small)
{
	struct rte_mbuf *next = m->next, *r;

	if (len <= small) {
		r = rte_pktmbuf_alloc(pool);
		if (r == NULL)
			return NULL;
		if (len > rte_pktmbuf_tailroom(r)) {
			rte_pktmbuf_free(r);
			return NULL;
		}
		memcpy(rte_pktmbuf_append(r, (uint16_t)len),
		       rte_pktmbuf_mtod_offset(m, uint8_t *, off), len);
		return r;
	}
	/* rte_pktmbuf_clone() follows the chain: clone this segment alone. */
	m->next = NULL;
	r = rte_pktmbuf_clone(m, pool);
	m->next = next;
	if (r == NULL)
		return NULL;
	r->nb_segs = 1;
	r->pkt_len = r->data_len;
	rte_pktmbuf_adj(r, (uint16_t)off);
	rte_pktmbuf_trim(r, (uint16_t)(r->data_len - len));
	return r;
}

int
px_q_append_bytes(struct px_q *q, const uint8_t *buf, uint32_t len, uint32_t release,
                  struct rte_mempool *pool)
{
	struct px_q tmp = {0};

	while (len != 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t n;

		if (m == NULL) {
			px_q_free(&tmp);
			return -ENOMEM;
		}
		n = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), buf, n);
		buf += n;
		len -= n;
		px_q_push(&tmp, m, len == 0 ? release : 0);
	}
	if (tmp.head == NULL)
		return 0;
	if (q->tail == NULL)
		q->head = tmp.head;
	else
		q->tail->next = tmp.head;
	q->tail = tmp.tail;
	q->bytes += tmp.bytes;
	q->total += tmp.bytes;
	return 0;
}

int
px_q_flush(struct px_q *q, struct mp_tcp_conn *dst, struct mp_tcp_conn *src, uint64_t *sent)
{
	while (q->head != NULL) {
		struct rte_mbuf *m = q->head;
		uint32_t release = m->hash.usr, len = m->data_len;
		struct rte_mbuf *next = m->next;
		int rc;

		if (dst == NULL)
			return -ENOTCONN;
		m->next = NULL;
		rc = mp_tcp_send(dst, m);
		if (rc != 0) {
			m->next = next;
			return rc;
		}
		q->head = next;
		if (next == NULL)
			q->tail = NULL;
		q->bytes -= len;
		if (sent != NULL)
			*sent += len;
		if (src != NULL && release != 0)
			mp_tcp_recv_done(src, release);
	}
	return 0;
}

void
px_q_move_all(struct px_q *src, struct px_q *dst)
{
	struct rte_mbuf *m;

	while ((m = px_q_pop(src)) != NULL)
		px_q_push(dst, m, m->data_len);
}

void
px_q_release(struct px_q *q, struct mp_tcp_conn *c)
{
	uint32_t n = 0;

	for (struct rte_mbuf *m = q->head; m != NULL; m = m->next) {
		n += m->hash.usr;
		m->hash.usr = 0;
	}
	if (c != NULL && n != 0)
		mp_tcp_recv_done(c, n);
}

bool
px_q_head_ready(const struct px_q *q, uint32_t *scanned, uint32_t cap)
{
	/* Back up over the last bytes seen: an empty line may straddle the old end. */
	uint32_t from = *scanned > 2 ? *scanned - 2 : 0, off = 0;
	uint8_t prev2 = 0, prev = 0;

	if (q->bytes > cap) {
		*scanned = q->bytes;
		return true;
	}
	for (const struct rte_mbuf *m = q->head; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		for (uint32_t i = 0; i < m->data_len; i++, off++) {
			uint8_t c = p[i];

			/* "\n\n" or "\n\r\n": an empty line, strict or not (the parser judges) */
			if (off >= from && c == '\n' &&
			    (prev == '\n' || (prev == '\r' && prev2 == '\n'))) {
				*scanned = q->bytes;
				return true;
			}
			prev2 = prev;
			prev = c;
		}
	}
	*scanned = q->bytes;
	return false;
}

enum mp_http_event
px_parse_head(struct mp_proxy_worker *pw, struct mp_http_parser *hp, const struct px_q *q,
              const uint8_t **head)
{
	for (struct rte_mbuf *m = q->head; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t used = 0;
		enum mp_http_event ev = mp_http_parse(hp, p, m->data_len, &used);

		if (ev == MP_HTTP_ERROR)
			return ev;
		if (ev == MP_HTTP_HEAD) {
			uint32_t hl = hp->msg.head_len;

			if (m == q->head && hl <= m->data_len) {
				*head = p;
			} else {
				/* The limits bound a head to the buffer's size. */
				if (hl > pw->head_cap)
					return MP_HTTP_ERROR;
				px_q_copy(q, hl, pw->head_buf);
				*head = pw->head_buf;
			}
			return ev;
		}
	}
	return MP_HTTP_AGAIN;
}

/* Hand n bytes consumed from src_c over: with the mbuf queued last (if any), else at once. */
static void
px_release_with(struct rte_mbuf *last, struct mp_tcp_conn *src_c, uint32_t n)
{
	if (last != NULL)
		last->hash.usr += n;
	else if (src_c != NULL && n != 0)
		mp_tcp_recv_done(src_c, n);
}

enum mp_http_event
px_move_body(struct mp_proxy_worker *pw, struct mp_http_parser *hp, struct px_q *src,
             struct px_q *dst, bool dechunk, struct mp_tcp_conn *src_c, uint64_t *moved)
{
	while (src->head != NULL) {
		struct rte_mbuf *m = src->head, *last = NULL;
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t len = m->data_len, off = 0;
		enum mp_http_event ev = MP_HTTP_AGAIN;

		for (;;) {
			uint32_t used = 0;

			if (off == len && ev != MP_HTTP_BODY)
				break;
			ev = mp_http_parse(hp, p + off, len - off, &used);
			if (ev == MP_HTTP_ERROR)
				return ev;
			if (dechunk && ev == MP_HTTP_BODY && hp->body_len != 0 && dst != NULL) {
				struct rte_mbuf *r =
				        px_seg_range(m, (uint32_t)(hp->body - p), hp->body_len,
				                     pw->pool, PX_SMALL_COPY);

				if (r == NULL)
					return MP_HTTP_ERROR;
				px_q_push(dst, r, 0);
				last = r;
			}
			off += used;
			if (ev == MP_HTTP_DONE)
				break;
			if (used == 0 && (ev != MP_HTTP_BODY || off == len || hp->body_len == 0))
				break; /* nothing more comes from this segment */
		}
		*moved += off;
		if (dechunk || dst == NULL) {
			/* Framing (or everything, when dropping) goes back to the window now or
			 * with the payload queued last. */
			if (off == len)
				rte_pktmbuf_free_seg(px_q_pop(src));
			else
				px_q_drop(src, off);
			px_release_with(dst == NULL ? NULL : last, src_c, off);
		} else if (off == len) {
			px_q_push(dst, px_q_pop(src), len);
		} else if (off != 0) {
			struct rte_mbuf *r = px_seg_range(m, 0, off, pw->pool, PX_SMALL_COPY);

			if (r == NULL)
				return MP_HTTP_ERROR;
			px_q_push(dst, r, off);
			px_q_drop(src, off);
		}
		if (ev == MP_HTTP_DONE)
			return ev;
		if (off < len)
			return MP_HTTP_AGAIN; /* cannot happen: the parser takes every body byte */
	}
	return MP_HTTP_AGAIN;
}
