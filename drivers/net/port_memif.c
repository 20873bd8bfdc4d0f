/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sendmsg() as DPDK 22.11's memif driver sees it: a message to a peer that has gone is reported
 * sent.
 *
 * On a new connection to a memif server socket the driver registers the connection with the EAL
 * interrupt thread, then sends its hello. When that send fails because the peer has already
 * closed (a client that connects and exits at once; a peer killed while it connects), the driver
 * closes the socket and frees the channel without unregistering it, and the interrupt thread
 * panics the next time it builds its epoll set ("Error adding fd N epoll_ctl, Bad file
 * descriptor"): any local process that can reach the socket stops meshpath
 * (tests/e2e/test_memif_peer.sh does it with a Python client). meshpath exports its own sendmsg
 * (found before the C library's by the drivers, which are shared objects): for calls from the
 * memif driver, a send that failed because the peer is gone (EPIPE, ECONNRESET, ENOTCONN)
 * returns as sent. Nothing is lost: no one is left to read it. The connection stays registered,
 * and its end of file reaches the driver's receive path next, which unregisters it as it should.
 * The driver's sends also no longer raise SIGPIPE (MSG_NOSIGNAL). Every other caller gets the
 * system call unchanged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Whether the code at address pc belongs to DPDK's memif driver. */
static bool
memif_code(const void *pc)
{
	Dl_info info;

	return dladdr(pc, &info) != 0 && info.dli_fname != NULL &&
	       strstr(info.dli_fname, "librte_net_memif") != NULL;
}

/* The bytes msg holds. */
static ssize_t
msg_len(const struct msghdr *msg)
{
	size_t len = 0, i;

	for (i = 0; i < msg->msg_iovlen; i++)
		len += msg->msg_iov[i].iov_len;
	return (ssize_t)len;
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	bool memif = memif_code(__builtin_return_address(0));
	ssize_t n = syscall(SYS_sendmsg, fd, msg, memif ? flags | MSG_NOSIGNAL : flags);

	if (n >= 0 || !memif || (errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN))
		return n;
	return msg_len(msg);
}
