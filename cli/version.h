#pragma once

#include <string_view>

namespace fleetgrid::cli {
inline constexpr std::string_view kVersionString = "fleetgrid 0.1.0";
}
