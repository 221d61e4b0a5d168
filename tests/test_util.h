/* Small helpers shared by the CUnit tests, written from the definitions
 * (no library arithmetic), so the tests stay independent of the code they
 * check: a dot product, engine allocation, bitwise comparisons of engine
 * states, history rows and volume points (what a resumed run must
 * reproduce), and a scratch file path. */
#ifndef TCMBP_TEST_UTIL_H
#define TCMBP_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcmbp/bgraph.h"
#include "tcmbp/driver.h"
#include "tcmbp/engine.h"
#include "tcmbp/graph.h"
#include "tcmbp/instance.h"

/* sum_i w[k n + i] xi_ai for hidden unit k of pattern a (w: K x n, no
 * 1/sqrt(n)), summed in index order. */
static inline double test_unit_dot(const tcm_instance *inst, int a, int k, const double *w)
{
    const int8_t *x = tcm_instance_unit_inputs(inst, a, k);
    const double *wk = w + (size_t)k * inst->n;
    double h = 0.0;
    for (int i = 0; i < inst->n; i++)
        h += wk[i] * x[i];
    return h;
}

/* The engine of kind over the first M patterns of inst (M < 0: all) with
 * nthreads threads; the test stops if it cannot be made. */
static inline tcm_engine *test_engine(const tcm_instance *inst, tcm_weight_kind kind, int M, int nthreads)
{
    tcm_engine *e = tcm_engine_alloc(inst, kind, M, nthreads);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    return e;
}

/* The same with random messages of the given amplitude (> 0) from seed. */
static inline tcm_engine *test_engine_random(const tcm_instance *inst, tcm_weight_kind kind, int nthreads,
                                             double amplitude, uint64_t seed)
{
    tcm_engine *e = test_engine(inst, kind, -1, nthreads);
    if (amplitude > 0) e->ops->randomize(e, amplitude, seed);
    return e;
}

/* n doubles equal bit for bit (both NULL counts as equal). */
static inline int test_same_doubles(const double *a, const double *b, size_t n)
{
    if (!a || !b) return a == b;
    return memcmp(a, b, n * sizeof(double)) == 0;
}

static inline int test_same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Two engines of one kind hold the same state bit for bit: messages,
 * marginals, normalisation and focusing fields. */
static inline int test_same_state(tcm_engine *a, tcm_engine *b)
{
    if (a->kind != b->kind) return 0;
    tcm_graph *g = tcm_engine_graph(a), *h = tcm_engine_graph(b);
    if (g && h) {
        size_t K = (size_t)g->K;
        return test_same_doubles(g->U, h->U, g->ne) && test_same_doubles(g->V, h->V, g->ne) &&
               test_same_doubles(g->mu, h->mu, g->nw) && test_same_doubles(g->zeta0, h->zeta0, g->nw) &&
               test_same_doubles(g->chi, h->chi, K) && test_same_doubles(g->ustar, h->ustar, g->nw) &&
               test_same_doubles(g->vstar, h->vstar, g->nw) && test_same_doubles(g->chistar, h->chistar, K);
    }
    tcm_bgraph *bg = tcm_engine_bgraph(a), *bh = tcm_engine_bgraph(b);
    if (!bg || !bh) return 0;
    return test_same_doubles(bg->f, bh->f, bg->ne) && test_same_doubles(bg->field, bh->field, bg->nw) &&
           test_same_doubles(bg->ustar, bh->ustar, bg->nw);
}

/* Two focusing history rows are equal bit for bit, wall time aside. */
static inline int test_same_step(const tcm_focus_step *a, const tcm_focus_step *b)
{
    return a->step == b->step && test_same_double(a->coupling, b->coupling) && test_same_double(a->y, b->y) &&
           a->sweeps == b->sweeps && a->status == b->status && a->converged == b->converged &&
           test_same_double(a->change, b->change) && a->errors == b->errors &&
           test_same_doubles(a->extra, b->extra, TCM_ENGINE_MAX_EXTRAS);
}

/* Two volume points are equal bit for bit, wall time aside. */
static inline int test_same_point(const tcm_volume_point *a, const tcm_volume_point *b)
{
    return test_same_double(a->lambda, b->lambda) && test_same_double(a->distance, b->distance) &&
           test_same_double(a->entropy, b->entropy) && test_same_double(a->s0, b->s0) &&
           test_same_double(a->local_entropy, b->local_entropy) && test_same_double(a->q, b->q) &&
           a->converged == b->converged && a->valid == b->valid && a->status == b->status &&
           a->sweeps == b->sweeps && test_same_double(a->change, b->change) && a->reliable == b->reliable &&
           test_same_double(a->damping, b->damping) && test_same_double(a->legendre, b->legendre) &&
           test_same_double(a->limit, b->limit) && test_same_doubles(a->extra, b->extra, TCM_ENGINE_MAX_EXTRAS) &&
           a->stable == b->stable && test_same_double(a->drift_entropy, b->drift_entropy) &&
           test_same_double(a->drift_distance, b->drift_distance) && a->check_sweeps == b->check_sweeps;
}

/* A fresh directory dir (a "/tmp/...XXXXXX" template) and path = dir/name;
 * test_tmp_remove removes both. */
static inline void test_tmp_path(char *dir, char *path, size_t len, const char *name)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, len, "%s/%s", dir, name);
}

static inline void test_tmp_remove(const char *dir, const char *path)
{
    unlink(path);
    rmdir(dir);
}

/* A teacher instance of the given size and weight kind (the teacher is
 * inst->teacher), or NULL if generation failed. */
static inline tcm_instance *test_teacher_instance(int N, int K, double alpha, unsigned long long seed,
                                                  tcm_weight_kind kind)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.seed = seed;
    ip.teacher = 1;
    ip.kind = kind;
    tcm_instance *inst = NULL;
    return tcm_instance_generate(&inst, &ip) == 0 ? inst : NULL;
}

#endif
