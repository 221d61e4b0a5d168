/* Status codes and the thread-local last-error message of libtcmbp.
 * Every library function that can fail returns an int status (TCM_OK on
 * success) and, on failure, records a one-line message retrievable with
 * tcm_last_error() in the same thread. "Not converged" is not an error: it is
 * reported in result structs. */
#ifndef TCMBP_ERROR_H
#define TCMBP_ERROR_H

typedef enum {
    TCM_OK = 0,
    TCM_EINVAL = 1,   /* invalid argument or parameter (sizes, ranges, even K, ...) */
    TCM_ENOMEM = 2,   /* allocation failed */
    TCM_EIO = 3,      /* file missing, unreadable, unwritable, disk full */
    TCM_EFORMAT = 4,  /* file readable but not what was expected (datasets, schema) */
    TCM_EEXIST = 5,   /* output exists and overwriting was not allowed */
    TCM_ENUMERIC = 6, /* non-finite values (NaN/Inf) in input or computation */
    TCM_EINTR = 7     /* interrupted by a signal/callback; state was saved if asked */
} tcm_status;

/* Record an error (code, printf-style message, source position) as the
 * calling thread's last error; returns code so callers can `return TCM_ERROR(...)`. */
int tcm_error_set(int code, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#define TCM_ERROR(code, ...) tcm_error_set((code), __FILE__, __LINE__, __VA_ARGS__)

/* The calling thread's last error message (never NULL; "" when none). */
const char *tcm_last_error(void);

/* "file:line" where the last error was recorded (for debugging; "" when none). */
const char *tcm_last_error_where(void);

/* The last error's status code (TCM_OK when none). */
int tcm_last_error_code(void);

/* Forget the calling thread's last error. */
void tcm_error_clear(void);

/* A short constant name for a status code ("invalid argument", ...). */
const char *tcm_status_name(int code);

/* Library version string, e.g. "0.1.0". */
const char *tcm_version(void);

#endif
