/* test_takout.c - CoT to a TAK endpoint on 127.0.0.1: UDP and TCP in TAK protocol versions 0 and
 * 1 received with plain sockets and decoded; v1 frames byte for byte against the hand-worked
 * bytes of test_tak.c; TCP reconnects when the listener comes back; a host off loopback is
 * refused before any socket exists; nothing blocks when nobody listens or the peer stops reading.
 * The sender has no thread: the tests drive it with tw_takout_flush while they wait. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "triwatch/cot.h"
#include "triwatch/error.h"
#include "triwatch/tak.h"
#include "triwatch/takout.h"

#define WAIT_MS 3000 /* longest any test waits for loopback traffic */
/* Longest one call may take. A call that blocked on the network would hang here (the peer never
 * reads, nobody listens); typical calls take well under 1 ms and the tests print the slowest, but
 * a loaded machine (ctest -j) can deschedule us for tens of ms, hence the margin. */
#define CALL_MAX_MS 250

/* The small event of test_tak.c and its TakMessage, worked out by hand there. */
#include "tak_small.h"

/* A launch as the warning service sends it, numbered to tell events apart. */
static void launch_event(tw_cot_event *e, int k)
{
  tw_cot_init(e);
  snprintf(e->uid, sizeof e->uid, "triwatch.JPN.launch.%d", k);
  strcpy(e->type, TW_COT_TYPE_LAUNCH);
  strcpy(e->access, "REL TO USA, JPN, KOR");
  e->time_ns = e->start_ns = INT64_C(1795846200123000000);
  e->stale_ns = e->start_ns + INT64_C(600000000000);
  e->lat_deg = 39.66;
  e->lon_deg = 124.705;
  e->hae_m = 35.0;
  e->ce_m = 2500.0;
  e->le_m = 100.0;
  strcpy(e->remarks, "Launch <SRBM?> & \"4 sensors\"");
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A socket bound to 127.0.0.1:*port (0: any free port, written back). */
static int bound_socket(int type, int *port)
{
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)*port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  *port = ntohs(a.sin_port);
  if (type == SOCK_STREAM)
    assert_int_equal(listen(fd, 4), 0);
  return fd;
}

static tw_takout *open_out(tw_takout_proto proto, int port, int version)
{
  tw_takout_config cfg = {.proto = proto, .host = "127.0.0.1", .port = port, .version = version,
                          .backoff_min_ms = 20, .backoff_max_ms = 200};
  tw_takout *o = NULL;
  assert_int_equal(tw_takout_open(&o, &cfg), 0);
  assert_non_null(o);
  return o;
}

/* Wait for fd to be readable, driving the sender meanwhile; 1 when readable, 0 on timeout. */
static int wait_readable(int fd, tw_takout *o, int timeout_ms)
{
  int64_t end = now_ms() + timeout_ms;
  while (now_ms() < end) {
    struct pollfd p = {fd, POLLIN, 0};
    if (o)
      tw_takout_flush(o, 0);
    if (poll(&p, 1, 10) > 0)
      return 1;
  }
  return 0;
}

static int accept_one(int lfd, tw_takout *o)
{
  assert_true(wait_readable(lfd, o, WAIT_MS));
  int fd = accept(lfd, NULL, NULL);
  assert_true(fd >= 0);
  return fd;
}

/* Read exactly n bytes from a TCP socket, driving the sender. */
static void read_exact(int fd, tw_takout *o, uint8_t *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    assert_true(wait_readable(fd, o, WAIT_MS));
    ssize_t k = recv(fd, buf + got, n - got, 0);
    assert_true(k > 0);
    got += (size_t)k;
  }
}

static void assert_no_more(int fd, tw_takout *o)
{
  uint8_t b;
  if (wait_readable(fd, o, 50))
    assert_true(recv(fd, &b, 1, MSG_DONTWAIT) <= 0);
}

