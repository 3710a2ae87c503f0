/*
 * gmsh: Gmsh MSH 4.1 ASCII meshes, read and written; MSH 2.2 ASCII, read. The full description is
 * in formats/gmsh.md and man/gmsh-msh.5; in short, the sections handled are
 *
 *   $MeshFormat      `4.1 0 8` (version 4.1, ASCII, 8-byte doubles); anything else is an error
 *   $PhysicalNames   dimension, physical tag and "name" of each physical group
 *   $Entities        points, curves, surfaces, volumes: bounding box, physical tags, bounding
 *                    entities (physical groups are attached to entities in MSH 4)
 *   $Nodes           entity blocks of node tags and x y z (parametric coordinates are dropped)
 *   $Elements        entity blocks of element tag and node tags, one element type per block
 *   $Periodic        periodic entity pairs, their affine transform and node pairs
 *
 * MSH 2.2 ASCII (`2.2 0 8`; also 2.0, 2.1), what many users' scripts and older Gmsh write, is
 * read too (never written): $PhysicalNames, $Nodes (`tag x y z`), $Elements (`tag type ntags
 * physical elementary ... nodes`), $Periodic (with or without its `Affine` line). In MSH 2 a
 * physical group is a tag on each element, and an element in several groups is listed once
 * per group; the reader turns this into the 4.1 picture: each elementary entity (dim, tag) is
 * an entity of m whose physical tags are those of its elements (tag 0: none), copies of an
 * element (same entity, type and nodes) are kept once, and each node is listed under the
 * entity of the first element of highest dimension that has it (dim 0, tag 0 for a node in no
 * element). Physical groups therefore mean the same in both versions (gmsh_to_fe gives the
 * same mesh). $Entities in a 2.2 file is skipped.
 *
 * Other sections ($Comments, $NodeData, $ElementData, ...) are skipped. Every element type of
 * the Gmsh manual from 1 to 31 is read (the node count comes from the type); lib/fe uses
 * 2-node lines (type 1), 3-node triangles (type 2) and points (type 15).
 *
 * In memory, node and element tags are kept as written (they may be sparse); connectivity is
 * stored as 0-based indices into the node arrays, so the mesh can be used without the tags.
 *
 * Ownership: struct gmsh_mesh owns every array in it; gmsh_mesh_release frees them. The reader
 * releases the mesh first, so one mesh can be read into again. Streams are borrowed.
 * Thread safety: none needed (no global state).
 * Errors: CORE_EINPUT with `name:line: what` (wrong version, binary file, bad or missing
 * numbers, NaN/Inf, unknown or duplicate node tags, unknown element types, counts that do not
 * match, truncated sections), CORE_EIO, CORE_ENOMEM. Nothing is printed.
 */
#ifndef FPMS_GMSH_H
#define FPMS_GMSH_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"

/* Longest physical name kept (Gmsh itself allows 255 characters; so do we). */
#define GMSH_NAMELEN 256

struct gmsh_physical {
    int dim;                 /* 0..3 */
    int tag;                 /* > 0 */
    char name[GMSH_NAMELEN]; /* "" when the group has no name */
};

struct gmsh_entity {
    int dim;       /* 0 point, 1 curve, 2 surface, 3 volume */
    int tag;       /* > 0, unique per dimension */
    double box[6]; /* min x y z, max x y z; a point stores its position twice */
    size_t nphys;
    int *phys; /* physical tags of this entity, nphys (owned) */
    size_t nbound;
    int *bound; /* signed tags of the bounding entities of dimension dim-1, nbound (owned) */
};

struct gmsh_periodic {
    int dim;           /* dimension of both entities */
    int tag;           /* the slave entity */
    int master;        /* the master entity */
    size_t naffine;    /* 0 or 16 */
    double affine[16]; /* row-major 4x4 transform from master to slave */
    size_t npairs;
    size_t *pairs; /* 2*npairs node tags: slave, master (owned) */
};

struct gmsh_mesh {
    size_t nphysicals;
    struct gmsh_physical *physicals;
    size_t nentities;
    struct gmsh_entity *entities;

