/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath-tcp-peer: the kernel side of the TCP stack benchmark (bench/tcp_goodput.sh). Plain
 * sockets, so that whatever sits on the other end (meshpath's stack, or the kernel as the
 * baseline) meets the same client and the same server:
 *
 *   send ADDRESS PORT MIB       connect, send MIB MiB, shut the write side, read until the peer
 *                               closes; prints "bytes seconds MiB/s" (connect to EOF)
 *   sink ADDRESS PORT [COUNT]   listen; read every connection until EOF, then close it (what
 *                               meshpath's discard service does); after each of the first COUNT
 *                               connections that carried data, print "bytes seconds MiB/s"
 *                               (accept to EOF); runs until killed (COUNT 0: print nothing)
 *   echo ADDRESS PORT           listen; send every connection's bytes back until it shuts its
 *                               write side, then shut ours and close (what meshpath's echo
 *                               service does), one connection at a time; runs until killed
 *   conns ADDRESS PORT SECONDS THREADS
 *                               THREADS loops of connect, shut the write side, wait for the
 *                               peer's close, close; prints "connections seconds per-second
 *                               failures" (connections completed within SECONDS)
 *
 * ADDRESS is IPv4 or IPv6. Exit status 1 on any error, with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PEER_BUF     (1u << 20) /* bytes per send() and recv() */
#define PEER_BACKLOG 4096
#define PEER_EVENTS  64
#define PEER_MAX_FD  65536 /* per-connection state of the sink, by fd */

static struct sockaddr_storage peer_addr;
static socklen_t peer_addr_len;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "meshpath-tcp-peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
parse_addr(const char *addr, const char *port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&peer_addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&peer_addr;
	int p = atoi(port);

	memset(&peer_addr, 0, sizeof(peer_addr));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		peer_addr_len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		peer_addr_len = sizeof(*a6);
	} else {
		fprintf(stderr, "meshpath-tcp-peer: not an address: %s\n", addr);
		exit(1);
	}
}

static int
peer_connect(void)
{
	int fd = socket(peer_addr.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&peer_addr, peer_addr_len) < 0)
		die("connect");
	return fd;
}

/* A listening socket on peer_addr (type flags: SOCK_NONBLOCK or 0). */
static int
peer_listen(int flags)
{
	int one = 1, fd = socket(peer_addr.ss_family, SOCK_STREAM | flags, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&peer_addr, peer_addr_len) < 0)
		die("bind");
	if (listen(fd, PEER_BACKLOG) < 0)
		die("listen");
	return fd;
}

/* Read until the peer closes; returns the bytes read. */
static uint64_t
drain(int fd, char *buf)
{
	uint64_t n = 0;
	ssize_t r;

	while ((r = recv(fd, buf, PEER_BUF, 0)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("recv");
		}
		n += (uint64_t)r;
	}
	return n;
}

static int
cmd_send(uint64_t mib)
{
	char *buf = malloc(PEER_BUF);
	uint64_t left = mib << 20;
	double t0, t;
	int fd;

	if (buf == NULL)
		die("malloc");
	for (uint32_t i = 0; i < PEER_BUF; i++)
		buf[i] = (char)(i * 2654435761u >> 24);
	t0 = now_s();
	fd = peer_connect();
	while (left > 0) {
		ssize_t w = send(fd, buf, left < PEER_BUF ? left : PEER_BUF, 0);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("send");
		}
		left -= (uint64_t)w;
	}
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown");
	drain(fd, buf);
	t = now_s() - t0;
	close(fd);
	printf("%llu %.3f %.1f\n", (unsigned long long)(mib << 20), t, (double)mib / t);
	free(buf);
	return 0;
}

struct sink_conn {
	uint64_t bytes;
	double start;
};