static ssize_t recv_dgram(int fd, uint8_t *buf, size_t n)
{
  assert_true(wait_readable(fd, NULL, WAIT_MS));
  return recv(fd, buf, n, 0);
}

static void test_udp_v0(void **state)
{
  (void)state;
  static uint8_t buf[TW_COT_MAX_BYTES], want[TW_COT_MAX_BYTES];
  int port = 0, fd = bound_socket(SOCK_DGRAM, &port);
  tw_takout *o = open_out(TW_TAKOUT_UDP, port, 0);
  tw_cot_event e, back;
  launch_event(&e, 1);
  assert_int_equal(tw_takout_send(o, &e), 0);
  ssize_t n = recv_dgram(fd, buf, sizeof buf);
  int len = tw_cot_write((char *)want, sizeof want, &e);
  /* one datagram, exactly the XML document */
  assert_int_equal(n, len);
  assert_memory_equal(buf, want, (size_t)len);
  char err[256];
  assert_int_equal(tw_cot_read(&back, (const char *)buf, (size_t)n, err, sizeof err), 0);
  assert_string_equal(back.uid, e.uid);
  assert_string_equal(back.type, "b-d-l-b");
  assert_string_equal(back.access, "REL TO USA, JPN, KOR");
  tw_takout_stats st;
  tw_takout_stats_get(o, &st);
  assert_int_equal(st.sent, 1);
  assert_int_equal(st.dropped, 0);
  assert_int_equal(st.connected, 1);
  tw_takout_close(o);
  close(fd);
}

static void test_udp_v1(void **state)
{
  (void)state;
  static const uint8_t mesh[] = "\xbf\x01\xbf" TAKMESSAGE_BYTES;
  uint8_t buf[4096];
  int port = 0, fd = bound_socket(SOCK_DGRAM, &port);
  tw_takout *o = open_out(TW_TAKOUT_UDP, port, 1);
  tw_cot_event e, back;
  tw_test_tak_small_event(&e);
  assert_int_equal(tw_takout_send(o, &e), 0);
  ssize_t n = recv_dgram(fd, buf, sizeof buf);
  assert_int_equal(n, sizeof mesh - 1);
  assert_memory_equal(buf, mesh, sizeof mesh - 1);

  launch_event(&e, 2);
  assert_int_equal(tw_takout_send(o, &e), 0);
  n = recv_dgram(fd, buf, sizeof buf);
  assert_true(n > 3);
  assert_int_equal(tw_tak_parse_mesh(&back, buf, (size_t)n), 0);
  assert_string_equal(back.uid, "triwatch.JPN.launch.2");
  assert_string_equal(back.remarks, e.remarks);
  tw_takout_close(o);
  close(fd);
}

static void test_tcp_v0(void **state)
{
  (void)state;
  static char want[2][TW_COT_MAX_BYTES];
  static uint8_t buf[2 * TW_COT_MAX_BYTES];
  int port = 0, lfd = bound_socket(SOCK_STREAM, &port);
  tw_takout *o = open_out(TW_TAKOUT_TCP, port, 0);
  tw_cot_event e[2], back;
  int len[2];
  for (int k = 0; k < 2; k++) {
    launch_event(&e[k], 10 + k);
    len[k] = tw_cot_write(want[k], sizeof want[k], &e[k]);
    assert_true(len[k] > 0);
    assert_int_equal(tw_takout_send(o, &e[k]), 0);
  }
  int fd = accept_one(lfd, o);
  read_exact(fd, o, buf, (size_t)(len[0] + len[1]));
  assert_no_more(fd, o);
  /* the two documents back to back: "</event>" then "<?xml" at once, no newline between */
  assert_memory_equal(buf, want[0], (size_t)len[0]);
  assert_memory_equal(buf + len[0], want[1], (size_t)len[1]);
  assert_memory_equal(buf + len[0] - 8, "</event><?xml", 13);
  assert_int_equal(tw_cot_read(&back, (const char *)buf + len[0], (size_t)len[1], NULL, 0), 0);
  assert_string_equal(back.uid, "triwatch.JPN.launch.11");
  tw_takout_stats st;
  tw_takout_stats_get(o, &st);
  assert_int_equal(st.sent, 2);
  assert_int_equal(st.queued, 0);
  assert_int_equal(st.reconnects, 0);
  assert_int_equal(st.connected, 1);
  tw_takout_close(o);
  close(fd);
  close(lfd);
}

