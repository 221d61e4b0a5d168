#!/usr/bin/python3
"""Generate tests/data/special_ref.h: reference values of the special module's
functions at exact double inputs, computed with mpmath at 60 significant digits.

Run with the Debian python (apt-get install python3-mpmath):
    /usr/bin/python3 tests/data/gen_special_ref.py > tests/data/special_ref.h
The inputs include both sides of every regime switch of src/lib/special.c
(the constants are mirrored in SWITCHES below; keep them in sync).

    /usr/bin/python3 tests/data/gen_special_ref.py --stress N [SEED]
instead compiles src/lib/special.c with a small driver (needs cc) and prints
the max relative error of each function over N random arguments (the
"random" column of the accuracy table in include/tcmbp/special.h).
"""
import math
import os
import random
import subprocess
import sys
import tempfile

import mpmath as mp

mp.mp.dps = 60
DBL_MAX = mp.mpf(sys.float_info.max)
DBL_TRUE_MIN = mp.mpf(2) ** -1074

# Regime switches of special.c, in the argument of each function. The
# CANCEL_SPLIT switch (|h erf| = 1/2) depends on h and is added per h below, as
# are cont_tail's exponent switches (TAIL_EXP_MAX = 700 and -750).
ERFCX_SMALL, ERFCX_CF, LOGCOSH_SPLIT, TAIL_EXP_MAX = 0.5, 10.0, 8.0, 700.0
SWITCHES = {
    "erfcx": [-ERFCX_SMALL, 0.0, ERFCX_SMALL, ERFCX_CF],
    "log_erfc": [-ERFCX_SMALL, ERFCX_SMALL, ERFCX_CF],
    # H: erfc below x = 1, erfcx(x/sqrt2) above; erfcx's own switches at x/sqrt2.
    "H": [1.0, ERFCX_SMALL * math.sqrt(2), ERFCX_CF * math.sqrt(2)],
    "logH": [0.0, -1.0, ERFCX_SMALL * math.sqrt(2), ERFCX_CF * math.sqrt(2),
             -ERFCX_CF * math.sqrt(2)],
    "GH": [0.0, ERFCX_SMALL * math.sqrt(2), ERFCX_CF * math.sqrt(2)],
    "atanh_erf": [ERFCX_SMALL, ERFCX_CF, -ERFCX_SMALL, -ERFCX_CF],
    "logcosh": [LOGCOSH_SPLIT, -LOGCOSH_SPLIT],
}

BASE = [0.0, 1e-300, 1e-20, 1e-8, 1e-3, 0.1, 0.3, 0.6, 0.9, 1.0, 1.5, 2.0, 3.0,
        5.0, 7.0, 12.0, 20.0, 26.0, 27.0, 30.0, 35.0, 37.5, 38.0, 39.0, 40.0,
        45.0, 50.0, 100.0, 1e3, 1e5, 1e10, 1e100, 1e150]
XS = sorted(set(BASE + [-v for v in BASE]))
HS = [-1.0, -1.0 + 1e-12, -1.0 + 1e-15, -0.75, -0.5, 0.0, 0.3, 0.6,
      1.0 - 1e-15, 1.0 - 1e-12, 1.0]
FS = [-1e3, -800.0, -30.0, -5.0, -1.0, -0.6, -1e-8, 0.0, 0.6, 2.0, 30.0, 800.0, 1e3]


def around(b):
    """Points on both sides of a switch b (and b itself)."""
    pts = [b, math.nextafter(b, -math.inf), math.nextafter(b, math.inf)]
    if b != 0.0:
        pts += [b * (1 - 1e-9), b * (1 + 1e-9)]
    return pts


def cancel_switch(a):
    """|x| where |h| erf(|x|) = 1/2 (the CANCEL_SPLIT of special.c), or None."""
    if a <= 0.5:
        return None
    return float(mp.erfinv(mp.mpf(0.5) / mp.mpf(a)))


def random_xs(name, n=40):
    """n reproducible pseudo-random points in |x| < 45 (a third log-spread near 0)."""
    rng = random.Random(name)
    return [rng.uniform(-45, 45) if i % 3 else rng.choice([-1, 1]) * 10 ** rng.uniform(-10, 1)
            for i in range(n)]


def xs_for(name, extra=()):
    pts = list(XS) + list(extra) + random_xs(name)
    for b in SWITCHES.get(name, []):
        pts += around(b)
    return sorted(set(pts))


