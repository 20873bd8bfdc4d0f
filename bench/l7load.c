/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath-l7load: an open-loop HTTP/1.1 load generator for the L7 benchmarks (bench/l7.sh).
 *
 * Open loop (--rate R > 0): every connection slot sends one request every connections / R
 * seconds, the slots staggered over one interval. A request's latency runs from its
 * *scheduled* send time to the last byte of its response, not from when it was actually sent:
 * when a slot is still busy with the previous request, the next one waits on it and the wait
 * counts (no coordinated omission; wrk2's rule). Closed loop (--rate 0): each slot sends the
 * next request as soon as the previous response is complete, and latency runs from the send.
 *
 * Modes: keep-alive (one connection per slot, reopened when the server closes it) or close (a
 * new connection per request, "Connection: close"; the latency includes the handshake).
 * Responses are parsed with lib/http (Content-Length, chunked or until close) to know where each
 * ends; a status other than 2xx is an error. Requests scheduled during the warm-up are sent but
 * not recorded; after the measured window no new request is scheduled, and those still waiting
 * or in flight get up to --drain seconds before they count as timeouts.
 *
 * Idle mode (--idle N): open N keep-alive connections, at most --connections at a time in
 * flight, send one request on each and read its response, print a JSON "ready" line, then hold
 * them open until SIGTERM (or --duration) and print how many were still open. For measuring a
 * proxy's memory per idle client connection.
 *
 * Output: one JSON line on stdout (latencies in microseconds, a CDF of 100+ quantiles).
 *
 *   meshpath-l7load -a 10.10.0.100:80 [-H host] [-p path] [-c conns] [-r rate] [-d secs]
 *                   [-w warmup] [-m keepalive|close] [-b src1,src2,...] [-i idle_conns]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mp_hist.h"
#include "mp_http.h"

#define LD_NS_PER_S    1000000000ull
#define LD_RECV_BUF    65536
#define LD_EVENTS      256
#define LD_MAX_FIELDS  32  /* response header fields per message */
#define LD_MAX_SRC     16  /* source addresses given with -b */
#define LD_TIMEOUT_S   10  /* a request in flight this long is a timeout */
#define LD_CDF_POINTS  100 /* quantiles 0.01 .. 1.00 in the CDF, plus the tail points below */
#define LD_IDLE_WAIT_S 120 /* idle mode: give up opening connections after this long */

/* LD_ERR(symbol, "name in the JSON") */
#define LD_ERR_LIST(X)              \
	X(CONNECT, "connect")       \
	X(WRITE, "write")           \
	X(READ, "read")             \
	X(EOF, "closed_early")      \
	X(PARSE, "parse")           \
	X(STATUS, "status_not_2xx") \
	X(TIMEOUT, "timeout")

enum ld_err {
#define LD_ERR_ENUM(sym, name) LD_ERR_##sym,
	LD_ERR_LIST(LD_ERR_ENUM)
#undef LD_ERR_ENUM
	        LD_ERR_MAX,
};

static const char *const ld_err_names[] = {
#define LD_ERR_NAME(sym, name) name,
        LD_ERR_LIST(LD_ERR_NAME)
#undef LD_ERR_NAME
};

enum ld_state {
	LD_FREE,       /* no request in flight (a keep-alive socket may be open) */
	LD_CONNECTING, /* socket connecting; the request goes out when it is writable */
	LD_SENDING,    /* request partly written */
	LD_RECEIVING,  /* request written, response not complete */
	LD_HELD,       /* idle mode: response read, connection held open */
};

struct ld_conn {
	int fd;
	uint8_t state;
	uint8_t src;         /* index of its source address */
	uint32_t sent;       /* bytes of the request written */
	uint64_t next;       /* scheduled time of the next request (ns) */
	uint64_t sched;      /* scheduled time of the request in flight */
	uint64_t issued;     /* when the request in flight was started */
	uint64_t resp_bytes; /* bytes of the response in flight */
	struct mp_http_parser hp;
	struct mp_http_field fields[LD_MAX_FIELDS];
};

struct ld {
	/* options */
	struct sockaddr_in dst;
	struct sockaddr_in src[LD_MAX_SRC];
	unsigned int n_src;
	const char *host;
	const char *path;
	unsigned int conns;
	double rate;
	double duration;
	double warmup;
	double drain;
	bool close_mode;
	unsigned int idle;
	/* run */
	char req[1024];
	uint32_t req_len;
	int ep;
	struct ld_conn *c;
	uint64_t start, warm_end, end;
	uint64_t interval; /* per slot, ns; 0 in closed loop */
	struct mp_hist hist;
	uint64_t ok;        /* measured responses: scheduled in the window, complete, 2xx */
	uint64_t win_done;  /* responses completed in the window, whenever scheduled */
	uint64_t win_bytes; /* of those */
	uint64_t sent_all;  /* requests started, warm-up included */
	uint64_t errs[LD_ERR_MAX];
	uint64_t held;    /* idle mode: connections held open now */
	uint64_t settled; /* idle mode: connections held or failed since the start */
	struct mp_http_params hparams;
	uint8_t buf[LD_RECV_BUF];
};

static volatile sig_atomic_t ld_stop;

static void
ld_on_signal(int sig)
{
	(void)sig;
	ld_stop = 1;
}

static uint64_t
ld_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LD_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
ld_usage(void)
{
	fprintf(stderr,
	        "usage: meshpath-l7load -a ADDR:PORT [-H host] [-p path] [-c connections]\n"
	        "       [-r requests/s (0: closed loop)] [-d seconds] [-w warm-up seconds]\n"
	        "       [-m keepalive|close] [-b src1,src2,...] [-D drain seconds] [-i idle N]\n");
	exit(2);
}

static int
ld_parse_addr(const char *s, struct sockaddr_in *a, bool port_needed)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (n >= sizeof(host) || (port_needed && colon == NULL))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	if (colon != NULL)
		a->sin_port = htons((uint16_t)atoi(colon + 1));
	return 0;
}