static void test_tcp_v1(void **state)
{
  (void)state;
  static const uint8_t stream[] = "\xbf\x49" TAKMESSAGE_BYTES; /* magic, varint 73 */
  uint8_t buf[4096];
  int port = 0, lfd = bound_socket(SOCK_STREAM, &port);
  tw_takout *o = open_out(TW_TAKOUT_TCP, port, 1);
  tw_cot_event e, back;
  tw_test_tak_small_event(&e);
  assert_int_equal(tw_takout_send(o, &e), 0);
  assert_int_equal(tw_takout_send(o, &e), 0);
  int fd = accept_one(lfd, o);
  size_t one = sizeof stream - 1;
  read_exact(fd, o, buf, 2 * one);
  assert_memory_equal(buf, stream, one);
  assert_memory_equal(buf + one, stream, one);

  /* a bigger event: a two-byte length, parsed back */
  launch_event(&e, 3);
  assert_int_equal(tw_takout_send(o, &e), 0);
  int flen = tw_tak_frame_stream(buf, sizeof buf, &e);
  assert_true(flen > 130);
  read_exact(fd, o, buf, (size_t)flen);
  assert_no_more(fd, o);
  assert_int_equal(buf[0], 0xbf);
  assert_int_equal(tw_tak_parse_stream(&back, buf, (size_t)flen), flen);
  assert_string_equal(back.uid, "triwatch.JPN.launch.3");
  assert_int_equal(tw_takout_flush(o, 0), 0);
  tw_takout_close(o);
  close(fd);
  close(lfd);
}

/* The listener goes away and comes back on the same port: the sender reconnects by itself and
 * the event queued meanwhile arrives whole on the new connection. */
static void test_tcp_reconnect(void **state)
{
  (void)state;
  uint8_t buf[4096];
  int port = 0, lfd = bound_socket(SOCK_STREAM, &port);
  tw_takout *o = open_out(TW_TAKOUT_TCP, port, 1);
  tw_cot_event e, back;
  launch_event(&e, 1);
  int flen = tw_tak_frame_stream(buf, sizeof buf, &e);
  assert_int_equal(tw_takout_send(o, &e), 0);
  int fd = accept_one(lfd, o);
  read_exact(fd, o, buf, (size_t)flen);
  close(fd);
  close(lfd);

  /* nobody listens: the sender notices, keeps trying, and never holds us up */
  launch_event(&e, 2);
  flen = tw_tak_frame_stream(buf, sizeof buf, &e);
  int64_t t0 = now_ms();
  assert_int_equal(tw_takout_send(o, &e), 0);
  assert_true(now_ms() - t0 < CALL_MAX_MS);
  for (int i = 0; i < 20; i++) {
    int64_t t1 = now_ms();
    assert_int_equal(tw_takout_flush(o, 0), 1);
    assert_true(now_ms() - t1 < CALL_MAX_MS);
    poll(NULL, 0, 10);
  }
  tw_takout_stats st;
  tw_takout_stats_get(o, &st);
  assert_int_equal(st.connected, 0);
  assert_int_equal(st.queued, 1);

  int again = port;
  lfd = bound_socket(SOCK_STREAM, &again);
  assert_int_equal(again, port);
  fd = accept_one(lfd, o);
  read_exact(fd, o, buf, (size_t)flen);
  assert_int_equal(tw_tak_parse_stream(&back, buf, (size_t)flen), flen);
  assert_string_equal(back.uid, "triwatch.JPN.launch.2");
  assert_int_equal(tw_takout_flush(o, 0), 0);
  tw_takout_stats_get(o, &st);
  assert_int_equal(st.sent, 2);
  assert_int_equal(st.reconnects, 1);
  assert_int_equal(st.dropped, 0);
  assert_int_equal(st.connected, 1);
  tw_takout_close(o);
  close(fd);
  close(lfd);
}

