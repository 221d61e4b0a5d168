/* Compilation of the hot loops (private to the library). TCM_HOT_LOOP marks a
 * function whose `#pragma omp simd` loops carry a sweep: on x86-64 Linux with
 * GCC or Clang it is compiled three times (x86-64 baseline, x86-64-v3 =
 * AVX2 + FMA, x86-64-v4 = AVX-512) and the variant for the running CPU is
 * picked once at load time (target_clones, an ifunc), so the binary stays
 * portable (no -march flag). The variants do the same IEEE operations in the
 * same order (no FMA contraction under -std=c11; the kernels' explicit fma()
 * is one instruction in v3/v4 and a correctly rounded libm call in the
 * baseline; sums in fixed lanes), so they give the same bits; only the speed
 * differs. Define TCMBP_NO_CLONES to build the baseline only. */
#ifndef TCMBP_HOT_H
#define TCMBP_HOT_H

#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(TCMBP_NO_CLONES) && !defined(__SANITIZE_ADDRESS__)
#define TCM_HOT_LOOP __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define TCM_HOT_LOOP
#endif

#endif