# ---- reference definitions (exact identities only; no cancellation in mpmath) ----

def adaptive(fn):
    """Run fn with 60 digits plus two per decade of its largest argument: an
    exponent like x^2/2 at x = 1e150 needs 300 digits before its fraction is right."""
    def wrapped(*args):
        big = max([1.0] + [abs(a) for a in args if math.isfinite(a)])
        with mp.workdps(60 + 2 * int(math.log10(big) + 1)):
            return +fn(*args)
    return wrapped


def sqrt2():
    return mp.sqrt(2)

def one_plus_herf(h, u):
    """1 + h erf(u) written without cancellation: (1-|h|) + |h| erfc(|u|) when h u < 0."""
    h, u = mp.mpf(h), mp.mpf(u)
    if h * u >= 0:
        return 1 + abs(h) * mp.erf(abs(u))
    return (1 - abs(h)) + abs(h) * mp.erfc(abs(u))


def one_plus_tanh_erf(f, u):
    """1 + tanh(f) erf(u) with 1 - tanh|f| = 2/(e^{2|f|}+1) taken exactly."""
    f, u = mp.mpf(f), mp.mpf(u)
    if f * u >= 0:
        return 1 + mp.tanh(abs(f)) * mp.erf(abs(u))
    d = 2 / (mp.exp(2 * abs(f)) + 1)
    return d + (1 - d) * mp.erfc(abs(u))


def phi(z):
    return mp.exp(-mp.mpf(z) ** 2 / 2) / mp.sqrt(2 * mp.pi)


@adaptive
def ref_erfcx(x):
    x = mp.mpf(x)
    return mp.exp(x * x) * mp.erfc(x)


@adaptive
def ref_log_erfc(x):
    x = mp.mpf(x)
    return mp.log1p(-mp.erf(x)) if abs(x) < 1 else mp.log(mp.erfc(x))


@adaptive
def ref_H(x):
    return mp.erfc(mp.mpf(x) / sqrt2()) / 2


@adaptive
def ref_logH(x):
    x = mp.mpf(x)
    if x < 0:
        return mp.log1p(-mp.erfc(-x / sqrt2()) / 2)
    return mp.log(mp.erfc(x / sqrt2()) / 2)


@adaptive
def ref_GH(x):
    return phi(x) / ref_H(x)


@adaptive
def ref_atanh_erf(x):
    x = mp.mpf(x)
    if abs(x) < 1:
        return mp.atanh(mp.erf(x))
    return (mp.log(mp.erfc(-x)) - mp.log(mp.erfc(x))) / 2


@adaptive
def ref_logcosh(x):
    return mp.log1p(2 * mp.sinh(mp.mpf(x) / 2) ** 2)


@adaptive
def ref_logaddexp(a, b):
    return mp.log(mp.exp(mp.mpf(a)) + mp.exp(mp.mpf(b)))


@adaptive
def ref_log1p_herf(h, x):
    y = mp.mpf(h) * mp.erf(x)
    return mp.log1p(y) if abs(y) < 0.5 else mp.log(one_plus_herf(h, x))


@adaptive
def ref_log1p_herf_field(f, x):
    y = mp.tanh(f) * mp.erf(x)
    return mp.log1p(y) if abs(y) < 0.5 else mp.log(one_plus_tanh_erf(f, x))


@adaptive
def ref_cont_ratio(h, z):
    return 2 * mp.mpf(h) * phi(z) / one_plus_herf(h, mp.mpf(z) / sqrt2())


@adaptive
def ref_cont_ratio_field(f, z):
    return 2 * mp.tanh(mp.mpf(f)) * phi(z) / one_plus_tanh_erf(f, mp.mpf(z) / sqrt2())


# ---- output ----

def c_double(v):
    """A C literal for the double nearest to v (20 digits; the compiler rounds)."""
    if abs(v) < DBL_TRUE_MIN / 2:
        return "0.0"
    s = mp.nstr(v, 20, min_fixed=-4, max_fixed=6)
    return s if any(c in s for c in ".e") else s + ".0"


def representable(v):
    return mp.isfinite(v) and abs(v) <= DBL_MAX


