/*
 * fe: finite elements for 2D heterostructures (linear triangles, steady heat conduction with
 * interfacial conductance, linear plane-stress elasticity with bonded interfaces,
 * homogenisation), and the geometries fe-mesh builds.
 *
 * Promises
 *   - struct fe_mesh: nodes, 3-node triangles (P1) each in a phase, 2-node line elements
 *     (boundaries, interfaces) each in a group, and zero-thickness interface elements made by
 *     fe_mesh_split, which doubles the nodes along chosen groups.
 *   - Steady heat conduction, -div(k grad T) = 0 in each phase with an anisotropic
 *     conductivity tensor k per phase, and across a split interface the flux
 *     q.n = g (T1 - T2) (Kapitza conductance g). Boundary conditions: fixed temperature at
 *     chosen nodes, a flux through line elements (zero elsewhere: insulated), periodicity
 *     (fe_mesh_periodic pairs the nodes of opposite sides of the bounding box), and an imposed
 *     mean gradient, T = G.x + w with w periodic.
 *   - Effective conductivity by homogenisation: fe_heat_homog (periodic, two load cases,
 *     the full 2x2 tensor) and fe_heat_slab (a temperature difference across the box along x
 *     and then y, insulated sides, as an MD "direct method" measures it).
 *   - Sparse solves: a preconditioned conjugate gradient with a smoothed-aggregation algebraic
 *     multigrid V-cycle (own code, no dependency; the default), and CHOLMOD (SuiteSparse,
 *     supernodal Cholesky, AMD ordering; --solver cholmod). Measured
 *     on the 2-core box shared with other jobs (load 4-5), random disks at fraction 0.3 with
 *     interface conductance, periodic homogenisation (one set-up, two solves to 1e-10),
 *     OMP_NUM_THREADS=1: 1.06e5 unknowns: PCG+AMG 0.13 s set-up + 0.34 s (19 iterations per
 *     solve), CHOLMOD 0.76 s factorisation + 0.09 s; 1.03e6 unknowns: PCG+AMG 1.5 s + 7.0 s
 *     (28 iterations), 0.54 GB peak; CHOLMOD 14.8 s + 0.8 s, 1.78 GB; both agree on k_eff to
 *     1e-12. So FE_SOLVER_AUTO is PCG; CHOLMOD remains for problems the AMG handles badly.
 *     Elasticity (fe_elast_*) preconditions CG with the AMG of its stiffness without the x-y
 *     couplings (separate displacement components): random disks, 1.2e5 unknowns, 42
 *     iterations per solve against 741 with the AMG of the whole matrix.
 *   - Plane-stress elasticity (fe_elast_*): linear anisotropic per phase, bonded interfaces,
 *     periodic homogenisation of the stiffness, displacement-controlled tension, and a
 *     nonlinear law from a uniaxial stress-strain curve with Newton-Raphson load stepping and
 *     the first element to pass its phase's peak strain; in tension also cohesive interfaces
 *     (linear, or bilinear with damage) on split groups (fe_elast_tension_coh).
 *
 * Units: SI throughout. Coordinates in m; conductivity in W/(m K). For a sheet of thickness t
 * the caller passes k*t (W/K), g*t (W/(m K)) and q*t (W/m); the solution does not care, and
 * fe_heat_homog then returns k_eff*t. Temperatures in K.
 *
 * Element formulas (P1, exact integration): triangle K_e = A B^T k B with B the constant
 * basis gradients; interface element of length L between node pairs (a1,b1) and (a2,b2):
 * g L/6 [[2,1],[1,2]] on the jumps (T1 - T2) at a and b (consistent, exact for linear jumps).
 *
 * Ownership: a fe_mesh owns its arrays (fe_mesh_release frees them); so does a fe_problem
 * (fe_problem_release), whose laws point into its own lawdata. Functions taking a const
 * pointer borrow it. struct fe_heat is opaque, allocated by fe_heat_plan and freed by
 * fe_heat_free; it borrows the mesh, which must outlive it unchanged.
 * Thread safety: no global state; distinct objects may be used from distinct threads.
 * The solvers use OpenMP for matrix-vector products; results agree across thread counts to
 * the solver tolerance.
 * Errors: CORE_EINPUT (bad mesh or parameters), CORE_ENOMEM, CORE_ENOCONV (the iterative
 * solver did not reach its tolerance), CORE_EPHYS (a matrix that is not positive definite).
 * Nothing is printed.
 */
#ifndef FPMS_FE_H
#define FPMS_FE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* ---- meshes ---- */

struct fe_mesh {
    size_t nnodes;
    double *xy;        /* 2*nnodes, m */
    size_t *node_orig; /* nnodes: the node each was copied from by fe_mesh_split (else itself) */
    size_t ntris;
    size_t *tri;    /* 3*ntris node indices; counter-clockwise after fe_mesh_check */
    int *tri_phase; /* ntris: 0 .. nphases-1 */
    size_t nphases;
    size_t nedges;
    size_t *edge;    /* 2*nedges: line elements (boundaries, interfaces) */
    int *edge_group; /* nedges: 0 .. ngroups-1 */
    size_t ngroups;
    size_t nifaces;
    size_t *iface;      /* 4*nifaces: a1 b1 a2 b2; side 1 is the triangle left of a->b */
    int *iface_group;   /* nifaces: the group of the line element it came from */
    size_t *iface_edge; /* nifaces: that line element */
};

/* Zeroes m (no arrays). */
void fe_mesh_init(struct fe_mesh *m);

