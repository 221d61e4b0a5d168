#!/usr/bin/env bash
# Volume ladders around references that are not solutions (issue 16):
# a K = 3, N = 999, alpha = 0.5 instance (seed 5); references: plain numpy
# SGD stopped at 10 errors (sgd.py), LAL after 10 epochs (18 errors),
# ceSGD-fast after 2000 epochs (22 errors), a random configuration (234
# errors). Default options of `tcmbp volume` (EP cavity, 25 couplings
# 0.5 .. 1000, 500 sweeps, --retries 2, stop at the first unconverged
# point), and for the random reference also --keep-going.
#   results/volume_nonsolutions/make.sh [TCMBP] [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
T=${1:-$here/../../build/tcmbp}
W=${2:-$(mktemp -d)}
cd "$W"
$T generate --N 999 --K 3 --alpha 0.5 --seed 5 -o inst.h5 --force --quiet
/usr/bin/python3 "$here/sgd.py" 0.05 10
$T train inst.h5 --algo lal --max-epochs 10 -o lal10.h5 --force --quiet
$T train inst.h5 --algo cesgd-fast --max-epochs 2000 -o cesgd2000.h5 --force --quiet
/usr/bin/python3 -c "import numpy as np; np.save('rand.npy', np.random.default_rng(1).standard_normal((3, 333)))"
for r in sgd.npy lal10.h5 cesgd2000.h5 rand.npy; do
    b=${r%.*}
    $T volume inst.h5 --reference "$r" --threads 1 --csv "$here/$b.csv" --force --json > "$here/$b.json" 2> "$b.err" || true
done
$T volume inst.h5 --reference rand.npy --threads 1 --keep-going --csv "$here/rand_keep_going.csv" --force --json \
    > "$here/rand_keep_going.json" 2> rand_keep_going.err || true
echo "volume_nonsolutions: done in $W"
