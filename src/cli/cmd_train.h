/* `tcmbp train`: the reference trainers (LAL, eLAL, ceSGD fast/slow) on an
 * instance, writing a weights file with the run recorded in /train. */
#ifndef TCMBP_CLI_CMD_TRAIN_H
#define TCMBP_CLI_CMD_TRAIN_H

/* Entry point; argv[0] is "train". Returns a CLI_EXIT_* code. */
int cmd_train(int argc, char **argv);

#endif
