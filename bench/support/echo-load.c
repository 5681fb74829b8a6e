// The closed-loop load generator of bench/echo.bench.mjs in C (echo-load.mjs
// is the same protocol in JavaScript, and keeps the open loop):
//   echo-load <port> <connections> <window> <frame-file> <payload-bytes> <warmup-ms> <seconds>
// Opens `connections` WebSockets to 127.0.0.1:<port>, keeps `window` copies of
// the masked frame in <frame-file> in flight on each, and answers every echo
// that comes back with a new copy, written in one batch per socket read.
// Why C: at 16 B the JavaScript generator spends a whole core (Node's read
// callback and Writable per read) before the fastest servers do, so the echo
// measured the generator; here a read and its answer are two system calls.
// Talks to the parent on stdout, one JSON object per line: {"type":"warm"}
// after the warm-up; on SIGUSR1 it measures `seconds` and prints the result
// (messages, bytes, seconds, round-trip p50 and p99 in ms), then exits.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (256 * 1024)
#define MAX_SAMPLES (1 << 21)

typedef struct {
  int fd;
  uint64_t owed;     // bytes of the repeated frame stream still to write
  uint64_t written;  // bytes of the stream written so far (its offset in the frame is written % frame length)
  int want_out;      // registered for EPOLLOUT (a write met a full socket buffer)
  uint64_t skip;     // payload bytes of the frame being read still to come
  uint8_t head[14];  // a frame header split across reads
  int head_len;
  double *sent;      // send times of the messages in flight, a ring of `window`
  int ring_head, ring_tail;
} conn_t;

static uint8_t *batch;  // `window` copies of the frame
static size_t frame_len, batch_len;
static int window_size;
static volatile sig_atomic_t go = 0;
static int measuring = 0;
static uint64_t messages = 0;
static double *samples;
static size_t sample_count = 0;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void on_usr1(int sig) {
  (void)sig;
  go = 1;
}

/** Writes what `c` owes until done or the socket buffer is full; returns 0, or -1 when the socket failed. */
static int flush(conn_t *c, int ep) {
  while (c->owed > 0) {
    size_t at = c->written % frame_len;
    size_t n = batch_len - at;
    if (n > c->owed) n = c->owed;
    ssize_t w = write(c->fd, batch + at, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return -1;
      break;
    }
    c->owed -= (uint64_t)w;
    c->written += (uint64_t)w;
  }
  int want = c->owed > 0;
  if (want != c->want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
    c->want_out = want;
  }
  return 0;
}

/** Queues `count` messages on `c`, stamped `t`. */
static void send_messages(conn_t *c, int count, double t) {
  for (int i = 0; i < count; i++) {
    c->sent[c->ring_tail] = t;
    c->ring_tail = c->ring_tail == window_size - 1 ? 0 : c->ring_tail + 1;
  }
  c->owed += (uint64_t)count * frame_len;
}

/** Walks the server's frames in `p[0..n)`; returns how many messages the bytes complete. */
static int parse(conn_t *c, const uint8_t *p, size_t n) {
  int done = 0;
  size_t at = 0;
  while (at < n) {
    if (c->skip > 0) {
      size_t k = n - at < c->skip ? n - at : c->skip;
      c->skip -= k;
      at += k;
      if (c->skip == 0) done++;
      continue;
    }
    // A header: gather its bytes (2, 4 or 10) in c->head when it is split.
    while (c->head_len < 2 && at < n) c->head[c->head_len++] = p[at++];
    if (c->head_len < 2) break;
    int len7 = c->head[1] & 0x7f;
    int need = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
    while (c->head_len < need && at < n) c->head[c->head_len++] = p[at++];
    if (c->head_len < need) break;
    uint64_t len = len7;
    if (len7 == 126) len = ((uint64_t)c->head[2] << 8) | c->head[3];
    if (len7 == 127) {
      len = 0;
      for (int i = 2; i < 10; i++) len = (len << 8) | c->head[i];
    }
    c->head_len = 0;
    if (len == 0) done++;
    else c->skip = len;
  }
  return done;
}

