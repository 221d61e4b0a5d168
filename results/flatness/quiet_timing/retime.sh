#!/bin/bash
# quiet re-timing of every algorithm on flatness instance $1
s=$1; D=/tmp/retime; mkdir -p $D
T=/work/main/build/tcmbp; I=/work/main/results/flatness/runs/inst_$s.h5
for a in lal cesgd-fast cesgd-slow elal; do
  $T train --quiet --threads 1 --seed $s $I --algo $a -o $D/${a}_$s.h5 --json --force > $D/${a}_$s.json
done
$T solve --quiet --threads 1 $I -o $D/fbp_$s.h5 --json --force > $D/fbp_$s.json