static void
ld_options(struct ld *l, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"addr", required_argument, NULL, 'a'},
	        {"host", required_argument, NULL, 'H'},
	        {"path", required_argument, NULL, 'p'},
	        {"connections", required_argument, NULL, 'c'},
	        {"rate", required_argument, NULL, 'r'},
	        {"duration", required_argument, NULL, 'd'},
	        {"warmup", required_argument, NULL, 'w'},
	        {"mode", required_argument, NULL, 'm'},
	        {"bind", required_argument, NULL, 'b'},
	        {"drain", required_argument, NULL, 'D'},
	        {"idle", required_argument, NULL, 'i'},
	        {NULL, 0, NULL, 0},
	};
	bool have_dst = false;
	char *s, *tok, *save;
	int o;

	l->host = "bench";
	l->path = "/";
	l->conns = 32;
	l->duration = 5;
	l->warmup = 1;
	l->drain = 5;
	while ((o = getopt_long(argc, argv, "a:H:p:c:r:d:w:m:b:D:i:", opts, NULL)) != -1) {
		switch (o) {
		case 'a':
			if (ld_parse_addr(optarg, &l->dst, true) < 0)
				ld_usage();
			have_dst = true;
			break;
		case 'H':
			l->host = optarg;
			break;
		case 'p':
			l->path = optarg;
			break;
		case 'c':
			l->conns = (unsigned int)atoi(optarg);
			break;
		case 'r':
			l->rate = atof(optarg);
			break;
		case 'd':
			l->duration = atof(optarg);
			break;
		case 'w':
			l->warmup = atof(optarg);
			break;
		case 'm':
			if (strcmp(optarg, "close") == 0)
				l->close_mode = true;
			else if (strcmp(optarg, "keepalive") != 0)
				ld_usage();
			break;
		case 'b':
			s = strdup(optarg);
			for (tok = strtok_r(s, ",", &save); tok != NULL && l->n_src < LD_MAX_SRC;
			     tok = strtok_r(NULL, ",", &save))
				if (ld_parse_addr(tok, &l->src[l->n_src++], false) < 0)
					ld_usage();
			free(s);
			break;
		case 'D':
			l->drain = atof(optarg);
			break;
		case 'i':
			l->idle = (unsigned int)atoi(optarg);
			break;
		default:
			ld_usage();
		}
	}
	if (!have_dst || l->conns == 0 || l->rate < 0 || l->duration <= 0 || l->warmup < 0 ||
	    (l->idle > 0 && l->close_mode))
		ld_usage();
}

