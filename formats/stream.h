/*
 * stream: line input with position tracking and pushback, and all-or-nothing output.
 *
 * Every text reader in formats/ reads through struct stream_in, so each error can name the file
 * and line (`si.xyz:14: ...`) and a reader can read from a pipe without seeking: one line of
 * pushback is all any format needs to recognise itself.
 *
 * struct stream_out writes either a file, through a temporary name in the same directory renamed
 * over the target on commit, or stdout, buffered in a temporary file and copied out on commit.
 * Either way a failed run leaves no half-written output: stream_out_abort removes the temporary.
 * (STREAM_OUT_DIRECT writes stdout as it goes, for long runs whose consumers read as a pipe.)
 * A target that exists and is not a regular file (/dev/null, a FIFO) is written directly.
 *
 * Ownership: the structs are caller-owned (stack); open/close pair up. Not thread safe per object.
 */
#ifndef FPMS_STREAM_H
#define FPMS_STREAM_H

#include <locale.h>
#include <stdio.h>

#include "../lib/core/core.h"

#define STREAM_NAMELEN 256

struct stream_in {
    FILE *fp;
    char name[STREAM_NAMELEN]; /* as given, "<stdin>" for "-" */
    long lineno;               /* number of the line last returned, 1-based */
    char *line;                /* last line, newline stripped (and a CR before it) */
    size_t cap;
    int pushed; /* the last line was pushed back and is returned again */
    int eof;
    int owned; /* fp was opened here and is closed by stream_in_close */
};

/* Opens path for reading ("-" or NULL: stdin). CORE_EIO with "path: No such file ..." on error. */
int stream_in_open(struct stream_in *in, const char *path, struct core_err *err);

/* Wraps an already open FILE (not closed by stream_in_close); name is used in messages. */
void stream_in_attach(struct stream_in *in, FILE *fp, const char *name);

void stream_in_close(struct stream_in *in);

/*
 * Next line into *line (borrowed until the next call), newline stripped; *line = NULL at end of
 * input. Returns CORE_OK, or CORE_EIO on a read error, or CORE_EINPUT for a NUL byte in a line.
 */
int stream_getline(struct stream_in *in, const char **line, struct core_err *err);

/* Pushes the last line back: the next stream_getline returns it again with the same lineno. */
void stream_ungetline(struct stream_in *in);

/* Skips blank lines; returns the next non-blank one (or NULL at end) pushed back, unread. */
int stream_peekline(struct stream_in *in, const char **line, struct core_err *err);

enum stream_out_flags {
    STREAM_OUT_DIRECT = 1, /* stdout only: write through, no buffering of the whole output */
};

struct stream_out {
    FILE *fp;
    char path[STREAM_NAMELEN]; /* target; empty for stdout */
    char tmp[STREAM_NAMELEN + 16];
    int to_stdout;
    int direct;
};

/* Opens path for writing ("-" or NULL: stdout) as described above. */
int stream_out_open(struct stream_out *out, const char *path, int flags, struct core_err *err);

/* Flushes, checks for write errors, and publishes the output (rename, or copy to stdout). */
int stream_out_commit(struct stream_out *out, struct core_err *err);

/* Discards the output: removes the temporary. Safe to call after commit (then a no-op). */
void stream_out_abort(struct stream_out *out);

/*
 * Fails now where path, to be written at the end of a long run, cannot be: a temporary beside
 * it is made and removed. Standard output ("-", NULL), devices and pipes (-o >(gzip)) are left
 * alone: opening one to try it would be its only writer's end. Errors of stream_out_open.
 */
int stream_out_try(const char *path, struct core_err *err);

/*
 * The "C" locale for the calling thread for the duration of one call (uselocale changes only
 * this thread), so numbers never take a decimal comma whatever LC_NUMERIC says. Every reader
 * and writer of numbers brackets its work with enter/leave.
 */
struct stream_locale {
    locale_t c, old;
};

/* CORE_ENOMEM when the locale cannot be made (what names the caller in the message). */
int stream_locale_enter(struct stream_locale *l, const char *what, struct core_err *err);

void stream_locale_leave(struct stream_locale *l);

#endif
