/* Writing .npy files byte by byte for the tests of the readers
 * (test_weights_load.c, test_dataset.c). */
#ifndef TCMBP_TEST_NPY_H
#define TCMBP_TEST_NPY_H

#include <stdio.h>
#include <string.h>

/* Write a .npy file: header dict for descr/fortran/shape, padded so the data
 * starts at a multiple of 64, version 1.0 or 2.0. */
static inline void write_npy(const char *path, int major, const char *descr, int fortran, const char *shape,
                             const void *data, size_t bytes)
{
    char dict[256];
    int m = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                     fortran ? "True" : "False", shape);
    size_t pre = major == 1 ? 10 : 12;
    size_t hlen = (size_t)m + 1;
    while ((pre + hlen) % 64)
        hlen++;
    unsigned char head[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)major, 0};
    for (size_t i = 0; i < pre - 8; i++)
        head[8 + i] = (unsigned char)(hlen >> (8 * i));
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(head, 1, pre, f);
    fwrite(dict, 1, (size_t)m, f);
    for (size_t i = (size_t)m; i < hlen - 1; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, 1, bytes, f);
    fclose(f);
}

#endif
