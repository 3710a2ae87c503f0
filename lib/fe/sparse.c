/*
 * fe sparse matrices: CSR storage, products, transpose. Private to lib/fe (fe_impl.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fe_impl.h"

double
fe_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
fe_csr_release(struct fe_csr *a)
{
    free(a->ptr);
    free(a->col);
    free(a->val);
    memset(a, 0, sizeof *a);
}

int
fe_csr_alloc(struct fe_csr *a, size_t n, size_t m, size_t nnz)
{
    memset(a, 0, sizeof *a);
    if (n >= INT_MAX || m >= INT_MAX || nnz >= INT_MAX)
        return CORE_EINPUT;
    a->ptr = calloc(n + 1, sizeof *a->ptr);
    a->col = malloc((nnz + 1) * sizeof *a->col);
    a->val = malloc((nnz + 1) * sizeof *a->val);
    if (!a->ptr || !a->col || !a->val) {
        fe_csr_release(a);
        return CORE_ENOMEM;
    }
    a->n = n;
    a->m = m;
    return CORE_OK;
}

void
fe_csr_mv(const struct fe_csr *a, const double *x, double *y)
{
    const int *ptr = a->ptr, *col = a->col;
    const double *val = a->val;
    long n = (long)a->n;
#pragma omp parallel for schedule(static) if (n > 20000)
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (int k = ptr[i]; k < ptr[i + 1]; k++)
            s += val[k] * x[col[k]];
        y[i] = s;
    }
}

/* Sorts the columns of each row together with the values (rows are short: insertion sort). */
static void
sort_rows(struct fe_csr *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (int k = c->ptr[i] + 1; k < c->ptr[i + 1]; k++) {
            int cj = c->col[k];
            double v = c->val[k];
            int j = k - 1;
            while (j >= c->ptr[i] && c->col[j] > cj) {
                c->col[j + 1] = c->col[j];
                c->val[j + 1] = c->val[j];
                j--;
            }
            c->col[j + 1] = cj;
            c->val[j + 1] = v;
        }
    }
}

int
fe_csr_mul(const struct fe_csr *a, const struct fe_csr *b, struct fe_csr *c)
{
    int *mark = NULL;
    size_t nnz = 0;
    int rc;
    memset(c, 0, sizeof *c);
    mark = malloc((b->m + 1) * sizeof *mark);
    if (!mark)
        return CORE_ENOMEM;
    for (size_t j = 0; j < b->m; j++)
        mark[j] = -1;
    /* symbolic pass */
    for (size_t i = 0; i < a->n; i++) {
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++) {
            int r = a->col[k];
            for (int l = b->ptr[r]; l < b->ptr[r + 1]; l++) {
                if (mark[b->col[l]] != (int)i) {
                    mark[b->col[l]] = (int)i;
                    nnz++;
                }
            }
        }
    }
    if ((rc = fe_csr_alloc(c, a->n, b->m, nnz))) {
        free(mark);
        return rc;
    }
    for (size_t j = 0; j < b->m; j++)
        mark[j] = -1;
    nnz = 0;
    for (size_t i = 0; i < a->n; i++) {
        size_t start = nnz;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++) {
            int r = a->col[k];
            double av = a->val[k];
            for (int l = b->ptr[r]; l < b->ptr[r + 1]; l++) {
                int j = b->col[l];
                if (mark[j] < (int)start) {
                    mark[j] = (int)nnz;
                    c->col[nnz] = j;
                    c->val[nnz] = av * b->val[l];
                    nnz++;
                } else {
                    c->val[mark[j]] += av * b->val[l];
                }
            }
        }
        c->ptr[i + 1] = (int)nnz;
    }
    free(mark);
    sort_rows(c);
    return CORE_OK;
}

