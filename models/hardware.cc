#include "models/hardware.h"

namespace fleetgrid::models {

HardwareProfile HardwareForSpeed(double speed) {
  HardwareProfile h;
  h.speed = speed;
  if (speed <= 1) {
    h.board = Board::kHw3;
    h.power_draw_w = 72;
  } else if (speed <= 2) {
    h.board = Board::kHw4;
    h.power_draw_w = 100;
  } else {
    h.board = Board::kAi5;
    h.power_draw_w = 150;
  }
  return h;
}

}  // namespace fleetgrid::models
