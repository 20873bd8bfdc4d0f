/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath load balancing for the HTTP proxy: outlier ejection, L7 picks that skip ejected
 * endpoints (the cluster's own policy, least request with two random choices, ring hash), the
 * retry policy with its back-off and budget, and circuit breakers. Included by mp_lb.h.
 *
 * Everything here is per worker and decides only: it reads no clock (every function that
 * needs the time takes `now`, in nanoseconds of any monotonic clock the caller picks, the same
 * one for every call on one object), draws no random number of its own (callers pass one),
 * allocates only in *_create / *_build, takes no lock and makes no syscall. The proxy owns the
 * timers, the connections and the counters' export; tests drive time by passing numbers.
 *
 * Per worker, shared nothing: each worker sees the outcomes of its own requests, ejects on
 * them and counts its own gauges. An endpoint failing every request is therefore ejected by
 * every worker within its first N failures there (N x workers requests in all); one failing
 * a share of requests is judged on each worker's sample of them. Envoy's detector pools the
 * workers' outcomes on its main thread instead, which needs cross-thread traffic per request.
 *
 * One request through the proxy, per worker w and cluster c (error paths shortened):
 * @code
 * k = mp_lb_breaker_acquire(&w->brk[c], MP_LB_BRK_BIT(MP_LB_BRK_REQUESTS));
 * if (k != MP_LB_BRK_NONE)
 *	return reply_503(req, mp_lb_breaker_name(k));	// x-meshpath-overflow: max_requests
 * ep = mp_lb_pick_l7(cl, w->lb[c], w->outlier[c], avoid = -1, key, now);	// or p2c, ring
 * mp_lb_flow_open(w->lb[c], ep);		// least request counts active requests here
 * ... connect (MP_LB_BRK_CONNECTIONS / PENDING around it), send, wait ...
 * mp_lb_flow_close(w->lb[c], ep);
 * mp_lb_outlier_report(w->outlier[c], ep, outcome_of(attempt), now);
 * v = mp_lb_retry_decide(&route->retry, &attempt_state, w->brk[c].active[MP_LB_BRK_REQUESTS],
 *			  w->brk[c].active[MP_LB_BRK_RETRIES], &w->retry_stats[c]);
 * if (v == MP_LB_RETRY_RETRY && mp_lb_breaker_acquire(&w->brk[c],
 *				MP_LB_BRK_BIT(MP_LB_BRK_RETRIES)) == MP_LB_BRK_NONE)
 *	timer_in(mp_lb_retry_backoff(&route->retry, retries_done, rnd()), pick again, avoid = ep);
 * @endcode
 */
#ifndef MP_LB_L7_H
#define MP_LB_L7_H

#include <stdbool.h>
#include <stdint.h>

#include "mp_lb.h"

/** Nanoseconds per second, for the defaults below. */
#define MP_LB_NS_PER_SEC UINT64_C(1000000000)
#define MP_LB_NS_PER_MS  UINT64_C(1000000)

/* ---------------------------------------------------------------------------------------- */
/* Outlier ejection                                                                          */

/** Defaults, Envoy's (outlier_detection): see struct mp_lb_outlier_params. */
#define MP_LB_OUTLIER_DEF_CONSECUTIVE_5XX     5
#define MP_LB_OUTLIER_DEF_CONSECUTIVE_CONNECT 5
#define MP_LB_OUTLIER_DEF_BASE_EJECTION       (30 * MP_LB_NS_PER_SEC)
#define MP_LB_OUTLIER_DEF_MAX_EJECTION        (300 * MP_LB_NS_PER_SEC)
#define MP_LB_OUTLIER_DEF_DECAY_INTERVAL      (10 * MP_LB_NS_PER_SEC)
#define MP_LB_OUTLIER_DEF_MAX_EJECTION_PCT    10

/**
 * Outlier detection of one cluster. A zero threshold turns that detector off.
 *
 * Ejection time: an endpoint ejected for the k-th time (k counted as below) stays out for
 * min(base_ejection x k, max(base_ejection, max_ejection)) and comes back by itself when that
 * time has passed: nothing has to run for it to be pickable again.
 *
 * k decays: for every whole decay_interval an endpoint spends not ejected, k drops by one
 * (down to 0), counted from the end of its last ejection. So an endpoint that fails again right
 * after coming back is ejected for longer, one that behaved for k intervals starts over.
 * This is Envoy's rule (its multiplier drops by one per `interval` tick while not ejected)
 * computed from timestamps instead of a timer.
 *
 * Share: an ejection happens only while (ejected + 1) x 100 <= max_ejection_percent x
 * n_endpoints, so below 100% at least one configured endpoint always stays in. The bound is
 * strict: with 10% a cluster needs 10 endpoints before one is ever ejected. (Envoy
 * compares the share before the ejection, so it ejects one of 3 at 10%: it can overshoot.) An
 * ejection refused by the bound is counted (ejections_overflow), the failure count stays at
 * the threshold, and the next failure tries again.
 */
struct mp_lb_outlier_params {
	uint32_t consecutive_5xx;      /**< 5xx or reset responses in a row; default 5 */
	uint32_t consecutive_connect;  /**< connect failures in a row; default 5 */
	uint64_t base_ejection;        /**< ns; default 30 s */
	uint64_t max_ejection;         /**< ns; default 300 s */
	uint64_t decay_interval;       /**< ns per decay step of k; default 10 s; 0 = no decay */
	uint32_t max_ejection_percent; /**< of configured endpoints, 0..100; default 10 */
};

/** The outcome of one request on one endpoint, as outlier detection counts it. */
enum mp_lb_outcome {
	/** A response below 500: the endpoint works (4xx is the client's problem). */
	MP_LB_OUTCOME_SUCCESS,
	/** A 5xx response, a reset or a timeout after the connection was up. */
	MP_LB_OUTCOME_5XX,
	/** The connection could not be opened (refused, timed out, reset in the handshake). */
	MP_LB_OUTCOME_CONNECT_FAILURE,
};

/** Per-cluster outlier counters: name, then what it counts. One list, one writer. */
#define MP_LB_OUTLIER_COUNTERS(X)                                                      \
	X(ejections_total, "endpoints ejected")                                        \
	X(ejections_consecutive_5xx, "ejections for consecutive 5xx")                  \
	X(ejections_consecutive_connect, "ejections for consecutive connect failures") \
	X(ejections_overflow, "ejections refused by max_ejection_percent")

struct mp_lb_outlier_stats {
#define MP_LB_OUTLIER_FIELD(name, desc) uint64_t name;
	MP_LB_OUTLIER_COUNTERS(MP_LB_OUTLIER_FIELD)
#undef MP_LB_OUTLIER_FIELD
	uint32_t ejections_active; /**< gauge: endpoints out now (as of the last report/tick) */
};

/** One endpoint's outlier state, for stats and tests. */
struct mp_lb_outlier_ep_info {
	uint64_t ejections;     /**< times ejected */
	uint64_t ejected_until; /**< ns; the endpoint is out while now < this */
	uint32_t multiplier;    /**< k, decayed to `now` */
	uint32_t consecutive_5xx;
	uint32_t consecutive_connect;
	bool ejected; /**< at `now` */
};

struct mp_lb_outlier;

/** Fill p with the defaults above. */
void
mp_lb_outlier_params_default(struct mp_lb_outlier_params *p);

/**
 * Create one worker's outlier state for a cluster of n_endpoints (the config's count, the
 * same indexes as mp_lb_endpoint()). Control path.
 * @return the state, or NULL with rte_errno set (EINVAL: n_endpoints 0 or a percent above
 *         100; ENOMEM)
 */
struct mp_lb_outlier *
mp_lb_outlier_create(uint16_t n_endpoints, const struct mp_lb_outlier_params *p, int socket);

/** Free (NULL is fine). */
void
mp_lb_outlier_free(struct mp_lb_outlier *o);

/**
 * Count the outcome of one request on ep at time now. A success clears both consecutive
 * counts; a 5xx clears the connect count (the connection worked) and adds to the 5xx count;
 * a connect failure adds to the connect count. Reaching a threshold ejects ep, within the
 * share bound. Failures reported while ep is ejected (requests that were in flight) are not
 * counted: it comes back needing N new failures, and an ejection is never extended. A
 * success resets the counts at any time. Data-path safe.
 * @return true when this report ejected ep
 */
bool
mp_lb_outlier_report(struct mp_lb_outlier *o, uint16_t ep, enum mp_lb_outcome outcome,
                     uint64_t now);

/** Whether ep is ejected at now. Data-path safe; o may be NULL (never ejected). */
bool
mp_lb_outlier_ejected(const struct mp_lb_outlier *o, uint16_t ep, uint64_t now);

/**
 * Bring back the endpoints whose time is up, for the gauge: picks do not need it (they compare
 * times), the active-ejections gauge does. Call it from the worker's timer, every second say.
 * O(n_endpoints). Data-path safe.
 * @return endpoints brought back
 */
unsigned int
mp_lb_outlier_tick(struct mp_lb_outlier *o, uint64_t now);

/** Counters of the cluster (read by the control thread without locks). */
const struct mp_lb_outlier_stats *
mp_lb_outlier_stats(const struct mp_lb_outlier *o);

/** One endpoint's state at now. */
void
mp_lb_outlier_ep(const struct mp_lb_outlier *o, uint16_t ep, uint64_t now,
                 struct mp_lb_outlier_ep_info *info);

/* ---------------------------------------------------------------------------------------- */
/* L7 picks: healthy (in the cluster object) and not ejected (in the worker's outlier state)  */
/*                                                                                           */
/* Each returns an endpoint that is up, has a weight above 0 and is not ejected at now. When */
/* every such endpoint is ejected (possible only when others are down, or at 100%: below, */
/* the share bound keeps one in), the pick ignores ejection rather than fail: an ejected    */
/* endpoint may answer, none at all certainly does not. -1 only when no endpoint is up. o    */
/* may be NULL (nothing ejected).                                                            */
/*                                                                                           */
/* avoid: a retry passes the endpoint its last attempt failed on (-1 otherwise), and it is   */
/* passed over like an ejected one while another endpoint is in (Envoy's previous_hosts      */
/* predicate); hash policies then walk on to the key's next slot or point, deterministically.*/

/**
 * The cluster's own policy (mp_lb_pick()) with ejected endpoints skipped. Maglev hashes key
 * (folded to 32 bits) and, when the slot's endpoint is ejected, walks on to the next slots,
 * so only the ejected endpoint's keys move, and back when it returns. Round robin, random and
 * least connections pick again a few times, then take the first available endpoint after a
 * random start. Data-path safe; writes s.
 */
int
mp_lb_pick_l7(const struct mp_lb_cluster *c, struct mp_lb_state *s, const struct mp_lb_outlier *o,
              int avoid, uint64_t key, uint64_t now);

/**
 * Least request, two random choices, weighted: draw two endpoints with probability
 * proportional to weight (the cluster's alias table, from a splitmix64 sequence seeded with
 * `random`: the same random gives the same pick), keep the one with fewer active requests per
 * unit of weight (mp_lb_state_active() / weight: the proxy counts requests with
 * mp_lb_flow_open()/close() on an L7 cluster's state), the first drawn on a tie. Idle endpoints are
 * therefore picked in proportion to their weights, and a loaded one loses to any less loaded one it
 * is drawn with. Mitzenmacher's two choices keep the maximum load near the average without scanning
 * every endpoint. Envoy runs P2C for equal weights and an EDF schedule on weight / (active + 1)
 * otherwise; one rule for both is simpler and O(1). An ejected draw is redrawn (from random,
 * re-mixed) a few times, then the first available endpoint is taken. Data-path safe; reads s.
 */
int
mp_lb_p2c_pick(const struct mp_lb_cluster *c, const struct mp_lb_state *s,
               const struct mp_lb_outlier *o, int avoid, uint64_t random, uint64_t now);

/** Ring hash default size (points on the ring) and bounds. Envoy: minimum 1024. */
#define MP_LB_RING_DEF_SIZE 16384
#define MP_LB_RING_SIZE_MIN 1
#define MP_LB_RING_SIZE_MAX (1u << 23)

struct mp_lb_ring;

/**
 * Build a ring hash (Karger et al. consistent hashing, as libketama and Envoy's ring_hash lay
 * it out) over c's pickable endpoints. Endpoint e gets round(size x w_e / W) points, at least
 * one, W the weight of every configured endpoint (down ones too: health changes then move only
 * the keys of the endpoint that changed; config changes rescale everyone), at positions
 * hash(identity of e, i): address and port, never its index, so the ring depends on the set of
 * endpoints and weights only. A key goes to the first point at or after it, clockwise. An
 * endpoint's share is its weight's share to within about 1 / sqrt(its points): 4% for 10
 * endpoints at the default size, up to 40% for 100 (2^20 points bring 100 within 5%). Control
 * path; rebuild with the cluster object on health changes.
 * @return 0, -EINVAL (size out of bounds) or -ENOMEM; an empty ring when nothing is pickable
 */
int
mp_lb_ring_build(const struct mp_lb_cluster *c, uint32_t size, int socket, struct mp_lb_ring **out);

/** Free (NULL is fine). */
void
mp_lb_ring_free(struct mp_lb_ring *r);

/** Points on the ring (the sum of every endpoint's points). */
uint32_t
mp_lb_ring_points(const struct mp_lb_ring *r);

/**
 * The endpoint for a 64-bit key (the proxy's hash of a header, a cookie or the source
 * address: any well mixed 64-bit value). An ejected endpoint's point is passed over for the
 * next one clockwise: only its keys move. A bucket table on the key's top bits, then a scan of
 * about one point: three loads whatever the ring size. Data-path safe.
 */
int
mp_lb_ring_pick(const struct mp_lb_ring *r, const struct mp_lb_outlier *o, int avoid, uint64_t key,
                uint64_t now);

/* ---------------------------------------------------------------------------------------- */
/* Retry policy, back-off and budget                                                         */

/** What a retry may be for: bits of mp_lb_retry_params.retry_on. */
#define MP_LB_RETRY_ON_CONNECT_FAILURE (1u << 0)
#define MP_LB_RETRY_ON_RESET           (1u << 1) /**< reset or close before the response */
#define MP_LB_RETRY_ON_502             (1u << 2)
#define MP_LB_RETRY_ON_503             (1u << 3)
#define MP_LB_RETRY_ON_504             (1u << 4)
#define MP_LB_RETRY_ON_ALL             0x1fu

#define MP_LB_RETRY_DEF_ON             MP_LB_RETRY_ON_ALL
#define MP_LB_RETRY_DEF_NUM            1 /**< Envoy's route default */
#define MP_LB_RETRY_DEF_BACKOFF_BASE   (25 * MP_LB_NS_PER_MS)
#define MP_LB_RETRY_DEF_BACKOFF_MAX    (250 * MP_LB_NS_PER_MS) /**< Envoy: 10 x base */
#define MP_LB_RETRY_DEF_BUDGET_PERCENT 20
#define MP_LB_RETRY_DEF_BUDGET_MIN     3

/**
 * Retry policy of a route and budget of a cluster.
 *
 * Budget (Envoy's retry_budget): a retry may start while active_retries <
 * max(min_retry_concurrency, budget_percent x active_requests / 100), both gauges of the
 * worker's cluster (the breaker's active[MP_LB_BRK_REQUESTS] and [MP_LB_BRK_RETRIES]: the proxy
 * counts each request and each retry there anyway); active_requests counts requests in
 * flight, retries included. The max_retries breaker applies as well (Envoy lets a budget
 * replace it; here both hold, and the tighter stops the retry). With the defaults, 100
 * requests allow 20 retries in flight and a quiet cluster still allows 3.
 */
struct mp_lb_retry_params {
	uint32_t retry_on;       /**< MP_LB_RETRY_ON_* bits; default all */
	uint32_t num_retries;    /**< retries per request; default 1 */
	bool idempotent_only;    /**< retry GET, HEAD, OPTIONS, TRACE, PUT, DELETE only; default */
	uint64_t backoff_base;   /**< ns; default 25 ms */
	uint64_t backoff_max;    /**< ns; default 250 ms */
	uint32_t budget_percent; /**< of active requests, 0..100; default 20 */
	uint32_t min_retry_concurrency; /**< default 3 */
};

/** How an attempt ended, as the retry decision sees it. */
enum mp_lb_attempt_end {
	MP_LB_END_RESPONSE,        /**< a response status arrived: see status */
	MP_LB_END_CONNECT_FAILURE, /**< no connection to the endpoint */
	MP_LB_END_RESET,           /**< reset or closed before a whole response head */
};

/** The state of one request when an attempt of it ended. */
struct mp_lb_retry_req {
	enum mp_lb_attempt_end end;
	uint16_t status;         /**< with MP_LB_END_RESPONSE */
	bool idempotent;         /**< the method is */
	bool downstream_started; /**< a byte of the response went to the client already */
	uint32_t retries_done;   /**< retries already made for this request */
};

/** The retry decisions, each a named reason (the proxy counts and logs them). */
#define MP_LB_RETRY_VERDICTS(X)                              \
	X(RETRY, "retry")                                    \
	X(NO_SUCCESS, "not a failure")                       \
	X(NO_NOT_RETRIABLE, "failure not in retry_on")       \
	X(NO_STARTED, "response already started downstream") \
	X(NO_NOT_IDEMPOTENT, "method not idempotent")        \
	X(NO_EXHAUSTED, "num_retries reached")               \
	X(NO_BUDGET, "retry budget exhausted")

enum mp_lb_retry_verdict {
#define MP_LB_RETRY_ENUM(name, desc) MP_LB_RETRY_##name,
	MP_LB_RETRY_VERDICTS(MP_LB_RETRY_ENUM)
#undef MP_LB_RETRY_ENUM
	        MP_LB_RETRY_VERDICT_MAX
};

/** Per-cluster retry counters: one per verdict, one writer. */
struct mp_lb_retry_stats {
	uint64_t verdicts[MP_LB_RETRY_VERDICT_MAX];
};

/** Fill p with the defaults above. */
void
mp_lb_retry_params_default(struct mp_lb_retry_params *p);

/** The verdict's name ("retry", "retry budget exhausted", ...). */
const char *
mp_lb_retry_verdict_name(enum mp_lb_retry_verdict v);

/**
 * Whether the budget allows one more retry: active_retries < max(min_retry_concurrency,
 * floor(budget_percent x active_requests / 100)). Data-path safe.
 */
bool
mp_lb_retry_budget_allows(const struct mp_lb_retry_params *p, uint32_t active_requests,
                          uint32_t active_retries);

/**
 * Decide whether to retry the request after an attempt ended, in this order: a response that
 * is not 502/503/504 is no failure; a failure outside retry_on is not retried; nothing is
 * retried once the client has a byte of the response (it cannot be taken back); with
 * idempotent_only, a non-idempotent method is not; then num_retries; then the budget. Counts
 * the verdict in stats (NULL: not counted). On RETRY the caller starts the retry (counting it
 * in its active-retries gauge), after mp_lb_retry_backoff(), preferably on another endpoint.
 * Data-path safe.
 */
enum mp_lb_retry_verdict
mp_lb_retry_decide(const struct mp_lb_retry_params *p, const struct mp_lb_retry_req *req,
                   uint32_t active_requests, uint32_t active_retries,
                   struct mp_lb_retry_stats *stats);

/**
 * The wait before retry number retries_done + 1, full jitter (AWS architecture blog, "Exponential
 * Backoff and Jitter", 2015; Envoy's JitteredExponentialBackOffStrategy): uniform in
 * [0, min(backoff_max, backoff_base x 2^retries_done)), drawn from the caller's 64-bit random.
 * Data-path safe.
 * @return ns to wait
 */
uint64_t
mp_lb_retry_backoff(const struct mp_lb_retry_params *p, uint32_t retries_done, uint64_t random);

/* ---------------------------------------------------------------------------------------- */
/* Circuit breakers                                                                          */

/** The breakers: enum name, then the name the proxy reports (x-meshpath-overflow: NAME). */
#define MP_LB_BREAKERS(X)                  \
	X(CONNECTIONS, "max_connections")  \
	X(PENDING, "max_pending_requests") \
	X(REQUESTS, "max_requests")        \
	X(RETRIES, "max_retries")

enum mp_lb_breaker_kind {
#define MP_LB_BREAKER_ENUM(name, str) MP_LB_BRK_##name,
	MP_LB_BREAKERS(MP_LB_BREAKER_ENUM)
#undef MP_LB_BREAKER_ENUM
	        MP_LB_BRK_MAX,
	/** mp_lb_breaker_acquire(): nothing tripped. */
	MP_LB_BRK_NONE = MP_LB_BRK_MAX,
};

/** One bit per breaker kind, for acquiring several at once. */
#define MP_LB_BRK_BIT(k) (1u << (k))

/** Envoy's defaults: 1024 connections, pending and active requests, 3 active retries. */
#define MP_LB_BREAKER_DEF_MAX         1024
#define MP_LB_BREAKER_DEF_MAX_RETRIES 3

/**
 * Limits of one cluster as configured: for the whole process, as in Envoy.
 *
 * Each worker enforces its share, ceil(limit / n_workers) (at least 1): see
 * mp_lb_breaker_create(). Dividing keeps the config's meaning (what the upstream sees from
 * this proxy at most: with RSS spreading connections evenly the workers fill their shares
 * together) without a counter shared between cores; the rounding may let the process go
 * n_workers - 1 over. The cost: a worker with more than its share of the load trips before
 * the process reaches the limit. Limits of 0 are "no limit" (UINT32_MAX).
 */
struct mp_lb_breaker_params {
	uint32_t max[MP_LB_BRK_MAX];
};

struct mp_lb_breaker {
	uint32_t max[MP_LB_BRK_MAX];      /**< this worker's share */
	uint32_t active[MP_LB_BRK_MAX];   /**< gauges */
	uint64_t overflow[MP_LB_BRK_MAX]; /**< acquisitions refused by each breaker */
};

/** Fill p with the defaults above. */
void
mp_lb_breaker_params_default(struct mp_lb_breaker_params *p);

/** The breaker's name ("max_pending_requests"); "none" for MP_LB_BRK_NONE. */
const char *
mp_lb_breaker_name(enum mp_lb_breaker_kind k);

/**
 * Set b up for one of n_workers workers (its share of each limit), gauges and counters zero.
 * Control path; b is the worker's (embed it in the per-worker cluster state).
 * @return 0 or -EINVAL (n_workers 0)
 */
int
mp_lb_breaker_init(struct mp_lb_breaker *b, const struct mp_lb_breaker_params *p,
                   unsigned int n_workers);

/**
 * Take one of each breaker in mask (MP_LB_BRK_BIT()s), all or nothing: when one is full,
 * nothing is taken, its overflow is counted and it is returned (the first full one in enum
 * order). Data-path safe.
 * @return MP_LB_BRK_NONE when all were taken
 */
enum mp_lb_breaker_kind
mp_lb_breaker_acquire(struct mp_lb_breaker *b, uint32_t mask);

/** Give back one of each breaker in mask; a release without an acquire does not wrap. */
void
mp_lb_breaker_release(struct mp_lb_breaker *b, uint32_t mask);

/* ---------------------------------------------------------------------------------------- */
/* From the config                                                                           */

/**
 * Outlier parameters of a config cluster (`outlier_detection`, ms to ns). Whether detection
 * runs at all is cc->outlier.enabled: the caller creates no outlier state (NULL, nothing
 * ejected) when it is false. Control path.
 */
void
mp_lb_outlier_params_from_conf(struct mp_lb_outlier_params *p, const struct mp_conf_cluster *cc);

/** Breaker limits of a config cluster (`circuit_breakers`; 0 stays "no limit"). Control path. */
void
mp_lb_breaker_params_from_conf(struct mp_lb_breaker_params *p, const struct mp_conf_cluster *cc);

/**
 * Retry parameters of a route's `retry` (ms to ns) with the budget of the cluster the request
 * went to (`retry_budget`; cc NULL: the default budget). A route may split its requests over
 * several clusters, so the proxy combines the two per request (a copy of 40 bytes) or per
 * (route, cluster) at build time. Control path, and data-path safe.
 */
void
mp_lb_retry_params_from_conf(struct mp_lb_retry_params *p, const struct mp_conf_retry *r,
                             const struct mp_conf_cluster *cc);

#endif /* MP_LB_L7_H */
