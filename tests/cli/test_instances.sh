# The shipped instances in instances/ still match the commands listed in
# instances/README.md (same datasets and sizes when regenerated), and the
# teacher of the teacher instance makes no errors on it.
. "$(dirname "$0")/common.sh"
need_py

n=0
# Every "tcmbp generate ... -o instances/X.h5" line of the README.
while IFS= read -r line; do
    file=${line##* -o }
    args=${line#tcmbp generate }
    args=${args% -o *}
    [ -f "$SRC/$file" ] || fail "instances/README.md lists $file but it is not shipped"
    # shellcheck disable=SC2086 # args is a list of options
    run_ok "$TCMBP" generate $args --quiet -o "$D/regen.h5"
    py '
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for k in ("/patterns", "/outputs", "/teacher"):
    assert (k in a) == (k in b), k
    if k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k][()], b[k][()]), sys.argv[1] + ": " + k + " differs"
for k in ("N", "K", "M", "seed", "arch", "generator"):
    assert a.attrs[k] == b.attrs[k], k
' "$SRC/$file" "$D/regen.h5" || fail "$file does not match: $line"
    rm -f "$D/regen.h5"
    n=$((n + 1))
done < <(grep '^tcmbp generate ' "$SRC/instances/README.md")
[ "$n" -ge 3 ] || fail "expected at least 3 regenerate commands in instances/README.md, found $n"
shipped=$(find "$SRC/instances" -name '*.h5' | wc -l)
[ "$shipped" -eq "$n" ] || fail "$shipped shipped .h5 files but $n regenerate commands"

T=$SRC/instances/teacher_tree_K3_N99_a1.h5
run_ok "$TCMBP" eval --json "$T" "$T:/teacher"
[ "$(json_get errors)" = 0 ] || fail "shipped teacher makes errors: $(cat "$LOG/out")"
echo "test_instances: all $n instances match"
