// The kernel's cost per media datagram with and without batched system calls (issue 7).
// See bench/README.md, "Does batching system calls lower the kernel's cost?".
//
//   bench/media-syscall-batching.sh            (builds this with gcc, runs every mode three times)
//   media-syscall-batching send|send-connected|send-uring|recv-epoll|recv-uring [sockets] [ticks]
//
// One side is measured (pinned to core 1, its thread's CPU time per datagram), the other side runs on
// core 0. The measured side has `sockets` UDP sockets on 127.0.0.1, as the service has one per leg; every
// 20 ms (drift-free) each socket sends or receives one 172-byte datagram (RTP header + 20 ms of G.711).
//   send            one sendto per datagram (what the mixer does)
//   send-connected  each socket connected to its peer, one send per datagram
//   send-uring      io_uring: one IORING_OP_SENDMSG per datagram, a whole tick submitted in one io_uring_enter
//   recv-epoll      level-triggered epoll, one recvfrom (with the source address) per ready socket
//                   (what the receive reactor does)
//   recv-uring      io_uring: one IORING_OP_RECVMSG outstanding per socket, re-armed on completion,
//                   completions reaped in batches by io_uring_enter
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { Datagram = 172 };

static int count = 1500, ticks = 400;
static int *measured, *peer;
static struct sockaddr_in *measuredAddress, *peerAddress;
static atomic_int stop;
static long peerDatagrams;

static double threadCpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static double monotonic(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void pin(int core) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(core, &s); sched_setaffinity(0, sizeof s, &s); }
static void waitForTick(double start, int tick) { while (monotonic() < start + tick * 0.02) usleep(200); }

static int udpSocket(struct sockaddr_in *bound)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof a;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buffer = 1 << 20;
    if (fd < 0 || bind(fd, (void *)&a, sizeof a) < 0 || getsockname(fd, (void *)bound, &length) < 0) { perror("socket"); exit(2); }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    return fd;
}

// ---- io_uring, by its system calls (no liburing on this machine) ----
static int ring;
static unsigned *sqHead, *sqTail, *sqMask, *sqArray, *cqHead, *cqTail, *cqMask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;
static unsigned pendingTail, sqEntries;

static void ringSetup(unsigned entries)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE;
    p.cq_entries = entries * 2;
    ring = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (ring < 0) { perror("io_uring_setup"); exit(2); }
    char *sq = mmap(0, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
    char *cq = mmap(0, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
    sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) { perror("mmap"); exit(2); }
    sqHead = (unsigned *)(sq + p.sq_off.head); sqTail = (unsigned *)(sq + p.sq_off.tail);
    sqMask = (unsigned *)(sq + p.sq_off.ring_mask); sqArray = (unsigned *)(sq + p.sq_off.array);
    cqHead = (unsigned *)(cq + p.cq_off.head); cqTail = (unsigned *)(cq + p.cq_off.tail);
    cqMask = (unsigned *)(cq + p.cq_off.ring_mask); cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    pendingTail = *sqTail;
    sqEntries = p.sq_entries;
}

static void queue(unsigned char opcode, int fd, struct msghdr *message, unsigned long long tag)
{
    // Never overwrite an entry the kernel has not consumed: a full queue would make the numbers meaningless.
    if (pendingTail - atomic_load_explicit((_Atomic unsigned *)sqHead, memory_order_acquire) >= sqEntries) { fprintf(stderr, "submission queue full\n"); exit(2); }
    unsigned index = pendingTail & *sqMask;
    struct io_uring_sqe *e = &sqes[index];
    memset(e, 0, sizeof *e);
    e->opcode = opcode; e->fd = fd; e->addr = (unsigned long)message; e->len = 1; e->user_data = tag;
    sqArray[index] = index;
    pendingTail++;
}

static int enter(unsigned waitFor)
{
    unsigned submit = pendingTail - *sqTail;
    atomic_store_explicit((_Atomic unsigned *)sqTail, pendingTail, memory_order_release);
    int done = (int)syscall(__NR_io_uring_enter, ring, submit, waitFor, waitFor ? IORING_ENTER_GETEVENTS : 0, 0, 0);
    if (done < 0 && errno != EINTR && errno != ETIME) { perror("io_uring_enter"); exit(2); }
    // io_uring_enter returns how many entries it consumed; one left behind would be sent a tick late.
    if (done >= 0 && (unsigned)done < submit) { fprintf(stderr, "io_uring_enter submitted %d of %u\n", done, submit); exit(2); }
    return done;
}

// ---- the side that is not measured ----
static void *drain(void *unused)
{
    (void)unused;
    pin(0);
    int ep = epoll_create1(0);
    for (int i = 0; i < count; i++) { struct epoll_event e = { .events = EPOLLIN, .data.u32 = i }; epoll_ctl(ep, EPOLL_CTL_ADD, peer[i], &e); }
    struct epoll_event ready[256];
    char buffer[2048];
    while (!atomic_load(&stop))
    {
        int n = epoll_wait(ep, ready, 256, 10);
        for (int k = 0; k < n; k++) while (recv(peer[ready[k].data.u32], buffer, sizeof buffer, MSG_DONTWAIT) > 0) peerDatagrams++;
    }
    return 0;
}

