// STAND-IN HTTP services for the simulated VMs: one process that listens on 127.0.0.1:<port> inside
// every VM's network namespace (it enters each with setns to create the socket, which stays bound
// there) and answers from files the scenario writes:
//
//   <state>/<vm>/http/<port>/            exists  -> the port listens; removed -> it is closed (refused)
//   <state>/<vm>/http/<port>/<path>      the body for GET/POST <path> ('/' -> '_', query cut), 200
//   <state>/<vm>/http/<port>/garbage     exists  -> every answer is garbage (a broken exporter)
//   POST /api/ds/query (Grafana)         the file holds one frame; the answer gives it to every refId
//                                        of the request, as Grafana answers each query by its refId
//
// It stands in for ebpf_exporter (cannot be installed here), Grafana (cannot be installed here), and,
// on VMs without a real one, the PHP sample and Prometheus: 300 real ones would need ~20 GB.
// HTTP/1.1 with keep-alive and Content-Length, as the real servers answer.
//
//   vm-services <state dir> <port,port,...> <vm> [<vm> ...]     (each vm is also its netns name)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_VMS 1024
#define MAX_PORTS 8
#define BUFFER 8192

struct listener {
    int fd; // -1 while closed
    int vm;
    int port;
};

struct connection {
    int fd;
    int vm;
    int port;
    size_t used;
    char buffer[BUFFER];
};

static const char *state;
static char *vms[MAX_VMS];
static int vm_count, ports[MAX_PORTS], port_count, home_netns, epoll, parent;
static struct listener listeners[MAX_VMS * MAX_PORTS];
static struct connection *connections[4096];

static void drop(struct connection *c)
{
    for (int i = 0; i < 4096; i++)
        if (connections[i] == c)
            connections[i] = NULL;
    close(c->fd);
    free(c);
}

static int listen_in(const char *vm, int port)
{
    char path[512];
    snprintf(path, sizeof path, "/var/run/netns/%s", vm);
    int netns = open(path, O_RDONLY | O_CLOEXEC);
    if (netns < 0 || setns(netns, CLONE_NEWNET) != 0) {
        if (netns >= 0)
            close(netns);
        return -1;
    }
    close(netns);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 128) != 0) {
        close(fd);
        fd = -1;
    }
    setns(home_netns, CLONE_NEWNET);
    return fd;
}

static int port_open(int vm, int port)
{
    char path[512];
    struct stat info;
    snprintf(path, sizeof path, "%s/%s/http/%d", state, vms[vm], port);
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

// Opens and closes listeners to match the port directories.
static void reconcile(void)
{
    for (int i = 0; i < vm_count * port_count; i++) {
        struct listener *l = &listeners[i];
        int wanted = port_open(l->vm, l->port);
        if (wanted && l->fd < 0) {
            l->fd = listen_in(vms[l->vm], l->port);
            if (l->fd >= 0) {
                struct epoll_event event = {.events = EPOLLIN, .data.ptr = l};
                epoll_ctl(epoll, EPOLL_CTL_ADD, l->fd, &event);
            }
        } else if (!wanted && l->fd >= 0) {
            // A service that stops takes its connections with it.
            close(l->fd);
            l->fd = -1;
            for (int c = 0; c < 4096; c++)
                if (connections[c] && connections[c]->vm == l->vm && connections[c]->port == l->port)
                    drop(connections[c]);
        }
    }
}

// Grafana's /api/ds/query: {"results":{"<refId>":{"status":200,"frames":[<frame>]},...}} for each refId asked.
static ssize_t ds_query(char *out, size_t room, const char *frame, const char *body, size_t body_length)
{
    size_t used = snprintf(out, room, "{\"results\":{");
    int first = 1;
    const char *end = body + body_length;
    for (const char *p = body; p < end && (p = memmem(p, end - p, "\"refId\":\"", 9)); ) {
        p += 9;
        const char *close = memchr(p, '"', end - p);
        if (!close || used + (close - p) + strlen(frame) + 64 >= room)
            break;
        used += snprintf(out + used, room - used, "%s\"%.*s\":{\"status\":200,\"frames\":[%s]}", first ? "" : ",", (int)(close - p), p, frame);
        first = 0;
        p = close;
    }
    used += snprintf(out + used, room - used, "}}");
    return used;
}

static void respond(struct connection *c, const char *method, const char *target, const char *body_start, size_t body_length)
{
    char path[1024], name[256] = "", head[256];
    size_t n = 0;
    for (const char *p = target; *p && *p != '?' && n < sizeof name - 1; p++)
        name[n++] = (*p == '/') ? '_' : (*p == '.' ? '-' : *p);
    name[n] = 0;
    snprintf(path, sizeof path, "%s/%s/http/%d/garbage", state, vms[c->vm], c->port);
    int garbage = access(path, F_OK) == 0;
    snprintf(path, sizeof path, "%s/%s/http/%d/%s", state, vms[c->vm], c->port, name);
    static char body[1 << 20];
    int status = 200;
    ssize_t length;
    if (garbage) {
        length = snprintf(body, sizeof body, "<html>not metrics</html>\n{{{ %s", method);
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        length = fd < 0 ? -1 : read(fd, body, sizeof body);
        if (fd >= 0)
            close(fd);
        if (length < 0) {
            status = 404;
            length = snprintf(body, sizeof body, "404 page not found\n");
        } else if (strcmp(name, "_api_ds_query") == 0) {
            static char frame[1 << 16], answer[1 << 20];
            snprintf(frame, sizeof frame, "%.*s", (int)length, body);
            length = ds_query(answer, sizeof answer, frame, body_start, body_length);
            memcpy(body, answer, length);
        }
    }
    int head_length = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zd\r\nConnection: keep-alive\r\n\r\n", status,
                               status == 200 ? "OK" : "Not Found", name[1] == 'a' ? "application/json" : "text/plain; version=0.0.4", length);
    if (write(c->fd, head, head_length) < 0 || write(c->fd, body, length) < 0)
        return;
}

