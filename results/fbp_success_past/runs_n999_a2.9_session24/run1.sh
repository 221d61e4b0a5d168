#!/bin/sh
# one focusing-BP instance: K = 3, N = 999, alpha $1, seed $2, solve defaults, one thread
B=/work/main/build/tcmbp; a=$1; s=$2
f=i_${a}_$s.h5
[ -f $f ] || $B generate --N 999 --K 3 --alpha $a --seed $s -q -o $f >/dev/null
/usr/bin/time -f "%U %S" -o t_${a}_$s.txt $B solve $f --threads 1 -q --json -o sol_${a}_$s.h5 --force > bp_${a}_$s.json 2>/dev/null
