/*
 * plot: PNG plots by gnuplot, all or nothing. See plot.h.
 */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether prog is an executable file in a directory of $PATH. */
static int
on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];

    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
        if (n && access(buf, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

int
plot_open(struct plot *pl, const char *path, struct core_err *err)
{
    mode_t mask;
    int fd;

    memset(pl, 0, sizeof *pl);
    if (strlen(path) + 2 >= sizeof pl->path)
        return core_err_set(err, CORE_EINPUT, "%.40s...: path too long", path);
    snprintf(pl->path, sizeof pl->path, "%s", path);
    /* "./" keeps a name that starts with '-' from reading as an option of gnuplot */
    snprintf(pl->tmp, sizeof pl->tmp, "%s%s.tmpXXXXXX", path[0] == '-' ? "./" : "", path);
    fd = mkstemp(pl->tmp);
    if (fd < 0) {
        pl->tmp[0] = '\0';
        return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
    }
    /* mkstemp makes the file 0600; a published output gets the usual 0666 & ~umask */
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        int e = errno;
        close(fd);
        plot_abort(pl);
        return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(e));
    }
    close(fd);
    return CORE_OK;
}

/* Writes the new file name (which must not exist yet: it is never someone else's) with the
 * table data or the text; *made says whether it was created. CORE_EIO `name: what`. */
static int
write_new(const char *name, const struct table *data, const char *text, int *made,
          struct core_err *err)
{
    FILE *fp = fopen(name, "wx");
    int rc = CORE_OK;

    *made = fp != NULL;
    if (!fp)
        return core_err_set(err, CORE_EIO, "%s: %s", name, strerror(errno));
    if (data)
        rc = table_write(fp, data, err);
    else if (fputs(text, fp) == EOF)
        rc = core_err_set(err, CORE_EIO, "%s: write error: %s", name, strerror(errno));
    if (fclose(fp) != 0 && !rc)
        rc = core_err_set(err, CORE_EIO, "%s: write error: %s", name, strerror(errno));
    return rc;
}

/* Runs argv[0] from PATH with stdin from /dev/null and stdout to stderr; *status is its exit
 * status, -1 when it was killed by a signal. */
static int
run(char *const argv[], int *status, struct core_err *err)
{
    pid_t pid;
    int ws;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return core_err_set(err, CORE_EIO, "fork: %s", strerror(errno));
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0 && null != 0) {
            dup2(null, 0);
            close(null);
        }
        dup2(2, 1); /* gnuplot's chatter goes to stderr, never to our stdout */
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return core_err_set(err, CORE_EIO, "waitpid: %s", strerror(errno));
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    return CORE_OK;
}

int
plot_render(struct plot *pl, const struct table *data, const char *script, int width, int height,
            struct core_err *err)
{
    char dat[sizeof pl->tmp + 4], gp[sizeof pl->tmp + 4], *text = NULL;
    char *argv[] = {"gnuplot", "-c", gp, pl->tmp, dat, NULL};
    struct stat st;
    int rc, status = 0, made_dat = 0, made_gp = 0;
    size_t len;

    if (!pl->tmp[0])
        return core_err_set(err, CORE_EINTERNAL, "plot: render without plot_open");
    if (!on_path("gnuplot"))
        return core_err_set(err, CORE_EIO,
                            "gnuplot is not on PATH (Debian: apt install gnuplot-nox)");
    snprintf(dat, sizeof dat, "%s.dat", pl->tmp);
    snprintf(gp, sizeof gp, "%s.gp", pl->tmp);
    len = strlen(script) + 128;
    if (!(text = malloc(len)))
        return core_err_set(err, CORE_ENOMEM, "plot: out of memory");
    snprintf(text, len, "set terminal pngcairo size %d,%d enhanced\nset output ARG1\n%s", width,
             height, script);
    rc = write_new(dat, data, NULL, &made_dat, err);
    rc = rc ? rc : write_new(gp, NULL, text, &made_gp, err);
    rc = rc ? rc : run(argv, &status, err);
    if (!rc && status != 0)
        rc = core_err_set(err, CORE_EIO, "gnuplot failed (exit status %d)", status);
    if (!rc && (stat(pl->tmp, &st) != 0 || st.st_size == 0))
        rc = core_err_set(err, CORE_EIO, "gnuplot drew nothing into %s", pl->path);
    if (made_dat)
        unlink(dat);
    if (made_gp)
        unlink(gp);
    free(text);
    return rc;
}

int
plot_commit(struct plot *pl, struct core_err *err)
{
    if (!pl->tmp[0])
        return CORE_OK;
    if (rename(pl->tmp, pl->path) != 0) {
        int e = errno;
        plot_abort(pl);
        return core_err_set(err, CORE_EIO, "%s: %s", pl->path, strerror(e));
    }
    pl->tmp[0] = '\0';
    return CORE_OK;
}

void
plot_abort(struct plot *pl)
{
    if (pl->tmp[0])
        unlink(pl->tmp);
    pl->tmp[0] = '\0';
}
