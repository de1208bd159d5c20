// STAND-IN for ebpf_exporter's release binary, which cannot be downloaded here. Only the real-systemd kit test
// (test/systemd/kit-e2e.test.ts) builds it, statically against Debian's libbpf, and Navigator serves it as the
// lock's ebpf_exporter artefact. It does what the kit relies on, for real: takes ebpf_exporter's flags, opens
// each config's NAME.bpf.o, attaches every program by its section name as ebpf_exporter does (the kit's loader,
// test/kit/usdt-loader.c), exits 1 when one does not attach with --config.strict, tells systemd READY=1
// (Type=notify), and serves GET /metrics in ebpf_exporter's text format from the real BPF maps. How a map's keys
// become labels is the config's (decoders string, uint, static_map; exp2 histograms): the test converts the
// kit's YAML to the line layout compiled in here as LAYOUT (`-include layout.h`), since C reads no YAML.
//
// Layout, a line each:  config NAME | counter METRIC | histogram METRIC MIN MAX MULTIPLIER | help TEXT |
//                       label NAME SIZE string|uint | static VALUE=NAME ...  (for the label before)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CONFIGS 16
#define MAX_METRICS 16
#define MAX_LABELS 8
#define MAX_STATIC 32
#define MAX_PROGRAMS 32

struct label {
    char name[64];
    unsigned size;
    int is_uint;
    unsigned statics;
    unsigned long long static_value[MAX_STATIC];
    char static_name[MAX_STATIC][64];
};

struct metric {
    char name[128];
    char help[512];
    int histogram;
    int bucket_min, bucket_max;
    double multiplier;
    unsigned labels;
    struct label label[MAX_LABELS];
};

struct config {
    char name[64];
    unsigned metrics;
    struct metric metric[MAX_METRICS];
    struct bpf_object *object;
    unsigned programs;
    char program[MAX_PROGRAMS][64];
    unsigned program_id[MAX_PROGRAMS];
    int attached[MAX_PROGRAMS];
};

static struct config configs[MAX_CONFIGS];
static unsigned config_count;
static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) { fprintf(stderr, "ebpf_exporter (stand-in): %s\n", what); exit(1); }

static struct config *find_config(const char *name)
{
    for (unsigned i = 0; i < config_count; i++)
        if (strcmp(configs[i].name, name) == 0)
            return &configs[i];
    return NULL;
}

// The layout compiled in: every config the kit has, whether or not --config.names enables it.
static struct config layouts[MAX_CONFIGS];
static unsigned layout_count;

static void parse_layout(void)
{
    char *text = strdup(LAYOUT), *save = NULL;
    struct config *config = NULL;
    struct metric *metric = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char word[32];
        int used = 0;
        if (sscanf(line, "%31s %n", word, &used) != 1)
            continue;
        char *rest = line + used;
        if (strcmp(word, "config") == 0) {
            if (layout_count == MAX_CONFIGS) die("too many configs in the layout");
            config = &layouts[layout_count++];
            snprintf(config->name, sizeof config->name, "%s", rest);
            metric = NULL;
        } else if (strcmp(word, "counter") == 0 || strcmp(word, "histogram") == 0) {
            if (!config || config->metrics == MAX_METRICS) die("layout: a metric outside a config, or too many");
            metric = &config->metric[config->metrics++];
            metric->histogram = word[0] == 'h';
            metric->multiplier = 1;
            if (metric->histogram) {
                if (sscanf(rest, "%127s %d %d %lf", metric->name, &metric->bucket_min, &metric->bucket_max, &metric->multiplier) != 4)
                    die("layout: histogram METRIC MIN MAX MULTIPLIER");
            } else {
                snprintf(metric->name, sizeof metric->name, "%s", rest);
            }
        } else if (strcmp(word, "help") == 0 && metric) {
            snprintf(metric->help, sizeof metric->help, "%s", rest);
        } else if (strcmp(word, "label") == 0 && metric) {
            if (metric->labels == MAX_LABELS) die("layout: too many labels");
            struct label *label = &metric->label[metric->labels++];
            char decoder[16];
            if (sscanf(rest, "%63s %u %15s", label->name, &label->size, decoder) != 3) die("layout: label NAME SIZE DECODER");
            label->is_uint = strcmp(decoder, "uint") == 0;
        } else if (strcmp(word, "static") == 0 && metric && metric->labels) {
            struct label *label = &metric->label[metric->labels - 1];
            char *pair_save = NULL;
            for (char *pair = strtok_r(rest, " ", &pair_save); pair && label->statics < MAX_STATIC; pair = strtok_r(NULL, " ", &pair_save)) {
                char *equals = strchr(pair, '=');
                if (!equals) die("layout: static VALUE=NAME");
                *equals = 0;
                label->static_value[label->statics] = strtoull(pair, NULL, 10);
                snprintf(label->static_name[label->statics], 64, "%s", equals + 1);
                label->statics++;
            }
        } else {
            die("layout: a line this stand-in does not know");
        }
    }
    free(text);
}

