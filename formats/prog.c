/*
 * prog: option tables, messages, progress and version for the cmd/ tools. See prog.h.
 */
#include "prog.h"

#include <ctype.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"

#ifndef FPMS_GIT
#define FPMS_GIT "unknown"
#endif

void
prog_init(struct prog *p, const char *argv0)
{
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    memset(p, 0, sizeof *p);
    p->name = slash ? slash + 1 : (argv0 ? argv0 : "fpms");
    /* numbers are read and written in the C locale whatever the user's LC_NUMERIC */
    setlocale(LC_ALL, "C");
    p->tty = isatty(2);
    p->progress = p->tty;
}

void
prog_getopt_tables(const struct prog_opt *opts, size_t nopts, struct option *longopts,
                   char *shortopts)
{
    size_t k = 0;
    for (size_t i = 0; i < nopts; i++) {
        longopts[i].name = opts[i].long_name;
        longopts[i].has_arg = opts[i].arg ? required_argument : no_argument;
        longopts[i].flag = NULL;
        longopts[i].val = opts[i].short_name;
        if (opts[i].short_name > 0 && opts[i].short_name < 256) {
            shortopts[k++] = (char)opts[i].short_name;
            if (opts[i].arg)
                shortopts[k++] = ':';
        }
    }
    memset(&longopts[nopts], 0, sizeof longopts[nopts]);
    shortopts[k] = '\0';
}

void
prog_help(const struct prog *p, FILE *fp, const char *synopsis, const char *about,
          const struct prog_opt *opts, size_t nopts)
{
    fprintf(fp, "usage: %s %s\n\n%s\n\noptions:\n", p->name, synopsis, about);
    for (size_t i = 0; i < nopts; i++) {
        char left[64];
        const struct prog_opt *o = &opts[i];
        if (o->short_name > 0 && o->short_name < 256)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->long_name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        fprintf(fp, "  %-28s %s\n", left, o->help);
    }
}

int
prog_usage_error(const struct prog *p, const char *synopsis, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", p->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s %s\n", p->name, synopsis);
    return CORE_EXIT_USAGE;
}

void
prog_version(const struct prog *p)
{
    (void)p;
    printf("fpms %s (git %s)\n", FPMS_VERSION, FPMS_GIT);
}

