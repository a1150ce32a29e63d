/* triwatch/takout.h - sending CoT events to a TAK endpoint (a TAK server or client) over UDP or TCP.
 *
 * Framing (triwatch/tak.h, ../shared/vectors/takproto/README.md):
 *   version 0, UDP: one CoT XML document per datagram (tw_cot_write);
 *   version 0, TCP: the XML documents back to back, "</event>" followed directly by "<?xml";
 *   version 1, UDP: one mesh message per datagram, 0xbf 0x01 0xbf TakMessage;
 *   version 1, TCP: streaming messages back to back, 0xbf <varint length> TakMessage.
 * No protocol negotiation is done: the endpoint is configured for the version we send.
 *
 * The sender never blocks its caller on the network. UDP datagrams go out with a non-blocking
 * send (a full socket buffer drops the event). TCP connects without blocking and keeps a bounded
 * queue of framed events: each tw_takout_send or tw_takout_flush writes what the socket takes and
 * returns. When the peer goes away (EOF, reset, failed connect) the sender closes the socket and
 * connects again after a backoff that doubles from backoff_min_ms to backoff_max_ms; an event the
 * old connection had only partly taken is sent again whole on the new one. Events that do not
 * fit the queue are dropped and counted. "Sent" means handed whole to the kernel: TCP cannot tell
 * us what the peer read before it went away.
 *
 * Loopback only unless the caller asks otherwise: the host must be an IPv4 or IPv6 literal (no
 * name lookup), and anything outside 127.0.0.0/8 and ::1 is refused before a socket is created.
 *
 * One tw_takout is used by one thread at a time. SIGPIPE is never raised (MSG_NOSIGNAL). */
#ifndef TRIWATCH_TAKOUT_H
#define TRIWATCH_TAKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/cot.h"
#include "triwatch/visibility.h"

typedef enum tw_takout_proto {
  TW_TAKOUT_UDP = 0,
  TW_TAKOUT_TCP = 1,
} tw_takout_proto;

typedef struct tw_takout_config {
  tw_takout_proto proto;
  const char *host;        /* IP literal: "127.0.0.1", "::1"; not a name */
  int port;                /* 1..65535 */
  int version;             /* TAK protocol version: 0 (XML) or 1 (protobuf) */
  int allow_non_loopback;  /* 0: refuse any host outside 127.0.0.0/8 and ::1 */
  size_t queue_bytes;      /* TCP queue bound in bytes; 0: 256 KiB. At least one event's worth
                              (TW_COT_MAX_BYTES) is always allowed */
  int backoff_min_ms;      /* TCP reconnect backoff: first wait; 0: 100 ms */
  int backoff_max_ms;      /* longest wait; 0: 5000 ms */
} tw_takout_config;

typedef struct tw_takout_stats {
  uint64_t sent;       /* events handed whole to the kernel */
  uint64_t dropped;    /* events lost for want of room (TCP queue full, UDP socket buffer
                          full) or to a UDP send error */
  uint64_t reconnects; /* TCP connections established after the first */
  size_t queued;       /* TCP: events waiting in the queue now */
  int connected;       /* TCP: 1 while a connection is up; UDP: always 1 */
} tw_takout_stats;

typedef struct tw_takout tw_takout;

/* Open a sender as cfg describes (cfg is copied; host need not outlive the call). UDP is ready at
 * once; TCP starts a non-blocking connect and returns without waiting for it. On success *out
 * owns a new sender (release it with tw_takout_close) and 0 is returned. On error *out is
 * unchanged and nothing was sent: TW_EINVAL for NULL arguments, a host that is not an IP
 * literal, a port out of range, a version other than 0 or 1, an unknown protocol or negative
 * backoffs; TW_EPERM for a host outside loopback without allow_non_loopback; TW_ENOMEM; TW_EIO
 * when no socket can be created. */
TW_API int tw_takout_open(tw_takout **out, const tw_takout_config *cfg);

/* Frame e in the configured version and send it (UDP) or queue it and write what the socket
 * takes (TCP). Never waits for the network. Returns 0 when the event was sent or queued;
 * TW_EINVAL for NULL arguments; the encoder's error for an event tw_cot_write / tw_tak_encode
 * refuse (TW_EINVAL an invalid event, TW_ERANGE one over 64 KiB framed, TW_ENOMEM; such an
 * event is not counted as dropped); TW_ERANGE when the TCP queue has no room (the event is
 * dropped and counted); TW_EIO when the UDP datagram could not be sent (dropped and counted). */
TW_API int tw_takout_send(tw_takout *o, const tw_cot_event *e);

/* TCP: make progress without a new event: finish a connect, reconnect when the backoff has run
 * out, write queued events, notice a peer that went away. Waits at most timeout_ms (0: not at
 * all) for the queue to empty. Returns the number of events still queued (0 for UDP), or
 * TW_EINVAL for NULL or a negative timeout. */
TW_API int tw_takout_flush(tw_takout *o, int timeout_ms);

/* Counters since open into *st (unchanged when either argument is NULL). */
TW_API void tw_takout_stats_get(const tw_takout *o, tw_takout_stats *st);

/* Close the socket and release the sender; events still queued are discarded. NULL accepted. */
TW_API void tw_takout_close(tw_takout *o);

#endif