/* Frees every array of m and zeroes it. */
void fe_mesh_release(struct fe_mesh *m);

/*
 * Allocates the arrays of m (released first) for nnodes, ntris and nedges, zeroed, with
 * node_orig the identity and no interface elements; the caller fills xy, tri, tri_phase,
 * edge, edge_group and sets nphases and ngroups. CORE_OK or CORE_ENOMEM.
 */
int fe_mesh_alloc(struct fe_mesh *m, size_t nnodes, size_t ntris, size_t nedges,
                  struct core_err *err);

/*
 * Checks m and orients every triangle counter-clockwise: indices in range, phases and groups
 * in range, finite coordinates. CORE_EINPUT for a triangle of zero area (relative to the
 * square of its longest edge, below 1e-14) or anything out of range.
 */
int fe_mesh_check(struct fe_mesh *m, struct core_err *err);

/* Smallest interior angle of any triangle, degrees (180 for an empty mesh). */
double fe_mesh_min_angle(const struct fe_mesh *m);

/* Bounding box of the nodes: box = {xmin, ymin, xmax, ymax}, m. */
void fe_mesh_box(const struct fe_mesh *m, double box[4]);

/* Total area of the triangles, m^2; per phase into phase_area (nphases) unless NULL. */
double fe_mesh_area(const struct fe_mesh *m, double *phase_area);

/*
 * Doubles the nodes along the line elements of every group g with cut[g] != 0 (ngroups
 * flags): around each node on such an edge, the triangles that are connected through uncut
 * edges keep one copy of the node, so junctions of several interfaces get one copy per
 * region. Adds one interface element per cut line element; renumbers the triangles and the
 * other line elements onto the copies. Call after fe_mesh_check, once.
 * CORE_EINPUT when a cut line element is not shared by exactly two triangles; CORE_ENOMEM.
 */
int fe_mesh_split(struct fe_mesh *m, const unsigned char *cut, struct core_err *err);

#define FE_PERIODIC_X 1
#define FE_PERIODIC_Y 2

/*
 * Periodic node pairing over the bounding box: for axes & FE_PERIODIC_X every node on the
 * side x = xmax is paired with the node on x = xmin at the same y (within tol times the
 * larger box side), and likewise y = ymax with y = ymin. Where split nodes share a position
 * the copy whose triangles lie on the same side is chosen. master[i] (nnodes) is the node
 * that node i is identified with (i itself for nodes not on a max side; corners map to the
 * (xmin, ymin) corner). CORE_EINPUT naming the first node without a partner when the mesh is
 * not periodic.
 */
int fe_mesh_periodic(const struct fe_mesh *m, int axes, double tol, size_t *master,
                     struct core_err *err);

/* ---- solvers ---- */

enum fe_solver {
    FE_SOLVER_AUTO,    /* PCG + AMG (the faster at 1e5 and 1e6 unknowns, see above) */
    FE_SOLVER_CHOLMOD, /* sparse Cholesky (SuiteSparse CHOLMOD, AMD ordering) */
    FE_SOLVER_PCG,     /* conjugate gradient, smoothed-aggregation AMG V(1,1) preconditioner */
};

struct fe_solve_opts {
    enum fe_solver solver;
    double rtol;    /* PCG: stop when |r| <= rtol |b| (|b| of the loads before cancellation) */
    size_t maxiter; /* PCG: CORE_ENOCONV beyond this */
};

#define FE_SOLVE_OPTS_DEFAULT                                                                      \
    {                                                                                              \
        FE_SOLVER_AUTO, 1e-10, 1000                                                                \
    }

struct fe_solve_stats {
    enum fe_solver solver; /* the one used */
    size_t ndofs;          /* unknowns after periodicity and fixed temperatures */
    size_t nnz;            /* stored nonzeros of the matrix (both triangles) */
    size_t npinned;        /* nodes fixed at 0 to remove a floating constant */
    size_t levels;         /* AMG levels */
    size_t iters;          /* PCG iterations of the last solve */
    double resid;          /* |r| / |b| of the last solve */
    double t_assemble;     /* s, wall clock */
    double t_setup;        /* s: factorisation or AMG set-up */
    double t_solve;        /* s: all solves so far */
};

/* Name of a solver: "auto", "cholmod", "pcg". */
const char *fe_solver_name(enum fe_solver s);

/* ---- heat conduction ---- */

struct fe_heat;

/*
 * Plans a heat problem on m (borrowed; must not change while the plan lives): the unknowns,
 * the matrix and its factorisation or preconditioner. kappa (3*nphases: kxx, kyy, kxy per
 * phase, W/K or W/(m K)) must be positive definite; gcond (ngroups, W/(m K) or W/(m^2 K))
 * holds the conductance of each group that has interface elements (>= 0; others unused).
 * master (nnodes, from fe_mesh_periodic) or NULL; fixed (nnodes flags) or NULL marks
 * fixed-temperature nodes. Every connected region of the mesh without a fixed node gets one
 * node fixed at 0 (so pure periodic or pure flux problems are solvable).
 * Returns CORE_OK, CORE_EINPUT, CORE_ENOMEM or CORE_EPHYS; *out is NULL on error.
 */
int fe_heat_plan(struct fe_heat **out, const struct fe_mesh *m, const double *kappa,
                 const double *gcond, const size_t *master, const unsigned char *fixed,
                 const struct fe_solve_opts *o, struct core_err *err);

