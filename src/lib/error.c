/* Thread-local last-error record behind TCM_ERROR(), and the version string. */
#include "tcmbp/error.h"
#include "tcmbp_version.h"

#include <stdarg.h>
#include <stdio.h>

#define TCM_ERROR_MSG_MAX 512

/* One record per thread: the library stays reentrant and OpenMP-safe. */
static _Thread_local char last_message[TCM_ERROR_MSG_MAX];
static _Thread_local char last_where[128];
static _Thread_local int last_code;

int tcm_error_set(int code, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    snprintf(last_where, sizeof last_where, "%s:%d", file ? file : "?", line);
    last_code = code;
    return code;
}

const char *tcm_last_error(void) { return last_message; }

const char *tcm_last_error_where(void) { return last_where; }

int tcm_last_error_code(void) { return last_code; }

void tcm_error_clear(void)
{
    last_message[0] = '\0';
    last_where[0] = '\0';
    last_code = TCM_OK;
}

const char *tcm_status_name(int code)
{
    switch (code) {
    case TCM_OK: return "ok";
    case TCM_EINVAL: return "invalid argument";
    case TCM_ENOMEM: return "out of memory";
    case TCM_EIO: return "input/output error";
    case TCM_EFORMAT: return "bad file format";
    case TCM_EEXIST: return "file exists";
    case TCM_ENUMERIC: return "non-finite value";
    case TCM_EINTR: return "interrupted";
    default: return "unknown error";
    }
}

const char *tcm_version(void) { return TCMBP_VERSION_STRING; }
