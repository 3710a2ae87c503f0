/*
 * stream: line input with position and pushback; all-or-nothing output. See stream.h.
 */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
stream_in_open(struct stream_in *in, const char *path, struct core_err *err)
{
    memset(in, 0, sizeof *in);
    if (!path || strcmp(path, "-") == 0) {
        stream_in_attach(in, stdin, "<stdin>");
        return CORE_OK;
    }
    in->fp = fopen(path, "r");
    if (!in->fp)
        return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
    snprintf(in->name, sizeof in->name, "%s", path);
    in->owned = 1;
    return CORE_OK;
}

void
stream_in_attach(struct stream_in *in, FILE *fp, const char *name)
{
    memset(in, 0, sizeof *in);
    in->fp = fp;
    snprintf(in->name, sizeof in->name, "%s", name);
}

void
stream_in_close(struct stream_in *in)
{
    if (in->owned && in->fp)
        fclose(in->fp);
    free(in->line);
    memset(in, 0, sizeof *in);
}

int
stream_getline(struct stream_in *in, const char **line, struct core_err *err)
{
    ssize_t len;

    if (in->pushed) {
        in->pushed = 0;
        *line = in->eof ? NULL : in->line;
        return CORE_OK;
    }
    if (in->eof) {
        *line = NULL;
        return CORE_OK;
    }
    errno = 0;
    len = getline(&in->line, &in->cap, in->fp);
    if (len < 0) {
        if (ferror(in->fp))
            return core_err_set(err, CORE_EIO, "%s:%ld: read error: %s", in->name, in->lineno + 1,
                                strerror(errno));
        in->eof = 1;
        *line = NULL;
        return CORE_OK;
    }
    in->lineno++;
    if (strlen(in->line) != (size_t)len)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: NUL byte in a text line", in->name,
                            in->lineno);
    if (len > 0 && in->line[len - 1] == '\n')
        in->line[--len] = '\0';
    if (len > 0 && in->line[len - 1] == '\r')
        in->line[--len] = '\0';
    *line = in->line;
    return CORE_OK;
}

void
stream_ungetline(struct stream_in *in)
{
    in->pushed = 1;
}

int
stream_peekline(struct stream_in *in, const char **line, struct core_err *err)
{
    for (;;) {
        int rc = stream_getline(in, line, err);
        if (rc)
            return rc;
        if (!*line || (*line)[strspn(*line, " \t")] != '\0')
            break;
    }
    stream_ungetline(in);
    return CORE_OK;
}

int
stream_out_open(struct stream_out *out, const char *path, int flags, struct core_err *err)
{
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->to_stdout = 1;
        if (flags & STREAM_OUT_DIRECT) {
            out->direct = 1;
            out->fp = stdout;
            return CORE_OK;
        }
        out->fp = tmpfile();
        if (!out->fp)
            return core_err_set(err, CORE_EIO, "temporary file for stdout: %s", strerror(errno));
        return CORE_OK;
    }
    if (strlen(path) >= sizeof out->path)
        return core_err_set(err, CORE_EINPUT, "%.40s...: path too long", path);
    {
        /* a device, FIFO or socket (-o /dev/null, -o >(gzip)) is written as it is: renaming a
         * temporary over it would replace the device with a plain file */
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            if (S_ISDIR(st.st_mode))
                return core_err_set(err, CORE_EIO, "%s: Is a directory", path);
            out->fp = fopen(path, "w");
            if (!out->fp)
                return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
            out->direct = 1;
            return CORE_OK;
        }
    }
    snprintf(out->path, sizeof out->path, "%s", path);
    snprintf(out->tmp, sizeof out->tmp, "%s.tmpXXXXXX", path);
    {
        int fd = mkstemp(out->tmp);
        mode_t mask;
        if (fd < 0) {
            out->tmp[0] = '\0';
            return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
        }
        /* mkstemp makes the file 0600; a published output gets the usual 0666 & ~umask */
        mask = umask(0);
        umask(mask);
        if (fchmod(fd, 0666 & ~mask) != 0) {
            close(fd);
            unlink(out->tmp);
            out->tmp[0] = '\0';
            return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
        }
        out->fp = fdopen(fd, "w");
        if (!out->fp) {
            close(fd);
            unlink(out->tmp);
            out->tmp[0] = '\0';
            return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
        }
    }
    return CORE_OK;
}

int
stream_out_commit(struct stream_out *out, struct core_err *err)
{
    const char *what = out->to_stdout ? "<stdout>" : out->path;

    if (!out->fp)
        return CORE_OK;
    if (out->direct) {
        FILE *fp = out->fp;
        out->fp = NULL;
        if (!out->to_stdout) {
            int bad = ferror(fp);
            if (fclose(fp) != 0 || bad)
                return core_err_set(err, CORE_EIO, "%s: write error: %s", what, strerror(errno));
            return CORE_OK;
        }
        if (fflush(stdout) != 0 || ferror(stdout))
            return core_err_set(err, CORE_EIO, "<stdout>: write error: %s", strerror(errno));
        return CORE_OK;
    }
    if (fflush(out->fp) != 0 || ferror(out->fp)) {
        int e = errno;
        stream_out_abort(out);
        return core_err_set(err, CORE_EIO, "%s: write error: %s", what, strerror(e));
    }
    if (out->to_stdout) {
        char buf[65536];
        size_t n;
        rewind(out->fp);
        while ((n = fread(buf, 1, sizeof buf, out->fp)) > 0)
            if (fwrite(buf, 1, n, stdout) != n)
                break;
        fclose(out->fp);
        out->fp = NULL;
        if (fflush(stdout) != 0 || ferror(stdout))
            return core_err_set(err, CORE_EIO, "<stdout>: write error: %s", strerror(errno));
        return CORE_OK;
    }
    if (fclose(out->fp) != 0) {
        int e = errno;
        out->fp = NULL;
        unlink(out->tmp);
        out->tmp[0] = '\0';
        return core_err_set(err, CORE_EIO, "%s: write error: %s", what, strerror(e));
    }
    out->fp = NULL;
    if (rename(out->tmp, out->path) != 0) {
        int e = errno;
        unlink(out->tmp);
        out->tmp[0] = '\0';
        return core_err_set(err, CORE_EIO, "%s: %s", out->path, strerror(e));
    }
    out->tmp[0] = '\0';
    return CORE_OK;
}

void
stream_out_abort(struct stream_out *out)
{
    if (out->fp && (!out->direct || !out->to_stdout))
        fclose(out->fp);
    out->fp = NULL;
    if (out->tmp[0])
        unlink(out->tmp);
    out->tmp[0] = '\0';
}

int
stream_locale_enter(struct stream_locale *l, const char *what, struct core_err *err)
{
    l->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (l->c == (locale_t)0) {
        l->old = (locale_t)0;
        return core_err_set(err, CORE_ENOMEM, "%s: cannot create the C locale", what);
    }
    l->old = uselocale(l->c);
    return CORE_OK;
}

void
stream_locale_leave(struct stream_locale *l)
{
    if (l->c == (locale_t)0)
        return;
    uselocale(l->old);
    freelocale(l->c);
    l->c = (locale_t)0;
}

int
stream_out_try(const char *path, struct core_err *err)
{
    struct stat st;
    struct stream_out so;
    if (!path || !strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
        return CORE_OK;
    int rc = stream_out_open(&so, path, 0, err);
    if (!rc)
        stream_out_abort(&so);
    return rc;
}
