// PHP function calls by function name, and exceptions thrown by class, from PHP's USDT probes.
// Fire only when the PHP process runs with USE_ZEND_DTRACE=1.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

#define NAME_LEN 64

struct name_key {
    char name[NAME_LEN];
};

// LRU: function names grow with the application; the least recently used are evicted, never the map full.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, struct name_key);
    __type(value, u64);
} php_function_calls_total SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 512);
    __type(key, struct name_key);
    __type(value, u64);
} php_exceptions_thrown_total SEC(".maps");

static __always_inline void count(void *map, const char *user_string)
{
    struct name_key key = {};
    u64 one = 1, *value;

    bpf_probe_read_user_str(key.name, sizeof(key.name), user_string);
    value = bpf_map_lookup_elem(map, &key);
    if (value)
        __sync_fetch_and_add(value, 1);
    else
        bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
}

SEC("usdt")
int BPF_USDT(function_entry, const char *function, const char *file, int line, const char *class_name, const char *scope)
{
    count(&php_function_calls_total, function);
    return 0;
}

SEC("usdt")
int BPF_USDT(exception_thrown, const char *class_name)
{
    count(&php_exceptions_thrown_total, class_name);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
