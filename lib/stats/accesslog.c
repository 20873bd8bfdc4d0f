/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The access log's writer, on the control thread: each tick takes a bounded number of records
 * from every worker's ring, formats each as one JSON line and writes it with buffered stdio,
 * then flushes once. Log rotation: the operator moves the file and sends SIGUSR1; the control
 * thread calls mp_alog_writer_reopen(), which opens the path again (a new file). A failed
 * reopen keeps the old stream, so lines keep going somewhere rather than nowhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring_elem.h>

#include "mp_accesslog.h"
#include "mp_flow.h"

/* Records dequeued at once, and the room of one line (names are short, addresses bounded). */
#define ALOG_BURST    32u
#define ALOG_LINE_MAX 4096
#define NS_PER_SEC    1000000000ull

static const char *const alog_reasons[MP_ALOG_R_MAX] = {
        [MP_ALOG_R_FIN] = "fin",
        [MP_ALOG_R_RST] = "rst",
        [MP_ALOG_R_TIMEOUT] = "timeout",
        [MP_ALOG_R_FIN_TIMEOUT] = "fin_timeout",
        [MP_ALOG_R_CONNECT_FAILED] = "connect_failed",
};

static const char *const alog_states[MP_FLOW_S_MAX] = {
        [MP_FLOW_S_NONE] = "none",         [MP_FLOW_S_SYN_SENT] = "syn_sent",
        [MP_FLOW_S_SYN_RECV] = "syn_recv", [MP_FLOW_S_ESTABLISHED] = "established",
        [MP_FLOW_S_FIN_WAIT] = "fin_wait", [MP_FLOW_S_CLOSE_WAIT] = "close_wait",
        [MP_FLOW_S_LAST_ACK] = "last_ack", [MP_FLOW_S_TIME_WAIT] = "time_wait",
        [MP_FLOW_S_CLOSE] = "close",       [MP_FLOW_S_UDP] = "udp",
};

