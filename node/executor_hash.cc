#include "node/executor_hash.h"

namespace fleetgrid::node {
namespace {

constexpr std::string_view kDomain = "fleetgrid.hash.v1";

// `v` as little-endian bytes.
template <typename T>
class Le {
 public:
  explicit Le(T v) {
    for (size_t i = 0; i < sizeof(T); ++i) b_[i] = static_cast<char>(v >> (8 * i));
  }
  std::string_view bytes() const { return {b_, sizeof(T)}; }

 private:
  char b_[sizeof(T)];
};

}  // namespace

Sha256Digest HashKernel(uint64_t seed, uint32_t task_index, std::string_view input,
                        uint32_t rounds) {
  const Le<uint64_t> le_seed(seed);
  const Le<uint32_t> le_index(task_index);
  Sha256Digest d = Sha256({kDomain, le_seed.bytes(), le_index.bytes(), input});
  for (uint32_t k = 0; k < rounds; ++k) d = Sha256(AsBytes(d));
  return d;
}

}  // namespace fleetgrid::node
