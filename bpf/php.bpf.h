// Shared by the kit's programs: where the PHP probes live, and how a counter is bumped.
#ifndef PHP_BPF_H
#define PHP_BPF_H

// The binary or library holding PHP's probes, fixed at build time because ebpf_exporter attaches
// by section name: /usr/bin/php8.x (CLI, php -S), /usr/sbin/php-fpm8.x, or
// /usr/lib/apache2/modules/libphp8.x.so (mod_php). bpf/setup.sh detects it; make PHP_BINARY=... overrides.
#ifndef PHP_BINARY
#define PHP_BINARY "/usr/bin/php"
#endif
#define PHP_USDT(probe) SEC("usdt/" PHP_BINARY ":php:" probe)
#define PHP_UPROBE(symbol) SEC("uprobe/" PHP_BINARY ":" symbol)

// Some PHP 8 probes and functions pass a zend_string * where a char * is documented; its text
// starts after the refcount header, the hash and the length.
#define ZEND_STRING_VAL_OFFSET 24

static __always_inline void increment(void *map, const void *key)
{
    u64 one = 1, *value = bpf_map_lookup_elem(map, key);

    if (value)
        __sync_fetch_and_add(value, 1);
    else
        bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

#endif
