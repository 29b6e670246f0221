// Replay of real charging sessions (models/trace_import.h): a car is parked and plugged in
// during each of its sessions and away between them.
//
// Anchoring: the trace is laid on the simulated calendar so that its week structure is kept.
// Its frame starts at the Monday 00:00 (in the trace's time zone) on or before its first
// session and lasts `period`: the span up to the last session's end rounded up to whole
// weeks. Simulated t = 0 (the scenario's `start`, an absolute instant) maps to the point of
// the frame with the same local weekday and time of day, shifted by whole periods: a start
// inside the trace replays it as it happened; any other start replays the same weekday and
// hour of the trace. From there the replay runs on in absolute seconds and wraps from the
// frame's end back to its start (it loops), so a run may be longer than the trace. Local time
// may drift by the daylight-saving difference (one hour) between the run's dates and the
// replayed ones, at most.
//
// Cars: region car c replays trace car c % cars_built (a region larger than the trace
// repeats its cars, in the same phase; a smaller one uses the first cars by name). Sessions
// that touch (and a session ending where the frame wraps onto one starting at its start) are
// separated by an away period of zero length: the plugged vehicle changed.
// Thread safety: immutable after construction; may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/availability.h"
#include "models/trace_import.h"

namespace fleetgrid::models {

class TraceReplay final : public AvailabilityModel {
 public:
  // REQUIRES: `trace` holds at least one car with one session (ImportSessions guarantees it).
  TraceReplay(std::shared_ptr<const TraceSessions> trace, int64_t start_unix_s);

  Start Initial(uint32_t car) const override;
  // A parked period that starts where the trace has the car away (a region event held it
  // away past its next session's start) ends one second later, unplugged; the car then
  // follows the trace again.
  Span Next(uint32_t car, uint32_t period, TimePoint start, bool available) const override;

  // Whether a run of `horizon` from t = 0 reaches past the end of the trace's last session,
  // so that the replay wraps around to the frame's start.
  bool Loops(Duration horizon) const;
  // The trace instant (Unix seconds) replayed at simulated t = 0.
  int64_t replay_start_unix_s() const { return anchor_ + offset_; }

 private:
  struct Session {
    int64_t start;  // seconds since the frame's start, in [0, period]
    int64_t end;
  };
  // The end (frame seconds) of the session that holds frame position x, or -1 if none does.
  int64_t SessionEnd(const std::vector<Session>& s, int64_t x) const;
  // The start of the first session at or after frame position x, wrapping (then it exceeds
  // the period).
  int64_t NextStart(const std::vector<Session>& s, int64_t x) const;
  int64_t Position(int64_t t_s) const;  // frame position of simulated second t_s
  const std::vector<Session>& CarSessions(uint32_t car) const { return cars_[car % cars_.size()]; }

  std::shared_ptr<const TraceSessions> trace_;
  int64_t anchor_ = 0;    // Unix seconds of the frame's start
  int64_t period_ = 0;    // seconds, whole weeks
  int64_t offset_ = 0;    // frame position of t = 0
  int64_t last_end_ = 0;  // frame position of the last session's end
  std::vector<std::vector<Session>> cars_;
};

}  // namespace fleetgrid::models
