// PHP requests: a count and an exp2 latency histogram by HTTP method and route, from
// request__startup/request__shutdown (these two fire without USE_ZEND_DTRACE).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>
#include "php.bpf.h"

#define METHOD_LEN 8
#define ROUTE_LEN 32
#define MAX_BUCKET 26 // 2^26 µs ≈ 67 s: anything slower lands in the last bucket

// The route is the URI's first path segment ("/order?id=7" and "/order/7" are both "/order"),
// cut to 32 bytes: ids and query strings never become label values.
struct request_key {
    char method[METHOD_LEN];
    char route[ROUTE_LEN];
};

struct request_bucket_key {
    struct request_key request;
    u32 bucket;
};

// LRU: a scan of random URLs evicts old routes instead of filling the map.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 1024);
    __type(key, struct request_key);
    __type(value, u64);
} php_requests_total SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 1024 * (MAX_BUCKET + 1));
    __type(key, struct request_bucket_key);
    __type(value, u64);
} php_request_duration_seconds SEC(".maps");

// Per-request start time, by thread; deleted at shutdown so the map never fills.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, u64);
} request_start SEC(".maps");

static __always_inline void route_of(char route[ROUTE_LEN], const char *uri)
{
    bool ended = false;

    bpf_probe_read_user_str(route, ROUTE_LEN, uri);
    for (int i = 1; i < ROUTE_LEN; i++) {
        if (route[i] == '/' || route[i] == '?' || route[i] == '#')
            ended = true;
        if (ended)
            route[i] = 0;
    }
}

PHP_USDT("request__startup")
int BPF_USDT(request_startup, const char *file, const char *uri, const char *method)
{
    u32 tid = (u32)bpf_get_current_pid_tgid();
    u64 now = bpf_ktime_get_ns();

    bpf_map_update_elem(&request_start, &tid, &now, BPF_ANY);
    return 0;
}

PHP_USDT("request__shutdown")
int BPF_USDT(request_shutdown, const char *file, const char *uri, const char *method)
{
    u32 tid = (u32)bpf_get_current_pid_tgid();
    struct request_bucket_key key = {};
    u64 *start, micros;

    bpf_probe_read_user_str(key.request.method, sizeof(key.request.method), method);
    route_of(key.request.route, uri);
    increment(&php_requests_total, &key.request);

    start = bpf_map_lookup_elem(&request_start, &tid);
    if (!start)
        return 0;
    micros = (bpf_ktime_get_ns() - *start) / 1000;
    bpf_map_delete_elem(&request_start, &tid);

    while (key.bucket < MAX_BUCKET && micros > (1ULL << key.bucket))
        key.bucket++;
    increment(&php_request_duration_seconds, &key);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