/* ---------------------------------------------------------------------------------------- */
/* Connections                                                                               */

static void
ld_err(struct ld *l, enum ld_err e, uint64_t now)
{
	/* Errors during the warm-up are the warm-up's; idle mode counts all. */
	if (l->idle > 0 || now >= l->warm_end)
		l->errs[e]++;
}

static void
ld_close(struct ld *l, struct ld_conn *c)
{
	if (c->state != LD_FREE && c->state != LD_HELD)
		l->settled++; /* a request in flight failed */
	if (c->fd >= 0) {
		epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	c->state = LD_FREE;
}

static int
ld_watch(struct ld *l, struct ld_conn *c, int op, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	return epoll_ctl(l->ep, op, c->fd, &ev);
}

/* Open c's socket and start connecting; the request goes out once it is writable. */
static int
ld_connect(struct ld *l, struct ld_conn *c)
{
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (l->n_src > 0) {
		/* Pick the port at connect(), per 4-tuple: more than 64k connections per address
		 * to different destinations, and no bind() port search. */
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(c->fd, (struct sockaddr *)&l->src[c->src], sizeof(l->src[0])) < 0)
			goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&l->dst, sizeof(l->dst)) < 0 && errno != EINPROGRESS)
		goto fail;
	if (ld_watch(l, c, EPOLL_CTL_ADD, EPOLLIN | EPOLLOUT) < 0)
		goto fail;
	c->state = LD_CONNECTING;
	return 0;
fail:
	one = -errno;
	close(c->fd);
	c->fd = -1;
	return one;
}