/*
 * Solves the planned problem: t = grad . (x - x0) + w, x0 the lower left corner of the box,
 * with w taking the values tfix at fixed nodes (nnodes, or NULL for 0) and the inward flux
 * qedge through each line element (nedges, W/m or W/m^2 with the same thickness convention,
 * or NULL for none). grad (2 numbers, K/m) or NULL for 0. Writes t (nnodes).
 * Returns CORE_OK, CORE_ENOCONV or CORE_ENOMEM.
 */
int fe_heat_exec(struct fe_heat *h, const double *grad, const double *tfix, const double *qedge,
                 double *t, struct core_err *err);

/* Statistics of the plan and of the last solve; borrowed from h. */
const struct fe_solve_stats *fe_heat_stats(const struct fe_heat *h);

/* Frees h (NULL is a no-op). */
void fe_heat_free(struct fe_heat *h);

/*
 * r = K t (nnodes): the heat flowing into the domain at each node in the discrete balance
 * (W per unit thickness); at a fixed node it is the reaction, at a free node with no load 0
 * to solver tolerance.
 */
void fe_heat_residual(const struct fe_mesh *m, const double *kappa, const double *gcond,
                      const double *t, double *r);

/* The bilinear form a(t1, t2) = sum_e t1.K_e t2 over triangles and interface elements. */
double fe_heat_energy(const struct fe_mesh *m, const double *kappa, const double *gcond,
                      const double *t1, const double *t2);

/* Heat flux q = -k grad t of each triangle: q[2*e], q[2*e+1] (W/m^2 with k in W/(m K)). */
void fe_heat_flux(const struct fe_mesh *m, const double *kappa, const double *t, double *q);

/*
 * Effective conductivity tensor of a periodic cell: for the mean gradients e_x and e_y,
 * T_i = x_i + w_i with w_i periodic; keff = {kxx, kyy, kxy} with
 * k_ij = a(T_i, T_j) / area (the energy form; it equals the mean flux to solver tolerance).
 * tol: relative tolerance of the periodic node pairing. tx, ty (nnodes each) receive the
 * two temperature fields unless NULL; st receives the statistics unless NULL.
 */
int fe_heat_homog(const struct fe_mesh *m, const double *kappa, const double *gcond,
                  const struct fe_solve_opts *o, double tol, double keff[3], double *tx, double *ty,
                  struct fe_solve_stats *st, struct core_err *err);

/*
 * Slab conductivities: T = 1 K on the nodes at x = xmin, 0 on x = xmax (within tol times the
 * larger box side), other sides insulated; kxx = Q Lx / (1 K Ly) with Q the heat entering at
 * xmin (the sum of the reactions there), and likewise along y. kslab = {kxx, kyy}.
 */
int fe_heat_slab(const struct fe_mesh *m, const double *kappa, const double *gcond,
                 const struct fe_solve_opts *o, double tol, double kslab[2], double *tx, double *ty,
                 struct fe_solve_stats *st, struct core_err *err);

/* ---- plane-stress elasticity ---- */

/*
 * Linear plane-stress elasticity with P1 triangles, two unknowns per node; displacements
 * u[2*i + c] (c = 0: x, 1: y), m. Strain and stress in Voigt order xx, yy, xy with engineering
 * shear (gamma_xy = u_x,y + u_y,x); the stiffness of phase p is the 3x3 matrix
 * cmat[9*p .. 9*p+8] (row-major, symmetric positive definite), sigma = C eps. Units follow the
 * heat convention: for a sheet of thickness t the caller passes C t (N/m) and gets forces per
 * unit thickness times t; with C in Pa and no thickness, everything is per metre of thickness.
 * The phases share their interface nodes (the mesh is conforming, not split): bonded
 * interfaces. Line elements and interface elements are ignored, except by the *_coh functions
 * (cohesive interfaces, below).
 */
struct fe_elast;

/* The plane-stress stiffness of an isotropic phase: E/(1-nu^2) [[1,nu,0],[nu,1,0],
 * [0,0,(1-nu)/2]] (E in any unit; c in the same). */
void fe_elast_iso(double e, double nu, double c[9]);

/*
 * The stiffness, in the x-y frame, of a phase whose material axes (in which its stiffness is
 * c) are turned by angle (radians, counter-clockwise) from x: out = R^T c R with R the Voigt
 * strain rotation (engineering shear). out may not alias c.
 */
void fe_elast_rotate(const double c[9], double angle, double out[9]);

/* 1 when c is finite, symmetric (to 1e-12 of its diagonal) and positive definite, else 0. */
int fe_elast_check(const double c[9]);

/*
 * Plans an elastic problem on m (borrowed; must not change while the plan lives). cmat
 * (9*nphases) as above; master (nnodes, from fe_mesh_periodic) or NULL; fixed (2*nnodes
 * flags, by dof) or NULL marks prescribed displacement components. Each connected region gets,
 * for each component with no prescribed dof, one node fixed at 0 (removing the translations;
 * a periodic cell has no rotation). A non-periodic problem must itself prevent the rigid
 * rotation (else CORE_EPHYS or CORE_ENOCONV). Returns CORE_OK, CORE_EINPUT (a stiffness that is
 * not symmetric positive definite, bad solver options), CORE_ENOMEM or CORE_EPHYS.
 */
int fe_elast_plan(struct fe_elast **out, const struct fe_mesh *m, const double *cmat,
                  const size_t *master, const unsigned char *fixed, const struct fe_solve_opts *o,
                  struct core_err *err);

