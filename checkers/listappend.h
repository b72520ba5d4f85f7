/* listappend.h -- checker "list-append": Elle's list-append analysis of
 * transactions over append-only lists (Kingsbury & Alvaro, "Elle:
 * Inferring Isolation Anomalies from Experimental Observations").
 *
 * Worker ops f "txn" carry Elle's micro-ops, [["append","k",5],["r","k",null]]
 * on invocation and the reads filled in on an ok completion. The final read
 * (process controller, f "read", ok) is an object {"k": [...], ...} and
 * counts as one more committed read-only transaction after everything.
 *
 * The checker is reached through the table (checker_find("list-append"));
 * this header only documents what it reports. Numeric figures:
 *   txns, ok, fail, info, keys,
 *   lost_count, duplicate_count, incompatible_order_count, g1a_count,
 *   internal_count, garbage_count, g0_count, g1c_count, g_single_count,
 *   g2_count
 * and "anomalies": an object from class name ("lost", "duplicate-elements",
 * "incompatible-order", "G1a", "internal", "garbage", "G0", "G1c",
 * "G-single", "G2") to a few examples each. */
#ifndef SB_LISTAPPEND_H
#define SB_LISTAPPEND_H

#include "checker.h"

extern const sb_checker sb_checker_listappend;

#endif
