/*
 * tension: the uniaxial tensile test. The deformation itself is a cell move of struct md_baro
 * (baro.c): along the pulled direction the cell's diagonal element follows len0 (1 + rate t),
 * atoms moved affinely, while the barostat relaxes the lateral directions. Here: starting it,
 * the engineering strain, and the record of a stress-strain table with the stress averaged
 * over each row and the stop criterion a set strain past the peak stress. See md.h.
 *
 * Sheets: the stress of the cell (vacuum included) times the cell height h = V/|a x b| is the
 * 2D stress in N/m, independent of the vacuum; divided by a nominal thickness (3.35 Angstrom
 * for graphene, the interlayer distance of graphite) it is the stress in GPa that papers quote.
 */
#include <math.h>
#include <string.h>

#include "md.h"

int
md_baro_tension_set(struct md_baro *b, const struct md_sys *s, int dir, double rate,
                    struct core_err *err)
{
    if (dir < 0 || dir > 2)
        return core_err_set(err, CORE_EINPUT, "tension: direction %d is not x, y or z", dir);
    if (!(isfinite(rate) && rate > 0))
        return core_err_set(err, CORE_EINPUT, "tension: strain rate %g 1/ps must be > 0", rate);
    b->tdir = dir;
    b->rate = rate;
    b->tstep = 0;
    b->dirs[dir] = 0;
    int status = md_baro_check(b, s, err);
    if (status) {
        b->tdir = -1;
        return status;
    }
    b->len0 = s->cell[4 * dir];
    return CORE_OK;
}

double
md_baro_strain(const struct md_baro *b, const struct md_sys *s)
{
    if (b->tdir < 0 || !(b->len0 > 0))
        return 0;
    return s->cell[4 * b->tdir] / b->len0 - 1;
}

int
md_tension_init(struct md_tension *t, double thick, double past, struct core_err *err)
{
    memset(t, 0, sizeof *t);
    if (!(isfinite(thick) && thick > 0))
        return core_err_set(err, CORE_EINPUT, "tension: thickness %g Angstrom must be > 0", thick);
    if (!(isfinite(past) && past >= 0))
        return core_err_set(err, CORE_EINPUT, "tension: strain past the peak %g must be >= 0",
                            past);
    t->thick = thick;
    t->past = past;
    return CORE_OK;
}

void
md_tension_sample(struct md_tension *t, const struct md_sys *s)
{
    double st[9];
    if (!md_sys_stress(s, 1, st))
        return;
    for (int a = 0; a < 9; a++)
        t->acc[a] += st[a];
    t->acct += md_sys_temp(s);
    t->acce += s->epot;
    t->nacc++;
}

void
md_tension_row(struct md_tension *t, const struct md_sys *s, const struct md_baro *b,
               double row[MD_TENSION_NCOLS], int *stop)
{
    static const int voigt[6] = {0, 4, 8, 5, 2, 1};
    if (t->nacc == 0)
        md_tension_sample(t, s);
    double nn = t->nacc ? (double)t->nacc : 1, avg[9];
    for (int a = 0; a < 9; a++)
        avg[a] = t->acc[a] / nn;
    /* height of the cell along its third vector: V / |a x b| */
    const double *c = s->cell;
    double ab[3] = {c[1] * c[5] - c[2] * c[4], c[2] * c[3] - c[0] * c[5],
                    c[0] * c[4] - c[1] * c[3]};
    double area = sqrt(ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2]);
    double v = s->has_cell ? fabs(core_cell_volume(c)) : 0, h = area > 0 ? v / area : 0;
    double strain = md_baro_strain(b, s);
    row[0] = strain;
    for (int k = 0; k < 6; k++) {
        double sig = avg[voigt[k]];
        row[3 + k] = (s->pbc[2] ? sig : sig * h / t->thick) * UNITS_EVA3_GPA;
        row[9 + k] = sig * h * UNITS_EVA2_NM;
    }
    row[1] = b->tdir >= 0 ? row[3 + b->tdir] : 0;
    row[2] = b->tdir >= 0 ? row[9 + b->tdir] : 0;
    row[15] = t->nacc ? t->acct / nn : md_sys_temp(s);
    row[16] = t->nacc ? t->acce / nn : s->epot;
    if (b->tdir >= 0) {
        double sig = avg[4 * b->tdir];
        if (!t->have_peak || sig > t->peak) {
            t->peak = sig;
            t->peak_strain = strain;
            t->have_peak = 1;
        }
    }
    *stop = t->have_peak && strain > t->peak_strain + t->past;
    memset(t->acc, 0, sizeof t->acc);
    t->acct = t->acce = 0;
    t->nacc = 0;
}
