/* hotpath.h - the hotpath command: one file per subcommand, messages in one style. */
#ifndef HP_HOTPATH_H
#define HP_HOTPATH_H

/* "hotpath: <what>: <why>" on stderr, one line. */
void hp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int hp_cmd_run(int argc, char **argv);
int hp_cmd_report(int argc, char **argv);

#endif
