/*
 * fe_impl: private to lib/fe. Sparse matrices, the linear solvers behind fe_heat, helpers.
 *
 * Sparse matrices are CSR with int row pointers and column indices (checked to fit): half the
 * memory traffic of size_t in the matrix-vector products, and exactly CHOLMOD's int interface,
 * so the matrix is handed over without a copy. A symmetric matrix is stored whole.
 */
#ifndef FPMS_FE_IMPL_H
#define FPMS_FE_IMPL_H

#include "fe.h"

struct fe_csr {
    size_t n;    /* rows */
    size_t m;    /* columns */
    int *ptr;    /* n + 1 */
    int *col;    /* ptr[n], sorted within each row */
    double *val; /* ptr[n] */
};

void fe_csr_release(struct fe_csr *a);

/* Allocates rows n, columns m, nnz entries (ptr zeroed). CORE_OK or CORE_ENOMEM. */
int fe_csr_alloc(struct fe_csr *a, size_t n, size_t m, size_t nnz);

/* a[r][c] += v where (r, c) is in the pattern (a no-op otherwise: the pattern is complete). */
void fe_csr_add(struct fe_csr *a, long r, long c, double v);

/* Sorts the column indices col[start..end) of one row (insertion sort: rows are short). */
void fe_csr_sort_row(struct fe_csr *a, size_t start, size_t end);

/* fe_csr_alloc with the messages every assembly gives: CORE_EINPUT when n or nnz exceed the int
 * range, CORE_ENOMEM otherwise. */
int fe_csr_alloc_err(struct fe_csr *a, size_t n, size_t nnz, struct core_err *err);

/* The most unknowns of one element (an interface element of fe_elast: 4 nodes, 2 each). */
#define FE_ELEM_DOFS_MAX 8

/* The unknowns of element el into d (-1 for none: fixed), their count (<= FE_ELEM_DOFS_MAX). */
typedef int (*fe_elem_dofs_fn)(const void *ctx, size_t el, long *d);

/*
 * The pattern of the nd x nd matrix that couples the unknowns of every element 0 .. nel-1:
 * each row's columns sorted, values zeroed. a must hold no matrix (zeroed or released); it
 * receives the pattern, which the caller releases with fe_csr_release, also on error. Errors of
 * fe_csr_alloc_err; CORE_ENOMEM.
 */
int fe_csr_pattern(struct fe_csr *a, size_t nd, size_t nel, fe_elem_dofs_fn elem_dofs,
                   const void *ctx, struct core_err *err);

/* y = A x (OpenMP over rows). */
void fe_csr_mv(const struct fe_csr *a, const double *x, double *y);

/* c = a b. CORE_OK or CORE_ENOMEM (or CORE_EINPUT when nnz would overflow int). */
int fe_csr_mul(const struct fe_csr *a, const struct fe_csr *b, struct fe_csr *c);

/* t = a^T. */
int fe_csr_transpose(const struct fe_csr *a, struct fe_csr *t);

/* Node -> triangle corners incidence: corners of node i are inc[ptr[i] .. ptr[i+1]), each
 * 3*triangle + local index. Caller frees both. CORE_OK or CORE_ENOMEM. */
int fe_incidence(const struct fe_mesh *m, size_t **ptr, size_t **inc);

/* Wall clock seconds. */
double fe_wtime(void);

/* ---- smoothed-aggregation AMG (amg.c) ---- */

struct fe_amg;

/* Builds the hierarchy for the SPD matrix a (borrowed for the life of the hierarchy). */
int fe_amg_setup(struct fe_amg **out, const struct fe_csr *a, struct core_err *err);

/* z = M^{-1} r: one symmetric V(1,1)-cycle (Gauss-Seidel forward down, backward up). */
void fe_amg_apply(struct fe_amg *amg, const double *r, double *z);

size_t fe_amg_levels(const struct fe_amg *amg);

void fe_amg_free(struct fe_amg *amg);

/* ---- linear solver front (solve.c) ---- */

struct fe_linsolve;

/* Prepares the solution of a x = b for SPD a (borrowed): factorises or builds the AMG. */
int fe_linsolve_setup(struct fe_linsolve **out, const struct fe_csr *a,
                      const struct fe_solve_opts *o, struct fe_solve_stats *st,
                      struct core_err *err);

/* Solves a x = b; bscale is |b| before cancellation (the PCG stopping scale). */
int fe_linsolve_solve(struct fe_linsolve *s, const double *b, double bscale, double *x,
                      struct fe_solve_stats *st, struct core_err *err);

void fe_linsolve_free(struct fe_linsolve *s);

/* ---- CHOLMOD (direct.c) ---- */

struct fe_direct;

int fe_direct_setup(struct fe_direct **out, const struct fe_csr *a, struct core_err *err);

int fe_direct_solve(struct fe_direct *d, const double *b, double *x, struct core_err *err);

void fe_direct_free(struct fe_direct *d);

/* ---- shared by heat.c and elast.c ---- */
/* Area and the gradients of the three linear basis functions of triangle e (mesh units). */
double fe_tri_grad(const struct fe_mesh *m, size_t e, double gx[3], double gy[3]);
/* Union-find with path halving; the smaller index is the root (so numberings are stable). */
size_t fe_uf_find(size_t *parent, size_t i);
void fe_uf_union(size_t *parent, size_t a, size_t b);
/*
 * The unknowns of ncomp components per node: rep[n] each node's periodic representative
 * (master[i], or i with master NULL; CORE_EINPUT when a master is not its own); fixed[ncomp n],
 * zeroed by the caller, gets 1 where fixed_in (ncomp n, NULL: none) fixes a component at a node
 * or its master, and 2 where a component would float: each region (nodes joined by triangles,
 * and across the interfaces f with joins[f], NULL: none) with no fixed value of a component has
 * it pinned at its lowest representative (*npinned += 1 per component so pinned at a node a
 * triangle uses);
 * dof[ncomp n] numbers the free components of representatives from 0 (*ndofs of them), -1
 * where fixed, and every node takes its representative's. CORE_ENOMEM.
 */
int fe_number(const struct fe_mesh *m, int ncomp, const size_t *master,
              const unsigned char *fixed_in, const unsigned char *joins, size_t *rep,
              unsigned char *fixed, long *dof, size_t *ndofs, size_t *npinned,
              struct core_err *err);
/*
 * Preconditioned conjugate gradients for a x = b from x = 0, preconditioned by amg's V-cycle,
 * to |r| <= rtol max(bscale, |b|) in at most maxiter iterations; work: 4 a->n doubles; st->iters
 * and st->resid (|r| over that scale; 0 when |b| and bscale are 0). CORE_ENOCONV when not
 * converged or stagnated, CORE_EPHYS when what (the matrix, named in the message) is not
 * positive definite (solve.c).
 */
int fe_pcg(const struct fe_csr *a, struct fe_amg *amg, const double *b, double bscale, double rtol,
           size_t maxiter, double *work, const char *what, double *x, struct fe_solve_stats *st,
           struct core_err *err);
/* x . y (solve.c). */
double fe_dot(const double *x, const double *y, size_t n);
/* Adds the statistics of one solve to a running total: the last solve's fields, the pinned
 * count and the times summed (solve.c). */
void fe_stats_add(struct fe_solve_stats *to, const struct fe_solve_stats *from);

#endif