static int count_fds(void)
{
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  assert_non_null(d);
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

static void test_refuse_non_loopback(void **state)
{
  (void)state;
  static const char *refused[] = {"192.0.2.1", "10.0.0.1", "0.0.0.0", "255.255.255.255",
                                  "128.0.0.1", "2001:db8::1", "::", "::ffff:127.0.0.1"};
  static const char *invalid[] = {"localhost", "example.org", "", "127.0.0.1 ", "127.1",
                                  "::1%lo"};
  tw_takout *o = (tw_takout *)&o; /* a sentinel: must stay as it is */
  tw_takout *const sentinel = o;
  int before = count_fds();
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    for (int proto = 0; proto < 2; proto++) {
      tw_takout_config cfg = {.proto = (tw_takout_proto)proto, .host = refused[i], .port = 8087,
                              .version = 1};
      assert_int_equal(tw_takout_open(&o, &cfg), TW_EPERM);
      assert_ptr_equal(o, sentinel);
    }
  }
  for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
    tw_takout_config cfg = {.proto = TW_TAKOUT_TCP, .host = invalid[i], .port = 8087};
    assert_int_equal(tw_takout_open(&o, &cfg), TW_EINVAL);
    assert_ptr_equal(o, sentinel);
  }
  /* no socket was ever made for them, so nothing can have been sent */
  assert_int_equal(count_fds(), before);

  tw_takout_config bad = {.proto = TW_TAKOUT_UDP, .host = "127.0.0.1", .port = 0};
  assert_int_equal(tw_takout_open(&o, &bad), TW_EINVAL);
  bad.port = 65536;
  assert_int_equal(tw_takout_open(&o, &bad), TW_EINVAL);
  bad.port = 8087;
  bad.version = 2;
  assert_int_equal(tw_takout_open(&o, &bad), TW_EINVAL);
  bad.version = 0;
  bad.proto = (tw_takout_proto)7;
  assert_int_equal(tw_takout_open(&o, &bad), TW_EINVAL);
  assert_int_equal(tw_takout_open(&o, NULL), TW_EINVAL);
  assert_ptr_equal(o, sentinel);

  /* the rest of 127.0.0.0/8 and ::1 are loopback */
  tw_takout_config ok = {.proto = TW_TAKOUT_TCP, .host = "127.0.0.2", .port = 9, .version = 0};
  o = NULL;
  assert_int_equal(tw_takout_open(&o, &ok), 0);
  tw_takout_close(o);
  ok.host = "::1";
  o = NULL;
  assert_int_equal(tw_takout_open(&o, &ok), 0);
  tw_takout_close(o);
  assert_int_equal(count_fds(), before);
}

