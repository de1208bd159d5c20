// Test loader: opens a BPF object, attaches each program to the USDT probe its name says
// (request_startup -> php:request__startup) in the given binary, prints "attached", and on
// SIGTERM prints every map as JSON lines before exiting. Debian's bpftool 7.1 cannot autoattach USDT.
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void dump_map(struct bpf_map *map)
{
    int fd = bpf_map__fd(map);
    unsigned key_size = bpf_map__key_size(map);
    char key[256] = {0}, next[256] = {0};
    unsigned long long value;
    void *current = NULL;

    if (bpf_map__value_size(map) != sizeof(value) || key_size > sizeof(key))
        return;
    while (bpf_map_get_next_key(fd, current, next) == 0) {
        memcpy(key, next, key_size);
        current = key;
        if (bpf_map_lookup_elem(fd, key, &value) != 0)
            continue;
        if (key_size == 4)
            printf("{\"map\":\"%s\",\"key\":%u,\"value\":%llu}\n", bpf_map__name(map), *(unsigned *)key, value);
        else
            printf("{\"map\":\"%s\",\"key\":\"%.*s\",\"value\":%llu}\n", bpf_map__name(map), (int)strnlen(key, key_size), key, value);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OBJECT.bpf.o BINARY\n", argv[0]);
        return 2;
    }
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj || bpf_object__load(obj)) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    struct bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
        char probe[64];
        const char *name = bpf_program__name(prog);
        const char *underscore = strchr(name, '_');
        if (!underscore)
            continue;
        snprintf(probe, sizeof(probe), "%.*s__%s", (int)(underscore - name), name, underscore + 1);
        if (!bpf_program__attach_usdt(prog, -1, argv[2], "php", probe, NULL)) {
            fprintf(stderr, "cannot attach %s to php:%s in %s\n", name, probe, argv[2]);
            return 1;
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("attached\n");
    fflush(stdout);
    while (!stop)
        pause();
    struct bpf_map *map;
    bpf_object__for_each_map(map, obj) dump_map(map);
    fflush(stdout);
    bpf_object__close(obj);
    return 0;
}
