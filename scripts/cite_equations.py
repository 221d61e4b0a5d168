#!/usr/bin/env python3
"""Rewrite the code's "spec X.Y" citations to "EQUATIONS.md X.Y".

The code comments cite sections of an equations reference that is not in
the repository ("spec 1.1", "spec 2, 3, 4", "spec 1.1-1.3, 4", also wrapped
over a comment line break). docs/EQUATIONS.md keeps that document's section
numbers, so the generic rewrite is the word "spec" -> "EQUATIONS.md" with
the numbers and the surrounding text kept. A short table of targeted
rewrites, applied first, points some citations at the subsection that now
holds the equation (2.1, 3.1, 4.4, ...) and corrects the few that pointed
at a section without it (the binary focusing record, which the old
reference lacked) or at a document that is gone (docs/THEORY.md).

Usage: scripts/cite_equations.py [--dry-run] [PATH ...]
PATHs are files or directories (default: src include tests), searched for
*.c, *.h, *.sh, *.py. Prints one line per file changed, every targeted rule
that found nothing to rewrite, the comment lines the rewrite makes longer
than 120 characters, and the citations left; exits 1 if any are left.
"""
import argparse
import os
import re
import sys

# "spec" (a whole word, optionally "spec section"), then blanks, possibly a
# comment line break (" *" leader), then a section number.
GENERIC = re.compile(r"\bspec(\s+section)?((?:[ \t]*\n[ \t]*\*)?[ \t]+)(?=\d)")
CITE = re.compile(r"\bspec(?:\s+section)?(?:[ \t]*\n[ \t]*\*)?[ \t]+\d")
LEFT = re.compile(CITE.pattern + r"|docs/THEORY\.md")
SUFFIXES = (".c", ".h", ".sh", ".py")

# (path suffix, old text, new text). Old texts are short and distinctive so
# that they survive unrelated edits; one that no longer matches is reported
# and the generic rewrite still applies to its citation.
TARGETED = [
    # pointed at a section that did not hold the equation, or at a removed page
    ("src/lib/bin.c", "thermodynamic summaries (spec 2, 3, 4)", "thermodynamic summaries (EQUATIONS.md 2.3, 3.2, 4.4)"),
    ("src/lib/bin.c", "/* spec 4 record:", "/* EQUATIONS.md 4.4 record:"),
    ("include/tcmbp/bin.h", "record of one focusing step (spec 4)", "record of one focusing step (EQUATIONS.md 4.4)"),
    ("tests/test_cont.c", "(spec 1.1 as docs/THEORY.md states it,", "(EQUATIONS.md 1.1,"),
    ("src/cli/cmd_binary.c", "(spec section 3)", "(docs/EQUATIONS.md 3.2)"),
    # the subsection that now holds the equation
    ("src/cli/cmd_volume.c", "(spec 3, continuous weights)", "(EQUATIONS.md 3.1, continuous weights)"),
    ("src/lib/protocol.c", "Focusing protocols (spec 4)", "Focusing protocols (EQUATIONS.md 4.3)"),
    ("src/lib/fbp.c", "Focusing BP driver (spec 4)", "Focusing BP driver (EQUATIONS.md 4.1)"),
    ("src/lib/special.c", "binary field update of spec 2)", "binary field update of EQUATIONS.md 2.1)"),
    ("src/lib/volume.c", "Local-volume driver (spec 3)", "Local-volume driver (EQUATIONS.md 3.1)"),
    ("src/lib/sweep.c", "(spec 4, paper D34)", "(EQUATIONS.md 4.1, paper D34)"),
    ("src/lib/bbp.c", "Focusing fields of spec 4", "Focusing fields of EQUATIONS.md 4.2"),
    ("src/lib/bin.c", "Messages u[0..n) of spec 2", "Messages u[0..n) of EQUATIONS.md 2.1"),
    ("src/lib/bin.c", "/* spec 3 */", "/* EQUATIONS.md 3.2 */"),
    ("include/tcmbp/bgraph.h", "local-volume measure (spec 3) and the focusing field (spec 4)",
     "local-volume measure (EQUATIONS.md 3.2) and the focusing field (EQUATIONS.md 4.2)"),
    ("include/tcmbp/bgraph.h", "Reference field (spec 3)", "Reference field (EQUATIONS.md 3.2)"),
    ("include/tcmbp/bgraph.h", "Focusing field (spec 4)", "Focusing field (EQUATIONS.md 4.2)"),
    ("include/tcmbp/bin.h", "other inputs (spec 2)", "other inputs (EQUATIONS.md 2.1)"),
    ("include/tcmbp/bin.h", "CLT mode (spec 2):", "CLT mode (EQUATIONS.md 2.1):"),
    ("include/tcmbp/bin.h", "optional reference (spec 2, 3)", "optional reference (EQUATIONS.md 2.3, 3.2)"),
    ("include/tcmbp/bin.h", "The focusing field (spec 4)", "The focusing field (EQUATIONS.md 4.2)"),
    ("include/tcmbp/fbp.h", "(spec 4, paper Appendix D 3)", "(EQUATIONS.md 4.1, paper Appendix D 3)"),
    ("include/tcmbp/special.h", "binary-weight update of spec 2", "binary-weight update of EQUATIONS.md 2.1"),
    ("include/tcmbp/volume.h", "(spec 3, continuous", "(EQUATIONS.md 3.1, continuous"),
    ("include/tcmbp/sweep.h", "the focusing fields (spec 4)", "the focusing fields (EQUATIONS.md 4.1)"),
    ("include/tcmbp/bbp.h", "focusing fields of spec 4", "focusing fields of EQUATIONS.md 4.2"),
    ("include/tcmbp/bbp.h", "binary reference (spec 3)", "binary reference (EQUATIONS.md 3.2)"),
    ("include/tcmbp/bbp.h", "focusing field of spec 4", "focusing field of EQUATIONS.md 4.2"),
    ("include/tcmbp/cont.h", "(spec 1.4 and 3)", "(EQUATIONS.md 1.4 and 3.1)"),
    ("include/tcmbp/protocol.h", "Focusing schedules (spec 4)", "Focusing schedules (EQUATIONS.md 4.3)"),
    ("include/tcmbp/graph.h", "Reference field (spec 3)", "Reference field (EQUATIONS.md 3.1)"),
    ("include/tcmbp/graph.h", "Focusing field (spec 4)", "Focusing field (EQUATIONS.md 4.1)"),
    ("tests/test_fbp.c", "focusing BP solver (spec 4)", "focusing BP solver (EQUATIONS.md 4.1)"),
    ("tests/test_volume.c", "(spec 3, 5)", "(EQUATIONS.md 3.1, 5)"),
]


