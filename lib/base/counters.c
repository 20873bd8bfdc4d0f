/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "mp_drop.h"

#define MP_DROP_NAME(sym, name, desc) [MP_DROP_##sym] = name,
static const char *const drop_names[MP_DROP_MAX] = {MP_DROP_LIST(MP_DROP_NAME)};
#undef MP_DROP_NAME

#define MP_DROP_DESC(sym, name, desc) [MP_DROP_##sym] = desc,
static const char *const drop_descs[MP_DROP_MAX] = {MP_DROP_LIST(MP_DROP_DESC)};
#undef MP_DROP_DESC

const char *
mp_drop_name(enum mp_drop d)
{
	return (unsigned)d < MP_DROP_MAX ? drop_names[d] : "?";
}

const char *
mp_drop_desc(enum mp_drop d)
{
	return (unsigned)d < MP_DROP_MAX ? drop_descs[d] : "?";
}

#include "mp_counters.h"

#define MP_EVENT_NAME(sym, name) [MP_EV_##sym] = name,
static const char *const event_names[MP_EV_MAX] = {MP_EVENT_LIST(MP_EVENT_NAME)};
#undef MP_EVENT_NAME

const char *
mp_event_name(enum mp_event e)
{
	return (unsigned)e < MP_EV_MAX ? event_names[e] : "?";
}