/* Write what is left of the request; switch to receiving when it is all out. */
static int
ld_send(struct ld *l, struct ld_conn *c)
{
	ssize_t n;

	while (c->sent < l->req_len) {
		n = send(c->fd, l->req + c->sent, l->req_len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			c->state = LD_SENDING;
			return ld_watch(l, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
		}
		if (n < 0)
			return -errno;
		c->sent += (uint32_t)n;
	}
	c->state = LD_RECEIVING;
	return ld_watch(l, c, EPOLL_CTL_MOD, EPOLLIN);
}

/* Start the request scheduled at sched on c: on its open connection, or on a new one. */
static void
ld_start(struct ld *l, struct ld_conn *c, uint64_t sched, uint64_t now)
{
	c->sched = sched;
	c->issued = now;
	c->sent = 0;
	c->resp_bytes = 0;
	l->sent_all++;
	mp_http_init(&c->hp, MP_HTTP_RESPONSE, &l->hparams, c->fields);
	mp_http_expect_response(&c->hp, MP_HTTP_M_GET);
	if (c->fd < 0) {
		if (ld_connect(l, c) < 0) {
			ld_err(l, LD_ERR_CONNECT, now);
			l->settled++;
		}
		return;
	}
	if (ld_send(l, c) < 0) {
		ld_err(l, LD_ERR_WRITE, now);
		ld_close(l, c);
	}
}

/* The response on c is complete at now. */
static void
ld_done(struct ld *l, struct ld_conn *c, uint64_t now)
{
	bool keep = c->hp.msg.keep_alive && !l->close_mode;
	uint16_t status = c->hp.msg.status;

	if (status < 200 || status > 299) {
		ld_err(l, LD_ERR_STATUS, now);
	} else if (l->idle == 0 && c->sched >= l->warm_end && c->sched < l->end) {
		mp_hist_record(&l->hist, now - c->sched);
		l->ok++;
	}
	if (l->idle == 0 && now >= l->warm_end && now < l->end) {
		l->win_done++;
		l->win_bytes += c->resp_bytes;
	}
	if (l->idle > 0) {
		/* A server that will not hold it closes it: counted as closed_early then. */
		c->state = LD_HELD;
		l->held++;
		l->settled++;
		return;
	}
	if (!keep) {
		ld_close(l, c);
		return;
	}
	c->state = LD_FREE;
}

/* Read and parse what arrived on c. */
static void
ld_recv(struct ld *l, struct ld_conn *c, uint64_t now)
{
	enum mp_http_event ev;
	uint32_t off, used;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, l->buf, sizeof(l->buf), 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			ld_err(l, LD_ERR_READ, now);
			ld_close(l, c);
			return;
		}
		if (n == 0) {
			/* Closed: ends a body delimited by the close; elsewhere an error, unless
			 * no request was in flight (a keep-alive connection the server let go). */
			if (c->state == LD_RECEIVING && mp_http_finish(&c->hp) == MP_HTTP_DONE) {
				ld_done(l, c, now);
				if (c->state == LD_HELD)
					l->held--;
			} else if (c->state != LD_FREE) {
				ld_err(l, LD_ERR_EOF, now);
				if (c->state == LD_HELD)
					l->held--;
			}
			ld_close(l, c);
			return;
		}
		if (c->state != LD_RECEIVING)
			continue; /* bytes nobody asked for (idle mode): ignore */
		c->resp_bytes += (uint64_t)n;
		for (off = 0; off < (uint32_t)n || c->state == LD_RECEIVING; off += used) {
			ev = mp_http_parse(&c->hp, l->buf + off, (uint32_t)n - off, &used);
			if (ev == MP_HTTP_ERROR) {
				ld_err(l, LD_ERR_PARSE, now);
				ld_close(l, c);
				return;
			}
			if (ev == MP_HTTP_DONE) {
				ld_done(l, c, now);
				if (c->fd < 0 || c->state != LD_FREE)
					return; /* closed, or held */
				break;
			}
			if (ev == MP_HTTP_AGAIN)
				break;
		}
	}
}

static void
ld_event(struct ld *l, struct ld_conn *c, uint32_t events, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->state == LD_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0 ||
		    (events & (EPOLLERR | EPOLLHUP)) != 0) {
			ld_err(l, LD_ERR_CONNECT, now);
			ld_close(l, c);
			return;
		}
		if ((events & EPOLLOUT) == 0)
			return;
		if (ld_send(l, c) < 0) {
			ld_err(l, LD_ERR_WRITE, now);
			ld_close(l, c);
		}
		return;
	}
	if (c->state == LD_SENDING && (events & EPOLLOUT) != 0 && ld_send(l, c) < 0) {
		ld_err(l, LD_ERR_WRITE, now);
		ld_close(l, c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0)
		ld_recv(l, c, now);
}

static void
ld_poll(struct ld *l, uint64_t wait_ns)
{
	struct epoll_event ev[LD_EVENTS];
	struct timespec ts = {.tv_sec = (time_t)(wait_ns / LD_NS_PER_S),
	                      .tv_nsec = (long)(wait_ns % LD_NS_PER_S)};
	uint64_t now;
	int n;

	n = epoll_pwait2(l->ep, ev, LD_EVENTS, &ts, NULL);
	now = ld_now();
	for (int i = 0; i < n; i++)
		ld_event(l, ev[i].data.ptr, ev[i].events, now);
}

/* ---------------------------------------------------------------------------------------- */
/* Runs                                                                                      */