def files_under(paths):
    """The source files named by paths (files, or directories searched recursively), sorted."""
    out = []
    for p in paths:
        if os.path.isfile(p):
            out.append(p)
            continue
        for root, dirs, names in os.walk(p):
            dirs.sort()
            out.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(SUFFIXES))
    return out


def rewrite(path, text, used):
    """text with the targeted rules for path, then the generic rule; returns (new text, citations rewritten)."""
    norm, before = path.replace(os.sep, "/"), len(CITE.findall(text))
    for i, (suffix, old, new) in enumerate(TARGETED):
        if norm.endswith(suffix) and old in text:
            text = text.replace(old, new)
            used.add(i)
    text = GENERIC.sub(lambda m: "EQUATIONS.md" + (m.group(1) or "") + m.group(2), text)
    return text, before - len(CITE.findall(text))


BANNER = re.compile(r"^(.*\S )(-{4,})(\s*\*/)?$")


def keep_banners(old, new):
    """new with the dash run of each "/* ---- title ---- */" line the rewrite
    lengthened shortened by as much (to at least 3 dashes). The rewrite never
    adds or removes a line, so the lines of old and new correspond."""
    out = []
    for o, l in zip(old.split("\n"), new.split("\n")):
        m = BANNER.match(l)
        if m and len(l) > len(o):
            dashes = max(3, len(m.group(2)) - (len(l) - len(o)))
            l = m.group(1) + "-" * dashes + (m.group(3) or "")
        out.append(l)
    return "\n".join(out)


def long_lines(old, new, limit=120):
    """Lines of new longer than limit that were not already in old."""
    before = set(old.splitlines())
    return [(j + 1, len(l)) for j, l in enumerate(new.splitlines()) if len(l) > limit and l not in before]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="report, write nothing")
    ap.add_argument("paths", nargs="*", default=["src", "include", "tests"])
    a = ap.parse_args()
    used, total, left = set(), 0, []
    for path in files_under(a.paths):
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new, n = rewrite(path, old, used)
        new = keep_banners(old, new)
        if n:
            total += n
            print(f"{path}: {n} citation(s)")
            for line, width in long_lines(old, new):
                print(f"{path}:{line}: note: {width} characters after the rewrite")
            if not a.dry_run:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
        for m in LEFT.finditer(new):
            left.append(f"{path}:{new.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}")
    seen = {r[0] for r in TARGETED}
    for i, (suffix, old, _) in enumerate(TARGETED):
        if i not in used:
            print(f"note: targeted rule for {suffix} found nothing: {old!r}")
    print(f"{total} citation(s) rewritten{' (dry run)' if a.dry_run else ''}; {len(seen)} files had targeted rules")
    for l in left:
        print(f"left: {l}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
