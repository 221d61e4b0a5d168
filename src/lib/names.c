/* Lookups in the name tables of X-macro enums (names.h). */
#include "tcmbp/names.h"

#include <stdio.h>
#include <string.h>

#include "tcmbp/error.h"

const char *tcm_names_get(const char *const *names, int v)
{
    for (int j = 0; names[j]; j++)
        if (j == v) return names[j];
    return "unknown";
}

int tcm_names_parse(const char *const *names, const char *what, const char *s, int *v)
{
    char list[256];
    size_t used = 0;
    int count = 0;
    while (names[count]) count++;
    for (int j = 0; j < count; j++) {
        if (s && strcmp(s, names[j]) == 0) {
            *v = j;
            return TCM_OK;
        }
        const char *sep = j == 0 ? "" : j + 1 == count ? " or " : ", ";
        if (used < sizeof list) used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", sep, names[j]);
    }
    return TCM_ERROR(TCM_EINVAL, "unknown %s '%s' (%s)", what, s ? s : "", list);
}
