/* listappend_models.c -- which anomalies rule out which consistency model.
 *
 * Two small graphs, as Elle states them (elle.consistency-model, after
 * Adya, Cerone et al., Bailis et al., Daudjee and Salem): anomaly A implies
 * anomaly B (a G0 is a G1c, a G-single-item is a G-nonadjacent-item, a
 * process or real-time variant follows from the plain one, ...), and model
 * M implies model N (serializable implies snapshot isolation and repeatable
 * read, ...). Each model directly forbids a few anomalies; it then forbids
 * every anomaly that implies one of those, and everything its weaker models
 * forbid. A history with anomalies F rules out every model forbidding one of
 * F; Elle's ":not" is the weakest of those. The tables are facts from the
 * literature; the code only closes them. */
#include <stdio.h>
#include <string.h>

#include "listappend_internal.h"

static const char *const anomaly_names[LA_A_N] = {
    [LA_G0] = "G0",
    [LA_G0_P] = "G0-process",
    [LA_G0_RT] = "G0-realtime",
    [LA_G1A] = "G1a",
    [LA_G1B] = "G1b",
    [LA_G1C] = "G1c",
    [LA_G1C_P] = "G1c-process",
    [LA_G1C_RT] = "G1c-realtime",
    [LA_GSINGLE] = "G-single-item",
    [LA_GSINGLE_P] = "G-single-item-process",
    [LA_GSINGLE_RT] = "G-single-item-realtime",
    [LA_GNONADJ] = "G-nonadjacent-item",
    [LA_GNONADJ_P] = "G-nonadjacent-item-process",
    [LA_GNONADJ_RT] = "G-nonadjacent-item-realtime",
    [LA_G2] = "G2-item",
    [LA_G2_P] = "G2-item-process",
    [LA_G2_RT] = "G2-item-realtime",
    [LA_INTERNAL] = "internal",
    [LA_FUTURE] = "future-read",
    [LA_INCOMPAT] = "incompatible-order",
    [LA_DUP] = "duplicate-elements",
    [LA_DIRTY] = "dirty-update",
    [LA_LOST_UPDATE] = "lost-update",
    [LA_GARBAGE] = "garbage",
    [LA_ABS_G1] = "G1",
    [LA_ABS_G1_P] = "G1-process",
    [LA_ABS_G1_RT] = "G1-realtime",
    [LA_ABS_GS] = "G-single",
    [LA_ABS_GS_P] = "G-single-process",
    [LA_ABS_GS_RT] = "G-single-realtime",
    [LA_ABS_GN] = "G-nonadjacent",
    [LA_ABS_GN_P] = "G-nonadjacent-process",
    [LA_ABS_GN_RT] = "G-nonadjacent-realtime",
    [LA_ABS_G2] = "G2",
    [LA_ABS_G2_P] = "G2-process",
    [LA_ABS_G2_RT] = "G2-realtime",
    [LA_ABS_GSIB] = "GSIb",
    [LA_ABS_GSI] = "GSI",
    [LA_ABS_WRITE_SKEW] = "write-skew",
};

// clang-format off
/* "a implies b", one pair a line. A process anomaly is a real-time one too
 * (a process runs one transaction at a time). */