    size_t nnodes;
    size_t *node_tags; /* nnodes, as written (>= 1, unique) */
    double *xyz;       /* 3*nnodes */
    int *node_dim;     /* nnodes: dimension of the entity the node was listed under */
    int *node_entity;  /* nnodes: tag of that entity */

    size_t nelems;
    size_t *elem_tags;  /* nelems, as written (>= 1, unique) */
    int *elem_type;     /* nelems, Gmsh element type */
    int *elem_entity;   /* nelems: tag of the entity (of dimension gmsh_elem_dim(type)) */
    size_t *elem_off;   /* nelems + 1: nodes of element e are elem_nodes[elem_off[e] ..] */
    size_t *elem_nodes; /* 0-based node indices */

    size_t nperiodic;
    struct gmsh_periodic *periodic;
};

/* Zeroes m (no arrays). */
void gmsh_mesh_init(struct gmsh_mesh *m);

/* Frees every array of m and zeroes it. */
void gmsh_mesh_release(struct gmsh_mesh *m);

/* Number of nodes of Gmsh element type `type`, or 0 for a type this module does not know. */
int gmsh_elem_nnodes(int type);

/* Dimension of element type `type` (0..3), or -1 for an unknown type. */
int gmsh_elem_dim(int type);

/* The entity (dim, tag) of m, or NULL. Borrowed from m. Linear search. */
const struct gmsh_entity *gmsh_entity_find(const struct gmsh_mesh *m, int dim, int tag);

/* The physical group (dim, tag) of m, or NULL. Borrowed from m. */
const struct gmsh_physical *gmsh_physical_find(const struct gmsh_mesh *m, int dim, int tag);

/* The tag of the physical group of dimension dim named `name`, or -1 if there is none. */
int gmsh_physical_tag(const struct gmsh_mesh *m, int dim, const char *name);

/*
 * Reads one MSH 4.1 or 2.2 ASCII mesh from `in` into m (released first). Reads to the end of input.
 * Element node tags must name nodes of $Nodes; node and element tags must be unique; an
 * element block's entity need not be listed in $Entities (it then has no physical group).
 * Returns CORE_OK, CORE_EINPUT, CORE_EIO or CORE_ENOMEM; on error m is released.
 */
int gmsh_read(struct stream_in *in, struct gmsh_mesh *m, struct core_err *err);

/*
 * Writes m as MSH 4.1 ASCII: $MeshFormat, $PhysicalNames (when m has physical groups),
 * $Entities, $Nodes (one block per entity in the order nodes first appear, tags kept),
 * $Elements (one block per run of equal entity and type, in element order, tags kept) and
 * $Periodic (when present). Coordinates with 17 significant digits. An entity that a node or
 * element refers to but that m->entities lacks is written with its bounding box and no
 * physical group, so the output is always a complete file.
 * Returns CORE_OK, CORE_EINPUT (non-finite coordinate, bad index, unknown element type,
 * a name with a double quote or newline) or CORE_EIO.
 */
int gmsh_write(FILE *fp, const struct gmsh_mesh *m, struct core_err *err);

struct fe_mesh;

/*
 * Converts g to a lib/fe mesh m (released first), coordinates times scale (m per mesh unit):
 *   - every node (z must be 0 within 1e-9 of the mesh extent);
 *   - every 3-node triangle (type 2), in the phase of the 2D physical group of its surface;
 *     phases are numbered in increasing physical tag: (*phase_tags)[p] is the tag of phase p;
 *   - every 2-node line (type 1), once per 1D physical group of its curve (a line in no
 *     group is dropped); groups likewise, tags in (*group_tags)[g];
 *   - points (type 15) are ignored.
 * name is used in messages (the file name). *phase_tags and *group_tags are allocated
 * (caller frees with free()). CORE_EINPUT for other element types (quadrangles, second
 * order, 3D), a surface in no or in several 2D physical groups, a node off the plane, no
 * triangles; CORE_ENOMEM.
 */
int gmsh_to_fe(const struct gmsh_mesh *g, const char *name, double scale, struct fe_mesh *m,
               int **phase_tags, int **group_tags, struct core_err *err);

#endif
