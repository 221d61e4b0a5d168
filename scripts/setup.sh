#!/usr/bin/env bash
# Prepare a fresh Debian 12 machine (as root) to build tcmbp: install the
# missing apt packages (nothing, quietly, when all are present), then
# configure and build in build/, and (as root) install the library, the CLI
# and the Python package into /usr/local, so that `/usr/bin/python3 -c
# "import tcmbp"` works at once (docs/PYTHON.md). Extra arguments go to
# cmake, e.g.
#   bash scripts/setup.sh -DTCMBP_WERROR=ON
# Environment: BUILD_DIR (default build), CMAKE_BUILD_TYPE (default
# RelWithDebInfo), TCMBP_PREFIX (install prefix, default /usr/local),
# TCMBP_INSTALL=0 (build only), TCMBP_FASHION=1 (also install
# dataset-fashion-mnist, for scripts/fashion.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libhdf5-dev hdf5-tools libcunit1-dev zlib1g-dev
          python3-h5py python3-numpy python3-matplotlib python3-pytest python3-tqdm liblapacke-dev)
# The Fashion-MNIST study (scripts/fashion.sh) needs the data set; only then.
[[ ${TCMBP_FASHION:-0} == 1 ]] && PACKAGES+=(dataset-fashion-mnist)

# Print the packages of PACKAGES that dpkg does not report as installed.
missing_packages() {
    local p
    for p in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            echo "$p"
        fi
    done
}

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} > 0)); then
    echo "setup: installing ${missing[*]}" >&2
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: error: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" >/dev/null
echo "setup: built $BUILD_DIR/tcmbp ($("$BUILD_DIR"/tcmbp --version))" >&2

# Install (root only; never a sanitized build, which python3 cannot load).
PREFIX=${TCMBP_PREFIX:-/usr/local}
if [[ ${TCMBP_INSTALL:-1} == 0 ]]; then
    exit 0
elif grep -q '^TCMBP_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
    echo "setup: not installing $BUILD_DIR: it is a sanitizer build" >&2
elif [[ $(id -u) -ne 0 && ! -w $PREFIX ]]; then
    echo "setup: note: not root, so tcmbp is not installed into $PREFIX; for Python use" \
        "PYTHONPATH=$PWD/python TCMBP_LIBRARY=$PWD/$BUILD_DIR/libtcmbp.so (docs/PYTHON.md)" >&2
else
    cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
    if [[ $(id -u) -eq 0 ]] && command -v ldconfig >/dev/null; then ldconfig; fi
    echo "setup: installed libtcmbp, the tcmbp CLI and the Python package tcmbp into $PREFIX" >&2
fi
