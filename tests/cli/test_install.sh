# Installing libtcmbp: `cmake --install` into a temporary prefix, then a tiny
# C program built against it once through pkg-config and once through
# find_package(tcmbp), both run (the library's version and an instance).
. "$(dirname "$0")/common.sh"

BUILD=$(cd "$(dirname "$TCMBP")" && pwd)
P=$D/prefix
cmake --install "$BUILD" --prefix "$P" >"$LOG/install" 2>&1 || fail "cmake --install: $(tail -3 "$LOG/install")"
LIB=$(find "$P" -name 'libtcmbp.so.*.*' | head -1)
[ -n "$LIB" ] || fail "no versioned libtcmbp.so.X.Y.Z under $P"
objdump -p "$LIB" | grep -q 'SONAME *libtcmbp\.so\.0$' || fail "soname of $LIB: $(objdump -p "$LIB" | grep SONAME)"
[ -f "$P/include/tcmbp/instance.h" ] && [ -f "$P/include/tcmbp/api.h" ] || fail "headers not installed"
PCDIR=$(dirname "$(find "$P" -name tcmbp.pc | head -1)")
LIBDIR=$(dirname "$LIB")

cat >"$D/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "tcmbp/error.h"
#include "tcmbp/instance.h"
int main(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 9;
    p.M = 4;
    tcm_instance *inst = NULL;
    if (tcm_instance_generate(&inst, &p)) return 1;
    printf("tcmbp %s M=%d K=%d\n", tcm_version(), inst->M, inst->K);
    tcm_instance_free(inst);
    return 0;
}
C
# A sanitizer build's library needs the sanitizer runtime first in the
# process: the programs are then built with the same flags, and python3
# (which cannot load it) is not tried.
SAN_FLAGS=
if grep -q '^TCMBP_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    SAN_FLAGS="-fsanitize=address,undefined"
fi
VERSION=$(sed -n 's/^project(tcmbp VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
WANT="tcmbp $VERSION M=4 K=3"

# pkg-config
FLAGS=$(PKG_CONFIG_PATH=$PCDIR pkg-config --cflags --libs tcmbp) || fail "pkg-config --cflags --libs tcmbp"
cc $SAN_FLAGS -o "$D/hello_pc" "$D/hello.c" $FLAGS >"$LOG/cc" 2>&1 || fail "cc with pkg-config flags ($FLAGS): $(cat "$LOG/cc")"
OUT=$(LD_LIBRARY_PATH=$LIBDIR "$D/hello_pc") || fail "hello (pkg-config) failed"
[ "$OUT" = "$WANT" ] || fail "hello (pkg-config) printed '$OUT', not '$WANT'"

# find_package
mkdir -p "$D/proj"
cp "$D/hello.c" "$D/proj/"
cat >"$D/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(hello LANGUAGES C)
find_package(tcmbp 0.1 REQUIRED)
add_executable(hello hello.c)
target_link_libraries(hello PRIVATE tcmbp::tcmbp)
CM
cmake -S "$D/proj" -B "$D/proj/build" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_FLAGS="$SAN_FLAGS" >"$LOG/cm" 2>&1 || fail "find_package(tcmbp): $(tail -5 "$LOG/cm")"
cmake --build "$D/proj/build" >"$LOG/cmb" 2>&1 || fail "building against tcmbp::tcmbp: $(tail -5 "$LOG/cmb")"
OUT=$("$D/proj/build/hello") || fail "hello (find_package) failed"
[ "$OUT" = "$WANT" ] || fail "hello (find_package) printed '$OUT', not '$WANT'"
"$P/bin/tcmbp" --version >/dev/null || fail "the installed CLI does not run"
if [ -n "$SAN_FLAGS" ]; then
    echo "ok (sanitizer build: the installed Python package is checked by the normal build only," \
        "python3 cannot load a sanitized libtcmbp.so)"
    exit 0
fi
# The Python package, installed with the library it names (no environment needed).
PYDIR=$(find "$P" -type d -name dist-packages | head -1)
[ -n "$PYDIR" ] && [ -f "$PYDIR/tcmbp/__init__.py" ] || fail "the Python package is not installed under $P"
GOT=$(cd "$D" && env -u TCMBP_LIBRARY PYTHONPATH="$PYDIR" "$PY" -c 'import tcmbp; print(tcmbp.library_path, tcmbp.__version__)') ||
    fail "import tcmbp from $PYDIR failed"
[ "$GOT" = "$LIBDIR/libtcmbp.so.0 $VERSION" ] || fail "import tcmbp loaded '$GOT', not the installed $LIBDIR/libtcmbp.so.0"
echo "ok"
