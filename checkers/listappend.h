/* listappend.h -- checker "list-append": Elle's inference over transactions
 * on append-only lists (Kingsbury & Alvaro, "Elle: Inferring Isolation
 * Anomalies from Experimental Observations", VLDB 2020).
 *
 * Worker ops f "txn" carry Elle's micro-ops, [["append","k",5],["r","k",null]]
 * on invocation and the reads filled in on an ok completion (a read left
 * null is unknown). The final read (process controller, f "read", ok) is an
 * object {"k": [...], ...} and counts as one more committed read-only
 * transaction after everything; a key it does not name is empty. A
 * controller op f "list-append-config" (ok) with value {"model": NAME}
 * names the consistency model the history is judged by (Elle's names:
 * read-uncommitted, read-committed, repeatable-read, snapshot-isolation,
 * serializable, strong-session-snapshot-isolation,
 * strong-session-serializable, strong-snapshot-isolation,
 * strict-serializable, ...); without one it is serializable. Real-time
 * order counts only for the strict/strong models, process order for the
 * strong-session ones.
 *
 * The checker is reached through the table (checker_find("list-append"));
 * this header only documents what it reports. Numeric figures:
 *   txns, ok, fail, info, keys, dependencies,
 *   lost_count (committed appends the final read misses although the model
 *   makes it see them), duplicate_count, incompatible_order_count,
 *   g1a_count, g1b_count, internal_count, future_read_count, garbage_count,
 *   dirty_update_count, lost_update_count, g0_count, g1c_count,
 *   g_single_count (G-single-item cycles), g2_count (cycles with several
 *   rw edges: G2-item and G-nonadjacent-item), g_nonadjacent_count; the
 *   cycle counts include the -process and -realtime variants.
 * Then "model"; "valid_under", the strongest checked models the history
 * satisfies; "not" and "also_not" as Elle's :not/:also-not; "ruled_out",
 * per model ruled out the findings that do it; "anomaly_types" (what the
 * model forbids) and "allowed_anomaly_types"; "counts" per class; and
 * "anomalies": per class a few examples. A cycle example has "type",
 * "length", "cycle" (per transaction its op, "name" T1.., the "edge" to the
 * next one, its "key" and the sentence "because") and "explanation". */
#ifndef SB_LISTAPPEND_H
#define SB_LISTAPPEND_H

#include "checker.h"

extern const sb_checker sb_checker_listappend;

/* check --model NAME: every history of this process is judged by the
 * model NAME, whatever its list-append-config op says (NULL: back to the
 * history's own). 0, or -1 when NAME is no model this checker knows. */
int listappend_set_model(const char *name);
/* Whether NAME is a model this checker knows: 0, or -1 with err saying
 * which are ("model \"x\" unknown; allowed: ..."). */
int listappend_model_check(const char *name, char *err);

#endif
