// PHP per file: files compiled (compile__file__entry, needs USE_ZEND_DTRACE=1) and errors by file
// and level. PHP 8's USDT "error" probe never fires (its observer is registered in zend_startup and
// dropped by the observer start-up that follows), so errors come from a uprobe on
// zend_error_zstr_at, the exported function every PHP 8 error goes through, @-suppressed ones too.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "php.bpf.h"

#define FILE_LEN 128

struct file_key {
    char file[FILE_LEN];
};

struct error_key {
    char file[FILE_LEN];
    u32 level; // E_WARNING, E_NOTICE, ... (a bit mask with one bit set)
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 2048);
    __type(key, struct file_key);
    __type(value, u64);
} php_files_compiled_total SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 2048);
    __type(key, struct error_key);
    __type(value, u64);
} php_errors_total SEC(".maps");

PHP_USDT("compile__file__entry")
int BPF_USDT(compile_file_entry, const char *compiled_file, const char *original_file)
{
    struct file_key key = {};

    // The file as include/require named it; compiled_file is still NULL here when opcache is off.
    bpf_probe_read_user_str(key.file, sizeof(key.file), original_file);
    increment(&php_files_compiled_total, &key);
    return 0;
}

// void zend_error_zstr_at(int type, zend_string *filename, uint32_t lineno, zend_string *message)
PHP_UPROBE("zend_error_zstr_at")
int BPF_UPROBE(error_raised, int type, const char *filename)
{
    struct error_key key = { .level = (u32)type & 0x7fff };

    if (filename)
        bpf_probe_read_user_str(key.file, sizeof(key.file), filename + ZEND_STRING_VAL_OFFSET);
    increment(&php_errors_total, &key);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