static void *feed(void *unused)
{
    (void)unused;
    pin(0);
    char datagram[Datagram];
    memset(datagram, 0xff, sizeof datagram);
    double start = monotonic();
    for (int t = 0; t < ticks + 5 && !atomic_load(&stop); t++)
    {
        waitForTick(start, t);
        for (int i = 0; i < count; i++) if (sendto(peer[i], datagram, Datagram, 0, (void *)&measuredAddress[i], sizeof measuredAddress[i]) == Datagram) peerDatagrams++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "send";
    if (argc > 2) count = atoi(argv[2]);
    if (argc > 3) ticks = atoi(argv[3]);
    int sending = strncmp(mode, "send", 4) == 0;
    measured = calloc(count, sizeof(int)); peer = calloc(count, sizeof(int));
    measuredAddress = calloc(count, sizeof *measuredAddress); peerAddress = calloc(count, sizeof *peerAddress);
    for (int i = 0; i < count; i++) { measured[i] = udpSocket(&measuredAddress[i]); peer[i] = udpSocket(&peerAddress[i]); }

    char datagram[Datagram];
    memset(datagram, 0xff, sizeof datagram);
    char *buffers = calloc(count, 2048);
    struct iovec *io = calloc(count, sizeof *io);
    struct msghdr *messages = calloc(count, sizeof *messages);
    struct sockaddr_in *sources = calloc(count, sizeof *sources);
    for (int i = 0; i < count; i++)
    {
        io[i].iov_base = sending ? datagram : buffers + (size_t)i * 2048;
        io[i].iov_len = sending ? Datagram : 2048;
        messages[i].msg_name = sending ? (void *)&peerAddress[i] : (void *)&sources[i];
        messages[i].msg_namelen = sizeof(struct sockaddr_in);
        messages[i].msg_iov = &io[i];
        messages[i].msg_iovlen = 1;
    }
    if (!strcmp(mode, "send-connected")) for (int i = 0; i < count; i++) connect(measured[i], (void *)&peerAddress[i], sizeof peerAddress[i]);
    unsigned entries = 1;
    while (entries < (unsigned)count) entries <<= 1;
    if (strstr(mode, "uring")) ringSetup(entries);

    pthread_t other;
    pthread_create(&other, 0, sending ? drain : feed, 0);
    pin(1);
    long done = 0, failed = 0, calls = 0;
    double cpu = threadCpu(), start = monotonic();
    if (!strcmp(mode, "send") || !strcmp(mode, "send-connected"))
    {
        int connected = !strcmp(mode, "send-connected");
        for (int t = 0; t < ticks; t++)
        {
            waitForTick(start, t);
            for (int i = 0; i < count; i++, calls++)
            {
                ssize_t sent = connected ? send(measured[i], datagram, Datagram, 0) : sendto(measured[i], datagram, Datagram, 0, (void *)&peerAddress[i], sizeof peerAddress[i]);
                if (sent == Datagram) done++; else failed++;
            }
        }
    }
    else if (!strcmp(mode, "send-uring"))
    {
        for (int t = 0; t < ticks; t++)
        {
            waitForTick(start, t);
            for (int i = 0; i < count; i++) queue(IORING_OP_SENDMSG, measured[i], &messages[i], (unsigned long long)i);
            enter(count);
            calls++;
            unsigned head = *cqHead, tail = atomic_load_explicit((_Atomic unsigned *)cqTail, memory_order_acquire);
            for (; head != tail; head++) { if (cqes[head & *cqMask].res == Datagram) done++; else failed++; }
            atomic_store_explicit((_Atomic unsigned *)cqHead, head, memory_order_release);
        }
    }
    else if (!strcmp(mode, "recv-epoll"))
    {
        int ep = epoll_create1(0);
        for (int i = 0; i < count; i++) { struct epoll_event e = { .events = EPOLLIN, .data.u32 = i }; epoll_ctl(ep, EPOLL_CTL_ADD, measured[i], &e); }
        struct epoll_event ready[256];
        while (monotonic() < start + ticks * 0.02)
        {
            int n = epoll_wait(ep, ready, 256, 20);
            calls++;
            for (int k = 0; k < n; k++, calls++)
            {
                int i = (int)ready[k].data.u32;
                socklen_t length = sizeof sources[i];
                if (recvfrom(measured[i], buffers + (size_t)i * 2048, 2048, 0, (void *)&sources[i], &length) > 0) done++; else failed++;
            }
        }
    }
    else if (!strcmp(mode, "recv-uring"))
    {
        for (int i = 0; i < count; i++) queue(IORING_OP_RECVMSG, measured[i], &messages[i], (unsigned long long)i);
        while (monotonic() < start + ticks * 0.02)
        {
            enter(1);
            calls++;
            unsigned head = *cqHead, tail = atomic_load_explicit((_Atomic unsigned *)cqTail, memory_order_acquire);
            for (; head != tail; head++)
            {
                struct io_uring_cqe *c = &cqes[head & *cqMask];
                int i = (int)c->user_data;
                if (c->res > 0) done++; else failed++;
                messages[i].msg_namelen = sizeof(struct sockaddr_in);
                queue(IORING_OP_RECVMSG, measured[i], &messages[i], (unsigned long long)i);
            }
            atomic_store_explicit((_Atomic unsigned *)cqHead, head, memory_order_release);
        }
    }
    else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
    double used = threadCpu() - cpu, elapsed = monotonic() - start;
    atomic_store(&stop, 1);
    pthread_join(other, 0);
    printf("%-15s sockets %5d  %6.2f us CPU per datagram  %7.0f datagrams/s  %5.2f datagrams per system call  failed %ld  peer %ld\n",
           mode, count, used / (done ? done : 1) * 1e6, done / elapsed, (double)done / (calls ? calls : 1), failed, peerDatagrams);
    return failed != 0;
}
