// Test loader: opens a BPF object and attaches every program by its section name, as ebpf_exporter
// does (libbpf auto-attach: "usdt/<binary>:php:<probe>", "uprobe/<binary>:<symbol>"), prints
// "attached", and on SIGTERM prints every map as JSON lines, keys in hex, before exiting.
// Debian's bpftool 7.1 cannot auto-attach USDT, hence this loader.
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
    unsigned char key[256] = {0}, next[256] = {0};
    unsigned long long value;
    void *current = NULL;

    if (bpf_map__value_size(map) != sizeof(value) || key_size > sizeof(key))
        return;
    while (bpf_map_get_next_key(fd, current, next) == 0) {
        memcpy(key, next, key_size);
        current = key;
        if (bpf_map_lookup_elem(fd, key, &value) != 0)
            continue;
        printf("{\"map\":\"%s\",\"key\":\"", bpf_map__name(map));
        for (unsigned i = 0; i < key_size; i++)
            printf("%02x", key[i]);
        printf("\",\"value\":%llu}\n", value);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
        return 2;
    }
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj || bpf_object__load(obj)) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    struct bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
        if (!bpf_program__attach(prog)) {
            fprintf(stderr, "cannot attach %s (section %s)\n", bpf_program__name(prog), bpf_program__section_name(prog));
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
