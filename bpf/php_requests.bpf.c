// PHP requests: a count and a latency histogram (exp2, microseconds), from request__startup/shutdown.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

#define MAX_BUCKET 26 // 2^26 µs ≈ 67 s: anything slower lands in the last bucket

struct method_key {
    char method[8];
};

// HTTP methods are few; the hash is sized for all of them with room to spare.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 32);
    __type(key, struct method_key);
    __type(value, u64);
} php_requests_total SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MAX_BUCKET + 1);
    __type(key, u32);
    __type(value, u64);
} php_request_duration_seconds SEC(".maps");

// Per-request start time, by thread; deleted at shutdown so the map never fills.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, u64);
} request_start SEC(".maps");

SEC("usdt")
int BPF_USDT(request_startup, const char *file, const char *uri, const char *method)
{
    u32 tid = (u32)bpf_get_current_pid_tgid();
    u64 now = bpf_ktime_get_ns();

    bpf_map_update_elem(&request_start, &tid, &now, BPF_ANY);
    return 0;
}

SEC("usdt")
int BPF_USDT(request_shutdown, const char *file, const char *uri, const char *method)
{
    u32 tid = (u32)bpf_get_current_pid_tgid();
    struct method_key key = {};
    u32 bucket = 0;
    u64 one = 1, *start, *total, *count, micros;

    bpf_probe_read_user_str(key.method, sizeof(key.method), method);
    total = bpf_map_lookup_elem(&php_requests_total, &key);
    if (total)
        __sync_fetch_and_add(total, 1);
    else
        bpf_map_update_elem(&php_requests_total, &key, &one, BPF_NOEXIST);

    start = bpf_map_lookup_elem(&request_start, &tid);
    if (!start)
        return 0;
    micros = (bpf_ktime_get_ns() - *start) / 1000;
    bpf_map_delete_elem(&request_start, &tid);

    while (bucket < MAX_BUCKET && micros > (1ULL << bucket))
        bucket++;
    count = bpf_map_lookup_elem(&php_request_duration_seconds, &bucket);
    if (count)
        __sync_fetch_and_add(count, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