def table1(name, fn, xs, out):
    rows = [(x, fn(x)) for x in xs]
    rows = [(x, y) for x, y in rows if representable(y)]
    out.append(f"static const tcm_ref1 ref_{name}[] = {{")
    out += [f"    {{{x!r}, {c_double(y)}}}," for x, y in rows]
    out.append("};")


def table2(name, fn, ps, xs_of, out):
    rows = []
    for p in ps:
        for x in xs_of(p):
            y = fn(p, x)
            if representable(y):
                rows.append((p, x, y))
    out.append(f"static const tcm_ref2 ref_{name}[] = {{")
    out += [f"    {{{p!r}, {x!r}, {c_double(y)}}}," for p, x, y in rows]
    out.append("};")


def herf_xs(h):
    """x grid for log1p_herf(h, .): the base grid plus both sides of the switch."""
    b = cancel_switch(abs(h))
    extra = [] if b is None else around(b) + around(-b)
    return xs_for("log_erfc", extra + random_xs(f"herf{h!r}", 12))


def field_xs(f):
    b = cancel_switch(float(mp.tanh(abs(mp.mpf(f)))))
    extra = [] if b is None else around(b) + around(-b)
    return xs_for("log_erfc", extra + random_xs(f"field{f!r}", 12))


def cont_zs(h, is_field=False):
    a = float(mp.tanh(abs(mp.mpf(h)))) if is_field else abs(h)
    b = cancel_switch(a)
    extra = [] if b is None else around(b * math.sqrt(2)) + around(-b * math.sqrt(2))
    # erfcx_inv switches (t = |z|/sqrt2) and scaled_exp_half_sq's switch (z^2/2 = 700)
    for s in (ERFCX_SMALL * math.sqrt(2), ERFCX_CF * math.sqrt(2), math.sqrt(2 * TAIL_EXP_MAX)):
        extra += around(s) + around(-s)
    if is_field and h != 0:
        # field_scaled_exp: exponent z^2/2 - 2|f| crossing 0 and exp's range ends
        for e in (0.0, TAIL_EXP_MAX, -TAIL_EXP_MAX, -750.0):
            v = 2 * abs(h) + e
            if v > 0:
                extra += around(math.sqrt(2 * v)) + around(-math.sqrt(2 * v))
    return sorted(set(XS + extra + random_xs(f"cont{is_field}{h!r}", 20)))


# logaddexp arguments (-inf allowed; the pair (-inf, -inf) is tested separately).
LOGADDEXP_ARGS = [-math.inf, -1e300, -800.0, -40.0, -1.0, -1e-10, 0.0, 0.5, 3.0,
                  40.0, 700.0, 1e300]


def main():
    out = ["/* Generated by tests/data/gen_special_ref.py (mpmath, 60 digits); do not edit.",
           " * Inputs are exact doubles; outputs are the nearest double to the exact value",
           " * (entries whose value overflows a double are omitted). */",
           "#ifndef TCMBP_TEST_SPECIAL_REF_H", "#define TCMBP_TEST_SPECIAL_REF_H", "",
           "typedef struct { double x, y; } tcm_ref1;",
           "typedef struct { double p, x, y; } tcm_ref2;", ""]
    for name, fn in [("erfcx", ref_erfcx), ("log_erfc", ref_log_erfc), ("H", ref_H),
                     ("logH", ref_logH), ("GH", ref_GH), ("atanh_erf", ref_atanh_erf),
                     ("logcosh", ref_logcosh)]:
        table1(name, fn, xs_for(name), out)
        out.append("")
    table2("log1p_herf", ref_log1p_herf, HS, herf_xs, out)
    out.append("")
    table2("log1p_herf_field", ref_log1p_herf_field, FS, field_xs, out)
    out.append("")
    table2("cont_ratio", ref_cont_ratio, HS, cont_zs, out)
    out.append("")
    table2("cont_ratio_field", ref_cont_ratio_field, FS, lambda f: cont_zs(f, True), out)
    out.append("")
    vals = LOGADDEXP_ARGS
    rows = [(a, b) for a in vals for b in vals if not a == b == -math.inf]
    out.append("static const tcm_ref2 ref_logaddexp[] = {")
    for a, b in rows:
        y = ref_logaddexp(a, b)
        out.append(f"    {{{c_inf(a)}, {c_inf(b)}, {c_double(y)}}},")
    out.append("};")
    out += ["", "#endif", ""]
    sys.stdout.write("\n".join(out))


def c_inf(v):
    return "-HUGE_VAL" if v == -math.inf else repr(v)