static const unsigned char implications[][2] = {
    {LA_G0, LA_G1C}, {LA_G0, LA_G0_P}, {LA_G0_P, LA_G1C_P}, {LA_G0_P, LA_G0_RT},
    {LA_G0_RT, LA_G1C_RT},
    {LA_G1A, LA_ABS_G1}, {LA_G1B, LA_ABS_G1}, {LA_G1C, LA_ABS_G1}, {LA_G1C, LA_G1C_P},
    {LA_G1C_P, LA_G1C_RT}, {LA_G1C_P, LA_ABS_G1_P}, {LA_G1C_RT, LA_ABS_G1_RT},
    {LA_ABS_G1, LA_ABS_G1_P}, {LA_ABS_G1_P, LA_ABS_G1_RT},
    {LA_GSINGLE, LA_ABS_GS}, {LA_GSINGLE, LA_GSINGLE_P}, {LA_GSINGLE, LA_GNONADJ},
    {LA_GSINGLE_P, LA_ABS_GS_P}, {LA_GSINGLE_P, LA_GSINGLE_RT}, {LA_GSINGLE_P, LA_GNONADJ_P},
    {LA_GSINGLE_RT, LA_ABS_GS_RT}, {LA_GSINGLE_RT, LA_GNONADJ_RT},
    {LA_ABS_GS, LA_ABS_GN}, {LA_ABS_GS, LA_ABS_GSIB}, {LA_ABS_GS, LA_ABS_GS_P},
    {LA_ABS_GS_P, LA_ABS_GN_P}, {LA_ABS_GS_P, LA_ABS_GS_RT}, {LA_ABS_GS_RT, LA_ABS_GN_RT},
    {LA_GNONADJ, LA_ABS_GN}, {LA_GNONADJ, LA_G2}, {LA_GNONADJ, LA_GNONADJ_P},
    {LA_GNONADJ_P, LA_ABS_GN_P}, {LA_GNONADJ_P, LA_G2_P}, {LA_GNONADJ_P, LA_GNONADJ_RT},
    {LA_GNONADJ_RT, LA_G2_RT}, {LA_GNONADJ_RT, LA_ABS_GN_RT},
    {LA_ABS_GN, LA_ABS_G2}, {LA_ABS_GN, LA_ABS_GN_P}, {LA_ABS_GN_P, LA_ABS_G2_P},
    {LA_ABS_GN_P, LA_ABS_GN_RT}, {LA_ABS_GN_RT, LA_ABS_G2_RT},
    {LA_ABS_G2, LA_ABS_G2_P}, {LA_G2, LA_ABS_G2}, {LA_G2, LA_G2_P}, {LA_G2_P, LA_ABS_G2_P},
    {LA_G2_P, LA_G2_RT}, {LA_G2_RT, LA_ABS_G2_RT}, {LA_ABS_G2_P, LA_ABS_G2_RT},
    {LA_ABS_GSIB, LA_ABS_GSI},
    /* Two reads no single order explains: a dirty read (Elle). */
    {LA_INCOMPAT, LA_G1A},
    /* Reading one's own later append is a trivial wr cycle. */
    {LA_FUTURE, LA_G1C},
    {LA_DIRTY, LA_G1A},
    {LA_LOST_UPDATE, LA_ABS_WRITE_SKEW}, {LA_LOST_UPDATE, LA_G2},
    {LA_ABS_WRITE_SKEW, LA_ABS_G2},
};
// clang-format on

typedef struct model_def {
    const char *name;
    unsigned char implies[5]; /* direct, LA_M_N-terminated */
    unsigned char forbids[4]; /* direct, LA_A_N-terminated */
} model_def;

