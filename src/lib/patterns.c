/* Reader of the Julia package's pattern text files (plain or gzipped, via
 * zlib's transparent gzread), streamed line by line into a growing int8 array. */
#include "tcmbp/patterns.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tcmbp/error.h"
#include "tcmbp/infile.h"

/* A growable byte buffer. */
typedef struct {
    char *data;
    size_t len, cap;
} buffer;

/* Make room for `more` bytes; 0 or TCM_ENOMEM. */
static int buffer_grow(buffer *b, size_t more)
{
    if (b->len + more <= b->cap) return TCM_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) return TCM_ERROR(TCM_ENOMEM, "out of memory reading patterns");
    b->data = d;
    b->cap = cap;
    return TCM_OK;
}

/* Read one line (without its newline) into line; *eof set at end of file.
 * TCM_EIO on a read error (message names path). */
static int read_line(gzFile gz, const char *path, buffer *line, int *eof)
{
    line->len = 0;
    *eof = 0;
    for (;;) {
        if (buffer_grow(line, 4096)) return TCM_ENOMEM;
        char *got = gzgets(gz, line->data + line->len, (int)(line->cap - line->len));
        if (!got) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            if (zerr != Z_OK) /* Z_BUF_ERROR: a truncated gzip stream */
                return TCM_ERROR(TCM_EIO, "%s: read error: %s", path, zerr == Z_BUF_ERROR ? "truncated gzip file" : msg);
            *eof = line->len == 0;
            break;
        }
        line->len += strlen(line->data + line->len);
        if (line->len > 0 && line->data[line->len - 1] == '\n') {
            line->data[--line->len] = '\0';
            break;
        }
    }
    if (line->len > 0 && line->data[line->len - 1] == '\r') line->data[--line->len] = '\0';
    return TCM_OK;
}

/* Parse the +-1 entries of one line into out (appending); *count = entries. */
static int parse_line(const char *path, long lineno, const char *s, buffer *out, size_t *count)
{
    size_t c = 0;
    for (;;) {
        while (isspace((unsigned char)*s)) s++;
        if (!*s) break;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || (*end && !isspace((unsigned char)*end)) || (v != 1.0 && v != -1.0)) {
            int len = 0;
            while (s[len] && !isspace((unsigned char)s[len]) && len < 20) len++;
            return TCM_ERROR(TCM_EFORMAT, "%s line %ld: entry %zu is \"%.*s\", not +1 or -1", path, lineno, c + 1,
                             len, s);
        }
        if (buffer_grow(out, 1)) return TCM_ENOMEM;
        out->data[out->len++] = (char)(v > 0 ? 1 : -1);
        c++;
        s = end;
    }
    *count = c;
    return TCM_OK;
}

/* All patterns of the file into bytes (M rows of N); *N, *M. */
static int read_all(gzFile gz, const char *path, buffer *bytes, size_t *N, size_t *M)
{
    buffer line = { NULL, 0, 0 };
    int st = TCM_OK, eof = 0;
    *N = *M = 0;
    for (long lineno = 1; !st; lineno++) {
        if ((st = read_line(gz, path, &line, &eof)) || eof) break;
        const char *s = line.data;
        while (isspace((unsigned char)*s)) s++;
        if (!*s || *s == '#') continue; /* blank or comment line */
        size_t count = 0;
        if ((st = parse_line(path, lineno, s, bytes, &count))) break;
        if (*M == 0) *N = count;
        else if (count != *N)
            st = TCM_ERROR(TCM_EFORMAT, "%s line %ld: %zu entries, but the first pattern has %zu", path, lineno,
                           count, *N);
        (*M)++;
    }
    free(line.data);
    if (!st && *M == 0) st = TCM_ERROR(TCM_EFORMAT, "%s: no pattern found (one line of +-1 entries per pattern)", path);
    return st;
}

int tcm_patterns_read_text(tcm_instance **out, const char *path, int K, tcm_arch arch)
{
    *out = NULL;
    if (!path) return TCM_ERROR(TCM_EINVAL, "no pattern file given");
    if (K <= 0 || K % 2 == 0) return TCM_ERROR(TCM_EINVAL, "K must be odd and positive (got %d)", K);
    int fd;
    int st0 = tcm_infile_open_fd(&fd, path); /* a FIFO is refused at once, never read */
    if (st0) return st0;
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return TCM_ERROR(TCM_ENOMEM, "%s: cannot open (out of memory)", path);
    }
    buffer bytes = { NULL, 0, 0 };
    size_t N = 0, M = 0;
    int st = read_all(gz, path, &bytes, &N, &M);
    gzclose(gz);
    if (!st && (N > INT32_MAX || M > INT32_MAX))
        st = TCM_ERROR(TCM_EINVAL, "%s: %zu patterns of %zu entries is too large", path, M, N);
    if (!st && arch == TCM_ARCH_TREE && N % (size_t)K != 0)
        st = TCM_ERROR(TCM_EINVAL, "%s: N = %zu inputs is not a multiple of K = %d (needed by a tree)", path, N, K);
    tcm_instance *inst = NULL;
    if (!st && !(inst = tcm_instance_alloc((int)N, K, (int)M, arch))) st = tcm_last_error_code();
    if (!st) {
        memcpy(inst->patterns, bytes.data, N * M);
        memset(inst->outputs, 1, M);
        inst->kind = TCM_WEIGHTS_BINARY;
        *out = inst;
    }
    free(bytes.data);
    return st;
}
