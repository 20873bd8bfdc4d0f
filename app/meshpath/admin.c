/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin listener: a small HTTP/1.0 server on a kernel socket, run by the control thread,
 * that answers GET /metrics with every counter and histogram in Prometheus text format.
 *
 * The control thread also reloads and rebuilds health tables, so no client may hold it: sockets
 * are non-blocking, at most ADMIN_CONNS requests are read at once, each must arrive whole within
 * ADMIN_REQ_MS, and a slow reader of the answer is cut off after ADMIN_SEND_MS. The control loop
 * waits in mp_admin_wait() instead of sleeping, so a scrape is answered at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "meshpath.h"

#define ADMIN_REQ_MAX 4096 /* bytes of request head read; more is answered 431 */
#define ADMIN_REQ_MS  2000
#define ADMIN_SEND_MS 2000
#define ADMIN_BACKLOG 16

static uint64_t
admin_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
mp_admin_open(struct mp_admin *a, const struct mp_conf *conf)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char addr[64];
	int one = 1, fd, e;
	unsigned int i;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	for (i = 0; i < ADMIN_CONNS; i++)
		a->conns[i].fd = -1;
	if (conf->admin_port == 0)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (conf->admin_addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(conf->admin_port);
		sin->sin_addr.s_addr = conf->admin_addr.v4;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(conf->admin_port);
		memcpy(&sin6->sin6_addr, conf->admin_addr.v6, 16);
		len = sizeof(*sin6);
	}
	mp_conf_addr_str(&conf->admin_addr, 0, addr, sizeof(addr));
	fd = socket(conf->admin_addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, ADMIN_BACKLOG) < 0) {
		e = errno;
		MP_LOG(ERR,
		       "admin: cannot listen on %s port %u: %s; free the port or change "
		       "admin.address / admin.port",
		       addr, conf->admin_port, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	a->fd = fd;
	MP_LOG(INFO, "admin: Prometheus metrics at http://%s%s%s:%u/metrics",
	       conf->admin_addr.family == AF_INET6 ? "[" : "", addr,
	       conf->admin_addr.family == AF_INET6 ? "]" : "", conf->admin_port);
	return 0;
}

static void
admin_drop(struct mp_admin_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Write all of buf, waiting for the socket at most until deadline; false when cut off. */
static bool
admin_send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		uint64_t now;

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return false;
		now = admin_now_ms();
		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) < 0)
			return false;
	}
	return true;
}

static void
admin_respond(struct mp_admin *a, struct mp_admin_conn *c, int status, const char *reason,
              const char *type, const char *body, size_t body_len)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
	             "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n\r\n",
	             status, reason, type, body_len);
	a->requests++;
	if (!admin_send_all(c->fd, head, (size_t)n, admin_now_ms() + ADMIN_SEND_MS) ||
	    !admin_send_all(c->fd, body, body_len, admin_now_ms() + ADMIN_SEND_MS))
		a->send_failed++;
	admin_drop(c);
}

static void
admin_error(struct mp_admin *a, struct mp_admin_conn *c, int status, const char *reason)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);

	admin_respond(a, c, status, reason, "text/plain; charset=utf-8", body, (size_t)n);
}

/* A whole request head is in c->buf: answer it. */
static void
admin_serve(struct mp_admin *a, struct mp_admin_conn *c, const struct mp_stats_source *src)
{
	char *body = NULL, *sp, *target;
	size_t len = 0;
	FILE *f;
	int rc;

	c->buf[c->len] = '\0';
	sp = strchr(c->buf, ' ');
	if (sp == NULL) {
		admin_error(a, c, 400, "Bad Request");
		return;
	}
	*sp = '\0';
	target = sp + 1;
	sp = strchr(target, ' ');
	if (sp == NULL) {
		admin_error(a, c, 400, "Bad Request");
		return;
	}
	*sp = '\0';
	if (strcmp(c->buf, "GET") != 0 && strcmp(c->buf, "HEAD") != 0) {
		admin_error(a, c, 405, "Method Not Allowed");
		return;
	}
	if (strcmp(target, "/metrics") != 0 && strncmp(target, "/metrics?", 9) != 0) {
		admin_error(a, c, 404, "Not Found (try /metrics)");
		return;
	}
	f = open_memstream(&body, &len);
	if (f == NULL) {
		admin_error(a, c, 500, "Internal Server Error");
		return;
	}
	rc = mp_stats_prometheus(src, f);
	if (fclose(f) != 0 || rc < 0) {
		free(body);
		admin_error(a, c, 500, "Internal Server Error");
		return;
	}
	admin_respond(a, c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body,
	              strcmp(c->buf, "HEAD") == 0 ? 0 : len);
	free(body);
}

static void
admin_accept(struct mp_admin *a)
{
	unsigned int i;
	int fd;

	while ((fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < ADMIN_CONNS && a->conns[i].fd >= 0; i++)
			;
		if (i == ADMIN_CONNS) {
			/* Busy: say so rather than queue behind slow clients. */
			struct mp_admin_conn busy = {.fd = fd};

			admin_error(a, &busy, 503, "Service Unavailable");
			continue;
		}
		a->conns[i].fd = fd;
		a->conns[i].len = 0;
		a->conns[i].deadline = admin_now_ms() + ADMIN_REQ_MS;
	}
}

/* Read what arrived on c; answer once the head is complete. */
static void
admin_read(struct mp_admin *a, struct mp_admin_conn *c, const struct mp_stats_source *src)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		admin_drop(c);
		return;
	}
	if (n > 0)
		c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") != NULL || strstr(c->buf, "\n\n") != NULL)
		admin_serve(a, c, src);
	else if (c->len == sizeof(c->buf) - 1)
		admin_error(a, c, 431, "Request Header Fields Too Large");
}

void
mp_admin_wait(struct mp_admin *a, const struct mp_stats_source *src, int timeout_ms)
{
	struct pollfd p[ADMIN_CONNS + 1];
	unsigned int i, n = 0, idx[ADMIN_CONNS];
	uint64_t now;

	if (a->fd < 0) {
		struct timespec ts = {.tv_sec = timeout_ms / 1000,
		                      .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		return;
	}
	p[n++] = (struct pollfd){.fd = a->fd, .events = POLLIN};
	for (i = 0; i < ADMIN_CONNS; i++) {
		if (a->conns[i].fd < 0)
			continue;
		idx[n - 1] = i;
		p[n++] = (struct pollfd){.fd = a->conns[i].fd, .events = POLLIN};
	}
	if (poll(p, n, timeout_ms) <= 0)
		goto expire;
	for (i = 1; i < n; i++)
		if (p[i].revents != 0)
			admin_read(a, &a->conns[idx[i - 1]], src);
	if (p[0].revents & POLLIN)
		admin_accept(a);
expire:
	now = admin_now_ms();
	for (i = 0; i < ADMIN_CONNS; i++) {
		if (a->conns[i].fd >= 0 && now >= a->conns[i].deadline) {
			a->timeouts++;
			admin_error(a, &a->conns[i], 408, "Request Timeout");
		}
	}
}

void
mp_admin_close(struct mp_admin *a)
{
	unsigned int i;

	for (i = 0; i < ADMIN_CONNS; i++)
		if (a->conns[i].fd >= 0)
			admin_drop(&a->conns[i]);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}