// Handles every complete request in the buffer; returns 0 when the connection should close.
static int serve(struct connection *c)
{
    ssize_t got = read(c->fd, c->buffer + c->used, BUFFER - 1 - c->used);
    if (got <= 0)
        return got < 0 && errno == EAGAIN;
    c->used += got;
    c->buffer[c->used] = 0;
    for (;;) {
        char *end = strstr(c->buffer, "\r\n\r\n");
        if (!end)
            return c->used < BUFFER - 1;
        size_t body = 0;
        char *length = strcasestr(c->buffer, "\r\ncontent-length:");
        if (length && length < end)
            body = strtoul(length + 17, NULL, 10);
        size_t total = (end + 4 - c->buffer) + body;
        if (c->used < total)
            return total < BUFFER - 1;
        char method[16] = "", target[512] = "";
        sscanf(c->buffer, "%15s %511s", method, target);
        respond(c, method, target, end + 4, body);
        memmove(c->buffer, c->buffer + total, c->used - total);
        c->used -= total;
        c->buffer[c->used] = 0;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s STATE PORT[,PORT...] VM [VM...]\n", argv[0]);
        return 2;
    }
    state = argv[1];
    for (char *p = strtok(argv[2], ","); p && port_count < MAX_PORTS; p = strtok(NULL, ","))
        ports[port_count++] = atoi(p);
    for (int i = 3; i < argc && vm_count < MAX_VMS; i++)
        vms[vm_count++] = argv[i];
    signal(SIGPIPE, SIG_IGN);
    parent = getppid();
    home_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    epoll = epoll_create1(EPOLL_CLOEXEC);
    for (int v = 0; v < vm_count; v++)
        for (int p = 0; p < port_count; p++)
            listeners[v * port_count + p] = (struct listener){.fd = -1, .vm = v, .port = ports[p]};
    reconcile();
    printf("ready\n");
    fflush(stdout);
    struct epoll_event events[64];
    struct timespec last = {0}, now;
    for (;;) {
        int ready = epoll_wait(epoll, events, 64, 250);
        for (int i = 0; i < ready; i++) {
            void *ptr = events[i].data.ptr;
            struct listener *l = ptr;
            if (ptr >= (void *)listeners && ptr < (void *)(listeners + MAX_VMS * MAX_PORTS)) {
                int fd = l->fd >= 0 ? accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC) : -1;
                if (fd < 0)
                    continue;
                struct connection *c = calloc(1, sizeof *c);
                *c = (struct connection){.fd = fd, .vm = l->vm, .port = l->port};
                int slot = 0;
                while (slot < 4096 && connections[slot])
                    slot++;
                if (slot == 4096) {
                    close(fd);
                    free(c);
                    continue;
                }
                connections[slot] = c;
                struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
            } else {
                struct connection *c = ptr;
                if (!serve(c))
                    drop(c);
            }
        }
        // After the events: a connection dropped here cannot be in this round's events any more.
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >= 250) {
            last = now;
            if (getppid() != parent)
                return 0; // the harness is gone
            reconcile();
        }
    }
}