int
fe_csr_transpose(const struct fe_csr *a, struct fe_csr *t)
{
    size_t nnz = (size_t)a->ptr[a->n];
    int rc = fe_csr_alloc(t, a->m, a->n, nnz);
    if (rc)
        return rc;
    for (size_t k = 0; k < nnz; k++)
        t->ptr[a->col[k] + 1]++;
    for (size_t j = 0; j < a->m; j++)
        t->ptr[j + 1] += t->ptr[j];
    for (size_t i = 0; i < a->n; i++)
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++) {
            int p = t->ptr[a->col[k]]++;
            t->col[p] = (int)i;
            t->val[p] = a->val[k];
        }
    for (size_t j = a->m; j > 0; j--)
        t->ptr[j] = t->ptr[j - 1];
    t->ptr[0] = 0;
    return CORE_OK;
}

void
fe_csr_add(struct fe_csr *a, long r, long c, double v)
{
    for (int q = a->ptr[r]; q < a->ptr[r + 1]; q++)
        if (a->col[q] == c) {
            a->val[q] += v;
            return;
        }
}

void
fe_csr_sort_row(struct fe_csr *a, size_t start, size_t end)
{
    for (size_t i = start + 1; i < end; i++) {
        int c = a->col[i];
        size_t b = i;
        while (b > start && a->col[b - 1] > c) {
            a->col[b] = a->col[b - 1];
            b--;
        }
        a->col[b] = c;
    }
}

int
fe_csr_alloc_err(struct fe_csr *a, size_t n, size_t nnz, struct core_err *err)
{
    int rc = fe_csr_alloc(a, n, n, nnz);
    if (rc == CORE_EINPUT)
        return core_err_set(err, CORE_EINPUT, "%zu unknowns and %zu nonzeros exceed the int range",
                            n, nnz);
    if (rc)
        return core_err_set(err, CORE_ENOMEM, "out of memory for the matrix");
    return CORE_OK;
}

int
fe_csr_pattern(struct fe_csr *a, size_t nd, size_t nel, fe_elem_dofs_fn elem_dofs, const void *ctx,
               struct core_err *err)
{
    size_t *ip = calloc(nd + 2, sizeof *ip), *ie = NULL, nnz = 0;
    long *mark = malloc((nd + 1) * sizeof *mark), d[FE_ELEM_DOFS_MAX];
    int rc = CORE_OK;
    if (!ip || !mark)
        goto nomem;
    /* the elements of each row (a CSR of dof -> elements), then each row's distinct columns */
    for (size_t el = 0; el < nel; el++) {
        int nk = elem_dofs(ctx, el, d);
        for (int k = 0; k < nk; k++)
            if (d[k] >= 0)
                ip[d[k] + 1]++;
    }
    for (size_t r = 0; r < nd; r++)
        ip[r + 1] += ip[r];
    if (!(ie = malloc((ip[nd] + 1) * sizeof *ie)))
        goto nomem;
    for (size_t el = 0; el < nel; el++) {
        int nk = elem_dofs(ctx, el, d);
        for (int k = 0; k < nk; k++)
            if (d[k] >= 0)
                ie[ip[d[k]]++] = el;
    }
    for (size_t r = nd; r > 0; r--)
        ip[r] = ip[r - 1];
    ip[0] = 0;
    for (int pass = 0; pass < 2; pass++) { /* count, allocate, fill */
        for (size_t r = 0; r < nd; r++)
            mark[r] = -1;
        nnz = 0;
        for (size_t r = 0; r < nd; r++) {
            size_t start = nnz;
            for (size_t q = ip[r]; q < ip[r + 1]; q++) {
                int nk = elem_dofs(ctx, ie[q], d);
                for (int k = 0; k < nk; k++) {
                    long c = d[k];
                    if (c >= 0 && mark[c] != (long)r) {
                        mark[c] = (long)r;
                        if (pass)
                            a->col[nnz] = (int)c;
                        nnz++;
                    }
                }
            }
            if (pass) {
                a->ptr[r + 1] = (int)nnz;
                fe_csr_sort_row(a, start, nnz);
            }
        }
        if (!pass && (rc = fe_csr_alloc_err(a, nd, nnz, err)))
            goto done;
    }
    memset(a->val, 0, nnz * sizeof *a->val);
    goto done;
nomem:
    rc = core_err_set(err, CORE_ENOMEM, "out of memory for the matrix pattern");
done:
    free(ip);
    free(ie);
    free(mark);
    return rc;
}