#define M_END LA_M_N
#define A_END LA_A_N
static const model_def models[LA_M_N] = {
    [LA_M_READ_UNCOMMITTED] = {"read-uncommitted", {M_END}, {LA_G0, LA_DUP, LA_GARBAGE, A_END}},
    [LA_M_READ_COMMITTED] = {"read-committed", {LA_M_READ_UNCOMMITTED, M_END}, {LA_ABS_G1, A_END}},
    [LA_M_CURSOR_STABILITY] = {"cursor-stability",
                               {LA_M_READ_COMMITTED, M_END},
                               {LA_ABS_G1, LA_LOST_UPDATE, A_END}},
    [LA_M_MONOTONIC_VIEW] = {"monotonic-view", {LA_M_READ_COMMITTED, M_END}, {LA_ABS_G1, A_END}},
    [LA_M_MONOTONIC_SNAPSHOT_READ] = {"monotonic-snapshot-read",
                                      {LA_M_READ_COMMITTED, M_END},
                                      {LA_ABS_G1, A_END}},
    [LA_M_CONSISTENT_VIEW] = {"consistent-view",
                              {LA_M_CURSOR_STABILITY, LA_M_MONOTONIC_VIEW, M_END},
                              {LA_ABS_G1, LA_ABS_GS, A_END}},
    [LA_M_FORWARD_CONSISTENT_VIEW] = {"forward-consistent-view",
                                      {LA_M_CONSISTENT_VIEW, M_END},
                                      {LA_ABS_G1, A_END}},
    [LA_M_MONOTONIC_ATOMIC_VIEW] = {"monotonic-atomic-view", {LA_M_READ_COMMITTED, M_END}, {A_END}},
    [LA_M_READ_ATOMIC] = {"read-atomic",
                          {LA_M_MONOTONIC_ATOMIC_VIEW, M_END},
                          {LA_INTERNAL, LA_G1A, LA_FUTURE, A_END}},
    [LA_M_CAUSAL_CERONE] = {"causal-cerone",
                            {LA_M_READ_ATOMIC, M_END},
                            {LA_INTERNAL, LA_G1A, A_END}},
    [LA_M_UPDATE_ATOMIC] = {"update-atomic", {LA_M_READ_ATOMIC, M_END}, {LA_LOST_UPDATE, A_END}},
    [LA_M_PARALLEL_SI] = {"parallel-snapshot-isolation",
                          {LA_M_CAUSAL_CERONE, LA_M_UPDATE_ATOMIC, M_END},
                          {LA_INTERNAL, LA_G1A, A_END}},
    [LA_M_PREFIX] = {"prefix", {LA_M_CAUSAL_CERONE, M_END}, {LA_INTERNAL, LA_G1A, A_END}},
    [LA_M_REPEATABLE_READ] = {"repeatable-read",
                              {LA_M_CURSOR_STABILITY, LA_M_MONOTONIC_ATOMIC_VIEW, M_END},
                              {LA_ABS_G1, LA_G2, LA_LOST_UPDATE, A_END}},
    [LA_M_SNAPSHOT_ISOLATION] = {"snapshot-isolation",
                                 {LA_M_FORWARD_CONSISTENT_VIEW, LA_M_MONOTONIC_ATOMIC_VIEW,
                                  LA_M_MONOTONIC_SNAPSHOT_READ, LA_M_PARALLEL_SI, LA_M_PREFIX},
                                 {LA_INTERNAL, LA_ABS_G1, LA_ABS_GN, A_END}},
    [LA_M_UPDATE_SERIALIZABLE] = {"update-serializable",
                                  {LA_M_FORWARD_CONSISTENT_VIEW, M_END},
                                  {LA_ABS_G1, A_END}},
    [LA_M_SERIALIZABLE] = {"serializable",
                           {LA_M_REPEATABLE_READ, LA_M_UPDATE_SERIALIZABLE, LA_M_SNAPSHOT_ISOLATION,
                            M_END},
                           {LA_ABS_G1, LA_ABS_G2, LA_INTERNAL, A_END}},
    [LA_M_STRONG_SESSION_READ_UNCOMMITTED] = {"strong-session-read-uncommitted",
                                              {LA_M_READ_UNCOMMITTED, M_END},
                                              {LA_G0_P, A_END}},
    [LA_M_STRONG_SESSION_READ_COMMITTED] = {"strong-session-read-committed",
                                            {LA_M_READ_COMMITTED,
                                             LA_M_STRONG_SESSION_READ_UNCOMMITTED, M_END},
                                            {LA_G1C_P, A_END}},
    [LA_M_STRONG_READ_UNCOMMITTED] = {"strong-read-uncommitted",
                                      {LA_M_STRONG_SESSION_READ_UNCOMMITTED, M_END},
                                      {LA_G0_RT, A_END}},
    [LA_M_STRONG_READ_COMMITTED] = {"strong-read-committed",
                                    {LA_M_STRONG_SESSION_READ_COMMITTED,
                                     LA_M_STRONG_READ_UNCOMMITTED, M_END},
                                    {LA_G1C_RT, A_END}},
    [LA_M_STRONG_SESSION_SI] = {"strong-session-snapshot-isolation",
                                {LA_M_SNAPSHOT_ISOLATION, LA_M_STRONG_SESSION_READ_COMMITTED,
                                 M_END},
                                {LA_INTERNAL, LA_ABS_G1_P, LA_ABS_GN_P, A_END}},
    [LA_M_STRONG_SI] = {"strong-snapshot-isolation",
                        {LA_M_STRONG_SESSION_SI, LA_M_STRONG_READ_COMMITTED, M_END},
                        {LA_INTERNAL, LA_ABS_G1_RT, LA_ABS_GN_RT, A_END}},
    [LA_M_STRONG_SESSION_SERIALIZABLE] = {"strong-session-serializable",
                                          {LA_M_SERIALIZABLE, LA_M_STRONG_SESSION_SI, M_END},
                                          {LA_ABS_G1_P, LA_ABS_G2_P, A_END}},
    [LA_M_STRICT_SERIALIZABLE] = {"strict-serializable",
                                  {LA_M_SERIALIZABLE, LA_M_STRONG_SI,
                                   LA_M_STRONG_SESSION_SERIALIZABLE, M_END},
                                  {LA_ABS_G1, LA_G1C_RT, LA_ABS_G2_RT, A_END}},
};

/* Other names Elle accepts for the same models. */
static const struct {
    const char *alias;
    int model;
} aliases[] = {
    {"strong-serializable", LA_M_STRICT_SERIALIZABLE},
    {"conflict-serializable", LA_M_SERIALIZABLE},
    {"PL-1", LA_M_READ_UNCOMMITTED},
    {"PL-2", LA_M_READ_COMMITTED},
    {"PL-2.99", LA_M_REPEATABLE_READ},
    {"PL-3", LA_M_SERIALIZABLE},
    {"PL-SI", LA_M_SNAPSHOT_ISOLATION},
    {"PL-SS", LA_M_STRICT_SERIALIZABLE},
};