/*
 * Solves the planned problem: u = H (x - x0) + w, x0 the lower left corner of the box and
 * H = [[Exx, Exy/2], [Exy/2, Eyy]] from the mean strain strain = {Exx, Eyy, Exy} (engineering
 * shear; NULL for 0), with w taking the values ufix at prescribed dofs (2*nnodes, NULL for 0).
 * No external loads besides these. Writes u (2*nnodes).
 * Returns CORE_OK, CORE_EINPUT (a strain that is not finite), CORE_ENOCONV or CORE_ENOMEM.
 */
int fe_elast_exec(struct fe_elast *h, const double *strain, const double *ufix, double *u,
                  struct core_err *err);

/* Statistics of the plan and of the last solve; borrowed from h. */
const struct fe_solve_stats *fe_elast_stats(const struct fe_elast *h);

/* Frees h (NULL is a no-op). */
void fe_elast_free(struct fe_elast *h);

/* r = K u (2*nnodes): the nodal forces in the discrete balance (reactions at fixed dofs). */
void fe_elast_residual(const struct fe_mesh *m, const double *cmat, const double *u, double *r);

/* The bilinear form a(u1, u2) = sum_e u1.K_e u2 over the triangles. */
double fe_elast_energy(const struct fe_mesh *m, const double *cmat, const double *u1,
                       const double *u2);

/* Strain and stress (Voigt, 3 per triangle) of each triangle; either output may be NULL. */
void fe_elast_stress(const struct fe_mesh *m, const double *cmat, const double *u, double *strain,
                     double *stress);

/*
 * Effective stiffness of a periodic cell: for the unit mean strains e_xx, e_yy and the
 * engineering shear gamma_xy, u_i = H_i x + w_i with w_i periodic; ceff (3x3, row-major)
 * C_ij = a(u_i, u_j) / area (equal to the mean stress of load case j, component i, to solver
 * tolerance). tol: relative tolerance of the periodic pairing. u (3 * 2*nnodes, the three
 * fields one after the other) unless NULL; st unless NULL.
 */
int fe_elast_homog(const struct fe_mesh *m, const double *cmat, const struct fe_solve_opts *o,
                   double tol, double ceff[9], double *u, struct fe_solve_stats *st,
                   struct core_err *err);

/*
 * Displacement-controlled tension along x: u_x = 0 on the nodes at x = xmin (within tol times
 * the larger box side), u_x = strain Lx on x = xmax, u_y = 0 at the lowest node of the left
 * side; the rest free (top and bottom traction-free, no lateral constraint at the ends).
 * res = {sigma, E, nu}: sigma = F / Ly the mean tensile stress (F the sum of the reactions on
 * the right side), E = sigma / strain, nu = -(mean u_y of the top nodes - that of the bottom
 * nodes) / (Ly strain) (E and nu 0 when strain is 0). u (2*nnodes) and st unless NULL.
 */
int fe_elast_tension(const struct fe_mesh *m, const double *cmat, const struct fe_solve_opts *o,
                     double tol, double strain, double res[3], double *u, struct fe_solve_stats *st,
                     struct core_err *err);

/*
 * Nonlinear phases: a deformation-theory (nonlinear elastic, hyperelastic) isotropic law built
 * from a uniaxial stress-strain curve S(e) (piecewise linear through the points, extrapolated
 * with the end segments) and a Poisson ratio nu. With C0 the plane-stress isotropic stiffness
 * of unit modulus and the equivalent strain q = sqrt(eps.C0.eps), the strain energy is
 * W = int_0^q S, so
 *     sigma = S(q)/q C0 eps,   D = S/q C0 + (S' - S/q)/q^2 (C0 eps)(C0 eps)^T.
 * In uniaxial stress (eps = (e, -nu e, 0)) q = |e| and sigma = (S(e), 0, 0): the law gives back
 * the curve exactly. Limits: isotropic (one curve for every direction), loading only (no
 * unloading, plasticity or damage: what is loaded is recovered), small strains, nu constant;
 * other stress states follow the curve through the energy-equivalent strain, an assumption.
 * Past the peak of S the law softens, the balance loses uniqueness, and the solution is
 * meaningless: the tension driver stops at the first element whose q passes the peak strain.
 * Stresses in the unit of cmat (N/m for a sheet: the curve's stress times the thickness).
 */
struct fe_law {
    size_t npts;       /* 0: the phase is linear (cmat) */
    const double *eps; /* npts strains: eps[0] = 0, increasing (borrowed) */
    const double *sig; /* npts stresses: sig[0] = 0, sig[1] > 0 (borrowed) */
    double nu;         /* Poisson ratio, -1 < nu < 1 */
};

/* CORE_EINPUT naming what is wrong with law (as above), else CORE_OK. */
int fe_law_check(const struct fe_law *law, struct core_err *err);

/* Strain at the largest stress of the curve (the first such point): the failure strain. */
double fe_law_peak(const struct fe_law *law);

/* The equivalent strain q of eps. */
double fe_law_strain(const struct fe_law *law, const double eps[3]);

/* Stress and, unless d is NULL, tangent of law at the strain eps (Voigt); where S' < 0 the
 * tangent is replaced by the secant S/q C0 (positive definite while S > 0). */
void fe_law_stress(const struct fe_law *law, const double eps[3], double sig[3], double d[9]);

