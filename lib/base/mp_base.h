/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath base: logging, error helpers and compile-time limits shared by every module.
 *
 * Logging is for the control path only. The data path counts (see mp_drop.h) and never logs.
 */
#ifndef MP_BASE_H
#define MP_BASE_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_log.h>

/** Upper bounds that size static arrays; the config validator enforces them with a message. */
#define MP_MAX_PORTS       16
#define MP_MAX_WORKERS     64
#define MP_MAX_PORT_ADDRS  8
#define MP_MAX_ROUTES      1024
#define MP_MAX_LISTENERS   256
#define MP_MAX_CLUSTERS    256
#define MP_MAX_ENDPOINTS   4096 /* over all clusters */
#define MP_MAX_SNAT_ADDRS  16   /* per cluster */
#define MP_MAX_BURST       256
#define MP_MAX_NEIGH_QUEUE 256 /* packets held per unresolved neighbour */
#define MP_MAX_EAL_ARGS    64
#define MP_NAME_LEN        32
#define MP_DEVARGS_LEN     256

extern int mp_logtype;

/** Log from the control path: MP_LOG(ERR, "port %u: %s", id, strerror(e)). */
#define MP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mp_logtype, "meshpath: " fmt "\n", ##__VA_ARGS__)

/**
 * A config name (a port, cluster, listener) as a telemetry dict key. DPDK 22.11 telemetry takes
 * only [A-Za-z0-9_/] in dict keys and drops other entries silently, and config names may hold
 * '-': every character but letters and digits becomes '_'. Returns buf. Control path.
 */
static inline const char *
mp_tel_key(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && name[i] != '\0'; i++)
		buf[i] = isalnum((unsigned char)name[i]) ? name[i] : '_';
	buf[i] = '\0';
	return buf;
}

/** Register the meshpath log type. Idempotent; called by main before anything logs. */
void
mp_log_init(void);

#endif /* MP_BASE_H */