static void
vmsg(const struct prog *p, const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", p->name, prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
prog_error(const struct prog *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(p, "", fmt, ap);
    va_end(ap);
}

void
prog_warn(const struct prog *p, const char *fmt, ...)
{
    va_list ap;
    if (p->quiet)
        return;
    va_start(ap, fmt);
    vmsg(p, "warning: ", fmt, ap);
    va_end(ap);
}

void
prog_info(const struct prog *p, const char *fmt, ...)
{
    va_list ap;
    if (!p->verbose)
        return;
    va_start(ap, fmt);
    vmsg(p, "", fmt, ap);
    va_end(ap);
}

double
prog_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
prog_progress(const struct prog *p, const char *fmt, ...)
{
    va_list ap;
    if (!p->progress)
        return;
    fprintf(stderr, p->tty ? "\r%s: " : "%s: ", p->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(p->tty ? "\033[K" : "\n", stderr);
    fflush(stderr);
}

void
prog_progress_end(const struct prog *p)
{
    if (p->progress && p->tty)
        fputc('\n', stderr);
}

int
prog_fail(const struct prog *p, const struct core_err *err)
{
    prog_error(p, "%s", err->msg[0] ? err->msg : core_strerror(err->code));
    return core_exit_status(err->code ? err->code : CORE_EINTERNAL);
}

int
prog_parse(struct prog *p, int argc, char **argv, const char *synopsis, const char *about,
           const struct prog_opt *opts, size_t nopts, prog_opt_fn fn, void *ctx, int *first_operand)
{
    struct option *longopts = calloc(nopts + 1, sizeof *longopts);
    char *shortopts = calloc(3 * nopts + 3, 1);
    struct core_err err = {0};
    int c, status = PROG_CONTINUE;

    if (!longopts || !shortopts) {
        free(longopts);
        free(shortopts);
        prog_error(p, "out of memory");
        return CORE_EXIT_FAIL;
    }
    /* a leading ':' and opterr = 0: we report bad options ourselves as `tool: ...`, where
     * getopt would name the full argv[0] */
    shortopts[0] = ':';
    prog_getopt_tables(opts, nopts, longopts, shortopts + 1);
    opterr = 0;
    while (status == PROG_CONTINUE &&
           (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const char *name = NULL;
        const char *given = argv[optind - 1] ? argv[optind - 1] : "";
        for (size_t i = 0; i < nopts; i++)
            if (opts[i].short_name == c)
                name = opts[i].long_name;
        if (c == ':') {
            status = prog_usage_error(p, synopsis, "option '%s' needs an argument", given);
        } else if (c == '?' || !name) {
            if (optopt > 0 && optopt < 256 && strncmp(given, "--", 2) != 0)
                status = prog_usage_error(p, synopsis, "unknown option '-%c'", optopt);
            else
                status = prog_usage_error(p, synopsis, "unknown option '%s'", given);
        } else if (strcmp(name, "help") == 0) {
            prog_help(p, stdout, synopsis, about, opts, nopts);
            status = fflush(stdout) == 0 ? CORE_EXIT_OK : CORE_EXIT_FAIL;
        } else if (strcmp(name, "version") == 0) {
            prog_version(p);
            status = fflush(stdout) == 0 ? CORE_EXIT_OK : CORE_EXIT_FAIL;
        } else if (strcmp(name, "quiet") == 0) {
            p->quiet = 1;
        } else if (strcmp(name, "verbose") == 0) {
            p->verbose = 1;
        } else if (strcmp(name, "progress") == 0) {
            p->progress = 1;
        } else if (fn(ctx, c, optarg, &err) != CORE_OK) {
            status = prog_usage_error(p, synopsis, "%s", err.msg);
        }
    }
    free(longopts);
    free(shortopts);
    *first_operand = optind;
    return status;
}

static char *
trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int
named(const char *const *names, const char *name)
{
    for (; names && *names; names++)
        if (!strcmp(*names, name))
            return 1;
    return 0;
}

int
prog_input_read(const char *path, const struct prog_opt *opts, size_t nopts,
                const char *const *cli_only, const char *const *repeatable, prog_input_fn fn,
                void *ctx, struct core_err *err)
{
    static const char *const common[] = {"help", "version", "quiet", "verbose", "progress", NULL};
    struct stream_in in;
    const char *line;
    unsigned char *seen = calloc(nopts ? nopts : 1, 1);
    int rc;
    if (!seen)
        return core_err_set(err, CORE_ENOMEM, "%s: out of memory", path);
    if ((rc = stream_in_open(&in, path, err))) {
        free(seen);
        return rc;
    }
    while (!(rc = stream_getline(&in, &line, err)) && line) {
        char buf[4096], *key, *val, *eq, *hash;
        size_t io = nopts;
        struct core_err e2;
        if (strlen(line) >= sizeof buf) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: line too long", in.name, in.lineno);
            break;
        }
        strcpy(buf, line);
        if ((hash = strchr(buf, '#')))
            *hash = '\0';
        key = trim(buf);
        if (!*key)
            continue;
        if (!(eq = strchr(key, '='))) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: expected key = value, got '%s'", in.name,
                              in.lineno, key);
            break;
        }
        *eq = '\0';
        key = trim(key);
        val = trim(eq + 1);
        if (!*key) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: no key before '='", in.name, in.lineno);
            break;
        }
        for (size_t i = 0; i < nopts && io == nopts; i++)
            if (!strcmp(opts[i].long_name, key))
                io = i;
        if (io == nopts) {
            rc =
                core_err_set(err, CORE_EINPUT, "%s:%ld: unknown key '%s'", in.name, in.lineno, key);
            break;
        }
        if (named(common, key) || named(cli_only, key)) {
            rc = core_err_set(err, CORE_EINPUT,
                              "%s:%ld: '%s' is a command-line option, not a setting", in.name,
                              in.lineno, key);
            break;
        }
        if (!*val) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: no value for '%s'", in.name, in.lineno,
                              key);
            break;
        }
        if (seen[io] && !named(repeatable, key)) {
            rc =
                core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' given twice", in.name, in.lineno, key);
            break;
        }
        seen[io] = 1;
        if (!opts[io].arg) {
            int yes = !strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1");
            if (!yes && strcmp(val, "no") && strcmp(val, "false") && strcmp(val, "0")) {
                rc = core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' takes yes or no, not '%s'",
                                  in.name, in.lineno, key, val);
                break;
            }
            if (!yes)
                continue;
        }
        if ((rc = fn(ctx, opts[io].short_name, opts[io].arg ? val : NULL, &e2))) {
            rc = core_err_set(err, rc, "%s:%ld: %s", in.name, in.lineno, e2.msg);
            break;
        }
    }
    stream_in_close(&in);
    free(seen);
    return rc;
}
