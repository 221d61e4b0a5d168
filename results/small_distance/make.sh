#!/bin/sh
# Local entropy at small distances: BP (each cavity mode) against the
# small-distance limit (tcm_limit_local_entropy, via bench_limit), around
# teachers. Writes small_distance.csv here. About 25 CPU minutes (N = 3003
# dominates); run from the repository root after building into build/.
# WORK=DIR keeps instances and volume runs (a run whose CSV exists is reused).
set -eu
T=${T:-build/tcmbp}
L=${L:-build/bench_limit}
out=results/small_distance
work=${WORK:-$(mktemp -d)}
run() { # name N seed alpha kind mode extra...
    name=$1 N=$2 seed=$3 alpha=$4 kind=$5 mode=$6
    shift 6
    inst=$work/$name.h5
    [ -f "$inst" ] || $T generate --N "$N" --K 3 --alpha "$alpha" --seed "$seed" --teacher --weights "$kind" -o "$inst" -q
    if [ "$kind" = binary ]; then flag="--hidden $mode"; else flag="--cavity $mode"; fi
    [ -f "$work/$name-$mode.csv" ] || nice -n 10 $T volume "$inst" --weights "$kind" --reference "$inst:/teacher" $flag --threads 1 -q -f \
        -o "$work/$name-$mode.h5" --csv "$work/$name-$mode.csv" "$@" >/dev/null
    $L "$inst" "$inst:/teacher" "$kind" < "$work/$name-$mode.csv" |
        awk -F, -v n="$name" -v N="$N" -v k="$kind" -v m="$mode" '
            NR == 1 { for (j = 1; j <= NF; j++) c[$j] = j; next }
            { printf "%s,%d,%s,%s,%s,%s,%s,%s,%s,%.4f\n", n, N, k, m, $c["lambda"], $c["distance"],
                     $c["local_entropy"], $c["limit"], $c["bp_minus_limit"], N * $c["bp_minus_limit"] }'
}
{
    echo "instance,N,weights,mode,lambda,distance,local_entropy,limit,bp_minus_limit,N_times_diff"
    for m in exact fast ep; do run teacher-N999-s77 999 77 1 continuous $m; done
    for m in exact ep; do run teacher-N3003-s78 3003 78 1 continuous $m; done
    for m in clt exact; do run teacher-N297-s5 297 5 0.5 binary $m --lambdas 0.5,1,1.5,2,3; done
} > $out/small_distance.csv
