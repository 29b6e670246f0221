#!/usr/bin/env bash
# Installs the Debian packages Fleetgrid builds with: only those missing, idempotent.
# Runs `apt-get update` once, and only when something has to be installed.
#   --fuzz  also what `make fuzz-smoke` needs: clang, libFuzzer and the sanitizer runtimes
#           (libclang-rt-14-dev holds libclang_rt.fuzzer-x86_64.a), llvm-symbolizer (llvm-14)
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libboost-dev libssl-dev libsqlite3-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfaketime libmimalloc-dev
)
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-14-dev llvm-14)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
