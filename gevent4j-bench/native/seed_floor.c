#define _GNU_SOURCE
// The seed experiment's server with as little cost as one thread can have: epoll, accept4,
// read up to 1024 bytes, then a FIFO of deadlines (every sleep is 100 ms, so deadlines arrive
// in order), write the reply, shutdown(SHUT_WR), close. No greenlets, no allocation per request.
// It is the floor the demo experiment is judged against: what ab can measure on this machine
// when the server costs almost nothing. Usage: seed_floor PORT [DELAY_MS]
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QCAP (1 << 16)
static int qfd[QCAP];
static long long qdue[QCAP];
static unsigned qhead, qtail;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    int port = atoi(argv[1]);
    long long delay = (argc > 2 ? atoll(argv[2]) : 100) * 1000000LL;
    static const char reply[] = "HTTP/1.0 200 Ok\r\n\r\nHelloWorld";
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) { perror("listen"); return 1; }
    printf("seed_floor listening on %d\n", port);
    fflush(stdout);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[1024];
    char buf[1024];
    for (;;) {
        int timeout = -1;
        if (qhead != qtail) {
            long long left = qdue[qhead % QCAP] - now_ns();
            timeout = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
        int n = epoll_wait(ep, evs, 1024, timeout);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
            } else {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r < 0 && errno == EAGAIN) continue;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                qfd[qtail % QCAP] = fd;
                qdue[qtail % QCAP] = now_ns() + delay;
                qtail++;
            }
        }
        long long t = now_ns();
        while (qhead != qtail && qdue[qhead % QCAP] <= t) {
            int fd = qfd[qhead % QCAP];
            qhead++;
            ssize_t w = write(fd, reply, sizeof reply - 1);
            (void)w;
            shutdown(fd, SHUT_WR);
            close(fd);
        }
    }
}
