/* hotpath.h - the hotpath command: one file per subcommand, messages in one style. */
#ifndef HP_HOTPATH_H
#define HP_HOTPATH_H

/* "hotpath: <what>: <why>" on stderr, one line. */
void hp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int hp_cmd_run(int argc, char **argv);
/* tools/run.c: find PROG as execvp would (a name without '/' through PATH). Returns 0 with
 * `out` set, or -1 after printing why ("program not found", "is a directory", ...). */
int hp_resolve_program(const char *prog, char *out, unsigned long outlen);
int hp_cmd_report(int argc, char **argv);
int hp_cmd_clean(int argc, char **argv);   /* tools/clean.c */
int hp_cmd_console(int argc, char **argv); /* tools/console.c */
int hp_cmd_serve(int argc, char **argv);   /* tools/serve.c (docs/serve.md) */
/* run --console (tools/console.c): before the fork, create the log (mkstemp in $TMPDIR; 0, or
 * -1 after saying why); in the child, stdout/stderr to the log, stdin /dev/null; in the
 * launcher, the dashboard on the child until q, then SIGTERM to a child still running. */
int hp_console_log_create(void);
int hp_console_child_stdio(void);
struct hp_settings;
void hp_console_watch_child(int child, const struct hp_settings *s);
int hp_cmd_list_functions(int argc, char **argv); /* tools/list_functions.c (patching) */
/* Patching (tools/patch_plan.c, docs/patching.md): analyse what `patterns` select in PROG and
 * its libraries and hand the result to the child (HOTPATH_PATCH_PLAN, a file in /dev/shm); cleanup removes it. */
void hp_patch_plan_prepare(const char *prog, const char *patterns, unsigned long long session);
void hp_patch_plan_cleanup(void);

/* History (tools/history.c, tools/compare.c; docs/history.md). hp_history_save stores the
 * full model of `top` when s->save is set, then cuts it to s->limit for the report; it returns
 * -1 after printing why when the save failed. hp_history_load loads the run `spec` names (id,
 * label, last, git revision) from `db` (NULL: the db setting); -1 after printing why. */
struct hp_proc;
struct hp_settings;
int hp_cmd_history(int argc, char **argv);
int hp_cmd_compare(int argc, char **argv);
int hp_history_save(struct hp_proc *top, const struct hp_settings *s);
int hp_history_load(const char *db, const char *spec, struct hp_proc *out);
/* The database to read: `flag` when given, else the db setting (malloc'd); -1 after printing. */
int hp_history_db_path(const char *flag, char **out);

#endif
