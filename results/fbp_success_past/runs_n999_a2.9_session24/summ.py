import json, glob, os, re
rows = []
for f in sorted(glob.glob('./bp_*.json')):
    m = re.match(r'.*bp_([0-9.]+)_([0-9]+)\.json', f)
    a, s = m.group(1), int(m.group(2))
    try:
        j = json.load(open(f))
    except Exception:
        continue
    t = open(f'./t_{a}_{s}.txt').read().split()
    cpu = float(t[-2]) + float(t[-1])
    rows.append((a, s, j['status'], j['errors'], j.get('errors_before_polish', j['errors']), j.get('polish_moves', 0), j['steps'], j['sweeps'], cpu))
print('| alpha | seed | status | errors | errors after the protocol | polish moves | steps | sweeps | CPU s |')
print('|---|---|---|---|---|---|---|---|---|')
for r in sorted(rows, key=lambda r: (r[0], r[1])):
    print('| %s | %d | %s | %d | %d | %d | %d | %d | %.1f |' % r)
for a in sorted(set(r[0] for r in rows)):
    rs = [r for r in rows if r[0] == a]
    sol = [r for r in rs if r[3] == 0]
    alone = [r for r in rs if r[4] == 0]
    print(f'\nalpha {a}: {len(sol)}/{len(rs)} solved ({len(alone)} by the protocol alone); CPU s per solved instance {sum(r[8] for r in rs)/max(1,len(sol)):.1f}')