struct fe_failure {
    int failed;    /* 1 when an element passed the peak strain of its phase; 2 when the
                      balance was lost (Newton failed down to 1/256 of a step) while the
                      element nearest its peak was at more than 0.9 of it: a limit point
                      that displacement control cannot pass (a softening layer in series) */
    size_t elem;   /* that element (the furthest past, or nearest to, its peak) */
    double ratio;  /* its q / peak strain then */
    double strain; /* applied strain at which its ratio reached 1 (linear between the two
                      last balances), or, when failed is 2, of the last balance */
    size_t nsteps; /* steps done (rows of the curve) */
    size_t newton; /* Newton iterations, all steps */
    /* fe_elast_tension_coh only (zero otherwise): failed is 3 when an interface point reached
     * full damage (a crack; the run goes on to the end: elem is then that interface element,
     * strain the first balance with it) and 4 when the balance was lost while an interface
     * softened (a snap-back that displacement control cannot follow; elem is the interface
     * element with the largest damage, strain the last balance) */
    size_t ncuts;        /* sub-steps whose Newton failed and were halved */
    size_t nsecant;      /* sub-steps solved with the secant tangent (the consistent failed) */
    int onset;           /* 1 when an interface point passed its strength (damage > 1e-9) */
    double onset_strain; /* the applied strain of the first balance with damage */
    size_t onset_iface;  /* its interface element */
    double dmax;         /* the largest damage at the last balance */
    double broken;       /* fraction of the cohesive interface length fully damaged */
    double dissipated;   /* energy dissipated by the interfaces (sum of w Gc_eff), J/(unit
                            thickness) in the units of the law (N with Gc t in J/m) */
    double ilength;      /* length of the cohesive interfaces, m */
};

/*
 * Displacement-controlled tension with the boundary conditions of fe_elast_tension, in nsteps
 * equal steps up to strain, each solved by Newton-Raphson: a predictor through the tangent at
 * the last balance, then the consistent tangent (quasi-Newton where a curve softens),
 * converged when the residual at the unknowns is below 1e-10 of the reactions; a step whose
 * Newton fails (50 iterations, or the linear solver) is halved, down to 1/256 of a step.
 * law (nphases; law[p].npts == 0, or law NULL: phase p is linear with cmat, which must be
 * symmetric positive definite for every phase: it also sets up the matrix pattern).
 * curve (3*nsteps): per step the strain, the mean stress F/Ly and nu, as res of
 * fe_elast_tension. Stops at the first failure (fail->failed); the last row is then the last
 * balance. fail->nsteps rows are written. u (2*nnodes: the last balance) and st unless NULL.
 * Returns CORE_OK (failure of the structure is a result, not an error), CORE_EINPUT (a bad
 * law, strain or step count), CORE_ENOCONV (Newton failed with no phase near its peak),
 * CORE_EPHYS, CORE_ENOMEM.
 */
int fe_elast_tension_nl(const struct fe_mesh *m, const double *cmat, const struct fe_law *law,
                        const struct fe_solve_opts *o, double tol, double strain, size_t nsteps,
                        double *curve, struct fe_failure *fail, double *u,
                        struct fe_solve_stats *st, struct core_err *err);

/*
 * Cohesive interfaces: a zero-thickness interface element on each split line element of a
 * group (fe_mesh_split), between the doubled nodes, integrated with two Gauss points. With
 * n the normal from side 1 to side 2 and s the tangent a -> b, the opening at a point is
 * delta = (dn, dt) = ((u2 - u1).n, (u2 - u1).s) and the traction t = (tn, tt) on side 2:
 *   FE_COH_BONDED    the group is not split (the phases share the nodes; no element);
 *   FE_COH_LINEAR    t = (kn dn, kt dt): an elastic interface of stiffness per unit area;
 *   FE_COH_BILINEAR  damage d(kappa) with the history kappa = max over the past of the
 *                    effective opening lambda = sqrt(<dn>^2 + (kt/kn) dt^2) (<x> = max(x, 0));
 *                    it never heals. tn = (1 - d) kn dn when open, kn dn when closed (contact,
 *                    undamaged); tt = (1 - d) kt dt. In lambda the law is bilinear: rising with
 *                    slope kn to the strength at delta0 = strength/kn, falling linearly to 0 at
 *                    deltaf = 2 gc / strength, so d = deltaf (kappa - delta0) / (kappa (deltaf -
 *                    delta0)) between them, and the energy dissipated to full damage is gc in
 *                    every mode mix (kt dt ddt = kn lambda dlambda); the shear strength is
 *                    strength sqrt(kt/kn).
 * Units follow the thickness convention of the phases: kn, kt in N/m^3 (Pa/m) times t,
 * strength in Pa times t, gc in J/m^2 times t.
 */
enum fe_coh_kind { FE_COH_BONDED, FE_COH_LINEAR, FE_COH_BILINEAR };

struct fe_cohesive {
    enum fe_coh_kind kind;
    double kn, kt;   /* > 0 (LINEAR, BILINEAR) */
    double strength; /* > 0 (BILINEAR) */
    double gc;       /* > strength^2 / (2 kn): deltaf > delta0 (BILINEAR) */
};

/* CORE_EINPUT naming what is wrong with c, else CORE_OK. */
int fe_cohesive_check(const struct fe_cohesive *c, struct core_err *err);

/* Damage at history kappa (0 for LINEAR and BONDED), in [0, 1]. */
double fe_cohesive_damage(const struct fe_cohesive *c, double kappa);

/* Energy dissipated per unit area at history kappa: from 0 below delta0 to gc at deltaf. */
double fe_cohesive_dissipated(const struct fe_cohesive *c, double kappa);

