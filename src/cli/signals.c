/* Flag-only signal handler for SIGINT/SIGTERM, and the command-line string
 * recorded in result files. */
#include "signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* The one piece of global state of the CLI: written only by the handler. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig) { caught_signal = sig; }

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_signals_caught(void) { return caught_signal != 0; }

char *cli_command_line(int argc, char **argv)
{
    size_t len = strlen("tcmbp") + 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 3;
    char *s = malloc(len);
    if (!s) return NULL;
    strcpy(s, "tcmbp");
    for (int i = 0; i < argc; i++) {
        int quote = strchr(argv[i], ' ') != NULL;
        strcat(s, quote ? " '" : " ");
        strcat(s, argv[i]);
        if (quote) strcat(s, "'");
    }
    return s;
}
