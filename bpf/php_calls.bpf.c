// PHP function calls by class and function, and exceptions thrown and caught by class.
// function__entry and the exception probes fire only when PHP runs with USE_ZEND_DTRACE=1.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>
#include "php.bpf.h"

#define CLASS_LEN 48
#define FUNCTION_LEN 48

struct call_key {
    char class_name[CLASS_LEN]; // empty for plain functions
    char function[FUNCTION_LEN];
};

struct class_key {
    char class_name[CLASS_LEN];
};

// LRU: function names grow with the application; the least recently used are evicted, never the map full.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, struct call_key);
    __type(value, u64);
} php_function_calls_total SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 512);
    __type(key, struct class_key);
    __type(value, u64);
} php_exceptions_thrown_total SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 512);
    __type(key, struct class_key);
    __type(value, u64);
} php_exceptions_caught_total SEC(".maps");

PHP_USDT("function__entry")
int BPF_USDT(function_entry, const char *function, const char *file, int line, const char *class_name, const char *scope)
{
    struct call_key key = {};

    bpf_probe_read_user_str(key.function, sizeof(key.function), function);
    bpf_probe_read_user_str(key.class_name, sizeof(key.class_name), class_name);
    increment(&php_function_calls_total, &key);
    return 0;
}

PHP_USDT("exception__thrown")
int BPF_USDT(exception_thrown, const char *class_name)
{
    struct class_key key = {};

    bpf_probe_read_user_str(key.class_name, sizeof(key.class_name), class_name);
    increment(&php_exceptions_thrown_total, &key);
    return 0;
}

// PHP 8 passes the catch's zend_string * here, not the char * the probe documents.
PHP_USDT("exception__caught")
int BPF_USDT(exception_caught, const char *class_name)
{
    struct class_key key = {};

    bpf_probe_read_user_str(key.class_name, sizeof(key.class_name), class_name + ZEND_STRING_VAL_OFFSET);
    increment(&php_exceptions_caught_total, &key);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
