#!/usr/bin/python3
"""Compare two golden manifests (scripts/golden.sh): print every entry that
changed or disappeared, then a count of the entries only the second has
(new datasets, attributes and keys, which a refactor may add).

    scripts/golden_diff.py BEFORE/MANIFEST AFTER/MANIFEST [--added]
"""
import sys


def load(path):
    d = {}
    for line in open(path):
        key, _, value = line.rstrip("\n").partition(" ")
        d[key] = value
    return d


def main(argv):
    before, after = load(argv[1]), load(argv[2])
    changed = [k for k in before if k in after and before[k] != after[k]]
    removed = [k for k in before if k not in after]
    added = [k for k in after if k not in before]
    for k in changed:
        print(f"changed {k}\n   before {before[k]}\n   after  {after[k]}")
    for k in removed:
        print(f"removed {k} {before[k]}")
    if "--added" in argv:
        for k in added:
            print(f"added   {k} {after[k]}")
    print(f"golden: {len(before)} entries before, {len(after)} after: {len(changed)} changed, "
          f"{len(removed)} removed, {len(added)} added")
    return 1 if changed or removed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