/* Nothing listens: every call returns at once; a small queue fills and the rest is dropped. */
static void test_no_listener_no_block(void **state)
{
  (void)state;
  int port = 0, lfd = bound_socket(SOCK_STREAM, &port);
  close(lfd); /* a port where nobody listens now */
  tw_takout_config cfg = {.proto = TW_TAKOUT_TCP, .host = "127.0.0.1", .port = port,
                          .version = 0, .queue_bytes = 1};
  tw_takout *o = NULL;
  assert_int_equal(tw_takout_open(&o, &cfg), 0);
  tw_cot_event e;
  int64_t worst = 0, t0 = now_ms();
  int queued = 0, dropped = 0;
  enum { N = 300 };
  for (int k = 0; k < N; k++) {
    launch_event(&e, k);
    int64_t t1 = now_ms();
    int rc = tw_takout_send(o, &e);
    int64_t dt = now_ms() - t1;
    worst = dt > worst ? dt : worst;
    if (rc == 0)
      queued++;
    else if (rc == TW_ERANGE)
      dropped++;
    else
      fail_msg("tw_takout_send: %d", rc);
  }
  printf("  %d events in %lld ms, slowest call %lld ms, %d queued, %d dropped\n", N,
         (long long)(now_ms() - t0), (long long)worst, queued, dropped);
  assert_true(worst < CALL_MAX_MS);
  tw_takout_stats st;
  tw_takout_stats_get(o, &st);
  assert_true(dropped > 0 && queued > 0);
  assert_int_equal(st.dropped, (uint64_t)dropped);
  assert_int_equal(st.queued, (size_t)queued);
  assert_int_equal(st.sent, 0);
  assert_int_equal(st.connected, 0);
  /* a bounded flush waits its time and no longer */
  int64_t t1 = now_ms();
  assert_int_equal(tw_takout_flush(o, 30), queued);
  assert_true(now_ms() - t1 < 30 + CALL_MAX_MS);
  tw_takout_close(o);

  /* UDP with nobody there: sent or refused, never waiting */
  o = open_out(TW_TAKOUT_UDP, port, 1);
  for (int k = 0; k < 100; k++) {
    launch_event(&e, k);
    t0 = now_ms();
    int rc = tw_takout_send(o, &e);
    assert_true(now_ms() - t0 < CALL_MAX_MS);
    assert_true(rc == 0 || rc == TW_EIO);
  }
  tw_takout_close(o);
}

/* The peer accepts and then never reads: the kernel buffers fill, then our queue, then events
 * are dropped - the caller is never held up. */
static void test_peer_not_reading(void **state)
{
  (void)state;
  int port = 0, lfd = bound_socket(SOCK_STREAM, &port);
  tw_takout_config cfg = {.proto = TW_TAKOUT_TCP, .host = "127.0.0.1", .port = port,
                          .version = 0, .queue_bytes = 100000};
  tw_takout *o = NULL;
  assert_int_equal(tw_takout_open(&o, &cfg), 0);
  tw_cot_event e;
  launch_event(&e, 0);
  assert_int_equal(tw_takout_send(o, &e), 0);
  int fd = accept_one(lfd, o);
  int rcvbuf = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int64_t worst = 0, t0 = now_ms();
  int k, dropped = 0;
  for (k = 1; k < 200000 && dropped < 50; k++) {
    launch_event(&e, k);
    int64_t t1 = now_ms();
    int rc = tw_takout_send(o, &e);
    int64_t dt = now_ms() - t1;
    worst = dt > worst ? dt : worst;
    if (rc == TW_ERANGE)
      dropped++;
    else
      assert_int_equal(rc, 0);
  }
  printf("  %d events in %lld ms before 50 drops, slowest call %lld ms\n", k,
         (long long)(now_ms() - t0), (long long)worst);
  assert_int_equal(dropped, 50);
  assert_true(worst < CALL_MAX_MS);
  tw_takout_stats st;
  tw_takout_stats_get(o, &st);
  assert_int_equal(st.dropped, 50);
  assert_true(st.queued > 0);
  assert_int_equal(st.connected, 1);
  tw_takout_close(o);
  close(fd);
  close(lfd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_udp_v0),
      cmocka_unit_test(test_udp_v1),
      cmocka_unit_test(test_tcp_v0),
      cmocka_unit_test(test_tcp_v1),
      cmocka_unit_test(test_tcp_reconnect),
      cmocka_unit_test(test_refuse_non_loopback),
      cmocka_unit_test(test_no_listener_no_block),
      cmocka_unit_test(test_peer_not_reading),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
