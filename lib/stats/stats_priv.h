/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/stats internals. */
#ifndef STATS_PRIV_H
#define STATS_PRIV_H

#include "mp_stats.h"

/* What the telemetry callbacks read; set by mp_stats_init(). */
extern const struct mp_stats_source *mp_stats_src;

/* Register the /meshpath/l4/ commands. */
int
mp_stats_l4_init(void);

#endif /* STATS_PRIV_H */
