/*
 * prog: the shape every cmd/ tool shares (after git's cmd_* and sbase's argv0 habit).
 *
 * - One static option table per tool drives getopt_long, --help and the man-page check:
 *   struct prog_opt lists long name, short letter, argument name (NULL for a flag) and help.
 * - Messages on stderr in the `tool: where: what` form; warnings are silenced by -q.
 * - Progress lines only when stderr is a terminal or --progress was given.
 * - --version prints `fpms X.Y (git REV)`.
 *
 * State: struct prog holds the program name and verbosity; the cmd owns it (stack). Nothing
 * global. Not thread safe per object: print from the thread that drives the run.
 */
#ifndef FPMS_PROG_H
#define FPMS_PROG_H

#include <getopt.h>
#include <stdio.h>

#include "../lib/core/core.h"

struct prog {
    const char *name; /* basename of argv[0] */
    int quiet;        /* -q: no warnings */
    int verbose;      /* -v: timings and details */
    int progress;     /* progress lines on stderr: a terminal, or --progress */
    int tty;          /* stderr is a terminal: progress rewrites one line with \r */
};

struct prog_opt {
    const char *long_name; /* without the dashes */
    int short_name;        /* a letter, or a value >= 256 for long-only options */
    const char *arg;       /* argument name for --help ("N", "FILE"), NULL for a flag */
    const char *help;      /* one line, with unit and default */
};

/* Sets the name from argv0, the "C" locale for numbers, and the progress default from isatty. */
void prog_init(struct prog *p, const char *argv0);

/*
 * Builds getopt_long's tables from opts (nopts entries). longopts must hold nopts + 1 entries
 * and shortopts 3 * nopts + 2 characters.
 */
void prog_getopt_tables(const struct prog_opt *opts, size_t nopts, struct option *longopts,
                        char *shortopts);

/* Called by prog_parse for each option that is not one of the common ones; returns CORE_OK or
 * an error in err (then a usage error is reported). */
typedef int (*prog_opt_fn)(void *ctx, int opt, const char *arg, struct core_err *err);

#define PROG_CONTINUE (-1)

/*
 * The option loop every tool shares: getopt_long over opts, with the common options handled
 * here when the table lists them: "help" (prints help, exits 0), "version", "quiet", "verbose",
 * "progress". Any other option goes to fn. Returns PROG_CONTINUE with *first_operand set to the
 * index of the first non-option argument, or the exit status the tool should return now (0
 * after --help or --version, CORE_EXIT_USAGE after a usage error, already reported).
 */
int prog_parse(struct prog *p, int argc, char **argv, const char *synopsis, const char *about,
               const struct prog_opt *opts, size_t nopts, prog_opt_fn fn, void *ctx,
               int *first_operand);

/* Called by prog_input_read for each setting: opt as in the table, value the text after '='
 * (trimmed, writable, valid for the call only; NULL for a flag set to yes). */
typedef int (*prog_input_fn)(void *ctx, int opt, char *value, struct core_err *err);

/*
 * Reads an input file of settings (`-i FILE`): `key = value` lines, key a long option name of
 * opts, `#` to the end of a line a comment, blank lines skipped; a flag takes yes/no (true/false,
 * 1/0) and reaches fn only when yes. Refused, with `path:line: what` in err: a line without '=',
 * an unknown key, help/version/quiet/verbose/progress and the keys named in cli_only (long
 * names, NULL-terminated; may be NULL), an empty value, and a key given twice unless it is named
 * in repeatable (same form). fn's errors are returned as `path:line: its message`. Reads through
 * formats/stream ("-" is standard input).
 */
int prog_input_read(const char *path, const struct prog_opt *opts, size_t nopts,
                    const char *const *cli_only, const char *const *repeatable, prog_input_fn fn,
                    void *ctx, struct core_err *err);

/* Prints `usage: SYNOPSIS`, the description and the option table to fp (--help). */
void prog_help(const struct prog *p, FILE *fp, const char *synopsis, const char *about,
               const struct prog_opt *opts, size_t nopts);

/* Prints a short usage error: `tool: what` and `usage: ...` on stderr. Returns CORE_EXIT_USAGE. */
int prog_usage_error(const struct prog *p, const char *synopsis, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints `fpms X.Y (git REV)` to stdout. */
void prog_version(const struct prog *p);

/* `tool: msg` on stderr. */
void prog_error(const struct prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `tool: warning: msg` on stderr unless quiet. */
void prog_warn(const struct prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `tool: msg` on stderr when verbose. */
void prog_info(const struct prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A progress line (`tool: msg`), \r-rewritten on a terminal, one line each otherwise; only when
 * progress is on. prog_progress_end finishes a \r line with a newline. */
void prog_progress(const struct prog *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void prog_progress_end(const struct prog *p);

/* Wall-clock seconds from an arbitrary start (CLOCK_MONOTONIC), for the timings of -v. */
double prog_wtime(void);

/* Prints err's message as `tool: msg` and returns the exit status for its code. */
int prog_fail(const struct prog *p, const struct core_err *err);

#endif
