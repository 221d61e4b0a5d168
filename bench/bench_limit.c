/* The small-distance limit beside a local-volume curve, until `volume`
 * writes it as a column: reads the CSV of `tcmbp volume --csv` on stdin and
 * writes it back with two more columns, limit (tcm_limit_local_entropy at the
 * row's distance) and bp_minus_limit (local_entropy - limit).
 *     bench_limit INST.h5 REF continuous|binary < vol.csv > vol_limit.csv */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/limit.h"

#define LINE_MAX_LEN 8192

/* 0-based index of column name in the CSV header line, or -1. */
static int column_index(const char *header, const char *name)
{
    char buf[LINE_MAX_LEN];
    snprintf(buf, sizeof buf, "%s", header);
    buf[strcspn(buf, "\r\n")] = '\0';
    int j = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","), j++)
        if (strcmp(tok, name) == 0) return j;
    return -1;
}

/* Field j of a CSV line as a double (NaN if missing). */
static double field_at(const char *line, int j)
{
    const char *p = line;
    for (int c = 0; c < j && p; c++) {
        p = strchr(p, ',');
        if (p) p++;
    }
    return p ? strtod(p, NULL) : NAN;
}

/* Copy the rows of in to stdout with the limit columns appended. */
static int annotate(FILE *in, const tcm_weights *ref, const tcm_instance *inst)
{
    char line[LINE_MAX_LEN];
    if (!fgets(line, sizeof line, in)) return TCM_ERROR(TCM_EINVAL, "empty CSV on stdin");
    int jd = column_index(line, "distance"), jl = column_index(line, "local_entropy");
    if (jd < 0 || jl < 0) return TCM_ERROR(TCM_EINVAL, "CSV header lacks distance or local_entropy");
    line[strcspn(line, "\r\n")] = '\0';
    printf("%s,limit,bp_minus_limit\n", line);
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        double d = field_at(line, jd), le = field_at(line, jl), lim;
        int st = tcm_limit_local_entropy(ref, inst, d, &lim);
        if (st) return st;
        printf("%s,%.10g,%.10g\n", line, lim, le - lim);
    }
    return TCM_OK;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_limit INST.h5 REF continuous|binary < vol.csv\n");
        return 2;
    }
    tcm_weight_kind kind;
    tcm_instance *inst = NULL;
    tcm_weights *ref = NULL;
    int st = tcm_weight_kind_parse(argv[3], &kind);
    if (!st) st = tcm_h5_read_instance(argv[1], &inst);
    if (!st) st = tcm_weights_load(&ref, argv[2], inst->K, inst->n, kind);
    if (!st) st = annotate(stdin, ref, inst);
    if (st) fprintf(stderr, "bench_limit: error: %s\n", tcm_last_error());
    tcm_weights_free(ref);
    tcm_instance_free(inst);
    return st ? 1 : 0;
}