/*
 * Traction t (normal, tangential) at the opening delta with the committed history kappa0;
 * *kappa gets the new history max(kappa0, lambda). Unless d is NULL, the 2x2 tangent: the
 * consistent one (with the damage growth while loading, possibly indefinite past the strength)
 * or, with secant != 0, the secant (1 - d) stiffness; either keeps at least 1e-6 of kn, kt
 * on its diagonal so that a fully broken interface leaves a definite matrix.
 */
void fe_cohesive_traction(const struct fe_cohesive *c, const double delta[2], double kappa0,
                          double *kappa, double t[2], double d[4], int secant);

/*
 * fe_elast_tension_nl with cohesive interfaces: coh (ngroups, or NULL for none) gives the law
 * of each group; the mesh must have been split (fe_mesh_split) along exactly the groups whose
 * kind is not FE_COH_BONDED (CORE_EINPUT otherwise). Each Newton step first uses the consistent
 * tangent; when it fails, the secant tangent (a quasi-Newton that converges slowly but surely
 * while the structure is stable); then the step is halved (fail->ncuts), down to 1/256 of a
 * step. The damage history is committed at each balance. dcurve (2*nsteps, or NULL): per row
 * the largest damage and the energy dissipated so far (as fail->dissipated); damage
 * (2*nifaces, or NULL): the damage of each Gauss point at the last balance, the one nearer
 * a first (0 for a mesh without interface elements or coh NULL). A crack does not
 * stop the run (fail->failed 3); a lost balance while an interface softens does (4).
 */
int fe_elast_tension_coh(const struct fe_mesh *m, const double *cmat, const struct fe_law *law,
                         const struct fe_cohesive *coh, const struct fe_solve_opts *o, double tol,
                         double strain, size_t nsteps, double *curve, double *dcurve,
                         struct fe_failure *fail, double *u, double *damage,
                         struct fe_solve_stats *st, struct core_err *err);

/*
 * fe_elast_homog with the interface elements of the split groups (coh, ngroups, or NULL: none;
 * as fe_elast_tension_coh checks it): linear, with kn and kt (a bilinear law with its undamaged
 * stiffness, as the linear analyses take a curve's initial slope). C_ij = a(u_i, u_j) / area
 * with the interface energy in a.
 */
int fe_elast_homog_coh(const struct fe_mesh *m, const double *cmat, const struct fe_cohesive *coh,
                       const struct fe_solve_opts *o, double tol, double ceff[9], double *u,
                       struct fe_solve_stats *st, struct core_err *err);

/* Strain and stress (3 per triangle) with the laws of fe_elast_tension_nl, and ratio (1 per
 * triangle) q / peak strain of its phase (0 for a linear phase); any output may be NULL. */
void fe_elast_stress_law(const struct fe_mesh *m, const double *cmat, const struct fe_law *law,
                         const double *u, double *strain, double *stress, double *ratio);

/* ---- geometries (what fe-mesh builds) ---- */

enum fe_geom_kind {
    FE_GEOM_STRIPES, /* phase 1 in bands of a given period, fraction and angle */
    FE_GEOM_DISK,    /* one disk of phase 1 at the centre */
    FE_GEOM_DISKS,   /* random non-overlapping disks of phase 1, periodic in the box */
    FE_GEOM_GRAINS,  /* periodic Voronoi grains, each of phase 0 or 1 */
    FE_GEOM_POLYGON, /* one regular polygon of phase 1 at the centre */
    FE_GEOM_POLYGONS /* random non-overlapping polygons of phase 1, periodic in the box */
};

/*
 * A two-phase geometry in the box [0, lx] x [0, ly] (mesh units). Phase 0 is the matrix,
 * phase 1 the stripes or disks. Stripes: with s = x cos(angle) + y sin(angle) (the stripe
 * normal at `angle` from x), phase 1 where (s - s0) mod period < fraction*period, s0 =
 * (1 - fraction) period / 2 so that at angle 0 the interfaces lie inside the box. Disks:
 * centres and radii in disks (3*ndisks: cx, cy, r); with FE_GEOM_DISKS the pattern repeats
 * with the box (a disk crossing a side reappears on the other side). Polygons: poly, poly_off
 * (one regular polygon each, phase 1), disks their centres and circumradii; FE_GEOM_POLYGONS
 * repeats with the box. Grains: cells in poly, poly_off, seeds and areas in grains.
 */
struct fe_geom {
    enum fe_geom_kind kind;
    double lx, ly;
    double period, fraction, angle; /* stripes; angle in radians */
    size_t ndisks;
    double *disks; /* owned */
    size_t ngrains;
    double *grains; /* FE_GEOM_GRAINS: 3*ngrains: seed x, y and the cell's area (owned) */
    int *gphase;    /* ngrains: the phase of each grain, 0 or 1 (owned) */
    /* grains: the cell of grain k around its seed (it may reach past the box); polygons:
     * polygon k (disks[3k..] then holds its centre and circumradius, ndisks = npolys). Points
     * counter-clockwise, poly[2*poly_off[k] .. 2*poly_off[k+1]) (both owned) */
    size_t npolys;
    size_t *poly_off; /* npolys + 1 */
    double *poly;
};

/* Zeroes g. */
void fe_geom_init(struct fe_geom *g);

/* Frees g's disks and zeroes it. */
void fe_geom_release(struct fe_geom *g);

/*
 * Random sequential placement of equal disks at area fraction `fraction` in the periodic
 * box: n = round(fraction lx ly / (pi radius^2)) disks (at least 1), the radius then adjusted
 * so that n pi r^2 = fraction lx ly exactly. Disks keep a periodic gap `gap` between each
 * other, and a disk crossing a side keeps `gap` between its edge and every side and corner
 * (no slivers). Centres drawn from core_rng keyed by (seed, purpose, attempt): the same seed
 * gives the same disks. Sets g->kind = FE_GEOM_DISKS and the disks.
 * CORE_EINPUT for bad sizes or when maxtries attempts in a row place no disk (too dense).
 */