# ---- stress mode: random arguments through the compiled library ----

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DRIVER = r"""
#include "tcmbp/special.h"
#include <stdio.h>
#include <string.h>
static const struct { const char *n; double (*f1)(double); double (*f2)(double, double); } T[] = {
  {"erfcx", tcm_erfcx, 0}, {"log_erfc", tcm_log_erfc, 0}, {"H", tcm_H, 0},
  {"logH", tcm_logH, 0}, {"GH", tcm_GH, 0}, {"atanh_erf", tcm_atanh_erf, 0},
  {"logcosh", tcm_logcosh, 0}, {"log1p_herf", 0, tcm_log1p_herf},
  {"log1p_herf_field", 0, tcm_log1p_herf_field}, {"cont_ratio", 0, tcm_cont_ratio},
  {"cont_ratio_field", 0, tcm_cont_ratio_field}, {"logaddexp", 0, tcm_logaddexp}};
int main(void) {
  char n[64]; double p, x;
  while (scanf("%63s %lf %lf", n, &p, &x) == 3)
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
      if (!strcmp(n, T[i].n)) printf("%a\n", T[i].f1 ? T[i].f1(x) : T[i].f2(p, x));
  return 0;
}
"""


def compile_driver(tmp):
    src = os.path.join(tmp, "drv.c")
    exe = os.path.join(tmp, "drv")
    with open(src, "w") as fh:
        fh.write(DRIVER)
    subprocess.run(["cc", "-std=c11", "-O2", "-I", os.path.join(ROOT, "include"), src,
                    os.path.join(ROOT, "src", "lib", "special.c"), "-lm", "-o", exe],
                   check=True)
    return exe


def stress_jobs(rng, n):
    def rx():
        r, s = rng.random(), rng.choice([-1, 1])
        if r < 0.6:
            return rng.uniform(-45, 45)
        return s * 10 ** (rng.uniform(-12, 2) if r < 0.8 else rng.uniform(-3, 1.7))

    def rh():
        r, s = rng.random(), rng.choice([-1, 1])
        if r < 0.4:
            return rng.uniform(-1, 1)
        return s * (1 - 10 ** rng.uniform(-16, -0.3)) if r < 0.8 else s * 10 ** rng.uniform(-10, 0)

    def rf():
        return rng.uniform(-40, 40) if rng.random() < 0.5 else \
            rng.choice([-1, 1]) * 10 ** rng.uniform(-8, 3)

    one = {"erfcx": ref_erfcx, "log_erfc": ref_log_erfc, "H": ref_H, "logH": ref_logH,
           "GH": ref_GH, "atanh_erf": ref_atanh_erf, "logcosh": ref_logcosh}
    two = {"log1p_herf": (ref_log1p_herf, rh), "log1p_herf_field": (ref_log1p_herf_field, rf),
           "cont_ratio": (ref_cont_ratio, rh), "cont_ratio_field": (ref_cont_ratio_field, rf)}
    jobs = [(k, 0.0, rx(), lambda p, x, f=f: f(x)) for k, f in one.items() for _ in range(n)]
    jobs += [(k, rp(), rx(), f) for k, (f, rp) in two.items() for _ in range(n)]
    cube = lambda: rng.uniform(-800, 800) * rng.random() ** 3  # noqa: E731
    jobs += [("logaddexp", cube(), cube(), ref_logaddexp) for _ in range(n)]
    return jobs


def stress(n, seed):
    jobs = stress_jobs(random.Random(seed), n)
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_driver(tmp)
        inp = "".join(f"{k} {p!r} {x!r}\n" for k, p, x, _ in jobs)
        out = subprocess.run([exe], input=inp, capture_output=True, text=True, check=True)
    dmin, worst = mp.mpf(sys.float_info.min), {}
    for (k, p, x, f), s in zip(jobs, out.stdout.split()):
        y, r = float.fromhex(s), f(p, x)
        if not representable(r):
            continue
        e = math.inf if math.isnan(y) else float(abs(mp.mpf(y) - r) / max(abs(r), dmin))
        if e >= worst.get(k, (-1.0,))[0]:
            worst[k] = (e, p, x)
    for k, (e, p, x) in worst.items():
        print(f"{k:18s} max rel err {e:.2e} at ({p!r}, {x!r})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--stress":
        stress(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    else:
        main()