static void
ld_run(struct ld *l)
{
	uint64_t now, drain_end, wake;
	bool busy;

	l->start = ld_now();
	l->warm_end = l->start + (uint64_t)(l->warmup * LD_NS_PER_S);
	l->end = l->warm_end + (uint64_t)(l->duration * LD_NS_PER_S);
	drain_end = l->end + (uint64_t)(l->drain * LD_NS_PER_S);
	l->interval = l->rate > 0 ? (uint64_t)(l->conns * (double)LD_NS_PER_S / l->rate) : 0;
	for (unsigned int i = 0; i < l->conns; i++)
		l->c[i].next = l->start + l->interval * i / l->conns;
	for (;;) {
		now = ld_now();
		if (ld_stop || now >= drain_end)
			break;
		busy = false;
		wake = now + LD_NS_PER_S / 10;
		for (unsigned int i = 0; i < l->conns; i++) {
			struct ld_conn *c = &l->c[i];

			if (c->state == LD_FREE && l->interval == 0)
				c->next = now < l->end ? now : UINT64_MAX; /* closed loop: now */
			if (c->state == LD_FREE && c->next < l->end && c->next <= now) {
				ld_start(l, c, c->next, now);
				c->next += l->interval;
			}
			if (c->state != LD_FREE) {
				if (now - c->issued > LD_TIMEOUT_S * LD_NS_PER_S) {
					ld_err(l, LD_ERR_TIMEOUT, now);
					ld_close(l, c);
				}
				busy = true;
			} else if (c->next < l->end) {
				busy = true;
				if (c->next < wake)
					wake = c->next;
			}
		}
		if (!busy && now >= l->end)
			break;
		ld_poll(l, wake > now ? wake - now : 0);
	}
	/* What the drain did not finish: in flight, or scheduled in the window and never sent. */
	for (unsigned int i = 0; i < l->conns; i++) {
		struct ld_conn *c = &l->c[i];

		if (c->state != LD_FREE && c->sched >= l->warm_end && c->sched < l->end)
			l->errs[LD_ERR_TIMEOUT]++;
		for (uint64_t t = c->next; l->interval > 0 && t < l->end; t += l->interval)
			if (t >= l->warm_end)
				l->errs[LD_ERR_TIMEOUT]++;
	}
}

static void
ld_print_errors(const struct ld *l)
{
	uint64_t total = 0;

	for (int e = 0; e < LD_ERR_MAX; e++)
		total += l->errs[e];
	printf("\"errors\":{\"total\":%" PRIu64, total);
	for (int e = 0; e < LD_ERR_MAX; e++)
		printf(",\"%s\":%" PRIu64, ld_err_names[e], l->errs[e]);
	printf("}");
}

static void
ld_report(const struct ld *l)
{
	static const double tail[] = {0.995, 0.999, 0.9999};
	const struct mp_hist *h = &l->hist;
	double us = 1e3;

	printf("{\"target\":\"%s:%u\",\"host\":\"%s\",\"path\":\"%s\",\"mode\":\"%s\","
	       "\"connections\":%u,\"rate_offered\":%.1f,\"duration_s\":%.3f,\"warmup_s\":%.3f,"
	       "\"requests\":%" PRIu64 ",",
	       inet_ntoa(l->dst.sin_addr), ntohs(l->dst.sin_port), l->host, l->path,
	       l->close_mode ? "close" : "keepalive", l->conns, l->rate, l->duration, l->warmup,
	       l->ok);
	ld_print_errors(l);
	printf(",\"rate_achieved\":%.1f,\"bytes_per_s\":%.0f,", (double)l->win_done / l->duration,
	       (double)l->win_bytes / l->duration);
	printf("\"latency_us\":{\"mean\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,"
	       "\"p999\":%.1f,\"max\":%.1f},",
	       h->count ? (double)h->sum / (double)h->count / us : 0.0,
	       (double)mp_hist_quantile(h, 0.5) / us, (double)mp_hist_quantile(h, 0.9) / us,
	       (double)mp_hist_quantile(h, 0.99) / us, (double)mp_hist_quantile(h, 0.999) / us,
	       (double)h->max / us);
	printf("\"cdf\":[");
	for (int i = 1; i <= LD_CDF_POINTS; i++) {
		double q = (double)i / LD_CDF_POINTS;

		if (i == LD_CDF_POINTS)
			for (size_t t = 0; t < sizeof(tail) / sizeof(tail[0]); t++)
				printf("[%.4f,%.1f],", tail[t],
				       (double)mp_hist_quantile(h, tail[t]) / us);
		printf("[%.4f,%.1f]%s", q, (double)mp_hist_quantile(h, q) / us,
		       i < LD_CDF_POINTS ? "," : "");
	}
	printf("]}\n");
}