int fe_geom_place_disks(struct fe_geom *g, double fraction, double radius, double gap,
                        uint64_t seed, size_t maxtries, struct core_err *err);

/*
 * A random patchwork of ngrains periodic Voronoi grains (ngrains >= 2): seeds uniform in the
 * box from core_rng keyed by (seed, purpose, grain), each cell the set of points nearer to its
 * seed than to any other seed or periodic image. Phases are drawn for an area fraction near
 * `fraction`: in a random order (same key), a grain becomes phase 1 when that brings the phase-1
 * area nearer the target, so the result is within half the largest cell of it; at least one
 * grain of each phase. fe_geom_fraction gives what was achieved. Sets g->kind =
 * FE_GEOM_GRAINS, grains and gphase. CORE_EINPUT for bad sizes, a fraction outside (0, 1) or
 * ngrains outside [2, 5000]; CORE_ENOMEM.
 */
int fe_geom_place_grains(struct fe_geom *g, size_t ngrains, double fraction, uint64_t seed,
                         struct core_err *err);

/*
 * Tidies grains for meshing with elements of size h on the interfaces (short Voronoi edges
 * and sides that cut the pattern near a vertex or at a grazing angle make poor triangles).
 * (1) Every Voronoi edge shorter than lmerge that is a curve of the .geo (an interface, or an
 * edge between two phase-1 grains) is collapsed to its midpoint, the shortest first, at most
 * one per vertex per pass (up to 4 passes), never leaving a cell with fewer than 3 corners.
 * A "neck" (phases 1, 0, 1, 0 around the edge: two grains of one phase would touch at a point
 * if it were collapsed) is stretched to length lmerge about its midpoint instead. A vertex
 * moves in every cell that has it (and in the periodic images), so the cells still tile the
 * periodic box and keep their phases; vertices move by at most lmerge / 2. (2) The pattern is
 * translated (with its periodic images: the same tessellation) by the candidate shift, on a
 * grid of h/8 along each side, that keeps the box sides farthest from the vertices of these
 * curves, their crossings farthest apart and from the corners, and at angles of 35 degrees or
 * more (an angle a counts as the length h sin(a) / sin(35 deg)). Areas, fe_geom_phase and
 * fe_geom_fraction follow the new cells. *nmerged (unless NULL) receives the number of edges
 * collapsed or stretched. Call once, after fe_geom_place_grains.
 * CORE_EINPUT (not grains, lmerge < 0 or h <= 0), CORE_ENOMEM.
 */
int fe_geom_grains_tidy(struct fe_geom *g, double lmerge, double h, size_t *nmerged,
                        struct core_err *err);

/*
 * Random sequential placement of regular polygons of phase 1 at area fraction `fraction` in
 * the periodic box, as fe_geom_place_disks places disks. Polygon k has nsides drawn uniformly
 * in [nmin, nmax] (3 <= nmin <= nmax <= 64) and a uniform random orientation, keyed by (seed,
 * purpose, k); all share one circumradius. n = round(fraction lx ly / a) polygons (at least 1),
 * a the mean area of the side counts at circumradius `radius`; the circumradius is then set so
 * that the polygons' areas, which are exact, sum to fraction lx ly. Centres are drawn keyed by
 * (seed, purpose, attempt); a polygon is kept when it keeps the distance `gap` from every other
 * polygon and periodic image (the exact distance between convex polygons), and each of its
 * vertices keeps `gap` from the box sides and its boundary keeps `gap` from the corners (no
 * slivers where it crosses a side). Sets g->kind = FE_GEOM_POLYGONS, the polygons (poly,
 * poly_off, npolys) and disks (centre, circumradius). CORE_EINPUT for bad sizes or side counts,
 * or when maxtries attempts in a row place nothing (too dense); CORE_ENOMEM.
 */
int fe_geom_place_polygons(struct fe_geom *g, double fraction, double radius, unsigned nmin,
                           unsigned nmax, double gap, uint64_t seed, size_t maxtries,
                           struct core_err *err);

/*
 * One regular polygon of nsides (3..64) sides at the centre of the box, of area fraction
 * lx ly, a vertex at `angle` (radians, counter-clockwise from x) from the centre. Sets g->kind
 * = FE_GEOM_POLYGON. CORE_EINPUT when it does not keep `gap` from the sides, CORE_ENOMEM.
 */
int fe_geom_place_polygon(struct fe_geom *g, double fraction, unsigned nsides, double angle,
                          double gap, struct core_err *err);

/* Phase (0 or 1) at the point (x, y) of the box. */
int fe_geom_phase(const struct fe_geom *g, double x, double y);

/* Exact area fraction of phase 1 (stripes: of the infinite pattern, sampled otherwise). */
double fe_geom_fraction(const struct fe_geom *g);

/* Whether the pattern repeats with the box along x and y (stripes: the band count fits). */
int fe_geom_is_periodic(const struct fe_geom *g, double tol);

struct fe_geo_opts {
    double size;       /* largest element size, mesh units */
    double size_iface; /* element size on the interfaces */
    double grade;      /* distance over which the size grows from size_iface to size */
    int periodic;      /* impose periodic meshing of opposite sides */
};

