/* SPDX-License-Identifier: BSD-3-Clause */
#include "mp_base.h"

int mp_logtype = RTE_LOGTYPE_USER1;

void
mp_log_init(void)
{
	int t = rte_log_register_type_and_pick_level("meshpath", RTE_LOG_INFO);

	if (t >= 0)
		mp_logtype = t;
}
