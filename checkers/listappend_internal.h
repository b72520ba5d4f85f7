/* listappend_internal.h -- what the files of the list-append checker share.
 *
 * The checker follows its data: listappend_history.c turns the history into
 * transactions, micro-ops and elements; listappend_reads.c checks each
 * transaction and each read on its own and infers every key's version
 * order; listappend_graph.c links committed transactions by the
 * dependencies those orders imply (plus process and real-time order when the
 * model asks for them); listappend_cycles.c finds and explains the cycles;
 * listappend_models.c says which anomalies each consistency model rules
 * out; listappend.c runs the steps and reports. Nothing here is public: the
 * checker is reached through the table (checker_find("list-append")). */
#ifndef SB_LISTAPPEND_INTERNAL_H
#define SB_LISTAPPEND_INTERNAL_H

#include <stdint.h>

#include "windows.h"
#include "checker.h"
#include "util.h"

#define LA_NONE UINT32_MAX
#define LA_WRITER_MANY (UINT32_MAX - 1)  /* the same element appended twice */
#define LA_EXAMPLES 5                    /* examples kept per anomaly class */
#define LA_LOST_EXAMPLES 10              /* lost appends listed */
#define LA_CONFIG_F "list-append-config" /* controller op carrying the model */

/* ====== Anomalies and consistency models (listappend_models.c) ====== */

/* Every anomaly the checker reports, then the abstract ones (G1, G2, ...)
 * that only serve to relate them to models. Names are Elle's. */
// clang-format off
enum {
    LA_G0, LA_G0_P, LA_G0_RT,
    LA_G1A, LA_G1B,
    LA_G1C, LA_G1C_P, LA_G1C_RT,
    LA_GSINGLE, LA_GSINGLE_P, LA_GSINGLE_RT,     /* G-single-item... */
    LA_GNONADJ, LA_GNONADJ_P, LA_GNONADJ_RT,     /* G-nonadjacent-item... */
    LA_G2, LA_G2_P, LA_G2_RT,                    /* G2-item... */
    LA_INTERNAL, LA_FUTURE, LA_INCOMPAT, LA_DUP, LA_DIRTY, LA_LOST_UPDATE, LA_GARBAGE,
    LA_REPORTED, /* the abstract ones follow */
    LA_ABS_G1 = LA_REPORTED, LA_ABS_G1_P, LA_ABS_G1_RT,
    LA_ABS_GS, LA_ABS_GS_P, LA_ABS_GS_RT,
    LA_ABS_GN, LA_ABS_GN_P, LA_ABS_GN_RT,
    LA_ABS_G2, LA_ABS_G2_P, LA_ABS_G2_RT,
    LA_ABS_GSIB, LA_ABS_GSI, LA_ABS_WRITE_SKEW,
    LA_A_N
};
// clang-format on
#define LA_BIT(a) (1ULL << (a))

/* Consistency models, Elle's friendly names; bit masks of them are uint32_t. */
// clang-format off
enum {
    LA_M_READ_UNCOMMITTED, LA_M_READ_COMMITTED, LA_M_CURSOR_STABILITY, LA_M_MONOTONIC_VIEW,
    LA_M_MONOTONIC_SNAPSHOT_READ, LA_M_CONSISTENT_VIEW, LA_M_FORWARD_CONSISTENT_VIEW,
    LA_M_MONOTONIC_ATOMIC_VIEW, LA_M_READ_ATOMIC, LA_M_CAUSAL_CERONE, LA_M_UPDATE_ATOMIC,
    LA_M_PARALLEL_SI, LA_M_PREFIX, LA_M_REPEATABLE_READ, LA_M_SNAPSHOT_ISOLATION,
    LA_M_UPDATE_SERIALIZABLE, LA_M_SERIALIZABLE, LA_M_STRONG_SESSION_READ_UNCOMMITTED,
    LA_M_STRONG_SESSION_READ_COMMITTED, LA_M_STRONG_READ_UNCOMMITTED,
    LA_M_STRONG_READ_COMMITTED, LA_M_STRONG_SESSION_SI, LA_M_STRONG_SI,
    LA_M_STRONG_SESSION_SERIALIZABLE, LA_M_STRICT_SERIALIZABLE,
    LA_M_N
};
// clang-format on
#define LA_MBIT(m) (1u << (m))

typedef struct la_lattice {
    uint64_t closure[LA_A_N]; /* each anomaly and all it implies */
    uint32_t implies[LA_M_N]; /* each model and all models it implies */
    uint64_t forbids[LA_M_N]; /* anomalies that rule each model out */
} la_lattice;

void la_lattice_init(la_lattice *l);
const char *la_anomaly_name(int a);
const char *la_model_name(int m);
int la_model_find(const char *name);        /* -1 when unknown */
void la_model_names(char *out, size_t len); /* "read-uncommitted, ..." */
/* Models that anomalies found rule out; the weakest of a set (Elle's :not). */
uint32_t la_impossible(const la_lattice *l, uint64_t found);
uint32_t la_weakest(const la_lattice *l, uint32_t models);
uint32_t la_strongest(const la_lattice *l, uint32_t models);
/* The models worth naming in a verdict that can be judged with the edges
 * the graph has ("valid under ..."). */
uint32_t la_judged_models(int have_process, int have_realtime);

/* ====== Transactions, micro-ops, elements (listappend_history.c) ====== */

enum { LA_OK = 1, LA_FAIL, LA_INFO };
enum { LA_APPEND, LA_READ };