/*
 * A Gmsh .geo script (OpenCASCADE kernel) that builds g as conforming surfaces, imposes
 * periodic side meshes when o->periodic, and grades the element size from size_iface on the
 * interfaces to size at distance grade. *text is allocated (caller frees with free()).
 * CORE_EINPUT for bad sizes, CORE_ENOMEM.
 */
int fe_geom_geo(const struct fe_geom *g, const struct fe_geo_opts *o, char **text,
                struct core_err *err);

/* ---- problems (problem.c): the parameters of the phases and groups, in one owner ---- */

/*
 * What the analyses above take for one mesh, per phase and per group, filled by the caller
 * (fe-solve matches a material file to the mesh's groups) between fe_problem_alloc and the
 * solve. Owns all its arrays (fe_problem_release frees them); the laws point into lawdata.
 * Units as the analyses take them: values times the thickness of their phase or group.
 */
struct fe_problem {
    size_t nphases, ngroups;
    double *kappa, *kreal; /* 3*nphases: k t (W/K), k (W/(m K)) */
    double *gcond;         /* ngroups: G t (W/(m K)) */
    double *tgroup;        /* ngroups: thickness (m) */
    unsigned char *cut;    /* ngroups: 1 to split the group (fe_mesh_split) */
    double tref;           /* reference thickness (m) */
    int have_thickness;    /* a thickness was given (else tref is 1 m per unit thickness) */
    double *cmat;          /* 9*nphases: C t (N/m) */
    int *per2d;            /* nphases: 1 when the modulus was given in N/m */
    struct fe_law *law;    /* nphases (npts 0: linear) */
    double *lawdata;       /* the laws' points */
    size_t nlawdata, caplawdata;
    int have_curve;          /* some phase has a law */
    double oscale;           /* N/m -> the output unit of stresses (fe_problem_out_unit) */
    const char *ounit;       /* "GPa" or "N/m" (a static string) */
    struct fe_cohesive *coh; /* ngroups: cohesive laws, values times the group's thickness */
    int have_coh;            /* some group is cohesive (linear or bilinear) */
};

/* Zeroes pb (no arrays). */
void fe_problem_init(struct fe_problem *pb);

/* Frees every array of pb and zeroes it. */
void fe_problem_release(struct fe_problem *pb);

/* Allocates the arrays of pb (released first), zeroed. CORE_OK or CORE_ENOMEM. */
int fe_problem_alloc(struct fe_problem *pb, size_t nphases, size_t ngroups, struct core_err *err);

/*
 * Phase q's law from n points (eps[0] = sig[0] = 0; n >= 2, checked by the caller), stresses
 * times scale (to N/m), copied into lawdata, with Poisson ratio nu; its initial stiffness,
 * the secant to the first point, goes into cmat. Sets have_curve. CORE_OK or CORE_ENOMEM.
 */
int fe_problem_law_add(struct fe_problem *pb, size_t q, size_t n, const double *eps,
                       const double *sig, double scale, double nu, struct core_err *err);

/*
 * Chooses the output unit of stresses, oscale and ounit: GPa of the material when a
 * thickness was given (C t / tref), GPa per metre of thickness when every modulus is in Pa
 * (C t / 1 m), N/m when every one is in N/m. CORE_EINPUT when the moduli mix the two without
 * a thickness (no common unit).
 */
int fe_problem_out_unit(struct fe_problem *pb, struct core_err *err);

/* ---- post-processing (post.c): the quantities a result table records ---- */

/*
 * s = c^-1, the compliance of a 3x3 (Voigt, plane-stress) stiffness c, in the inverse unit.
 * CORE_EPHYS ("the effective stiffness is singular") when det c is 0 or not finite.
 */
int fe_elast_compliance(const double c[9], double s[9], struct core_err *err);

/* Sum over the interface elements of length (m) times tgroup[group] (ngroups, m): m^2. */
double fe_mesh_iface_area(const struct fe_mesh *m, const double *tgroup);

/* The mid-point of interface element f's side 1 and the centroid of triangle e, in units of
 * unit m (the mesh unit, so that messages and tables give coordinates as the mesh does). */
void fe_mesh_iface_mid(const struct fe_mesh *m, size_t f, double unit, double c[2]);
void fe_mesh_tri_centroid(const struct fe_mesh *m, size_t e, double unit, double c[2]);

/*
 * The balance of a solved heat problem per group of line elements, added into sum (3*ngroups,
 * caller-zeroed): the heat Q into the domain (W per unit thickness: the reaction of its
 * fixed nodes, K t less the flux load qedge, W/m per unit thickness, per line element; or,
 * for a group with tgiven[group] 0, the imposed flux qedge times the length), the integral of
 * T ds (K m) and the length (m). fixed (nnodes) marks the fixed nodes and owner (nnodes) the
 * group each belongs to. All borrowed. CORE_OK or CORE_ENOMEM (a work array of nnodes).
 */
int fe_heat_group_sums(const struct fe_mesh *m, const double *kappa, const double *gcond,
                       const double *t, const double *qedge, const unsigned char *fixed,
                       const int *owner, const unsigned char *tgiven, double *sum,
                       struct core_err *err);

/*
 * The damage of each node (nnodes, raised into nd, caller-zeroed) from the damage at the
 * interface elements' Gauss points (2*nifaces, as fe_elast_tension_coh returns it): a node
 * takes its nearer point's, the largest over its interface elements, so that a field can be
 * drawn on the mesh.
 */
void fe_cohesive_node_damage(const struct fe_mesh *m, const double *dmg, double *nd);

#endif