static void load_config(const char *dir, const char *name, int strict)
{
    struct config *layout = NULL;
    for (unsigned i = 0; i < layout_count; i++)
        if (strcmp(layouts[i].name, name) == 0)
            layout = &layouts[i];
    if (!layout) {
        fprintf(stderr, "ebpf_exporter (stand-in): no config %s (this stand-in knows the kit's configs only)\n", name);
        exit(1);
    }
    if (config_count == MAX_CONFIGS) die("too many configs");
    struct config *config = &configs[config_count++];
    *config = *layout;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bpf.o", dir, name);
    config->object = bpf_object__open_file(path, NULL);
    if (!config->object || bpf_object__load(config->object)) {
        fprintf(stderr, "ebpf_exporter (stand-in): error loading %s: %s\n", path, strerror(errno));
        exit(1);
    }
    struct bpf_program *program;
    unsigned missed = 0;
    bpf_object__for_each_program(program, config->object) {
        if (config->programs == MAX_PROGRAMS) die("too many programs");
        unsigned index = config->programs++;
        snprintf(config->program[index], sizeof config->program[index], "%s", bpf_program__name(program));
        struct bpf_prog_info info = {0};
        __u32 length = sizeof info;
        if (bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &length) == 0)
            config->program_id[index] = info.id;
        config->attached[index] = bpf_program__attach(program) != NULL;
        if (!config->attached[index]) {
            missed++;
            fprintf(stderr, "ebpf_exporter (stand-in): failed to attach program %s (section %s) of config %s\n", bpf_program__name(program),
                    bpf_program__section_name(program), name);
        }
    }
    if (missed && strict) {
        fprintf(stderr, "ebpf_exporter (stand-in): Missed attachments (config %s, %u programs), exiting (--config.strict)\n", name, missed);
        exit(1);
    }
}

static void notify_ready(void)
{
    const char *socket_path = getenv("NOTIFY_SOCKET");
    if (!socket_path || !*socket_path)
        return;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    size_t length = strlen(socket_path);
    if (length >= sizeof address.sun_path) die("NOTIFY_SOCKET too long");
    memcpy(address.sun_path, socket_path, length);
    if (address.sun_path[0] == '@')
        address.sun_path[0] = 0; // an abstract socket
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const char message[] = "READY=1";
    if (fd < 0 || sendto(fd, message, sizeof message - 1, 0, (struct sockaddr *)&address, offsetof(struct sockaddr_un, sun_path) + length) < 0)
        fprintf(stderr, "ebpf_exporter (stand-in): cannot notify systemd: %s\n", strerror(errno));
    if (fd >= 0)
        close(fd);
}

// A label value in the text format: backslash, double quote and newline escaped.
static void print_value(FILE *out, const char *value)
{
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"') fputc('\\', out);
        if (*c == '\n') { fputs("\\n", out); continue; }
        fputc(*c, out);
    }
}

// The label's value from its bytes of the key, as ebpf_exporter's decoders give it.
static void decode(const struct label *label, const unsigned char *bytes, char *value, size_t size)
{
    if (!label->is_uint) {
        size_t length = strnlen((const char *)bytes, label->size);
        if (length >= size) length = size - 1;
        memcpy(value, bytes, length);
        value[length] = 0;
        return;
    }
    unsigned long long number = 0;
    for (unsigned i = 0; i < label->size && i < 8; i++) number |= (unsigned long long)bytes[i] << (8 * i);
    snprintf(value, size, "%llu", number);
    if (!label->statics) return;
    for (unsigned i = 0; i < label->statics; i++)
        if (label->static_value[i] == number) { snprintf(value, size, "%s", label->static_name[i]); return; }
    snprintf(value, size, "unknown:%llu", number);
}

// A float as Go's Prometheus client prints it: the shortest text that reads back as the same number.
static void shortest(char *text, size_t size, double value)
{
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(text, size, "%.*g", precision, value);
        if (strtod(text, NULL) == value) return;
    }
}

struct entry {
    unsigned char key[512];
    unsigned long long value;
};

static size_t read_map(int fd, unsigned key_size, struct entry **entries)
{
    size_t count = 0, capacity = 64;
    *entries = calloc(capacity, sizeof **entries);
    unsigned char key[512], next[512];
    void *current = NULL;
    while (bpf_map_get_next_key(fd, current, next) == 0) {
        memcpy(key, next, key_size);
        current = key;
        unsigned long long value;
        if (bpf_map_lookup_elem(fd, key, &value) != 0) continue;
        if (count == capacity) *entries = realloc(*entries, (capacity *= 2) * sizeof **entries);
        memcpy((*entries)[count].key, key, key_size);
        (*entries)[count].value = value;
        count++;
    }
    return count;
}