void
mp_alog_clock_init(struct mp_alog_clock *c, uint64_t hz)
{
	struct timespec ts;

	c->hz = hz;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->anchor_tsc = rte_rdtsc();
	c->anchor_ns = (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Realtime ns of a TSC value (TSC before the anchor counts back from it). */
static uint64_t
alog_clock_ns(const struct mp_alog_clock *c, uint64_t tsc)
{
	uint64_t d = tsc >= c->anchor_tsc ? tsc - c->anchor_tsc : c->anchor_tsc - tsc;
	/* Whole seconds and the rest apart: d * 1e9 overflows after a few seconds of TSC. */
	uint64_t ns = d / c->hz * NS_PER_SEC + d % c->hz * NS_PER_SEC / c->hz;

	return tsc >= c->anchor_tsc ? c->anchor_ns + ns : c->anchor_ns - ns;
}

void
mp_alog_iso8601(uint64_t ns, char *out, size_t len)
{
	time_t sec = (time_t)(ns / NS_PER_SEC);
	char day[24];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03uZ", day, (unsigned int)(ns % NS_PER_SEC / 1000000));
}

/*
 * n bytes of s as a JSON string into out: ", \\ and control characters escaped (\\n, \\r, \\t
 * short); ascii: bytes past ASCII too (\\u00XX); cut: "..." before the closing quote.
 */
static size_t
alog_json(char *out, size_t len, const char *s, size_t n, bool ascii, bool cut)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i, k, m;
	char esc[6];

#define ALOG_PUT(c)                   \
	do {                          \
		if (o + 1 < len)      \
			out[o] = (c); \
		o++;                  \
	} while (0)
	ALOG_PUT('"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		m = 0;
		if (c == '"' || c == '\\') {
			esc[m++] = '\\';
			esc[m++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			esc[m++] = '\\';
			esc[m++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f || (ascii && c > 0x7f)) {
			memcpy(esc, "\\u00", 4);
			m = 4;
			esc[m++] = hex[c >> 4];
			esc[m++] = hex[c & 0xf];
		} else {
			esc[m++] = (char)c;
		}
		for (k = 0; k < m; k++)
			ALOG_PUT(esc[k]);
	}
	for (k = 0; cut && k < 3; k++)
		ALOG_PUT('.');
	ALOG_PUT('"');
#undef ALOG_PUT
	if (len > 0)
		out[o < len ? o : len - 1] = '\0';
	return o;
}

size_t
mp_alog_json_str(char *out, size_t len, const char *s)
{
	return alog_json(out, len, s, strlen(s), false, false);
}

size_t
mp_alog_json_bytes(char *out, size_t len, const char *s, size_t n, bool cut)
{
	return alog_json(out, len, s, n, true, cut);
}

/* "10.0.0.1:80" or "[fd00::1]:80" as a JSON string. */
static const char *
alog_endpoint(int family, const uint8_t *addr, rte_be16_t port, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(out, len, family == AF_INET6 ? "\"[%s]:%u\"" : "\"%s:%u\"", a,
	         rte_be_to_cpu_16(port));
	return out;
}

/* A name as a JSON string, or null. */
static const char *
alog_name(const char *name, char *out, size_t len)
{
	if (name == NULL) {
		snprintf(out, len, "null");
		return out;
	}
	return mp_alog_json_str(out, len, name) < len ? out : "null";
}

static int
alog_format_l4(const struct mp_alog_rec *r, const struct mp_alog_clock *clk, const char *listener,
               const char *cluster, char *out, size_t len)
{
	const struct mp_alog_l4 *l = &r->l4;
	char time[32], ep[4][INET6_ADDRSTRLEN + 12], ln[2 * MP_NAME_LEN + 8],
	        cn[2 * MP_NAME_LEN + 8];
	uint64_t ms = clk->hz / 1000;
	unsigned int i;
	int n;

	mp_alog_iso8601(alog_clock_ns(clk, r->tsc), time, sizeof(time));
	for (i = 0; i < 4; i++)
		alog_endpoint(l->family, l->addr[i], l->port[i], ep[i], sizeof(ep[i]));
	n = snprintf(out, len,
	             "{\"time\":\"%s\",\"type\":\"l4\",\"listener\":%s,\"protocol\":\"%s\","
	             "\"client\":%s,\"vip\":%s,\"snat\":%s,\"endpoint\":%s,\"cluster\":%s,"
	             "\"packets_in\":%lu,\"packets_out\":%lu,\"bytes_in\":%lu,\"bytes_out\":%lu,"
	             "\"duration_ms\":%lu,\"state\":\"%s\",\"reason\":\"%s\",\"worker\":%u}\n",
	             time, alog_name(listener, ln, sizeof(ln)),
	             l->proto == IPPROTO_UDP ? "udp" : "tcp", ep[MP_FLOW_ORIG_SRC],
	             ep[MP_FLOW_ORIG_DST], ep[MP_FLOW_REPLY_DST], ep[MP_FLOW_REPLY_SRC],
	             alog_name(cluster, cn, sizeof(cn)), (unsigned long)l->pkts[0],
	             (unsigned long)l->pkts[1], (unsigned long)l->bytes[0],
	             (unsigned long)l->bytes[1],
	             (unsigned long)(l->last_tsc > l->start_tsc && ms != 0
	                                     ? (l->last_tsc - l->start_tsc) / ms
	                                     : 0),
	             l->state < MP_FLOW_S_MAX ? alog_states[l->state] : "?",
	             l->reason < MP_ALOG_R_MAX ? alog_reasons[l->reason] : "?", r->worker);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* A TSC interval in microseconds, or null. */
static const char *
alog_us(const struct mp_alog_clock *clk, uint64_t tsc, char *out, size_t len)
{
	if (tsc == MP_ALOG_NO_TIME || clk->hz == 0)
		snprintf(out, len, "null");
	else
		snprintf(out, len, "%lu",
		         (unsigned long)(tsc / clk->hz * 1000000 +
		                         tsc % clk->hz * 1000000 / clk->hz));
	return out;
}

int
mp_alog_format_http(const struct mp_alog_rec *r, const struct mp_alog_clock *clk,
                    const struct mp_alog_http_names *names, char *out, size_t len)
{
	const struct mp_alog_http *h = &r->http;
	char time[32], client[INET6_ADDRSTRLEN + 12], up[INET6_ADDRSTRLEN + 12];
	char method[6 * MP_ALOG_METHOD_MAX + 8], host[6 * MP_ALOG_HOST_MAX + 8];
	char path[6 * MP_ALOG_PATH_MAX + 8], rid[6 * MP_ALOG_RID_MAX + 8];
	char n[6][2 * MP_NAME_LEN + 8], t[6][24], rt[16];
	const char *name[6] = {names->listener, names->table, names->vhost,
	                       names->cluster,  names->local, names->error};
	unsigned int i;
	int k;

	if (h->client_family != AF_INET && h->client_family != AF_INET6)
		return -1;
	mp_alog_iso8601(alog_clock_ns(clk, h->start_tsc), time, sizeof(time));
	alog_endpoint(h->client_family, h->client, h->client_port, client, sizeof(client));
	if (h->upstream_family == AF_INET || h->upstream_family == AF_INET6)
		alog_endpoint(h->upstream_family, h->upstream, h->upstream_port, up, sizeof(up));
	else
		snprintf(up, sizeof(up), "\"-\"");
	mp_alog_json_bytes(method, sizeof(method), h->method,
	                   RTE_MIN(h->method_len, MP_ALOG_METHOD_MAX),
	                   (h->flags & MP_ALOG_F_METHOD_CUT) != 0);
	mp_alog_json_bytes(host, sizeof(host), h->host, RTE_MIN(h->host_len, MP_ALOG_HOST_MAX),
	                   (h->flags & MP_ALOG_F_HOST_CUT) != 0);
	mp_alog_json_bytes(path, sizeof(path), h->path, RTE_MIN(h->path_len, MP_ALOG_PATH_MAX),
	                   (h->flags & MP_ALOG_F_PATH_CUT) != 0);
	if (h->rid_len != 0)
		mp_alog_json_bytes(rid, sizeof(rid), h->rid, RTE_MIN(h->rid_len, MP_ALOG_RID_MAX),
		                   (h->flags & MP_ALOG_F_RID_CUT) != 0);
	else
		snprintf(rid, sizeof(rid), "null");
	for (i = 0; i < RTE_DIM(name); i++)
		alog_name(name[i], n[i], sizeof(n[i]));
	if (h->route == MP_ALOG_NO_INDEX)
		snprintf(rt, sizeof(rt), "null");
	else
		snprintf(rt, sizeof(rt), "%u", h->route);
	alog_us(clk, h->connect, t[0], sizeof(t[0]));
	alog_us(clk, h->first_byte, t[1], sizeof(t[1]));
	alog_us(clk, h->down_first_byte, t[2], sizeof(t[2]));
	alog_us(clk, h->total, t[3], sizeof(t[3]));
	alog_us(clk, h->proxy_request, t[4], sizeof(t[4]));
	alog_us(clk, h->proxy_response, t[5], sizeof(t[5]));
	k = snprintf(out, len,
	             "{\"time\":\"%s\",\"type\":\"http\",\"listener\":%s,\"client\":%s,"
	             "\"method\":%s,\"host\":%s,\"path\":%s,\"protocol\":\"HTTP/1.%u\","
	             "\"status\":%u,\"bytes_in\":%lu,\"bytes_out\":%lu,\"upstream\":%s,"
	             "\"table\":%s,\"vhost\":%s,\"route\":%s,\"cluster\":%s,\"retries\":%u,"
	             "\"local_reason\":%s,\"error\":%s,\"request_id\":%s,"
	             "\"upstream_connect_us\":%s,\"upstream_first_byte_us\":%s,"
	             "\"downstream_first_byte_us\":%s,\"total_us\":%s,\"proxy_request_us\":%s,"
	             "\"proxy_response_us\":%s,\"worker\":%u}\n",
	             time, n[0], client, method, host, path, h->minor, h->status,
	             (unsigned long)h->bytes_in, (unsigned long)h->bytes_out, up, n[1], n[2], rt,
	             n[3], h->retries, n[4],
	             (h->flags & MP_ALOG_F_CLIENT_GONE) ? "\"client_closed\"" : n[5], rid, t[0],
	             t[1], t[2], t[3], t[4], t[5], r->worker);
	return k < 0 || (size_t)k >= len ? -1 : k;
}

int
mp_alog_format(const struct mp_alog_rec *r, const struct mp_alog_clock *clk, const char *listener,
               const char *cluster, char *out, size_t len)
{
	if (r->type == MP_ALOG_L4 && (r->l4.family == AF_INET || r->l4.family == AF_INET6))
		return alog_format_l4(r, clk, listener, cluster, out, len);
	return -1;
}

int
mp_alog_writer_open(struct mp_alog_writer *w, const char *path, unsigned int n_workers,
                    unsigned int ring_size, int socket_id)
{
	unsigned int i;
	int e;

	memset(w, 0, sizeof(*w));
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->budget = ring_size;
	for (i = 0; i < n_workers; i++) {
		w->rings[i] = mp_alog_ring_create(i, ring_size, socket_id);
		if (w->rings[i] == NULL) {
			e = rte_errno;
			MP_LOG(ERR,
			       "access log: cannot create the record ring of worker %u (%u "
			       "records): %s; lower access_log.ring_size or give the EAL more "
			       "memory",
			       i, ring_size, rte_strerror(e));
			goto fail;
		}
		w->n_rings = i + 1;
	}
	w->f = fopen(path, "ae");
	if (w->f == NULL) {
		e = errno;
		MP_LOG(ERR, "access_log.path \"%s\": cannot open for appending: %s", path,
		       strerror(e));
		goto fail;
	}
	mp_alog_clock_init(&w->clock, rte_get_tsc_hz());
	MP_LOG(INFO, "access log: %s (%u records per worker)", path, ring_size);
	return 0;
fail:
	for (i = 0; i < w->n_rings; i++)
		rte_ring_free(w->rings[i]);
	w->n_rings = 0;
	return -e;
}

/* The names a record's indexes resolve to, when its generation is the one names knows. */
static void
alog_resolve(const struct mp_alog_rec *r, const struct mp_alog_names *names, const char **listener,
             const char **cluster)
{
	const struct mp_conf *conf = names != NULL ? names->conf : NULL;

	*listener = NULL;
	*cluster = NULL;
	if (conf == NULL || r->type != MP_ALOG_L4 || r->l4.generation != names->generation)
		return;
	if (r->l4.listener < conf->n_listeners)
		*listener = conf->listeners[r->l4.listener].name;
	if (r->l4.cluster < conf->n_clusters)
		*cluster = conf->clusters[r->l4.cluster].name;
}

/* The names of an HTTP record, when its generation is the one names knows. */
static void
alog_resolve_http(const struct mp_alog_rec *r, const struct mp_alog_names *names,
                  struct mp_alog_http_names *out)
{
	const struct mp_conf *conf = names != NULL ? names->conf : NULL;
	const struct mp_alog_http *h = &r->http;

	memset(out, 0, sizeof(*out));
	if (names != NULL && names->http_reason != NULL) {
		if (h->local != 0)
			out->local = names->http_reason(h->local - 1u);
		if (h->error != 0)
			out->error = names->http_reason(h->error - 1u);
	}
	if (conf == NULL || h->generation != names->generation)
		return;
	if (h->listener < conf->n_listeners)
		out->listener = conf->listeners[h->listener].name;
	if (h->cluster < conf->n_clusters)
		out->cluster = conf->clusters[h->cluster].name;
	if (conf->http != NULL && h->table < conf->http->n_tables) {
		const struct mp_conf_route_table *t = &conf->http->tables[h->table];

		out->table = t->name;
		if (h->vhost < t->vhosts.n)
			out->vhost = conf->http->vhosts[t->vhosts.first + h->vhost].name;
	}
}

static void
alog_write(struct mp_alog_writer *w, const struct mp_alog_rec *r, const struct mp_alog_names *names)
{
	struct mp_alog_http_names hn;
	const char *listener, *cluster;
	char line[ALOG_LINE_MAX];
	int n;

	if (r->type == MP_ALOG_HTTP) {
		alog_resolve_http(r, names, &hn);
		n = mp_alog_format_http(r, &w->clock, &hn, line, sizeof(line));
	} else {
		alog_resolve(r, names, &listener, &cluster);
		n = mp_alog_format(r, &w->clock, listener, cluster, line, sizeof(line));
	}
	if (n < 0 || fwrite(line, 1, (size_t)n, w->f) != (size_t)n)
		w->write_errors++;
	else
		w->lines++;
}

unsigned int
mp_alog_writer_drain(struct mp_alog_writer *w, const struct mp_alog_names *names)
{
	struct mp_alog_rec recs[ALOG_BURST];
	unsigned int i, j, n, taken, total = 0;

	if (w->f == NULL)
		return 0;
	for (i = 0; i < w->n_rings; i++) {
		for (taken = 0; taken < w->budget; taken += n) {
			n = rte_ring_sc_dequeue_burst_elem(w->rings[i], recs, sizeof(recs[0]),
			                                   RTE_MIN(ALOG_BURST, w->budget - taken),
			                                   NULL);
			if (n == 0)
				break;
			for (j = 0; j < n; j++)
				alog_write(w, &recs[j], names);
		}
		total += taken;
	}
	if (total != 0 && fflush(w->f) != 0) {
		w->write_errors++;
		clearerr(w->f);
	}
	return total;
}

int
mp_alog_writer_reopen(struct mp_alog_writer *w)
{
	FILE *f;
	int e;

	if (w->f == NULL)
		return 0;
	if (fflush(w->f) != 0) {
		w->write_errors++;
		clearerr(w->f);
	}
	f = fopen(w->path, "ae");
	if (f == NULL) {
		e = errno;
		w->reopen_failures++;
		MP_LOG(ERR, "access log: cannot reopen %s: %s; still writing to the old file",
		       w->path, strerror(e));
		return -e;
	}
	if (fclose(w->f) != 0)
		w->write_errors++;
	w->f = f;
	w->reopens++;
	MP_LOG(INFO, "access log: reopened %s", w->path);
	return 0;
}

void
mp_alog_writer_close(struct mp_alog_writer *w, const struct mp_alog_names *names)
{
	unsigned int i;

	if (w->f != NULL) {
		/* Workers are stopped: whatever is queued is all there is. */
		while (mp_alog_writer_drain(w, names) != 0)
			;
		if (fclose(w->f) != 0)
			w->write_errors++;
		w->f = NULL;
	}
	for (i = 0; i < w->n_rings; i++)
		rte_ring_free(w->rings[i]);
	w->n_rings = 0;
}