static _Noreturn void
cmd_sink(long count)
{
	static struct sink_conn conns[PEER_MAX_FD];
	struct epoll_event ev, evs[PEER_EVENTS];
	char *buf = malloc(PEER_BUF);
	int lfd, ep;
	long reported = 0;

	if (buf == NULL)
		die("malloc");
	lfd = peer_listen(SOCK_NONBLOCK);
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, PEER_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (c >= PEER_MAX_FD) {
						close(c);
						continue;
					}
					conns[c].bytes = 0;
					conns[c].start = now_s();
					ev.events = EPOLLIN;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0)
						die("epoll_ctl");
				}
				continue;
			}
			while ((r = recv(fd, buf, PEER_BUF, 0)) > 0)
				conns[fd].bytes += (uint64_t)r;
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			/* EOF (or an error such as a reset): done with this one. */
			if (r == 0 && conns[fd].bytes > 0 && reported < count) {
				double t = now_s() - conns[fd].start;

				printf("%llu %.3f %.1f\n", (unsigned long long)conns[fd].bytes, t,
				       (double)conns[fd].bytes / 1048576.0 / t);
				fflush(stdout);
				reported++;
			}
			close(fd);
		}
	}
}

static atomic_bool conns_stop;
static atomic_ullong conns_done;
static atomic_ullong conns_failed;

/* One connection's cycle; false on any error (counted, not fatal: the rate is what matters). */
static bool
conns_once(void)
{
	int fd = socket(peer_addr.ss_family, SOCK_STREAM, 0);
	char buf[64];
	ssize_t r;

	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&peer_addr, peer_addr_len) < 0 ||
	    shutdown(fd, SHUT_WR) < 0) {
		close(fd);
		return false;
	}
	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	close(fd);
	return r == 0;
}

static void *
conns_loop(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&conns_stop, memory_order_relaxed))
		atomic_fetch_add_explicit(conns_once() ? &conns_done : &conns_failed, 1,
		                          memory_order_relaxed);
	return NULL;
}

static int
cmd_conns(double seconds, int threads)
{
	pthread_t th[256];
	unsigned long long done;
	double t0, t;

	if (threads < 1 || threads > 256) {
		fprintf(stderr, "meshpath-tcp-peer: 1 to 256 threads\n");
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, conns_loop, NULL) != 0)
			die("pthread_create");
	usleep((useconds_t)(seconds * 1e6));
	done = atomic_load(&conns_done);
	t = now_s() - t0;
	atomic_store(&conns_stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	printf("%llu %.3f %.0f %llu\n", done, t, (double)done / t, atomic_load(&conns_failed));
	return 0;
}

/* Write all of n bytes. */
static void
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("send");
		}
		buf += w;
		n -= (size_t)w;
	}
}

static _Noreturn void
cmd_echo(void)
{
	char *buf = malloc(PEER_BUF);
	int lfd;

	if (buf == NULL)
		die("malloc");
	lfd = peer_listen(0);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		ssize_t r;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		/* The client reads while it writes (or the echo would stall on a full window). */
		while ((r = recv(c, buf, PEER_BUF, 0)) != 0) {
			if (r < 0) {
				if (errno == EINTR)
					continue;
				die("recv");
			}
			write_all(c, buf, (size_t)r);
		}
		shutdown(c, SHUT_WR);
		close(c);
	}
}

int
main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "send") == 0) {
		parse_addr(argv[2], argv[3]);
		return cmd_send(strtoull(argv[4], NULL, 10));
	}
	if (argc >= 4 && strcmp(argv[1], "sink") == 0) {
		parse_addr(argv[2], argv[3]);
		cmd_sink(argc >= 5 ? atol(argv[4]) : 0);
	}
	if (argc >= 4 && strcmp(argv[1], "echo") == 0) {
		parse_addr(argv[2], argv[3]);
		cmd_echo();
	}
	if (argc >= 6 && strcmp(argv[1], "conns") == 0) {
		parse_addr(argv[2], argv[3]);
		return cmd_conns(atof(argv[4]), atoi(argv[5]));
	}
	fprintf(stderr, "usage: meshpath-tcp-peer send ADDRESS PORT MIB\n"
	                "       meshpath-tcp-peer sink ADDRESS PORT [COUNT]\n"
	                "       meshpath-tcp-peer echo ADDRESS PORT\n"
	                "       meshpath-tcp-peer conns ADDRESS PORT SECONDS THREADS\n");
	return 2;
}