/* Idle mode: open l->idle connections, l->conns at a time, one request each, then hold. */
static void
ld_idle(struct ld *l)
{
	uint64_t now, give_up, hold_end;
	unsigned int opened = 0;

	l->start = ld_now();
	give_up = l->start + (uint64_t)LD_IDLE_WAIT_S * LD_NS_PER_S;
	for (;;) {
		now = ld_now();
		/* Keep at most l->conns connections opening or waiting for their response. */
		while (opened < l->idle && opened - l->settled < l->conns) {
			struct ld_conn *c = &l->c[opened++];

			c->src = (uint8_t)(l->n_src > 0 ? opened % l->n_src : 0);
			ld_start(l, c, now, now);
		}
		if ((opened == l->idle && l->settled == opened) || ld_stop || now >= give_up)
			break;
		ld_poll(l, LD_NS_PER_S / 100);
	}
	printf("{\"ready\":true,\"idle_wanted\":%u,\"held\":%" PRIu64 ",\"open_s\":%.3f,", l->idle,
	       l->held, (double)(ld_now() - l->start) / LD_NS_PER_S);
	ld_print_errors(l);
	printf("}\n");
	fflush(stdout);
	hold_end = ld_now() + (uint64_t)(l->duration * LD_NS_PER_S);
	while (!ld_stop && ld_now() < hold_end)
		ld_poll(l, LD_NS_PER_S / 10);
	printf("{\"done\":true,\"held\":%" PRIu64 ",", l->held);
	ld_print_errors(l);
	printf("}\n");
}

int
main(int argc, char **argv)
{
	struct ld *l = calloc(1, sizeof(*l));
	unsigned int slots;
	struct rlimit rl;
	int n;

	if (l == NULL)
		return 1;
	ld_options(l, argc, argv);
	slots = l->idle > 0 ? l->idle : l->conns;
	/* Enough descriptors for every slot: the hard limit is what the caller's ulimit -n gave. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < slots + 64u) {
		rl.rlim_cur = rl.rlim_max < slots + 64u ? rl.rlim_max : slots + 64u;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	l->c = calloc(slots, sizeof(*l->c));
	if (l->c == NULL) {
		fprintf(stderr, "meshpath-l7load: no memory for %u connections\n", slots);
		return 1;
	}
	for (unsigned int i = 0; i < slots; i++)
		l->c[i].fd = -1;
	n = snprintf(l->req, sizeof(l->req),
	             "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: meshpath-l7load\r\n%s\r\n",
	             l->path, l->host, l->close_mode ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(l->req)) {
		fprintf(stderr, "meshpath-l7load: host and path too long\n");
		return 2;
	}
	l->req_len = (uint32_t)n;
	mp_http_params_default(&l->hparams);
	l->hparams.max_headers = LD_MAX_FIELDS;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	signal(SIGINT, ld_on_signal);
	signal(SIGTERM, ld_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (l->idle > 0) {
		ld_idle(l);
	} else {
		ld_run(l);
		ld_report(l);
	}
	return 0;
}