const char *la_anomaly_name(int a)
{
    return a >= 0 && a < LA_A_N ? anomaly_names[a] : "?";
}

const char *la_model_name(int m)
{
    return m >= 0 && m < LA_M_N ? models[m].name : "?";
}

int la_model_find(const char *name)
{
    for (int m = 0; m < LA_M_N; m++)
        if (!strcmp(models[m].name, name))
            return m;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(aliases[i].alias, name))
            return aliases[i].model;
    return -1;
}

/* The models a verdict names; every other model of the table is accepted too. */
void la_model_names(char *out, size_t len)
{
    size_t at = 0;
    uint32_t named = la_judged_models(1, 1);
    out[0] = 0;
    for (int m = 0; m < LA_M_N && at < len; m++)
        if (named & LA_MBIT(m))
            at += (size_t)snprintf(out + at, len - at, "%s%s", at ? ", " : "", models[m].name);
    if (at < len)
        snprintf(out + at, len - at, " (or another of Elle's, e.g. cursor-stability)");
}

/* Closes both graphs: closure[a] holds a and every anomaly it implies,
 * implies[m] m and every weaker model, forbids[m] every anomaly whose
 * closure meets what m or a weaker model forbids directly. */
void la_lattice_init(la_lattice *l)
{
    for (int a = 0; a < LA_A_N; a++)
        l->closure[a] = LA_BIT(a);
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < sizeof(implications) / sizeof(implications[0]); i++) {
            uint64_t *c = &l->closure[implications[i][0]];
            uint64_t next = *c | l->closure[implications[i][1]];
            changed |= next != *c;
            *c = next;
        }
    }
    for (int m = 0; m < LA_M_N; m++)
        l->implies[m] = LA_MBIT(m);
    for (int changed = 1; changed;) {
        changed = 0;
        for (int m = 0; m < LA_M_N; m++)
            for (int i = 0; i < 5 && models[m].implies[i] != M_END; i++) {
                uint32_t next = l->implies[m] | l->implies[models[m].implies[i]];
                changed |= next != l->implies[m];
                l->implies[m] = next;
            }
    }
    for (int m = 0; m < LA_M_N; m++) {
        uint64_t direct = 0;
        for (int n = 0; n < LA_M_N; n++)
            if (l->implies[m] & LA_MBIT(n))
                for (int i = 0; i < 4 && models[n].forbids[i] != A_END; i++)
                    direct |= LA_BIT(models[n].forbids[i]);
        l->forbids[m] = 0;
        for (int a = 0; a < LA_A_N; a++)
            if (l->closure[a] & direct)
                l->forbids[m] |= LA_BIT(a);
    }
}

uint32_t la_impossible(const la_lattice *l, uint64_t found)
{
    uint32_t out = 0;
    for (int m = 0; m < LA_M_N; m++)
        if (l->forbids[m] & found)
            out |= LA_MBIT(m);
    return out;
}

/* Models of the set implying no other model of it. */
uint32_t la_weakest(const la_lattice *l, uint32_t set)
{
    uint32_t out = 0;
    for (int m = 0; m < LA_M_N; m++)
        if ((set & LA_MBIT(m)) && !(l->implies[m] & set & ~LA_MBIT(m)))
            out |= LA_MBIT(m);
    return out;
}

/* Models of the set that no other model of it implies. */
uint32_t la_strongest(const la_lattice *l, uint32_t set)
{
    uint32_t out = 0;
    for (int m = 0; m < LA_M_N; m++) {
        if (!(set & LA_MBIT(m)))
            continue;
        int implied = 0;
        for (int n = 0; n < LA_M_N && !implied; n++)
            implied = n != m && (set & LA_MBIT(n)) && (l->implies[n] & LA_MBIT(m));
        if (!implied)
            out |= LA_MBIT(m);
    }
    return out;
}

uint32_t la_judged_models(int have_process, int have_realtime)
{
    uint32_t m = LA_MBIT(LA_M_READ_UNCOMMITTED) | LA_MBIT(LA_M_READ_COMMITTED) |
                 LA_MBIT(LA_M_REPEATABLE_READ) | LA_MBIT(LA_M_SNAPSHOT_ISOLATION) |
                 LA_MBIT(LA_M_SERIALIZABLE);
    if (have_process)
        m |= LA_MBIT(LA_M_STRONG_SESSION_SI) | LA_MBIT(LA_M_STRONG_SESSION_SERIALIZABLE);
    if (have_realtime)
        m |= LA_MBIT(LA_M_STRONG_SI) | LA_MBIT(LA_M_STRICT_SERIALIZABLE);
    return m;
}
