/*
 * Physical constants and unit conversions: the only place they live.
 *
 * One named set, CODATA 2014, because ASE 3.22 uses it (ase/units.py, CODATA['2014']):
 * matching it keeps ASE round trips exact. Stream units are Angstrom, eV, ps, K, amu;
 * lib/dft works in Hartree atomic units and converts with these.
 */
#ifndef FPMS_UNITS_H
#define FPMS_UNITS_H

#define UNITS_CODATA "CODATA 2014"

/* CODATA 2014 fundamental values (SI) */
#define UNITS_C_SI       299792458.0       /* m/s */
#define UNITS_E_SI       1.6021766208e-19  /* elementary charge, C */
#define UNITS_AMU_SI     1.660539040e-27   /* atomic mass unit, kg */
#define UNITS_NA         6.022140857e23    /* Avogadro, 1/mol */
#define UNITS_KB_SI      1.38064852e-23    /* Boltzmann, J/K */
#define UNITS_BOHR_SI    0.52917721067e-10 /* Bohr radius, m */
#define UNITS_HARTREE_EV 27.21138602       /* Hartree energy, eV */

/* Derived, in stream units */
#define UNITS_BOHR_ANG      0.52917721067                   /* Angstrom per bohr */
#define UNITS_RY_EV         (0.5 * UNITS_HARTREE_EV)        /* eV per Rydberg */
#define UNITS_KB_EV         (UNITS_KB_SI / UNITS_E_SI)      /* Boltzmann, eV/K */
#define UNITS_EVA3_GPA      (UNITS_E_SI * 1e30 / 1e9)       /* GPa per eV/Angstrom^3 */
#define UNITS_EVA2_NM       (UNITS_E_SI * 1e20)             /* N/m per eV/Angstrom^2 */
#define UNITS_KJMOL_EV      (1e3 / (UNITS_E_SI * UNITS_NA)) /* eV per kJ/mol */
#define UNITS_KCALMOL_EV    (4.184 * UNITS_KJMOL_EV)        /* eV per kcal/mol (thermochemical) */
/* ASE's time unit is Angstrom*sqrt(amu/eV) = 1e-10*sqrt(UNITS_AMU_SI/UNITS_E_SI) s, about 10.18 fs.
 * Velocities in Angstrom/ps times UNITS_VEL_PS_TO_ASE give ASE's Angstrom per time unit. */
/* needs <math.h> */
#define UNITS_ASE_TIME_PS   (1e2 * sqrt(UNITS_AMU_SI / UNITS_E_SI)) /* ps per ASE time unit */
#define UNITS_VEL_PS_TO_ASE UNITS_ASE_TIME_PS /* (A/ps) * this = A per ASE time unit */

#endif
