// What a car's inference computer is, from its speed class: the board it is named after
// (the nearest Tesla board), its power draw, memory and storage. Speed is what the
// scenario sets; the rest follows from it until scenarios describe boards (issue 17).
#pragma once

#include <cstdint>

namespace fleetgrid::models {

enum class Board : uint8_t { kHw3, kHw4, kAi5 };

struct HardwareProfile {
  Board board = Board::kHw3;
  double speed = 1.0;        // work units per second
  double power_draw_w = 72;  // while computing
  uint64_t memory_bytes = 8ull << 30;
  uint64_t storage_bytes = 64ull << 30;
};

// HW3 (~72 W) up to speed 1, HW4 (~100 W) up to 2, AI5 (~150 W) above.
HardwareProfile HardwareForSpeed(double speed);

}  // namespace fleetgrid::models
