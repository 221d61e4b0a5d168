#!/usr/bin/python3
"""Check that no function of a binary leaves the upper halves of the AVX
registers dirty: every exit (ret, or a jump to another function: a tail call)
of a function that uses %ymm0-15 or %zmm0-15 must be reached, on every path through
the function's jumps, by a vzeroupper after its last wide-register
instruction. A dirty upper state
makes every later SSE instruction (the scalar code: libm, tcm_logH) many times
slower on current Intel CPUs (docs/PERFORMANCE.md, 'The upper register
state'). Usage: check_vzeroupper.py BINARY...; exit 1 and one line per
offending function when there is one, 2 when objdump fails."""
import re
import subprocess
import sys

WIDE = re.compile(r'%[yz]mm([0-9]|1[0-5])\b')
FUNC = re.compile(r'^([0-9a-f]+) <(.+)>:$')
INSN = re.compile(r'^\s*([0-9a-f]+):\s+(.*)$')
JUMP = re.compile(r'^j[a-z]+\s+([0-9a-f]+) <([^>+]+)')  # any jump, conditional ones too


def functions(path):
    """(name, [(address, instruction text)]) for every function of path."""
    out = subprocess.run(['objdump', '-d', '--no-show-raw-insn', path], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f'check_vzeroupper: error: objdump {path}: {out.stderr.strip()}')
    name, body = None, []
    for line in out.stdout.splitlines():
        m = FUNC.match(line)
        if m:
            if name:
                yield name, body
            name, body = m.group(2), []
            continue
        m = INSN.match(line)
        if m and name:
            body.append((int(m.group(1), 16), m.group(2).strip()))
    if name:
        yield name, body


def successors(i, body, name, index):
    """Indices the instruction body[i] may pass control to within its function."""
    text = body[i][1]
    m = re.match(r'^(j[a-z]+)\s+([0-9a-f]+) <([^>+]+)', text)
    nxt = [i + 1] if i + 1 < len(body) else []
    if text.startswith('ret') or text.startswith('ud2') or text.startswith('jmp *'):
        return []
    if m:
        target = [index[int(m.group(2), 16)]] if m.group(3) == name and int(m.group(2), 16) in index else []
        return target if m.group(1) == 'jmp' else target + nxt
    return nxt


def dirty_exits(name, body):
    """Addresses of the exits of one function (ret, a jump, conditional or
    not, to another function, an indirect jump) that a path using wide registers reaches with
    no vzeroupper after its last wide-register instruction: a forward
    data-flow over the function's jumps."""
    if not any(WIDE.search(text) for _, text in body):
        return []
    index = {addr: i for i, (addr, _) in enumerate(body)}
    dirty = [False] * len(body)  # may the upper state be dirty before instruction i
    work = [0]
    seen = {0}
    while work:
        i = work.pop()
        text = body[i][1]
        after = False if text.startswith('vzeroupper') else (dirty[i] or bool(WIDE.search(text)))
        for j in successors(i, body, name, index):
            if j not in seen or (after and not dirty[j]):
                seen.add(j)
                dirty[j] = dirty[j] or after
                work.append(j)
    bad = []
    for i, (addr, text) in enumerate(body):
        if i not in seen:
            continue
        jump = JUMP.match(text)
        exit_ = text.startswith('ret') or text.startswith('jmp *') or (jump and jump.group(2) != name)
        if exit_ and (dirty[i] or WIDE.search(text)):
            bad.append(addr)
    return bad


def main(paths):
    found = 0
    for path in paths:
        for name, body in functions(path):
            for addr in dirty_exits(name, body):
                print(f'{path}: {name}: exit at {addr:#x} without vzeroupper after wide registers')
                found += 1
    return 1 if found else 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