typedef struct la_txn {
    int64_t index;                  /* completion's history index (invocation's if none) */
    int64_t invoke_at, complete_at; /* positions in the history; complete -1: none */
    int64_t invoke_ns, complete_ns;
    const json_t *inv, *ops; /* micro-ops: invocation's; shown (completion's when ok) */
    int process, outcome;
    uint32_t mop0, nmops, node; /* node: in the dependency graph, or LA_NONE */
    unsigned char observed;     /* an info txn one of whose appends was read */
    unsigned char final;        /* the controller's final read */
} la_txn;

typedef struct la_mop {
    uint32_t txn, key, el; /* el: an append's element */
    uint32_t last;         /* a read's last element, LA_NONE if empty or not an int */
    int kind;
    const json_t *read; /* a read's list, NULL when unknown */
} la_mop;

/* Element flags: read though nobody appended it (reported once), held by
 * the final read, followed by another append of its writer to the key. */
enum { LA_EL_BAD = 1, LA_EL_IN_FINAL = 2, LA_EL_INTERMEDIATE = 4 };

typedef struct la_elem {
    int64_t value;
    uint32_t key, writer; /* writer: a txn, LA_NONE or LA_WRITER_MANY */
    uint32_t pos;         /* in the key's version order, or LA_NONE */
    uint32_t seen;        /* serial of the last read scanned */
    unsigned flags;
} la_elem;

typedef struct la_key {
    const char *name;        /* borrowed from the history */
    uint32_t order0, norder; /* version order: elements in la.order */
    uint32_t app0, napp;     /* committed appends no read shows, in la.unseen */
} la_key;

/* One dependency: from must precede to. a and b say why (elements; a
 * LA_NONE in an rw edge: the read saw the empty list). */
enum { LA_WW, LA_WR, LA_RW, LA_PROCESS, LA_REALTIME, LA_KINDS };
#define LA_K(k) (1u << (k))

typedef struct la_edge {
    uint32_t from, to, key, a, b;
    unsigned char kind;
} la_edge;

typedef struct la_graph {
    uint32_t n;    /* nodes: committed transactions */
    uint32_t m;    /* edges, one per ordered pair, sorted by from */
    uint32_t *off; /* out-edges of v: [off[v], off[v+1]) */
    la_edge *e;
    uint32_t *txn;  /* node -> txn */
    unsigned kinds; /* LA_K() of the kinds present */
} la_graph;

typedef struct la {
    const sb_history *h;
    const sb_op *final; /* the final read, or NULL */
    int model;
    int process, realtime; /* the graph has process / real-time edges */
    la_lattice lat;
    la_txn *txns;
    size_t ntxns, captxns;
    la_mop *mops;
    size_t nmops, capmops;
    la_elem *elems;
    size_t nelems, capelems;
    uint32_t *eslots; /* hash of elems: index + 1, 0 empty */
    size_t ecap;
    la_key *keys;
    size_t nkeys, capkeys;
    uint32_t *kslots;
    size_t kcap;
    uint32_t *order; /* every key's version order */
    size_t norder, caporder;
    uint32_t *unseen; /* every key's unobserved committed appends (mops) */
    la_edge *edges;   /* while collecting */
    size_t nedges, capedges;
    json_t *empty; /* [] for keys the final read leaves out */
    uint32_t serial;
    int oom;
    long long count[LA_REPORTED];
    json_t *examples[LA_REPORTED];
    long long lost;
    json_t *lost_examples;
    sb_tmarks lost_marks; /* each lost append: when acknowledged, by which node */
    uint64_t found;       /* LA_BIT() of the classes found */
} la;

void *la_realloc(void *p, size_t *cap, size_t need, size_t size);
/* Ensures room for need items in arr; sets a->oom and yields -1 if not. */
#define LA_GROW(a, arr, cap, need)                                                                 \
    __extension__({                                                                                \
        int rc_ = 0;                                                                               \
        if ((need) > (cap)) {                                                                      \
            void *q_ = la_realloc((arr), &(cap), (need), sizeof(*(arr)));                          \
            if (q_)                                                                                \
                (arr) = q_;                                                                        \
            else                                                                                   \
                rc_ = -1, (a)->oom = 1;                                                            \
        }                                                                                          \
        rc_;                                                                                       \
    })

int la_collect(la *a, char *err); /* txns, micro-ops, the final read, the model */
uint32_t la_key_id(la *a, const char *name);
uint32_t la_elem_id(la *a, uint32_t key, int64_t value);
void la_example(la *a, int cls, json_t *ex); /* counts one; keeps the first few */
int la_wants_example(const la *a, int cls);
json_t *la_txn_json(const la *a, uint32_t t);
json_t *la_slice(const json_t *list, size_t from, size_t to);
int64_t la_reader_index(const la *a, uint32_t t);

/* ====== Per transaction and per read (listappend_reads.c) ====== */

void la_check_txns(la *a);    /* internal, future-read, lost-update */
int la_version_orders(la *a); /* orders, incompatible-order, dup, garbage,
                                 G1a, G1b, dirty-update, unobserved appends */

/* ====== The dependency graph (listappend_graph.c) ====== */

int la_graph_build(la *a, la_graph *g, int process, int realtime);
void la_graph_free(la_graph *g);
/* Tarjan's SCCs over the edges of the kinds in mask: comp[v]; returns the
 * number of components, or LA_NONE when out of memory. */
uint32_t la_tarjan(const la_graph *g, unsigned mask, uint32_t *comp);

/* ====== Cycles (listappend_cycles.c) ====== */

int la_find_cycles(la *a, const la_graph *g);
/* Committed appends the final read misses although the model makes it see
 * them (a cycle the model rules out closes through the final read). */
int la_find_lost(la *a, const la_graph *g);

#endif
