/* jepsen_history.h -- reading Jepsen register histories into sb_history.
 *
 * Every form Jepsen and Knossos write:
 *
 *   EDN op maps (history.edn), one per line (or laid out any other way):
 *     {:process 0, :type :invoke, :f :cas, :value [1 4], :time 123, :index 5}
 *   one EDN vector or list of op maps that is the whole history, over any
 *   number of lines (Knossos's data files):
 *     [{:process 0, :type :invoke, :f :read, :value nil}
 *      {:process 0, :type :ok, :f :read, :value 3}]
 *   (in both, ; comments and #_ discards may stand anywhere, and blank
 *   lines are allowed);
 *   log lines (jepsen.log, Knossos' and Porcupine's test data):
 *     INFO  jepsen.util - 3	:invoke	:cas	[1 4]
 *     2013-05-20 10:20:30,123{GMT}	INFO  [jepsen worker 3] jepsen.util: 3	:ok	:read	5
 *     INFO  jepsen.util - 3 :invoke :cas [1 4]
 *   (after the jepsen.util marker: process, type, f, value and an optional
 *   error, separated by tabs or runs of spaces, even mixed on one line).
 *
 * Mapping to sb_op:
 *   process  integer >= 0; a keyword (:nemesis) gives SB_PROC_NEMESIS, the
 *            op is kept with its f and value (checkers skip it);
 *   type     :invoke :ok :fail :info;
 *   f        keyword name ("read", "write", "cas", others copied, capped
 *            at 47 bytes);
 *   value    as JSON: nil -> null (a top-level nil is no value, as
 *            history_load does with null), integers, floats, strings,
 *            keywords and symbols -> their name as a string, vectors, lists
 *            and sets -> arrays, maps -> objects;
 *            jepsen.independent tuples are recognised per op by shape (a
 *            read or write whose value is a 2-vector, a cas whose value is
 *            [key [old new]]) and become {"k": "<key>", "v": <value>};
 *   time_ns  :time when present, else the number of the line the op starts
 *            on (its map's '{', or its log line);
 *   error    :error as text (a string's contents, else its EDN text);
 *   index    the op's position (Jepsen's :index is not trusted).
 *
 * A file is read in one form. It is a log file when a line that does not
 * start like EDN (with { [ ( # ; : or ") names the jepsen.util logger;
 * there, every line without a jepsen.util op (other log messages, stack
 * traces, blank lines, printed maps) is skipped. Otherwise it is EDN: op
 * maps, or a vector or list of them as its only form, and anything else is
 * an error. Errors are one line "name:LINE:COL: what is wrong" (the column
 * in bytes). A file without any op is an error. */
#ifndef SB_JEPSEN_HISTORY_H
#define SB_JEPSEN_HISTORY_H

#include <stddef.h>

#include "history.h"

sb_history *jepsen_history_load(const char *path, char *err);
/* text[0..len) need not be NUL-terminated; name stands for the path in
 * errors. */
sb_history *jepsen_history_parse(const char *name, const char *text, size_t len, char *err);

#endif