/** Connects and upgrades (blocking); the socket is non-blocking afterwards. Bytes past the response head go to `c`'s parser. */
static int open_conn(conn_t *c, int port, uint8_t *buf) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[256];
  int len = snprintf(req, sizeof req,
                     "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     port);
  if (write(fd, req, len) != len) die("write upgrade");
  size_t got = 0;
  char *end = NULL;
  while (end == NULL) {
    ssize_t r = read(fd, buf + got, READ_SIZE - 1 - got);
    if (r <= 0) die("read upgrade");
    got += r;
    buf[got] = 0;
    end = strstr((char *)buf, "\r\n\r\n");
  }
  if (strncmp((char *)buf, "HTTP/1.1 101", 12) != 0) {
    fprintf(stderr, "upgrade refused: %.*s\n", (int)got, buf);
    exit(1);
  }
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
  c->fd = fd;
  // Nothing was sent yet, so nothing but the head can have come.
  if ((size_t)((uint8_t *)end + 4 - buf) != got) {
    fprintf(stderr, "bytes after the upgrade response before any message\n");
    exit(1);
  }
  return 0;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: echo-load <port> <connections> <window> <frame-file> <payload-bytes> <warmup-ms> <seconds>\n");
    return 2;
  }
  int port = atoi(argv[1]), connections = atoi(argv[2]);
  window_size = atoi(argv[3]);
  uint64_t payload_bytes = strtoull(argv[5], NULL, 10);
  int warmup_ms = atoi(argv[6]);
  double seconds = atof(argv[7]);

  FILE *f = fopen(argv[4], "rb");
  if (!f) die("frame file");
  fseek(f, 0, SEEK_END);
  frame_len = (size_t)ftell(f);
  rewind(f);
  batch_len = frame_len * (size_t)window_size;
  batch = malloc(batch_len);
  if (!batch || fread(batch, 1, frame_len, f) != frame_len) die("frame read");
  fclose(f);
  for (int i = 1; i < window_size; i++) memcpy(batch + i * frame_len, batch, frame_len);

  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {.sa_handler = on_usr1};
  sigaction(SIGUSR1, &sa, NULL);
  samples = malloc(sizeof(double) * MAX_SAMPLES);
  uint8_t *buf = malloc(READ_SIZE);
  conn_t *conns = calloc((size_t)connections, sizeof(conn_t));
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  for (int i = 0; i < connections; i++) {
    conn_t *c = &conns[i];
    c->sent = calloc((size_t)window_size, sizeof(double));
    open_conn(c, port, buf);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
  }
  double start = now_ms();
  for (int i = 0; i < connections; i++) {
    send_messages(&conns[i], window_size, start);
    if (flush(&conns[i], ep) < 0) die("write");
  }

  // warming -> waiting for SIGUSR1 -> measuring -> done
  int phase = 0;
  double measured_from = 0;
  struct epoll_event events[64];
  for (;;) {
    double t = now_ms();
    if (phase == 0 && t - start >= warmup_ms) {
      printf("{\"type\":\"warm\"}\n");
      fflush(stdout);
      phase = 1;
    }
    if (phase == 1 && go) {
      phase = 2;
      measuring = 1;
      measured_from = now_ms();
      t = measured_from;
    }
    if (phase == 2 && t - measured_from >= seconds * 1e3) break;
    int n = epoll_wait(ep, events, 64, 10);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      conn_t *c = events[i].data.ptr;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        fprintf(stderr, "connection closed by the server\n");
        return 1;
      }
      if (events[i].events & EPOLLIN) {
        ssize_t r = read(c->fd, buf, READ_SIZE);
        if (r == 0) {
          fprintf(stderr, "connection closed by the server\n");
          return 1;
        }
        if (r < 0) {
          if (errno == EAGAIN || errno == EINTR) continue;
          die("read");
        }
        int done = parse(c, buf, (size_t)r);
        if (done > 0) {
          double at = now_ms();
          for (int k = 0; k < done; k++) {
            if (measuring) {
              messages++;
              if (sample_count < MAX_SAMPLES) samples[sample_count++] = at - c->sent[c->ring_head];
            }
            c->ring_head = c->ring_head == window_size - 1 ? 0 : c->ring_head + 1;
          }
          send_messages(c, done, at);
        }
      }
      if (c->owed > 0 && flush(c, ep) < 0) die("write");
    }
  }
  double elapsed = (now_ms() - measured_from) / 1e3;
  qsort(samples, sample_count, sizeof(double), compare);
  double p50 = sample_count ? samples[sample_count / 2] : 0, p99 = sample_count ? samples[(size_t)(0.99 * sample_count)] : 0;
  printf("{\"type\":\"result\",\"messages\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"p50\":%.6f,\"p99\":%.6f}\n",
         (unsigned long long)messages, (unsigned long long)(messages * payload_bytes), elapsed, p50, p99);
  fflush(stdout);
  return 0;
}