static void print_labels(FILE *out, const struct metric *metric, const unsigned char *key, unsigned labels, const char *extra)
{
    char value[512];
    unsigned offset = 0;
    fputc('{', out);
    for (unsigned i = 0; i < labels; i++) {
        decode(&metric->label[i], key + offset, value, sizeof value);
        offset += metric->label[i].size;
        fprintf(out, "%s%s=\"", i ? "," : "", metric->label[i].name);
        print_value(out, value);
        fputc('"', out);
    }
    if (extra) fprintf(out, "%s%s", labels ? "," : "", extra);
    fputc('}', out);
}

static void print_metric(FILE *out, const struct config *config, const struct metric *metric)
{
    struct bpf_map *map = bpf_object__find_map_by_name(config->object, metric->name);
    if (!map) { fprintf(stderr, "ebpf_exporter (stand-in): config %s has no map %s\n", config->name, metric->name); return; }
    unsigned key_size = bpf_map__key_size(map), label_bytes = 0;
    for (unsigned i = 0; i < metric->labels; i++) label_bytes += metric->label[i].size;
    if (bpf_map__value_size(map) != 8 || key_size != label_bytes || key_size > 512) {
        fprintf(stderr, "ebpf_exporter (stand-in): map %s: key %u bytes, labels %u; value %u bytes\n", metric->name, key_size, label_bytes, bpf_map__value_size(map));
        return;
    }
    struct entry *entries;
    size_t count = read_map(bpf_map__fd(map), key_size, &entries);
    fprintf(out, "# HELP ebpf_exporter_%s %s\n# TYPE ebpf_exporter_%s %s\n", metric->name, metric->help, metric->name, metric->histogram ? "histogram" : "counter");
    if (!metric->histogram) {
        for (size_t i = 0; i < count; i++) {
            fprintf(out, "ebpf_exporter_%s", metric->name);
            print_labels(out, metric, entries[i].key, metric->labels, NULL);
            fprintf(out, " %llu\n", entries[i].value);
        }
        free(entries);
        return;
    }
    // A histogram: its last label is the bucket. Entries with the same other labels are one series.
    unsigned series_bytes = key_size - metric->label[metric->labels - 1].size;
    int buckets = metric->bucket_max - metric->bucket_min + 1;
    char *done = calloc(count ? count : 1, 1);
    for (size_t i = 0; i < count; i++) {
        if (done[i]) continue;
        unsigned long long *counts = calloc(buckets + 1, sizeof *counts), sum_key = 0;
        for (size_t j = i; j < count; j++) {
            if (memcmp(entries[j].key, entries[i].key, series_bytes) != 0) continue;
            done[j] = 1;
            unsigned long long bucket = 0;
            const struct label *last = &metric->label[metric->labels - 1];
            for (unsigned b = 0; b < last->size && b < 8; b++) bucket |= (unsigned long long)entries[j].key[series_bytes + b] << (8 * b);
            // As ebpf_exporter: buckets min..max counted, the key max+1 an optional sum.
            if ((long long)bucket >= metric->bucket_min && (long long)bucket <= metric->bucket_max) counts[bucket - metric->bucket_min] += entries[j].value;
            else if ((long long)bucket == metric->bucket_max + 1) sum_key = entries[j].value;
        }
        unsigned long long cumulative = 0;
        char le[80], number[64];
        for (int b = 0; b < buckets; b++) {
            cumulative += counts[b];
            shortest(number, sizeof number, exp2(metric->bucket_min + b) * metric->multiplier);
            snprintf(le, sizeof le, "le=\"%s\"", number);
            fprintf(out, "ebpf_exporter_%s_bucket", metric->name);
            print_labels(out, metric, entries[i].key, metric->labels - 1, le);
            fprintf(out, " %llu\n", cumulative);
        }
        fprintf(out, "ebpf_exporter_%s_bucket", metric->name);
        print_labels(out, metric, entries[i].key, metric->labels - 1, "le=\"+Inf\"");
        fprintf(out, " %llu\nebpf_exporter_%s_sum", cumulative, metric->name);
        print_labels(out, metric, entries[i].key, metric->labels - 1, NULL);
        fprintf(out, " %g\nebpf_exporter_%s_count", (double)sum_key * metric->multiplier, metric->name);
        print_labels(out, metric, entries[i].key, metric->labels - 1, NULL);
        fprintf(out, " %llu\n", cumulative);
        free(counts);
    }
    free(done);
    free(entries);
}

