/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `tcp` section: meshpath's own TCP stack, one per worker (the echo and discard listeners
 * now, the HTTP proxy later). Limits, buffers and timers; every key is optional and documented
 * with its default in conf/README.md. Fixed at start: a reload that changes it is refused.
 */
#include "conf_priv.h"

#define TCP_KEY(n, f, lo, hi, d) CONF_INT_KEY(n, struct mp_conf, tcp.f, lo, hi, d, 0)

#define CONF_TCP_MIN_CONNS  16
#define CONF_TCP_MAX_CONNS  (1 << 22)
#define CONF_TCP_MIN_BUF    4096
#define CONF_TCP_MAX_BUF    (64 << 20)
#define CONF_TCP_MAX_WB_MB  65536
#define CONF_TCP_MIN_MSS    536
#define CONF_TCP_MAX_MSS    9000
#define CONF_TCP_MAX_MS     600000
#define CONF_TCP_MAX_IDLE_S (7 * 86400)

static const char *const conf_cc_names[] = {"cubic", "newreno"};

static void
conf_tcp_cc(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf *conf = obj;
	int i = conf_choice(ctx, k, s, conf_cc_names, RTE_DIM(conf_cc_names),
	                    "a congestion control algorithm", "");

	if (i >= 0)
		conf->tcp.cc = (uint32_t)i;
}

/* RFC 6298 bounds: the first RTO may not be below the floor nor above the ceiling. */
static void
conf_tcp_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	const struct mp_conf_tcp *t = &((struct mp_conf *)obj)->tcp;

	if (t->rto_min_ms <= t->rto_init_ms && t->rto_init_ms <= t->rto_max_ms)
		return;
	conf_err(ctx, conf_member_or(grp, "rto_initial_ms"),
	         "tcp.rto_min_ms = %u, rto_initial_ms = %u and rto_max_ms = %u must be in "
	         "increasing order: the initial RTO lies between the bounds",
	         t->rto_min_ms, t->rto_init_ms, t->rto_max_ms);
}

static const struct conf_key conf_tcp_keys[] = {
        TCP_KEY("max_connections", max_conns, CONF_TCP_MIN_CONNS, CONF_TCP_MAX_CONNS,
                MP_CONF_DEF_TCP_CONNS),
        TCP_KEY("max_time_wait", max_time_wait, 0, CONF_TCP_MAX_CONNS, MP_CONF_DEF_TCP_TIME_WAIT),
        TCP_KEY("syn_backlog", syn_backlog, 0, CONF_TCP_MAX_CONNS, MP_CONF_DEF_TCP_SYN_BACKLOG),
        TCP_KEY("send_buffer", sndbuf, CONF_TCP_MIN_BUF, CONF_TCP_MAX_BUF, MP_CONF_DEF_TCP_BUF),
        TCP_KEY("receive_buffer", rcvbuf, CONF_TCP_MIN_BUF, CONF_TCP_MAX_BUF, MP_CONF_DEF_TCP_BUF),
        TCP_KEY("worker_buffer_mb", worker_buf_mb, 1, CONF_TCP_MAX_WB_MB,
                MP_CONF_DEF_TCP_WORKER_BUF_MB),
        TCP_KEY("mss", mss, CONF_TCP_MIN_MSS, CONF_TCP_MAX_MSS, MP_CONF_DEF_TCP_MSS),
        TCP_KEY("delayed_ack", delayed_ack, 0, 1, 1),
        TCP_KEY("delayed_ack_ms", delack_ms, 1, 500, MP_CONF_DEF_TCP_DELACK_MS),
        TCP_KEY("nagle", nagle, 0, 1, 0),
        TCP_KEY("sack", sack, 0, 1, 1),
        TCP_KEY("tail_loss_probes", tlp, 0, 1, 1),
        TCP_KEY("reordering_window", rack, 0, 1, 1),
        TCP_KEY("timestamps", timestamps, 0, 1, 1),
        TCP_KEY("window_scaling", window_scaling, 0, 1, 1),
        TCP_KEY("syn_cookies", syn_cookies, 0, 1, 1),
        TCP_KEY("keepalive", keepalive, 0, 1, 0),
        TCP_KEY("keepalive_idle_s", keepalive_idle_s, 1, CONF_TCP_MAX_IDLE_S,
                MP_CONF_DEF_TCP_KA_IDLE_S),
        TCP_KEY("keepalive_interval_s", keepalive_intvl_s, 1, 3600, MP_CONF_DEF_TCP_KA_INTVL_S),
        TCP_KEY("keepalive_probes", keepalive_probes, 1, 100, MP_CONF_DEF_TCP_KA_PROBES),
        TCP_KEY("rto_initial_ms", rto_init_ms, 1, CONF_TCP_MAX_MS, MP_CONF_DEF_TCP_RTO_INIT_MS),
        TCP_KEY("rto_min_ms", rto_min_ms, 1, CONF_TCP_MAX_MS, MP_CONF_DEF_TCP_RTO_MIN_MS),
        TCP_KEY("rto_max_ms", rto_max_ms, 1, CONF_TCP_MAX_MS, MP_CONF_DEF_TCP_RTO_MAX_MS),
        TCP_KEY("retries", max_retries, 1, 100, MP_CONF_DEF_TCP_RETRIES),
        TCP_KEY("syn_retries", syn_retries, 1, 20, MP_CONF_DEF_TCP_SYN_RETRIES),
        TCP_KEY("time_wait_ms", time_wait_ms, 0, CONF_TCP_MAX_MS, MP_CONF_DEF_TCP_TIME_WAIT_MS),
        TCP_KEY("fin_wait2_ms", fin_wait2_ms, 1000, CONF_TCP_MAX_MS, MP_CONF_DEF_TCP_FIN_WAIT2_MS),
        CONF_CUSTOM_KEY("congestion_control", conf_tcp_cc, 0, NULL),
};

const struct conf_schema conf_tcp_schema = {
        .keys = conf_tcp_keys,
        .n_keys = RTE_DIM(conf_tcp_keys),
        .finish = conf_tcp_finish,
};
