#!/usr/bin/env bash
# Installs every Debian package Bulkhead needs, then configures and builds the release build in
# build/. Safe to run again: packages already installed are not fetched (so a re-run works
# offline), and the build is incremental.
#
#   scripts/setup.sh             install (as root, when something is missing) and build
#   scripts/setup.sh --no-build  install only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"

PACKAGES=(
  # toolchain and build
  build-essential g++ cmake ninja-build pkg-config git
  # clang and its runtimes for the libFuzzer targets; llvm-14 for llvm-symbolizer in reports
  clang libclang-rt-14-dev llvm-14 clang-format
  # seccomp: the library (reference compiler, syscall tables), its resolver tool and Python binding
  libseccomp-dev seccomp python3-seccomp
  # libraries
  nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libre2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev hyperfine
  # Podman's seccomp.json (/usr/share/containers/seccomp.json), a real-world profile the tests load
  golang-github-containers-common
  # the builtin:busybox rootfs (static busybox, built by scripts/make-busybox-rootfs.sh)
  busybox-static
  # user namespaces for containers: newuidmap/newgidmap
  uidmap
  # peer runtimes and sandboxes the runtime benchmark and tests run side by side
  crun runc bubblewrap
  # ip (network namespaces, veth pairs in tests) and /usr/bin/time (peak RSS in benchmarks)
  iproute2 time
  apparmor  # apparmor_parser: the tests compile the profiles `bulkhead mac apparmor` writes
  # sysdig (libsinsp): an independent implementation of the rule condition language, run on
  # the same events as our engine in the differential test and the detection benchmark
  sysdig
  # live capture: libbpf (static archive needs libelf and zlib), bpftool (vmlinux.h from the
  # kernel's BTF, skeletons); the BPF C is compiled by clang (above) with -target bpf
  libbpf-dev libelf-dev zlib1g-dev bpftool
  # audit reports: headless Chromium renders the HTML report for the screenshot test (with a
  # font, so text has glyphs), jsonschema checks SARIF against its schema, libpng reads the
  # screenshot back
  chromium fonts-dejavu-core python3-jsonschema libpng-dev
)

# Test tools from the npm registry (not packaged for Debian): the SARIF validator of the SARIF
# project (Sarif.Multitool, a self-contained .NET program) and the SARIF 2.1.0 JSON schema
# (shipped inside @microsoft/jest-sarif). Pinned, in a fixed prefix the tests look in.
TEST_TOOLS=/opt/bulkhead-test-tools
NPM_TEST_TOOLS=(@microsoft/sarif-multitool-linux@5.7.0 @microsoft/jest-sarif@1.0.0-beta.0)

say() { printf '[setup] %s\n' "$*"; }

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h | --help)
      sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup.sh: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  say "all ${#PACKAGES[@]} Debian packages are installed"
else
  say "missing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: installing packages needs root; run it as root (or with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get update"
  apt-get update
  unknown=()
  for pkg in "${missing[@]}"; do
    candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [[ -n "$candidate" && "$candidate" != "(none)" ]] || unknown+=("$pkg")
  done
  if ((${#unknown[@]} > 0)); then
    echo "setup.sh: no installable candidate for: ${unknown[*]} (is this Debian 12?)" >&2
    exit 1
  fi
  say "apt-get install -y --no-install-recommends ${missing[*]}"
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

multitool="$TEST_TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [[ ! -x $multitool ]]; then
  if ! command -v npm >/dev/null; then
    echo "setup.sh: npm is needed for the SARIF validator (install Node.js and npm)" >&2
    exit 1
  fi
  say "npm install --prefix $TEST_TOOLS ${NPM_TEST_TOOLS[*]}"
  mkdir -p "$TEST_TOOLS"
  npm install --prefix "$TEST_TOOLS" --no-audit --no-fund "${NPM_TEST_TOOLS[@]}"
  # npm does not run the package's install script (which only sets this bit) by default.
  chmod +x "$multitool"
fi

if ((build == 0)); then
  exit 0
fi

say "configure: cmake -S $ROOT -B $BUILD_DIR -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
say "build: ninja -C $BUILD_DIR"
ninja -C "$BUILD_DIR"
say "done: $BUILD_DIR/src/cli/bulkhead"