static char *render_metrics(size_t *length)
{
    char *body = NULL;
    FILE *out = open_memstream(&body, length);
    fputs("# HELP ebpf_exporter_enabled_configs The set of enabled configs\n# TYPE ebpf_exporter_enabled_configs gauge\n", out);
    for (unsigned i = 0; i < config_count; i++) fprintf(out, "ebpf_exporter_enabled_configs{name=\"%s\"} 1\n", configs[i].name);
    fputs("# HELP ebpf_exporter_ebpf_program_attached Whether a program is attached\n# TYPE ebpf_exporter_ebpf_program_attached gauge\n", out);
    for (unsigned i = 0; i < config_count; i++)
        for (unsigned p = 0; p < configs[i].programs; p++)
            fprintf(out, "ebpf_exporter_ebpf_program_attached{config=\"%s\",id=\"%u\",program=\"%s\"} %d\n", configs[i].name, configs[i].program_id[p],
                    configs[i].program[p], configs[i].attached[p]);
    for (unsigned i = 0; i < config_count; i++)
        for (unsigned m = 0; m < configs[i].metrics; m++) print_metric(out, &configs[i], &configs[i].metric[m]);
    fclose(out);
    return body;
}

static void serve(int client)
{
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char request[8192];
    size_t got = 0;
    while (got < sizeof request - 1) {
        ssize_t n = recv(client, request + got, sizeof request - 1 - got, 0);
        if (n <= 0) return;
        got += n;
        request[got] = 0;
        if (strstr(request, "\r\n\r\n")) break;
    }
    char method[16] = "", target[1024] = "";
    sscanf(request, "%15s %1023s", method, target);
    char *query = strchr(target, '?');
    if (query) *query = 0;
    char head[256];
    if (strcmp(method, "GET") != 0 || strcmp(target, "/metrics") != 0) {
        const char *text = strcmp(target, "/") == 0 ? "ebpf_exporter (stand-in): metrics at /metrics\n" : "404 page not found\n";
        int status = strcmp(target, "/") == 0 ? 200 : 404;
        int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                         status == 200 ? "OK" : "Not Found", strlen(text));
        send(client, head, n, MSG_NOSIGNAL);
        send(client, text, strlen(text), MSG_NOSIGNAL);
        return;
    }
    size_t length;
    char *body = render_metrics(&length);
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", length);
    send(client, head, n, MSG_NOSIGNAL);
    for (size_t sent = 0; sent < length;) {
        ssize_t wrote = send(client, body + sent, length - sent, MSG_NOSIGNAL);
        if (wrote <= 0) break;
        sent += wrote;
    }
    free(body);
}

static const char *flag(const char *arg, const char *name)
{
    size_t length = strlen(name);
    return strncmp(arg, name, length) == 0 && arg[length] == '=' ? arg + length + 1 : NULL;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *names = NULL, *listen_address = "0.0.0.0:9435";
    int strict = 0;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if ((value = flag(argv[i], "--config.dir"))) dir = value;
        else if ((value = flag(argv[i], "--config.names"))) names = value;
        else if ((value = flag(argv[i], "--web.listen-address"))) listen_address = value;
        else if (strcmp(argv[i], "--config.strict") == 0) strict = 1;
        else { fprintf(stderr, "ebpf_exporter (stand-in): unknown flag %s\n", argv[i]); return 2; }
    }
    if (!dir || !names) die("--config.dir and --config.names are required");
    parse_layout();
    char *list = strdup(names), *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        if (find_config(name)) continue;
        load_config(dir, name, strict);
    }

    char host[256];
    const char *colon = strrchr(listen_address, ':');
    if (!colon || (size_t)(colon - listen_address) >= sizeof host) die("--web.listen-address: HOST:PORT");
    memcpy(host, listen_address, colon - listen_address);
    host[colon - listen_address] = 0;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
    if (inet_pton(AF_INET, *host ? host : "0.0.0.0", &address.sin_addr) != 1) die("--web.listen-address: an IPv4 address");
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (server < 0 || bind(server, (struct sockaddr *)&address, sizeof address) || listen(server, 64)) {
        fprintf(stderr, "ebpf_exporter (stand-in): cannot listen on %s: %s\n", listen_address, strerror(errno));
        return 1;
    }
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "ebpf_exporter (stand-in): %u configs, listening on %s\n", config_count, listen_address);
    notify_ready();
    while (!stopping) {
        int client = accept(server, NULL, NULL);
        if (client < 0) continue; // EINTR on SIGTERM
        serve(client);
        close(client);
    }
    for (unsigned i = 0; i < config_count; i++) bpf_object__close(configs[i].object);
    return 0;
}
