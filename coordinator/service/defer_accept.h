// Silent connections kept out of gRPC: TCP_DEFER_ACCEPT on the coordinator's listening socket.
//
// A gRPC client always speaks first (the HTTP/2 preface, or a TLS ClientHello), so a
// connection that sends nothing is not a car. With TCP_DEFER_ACCEPT the kernel wakes accept()
// only when data arrives; a connection that stays silent waits in the SYN queue (a few
// hundred bytes of kernel memory, no file descriptor, no gRPC transport) until the hold ends,
// then is accepted and closed by gRPC's handshake timeout. Without it, every silent
// connection costs gRPC an accept, an endpoint, a handshake with its timer and a close, about
// 165 us of CPU each; 2,000 opened together and reopened when closed cost the coordinator's
// core a 330 ms burst every handshake timeout (bench/flood.sh). The same defence as nginx's
// `listen ... deferred` and HAProxy's `defer-accept`.
//
// gRPC 1.51 creates its listening socket itself and has no public hook on it, so this finds
// the socket among the process's descriptors by its port (Linux /proc/self/fd) once the
// server is listening. Past the listen backlog (net.core.somaxconn) the kernel answers with
// SYN cookies and those connections reach gRPC at once: this raises the cost of a flood, it
// does not cap it (a per-source limit in front of the port does).
#pragma once

#include "absl/status/statusor.h"
#include "common/time.h"

namespace fleetgrid::service {

// Sets TCP_DEFER_ACCEPT (hold rounded up to whole seconds; the kernel rounds it up again to
// its SYN-ACK retransmission schedule: 1, 3, 7, 15, 31, 63, 127 s ...) on every listening TCP
// socket of this process bound to `port`. Returns the hold the kernel took, as it reports it;
// NotFound when no such socket exists.
absl::StatusOr<Duration> DeferAcceptOnListeners(int port, Duration hold);

}  // namespace fleetgrid::service
