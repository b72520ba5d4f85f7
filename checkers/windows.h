/* windows.h -- anomalies grouped in time for people: the moments at which
 * lost writes were acknowledged (or stale reads served), by node, become
 * windows [{"start": ns, "end": ns, "node": "n1", "count": 14953}, ...]. A
 * window holds one node's marks; two marks further apart than gap_ns
 * start a new one. The report draws them on the timeline and says them in
 * words ("14,953 writes acknowledged by n1 between 5.05 s and 19.99 s were
 * lost"). */
#ifndef SB_WINDOWS_H
#define SB_WINDOWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sb_tmark {
    int64_t t_ns;
    const char *node; /* "" or NULL: "?" */
} sb_tmark;

/* Sorts m (by node, then time) and returns the windows, at most cap of
 * them (the rest are counted into the last). New reference. */
json_t *checker_time_windows(sb_tmark *m, size_t n, int64_t gap_ns, size_t cap);

/* A growing array of marks; sb_tmarks_add returns -1 when out of memory. */
typedef struct sb_tmarks {
    sb_tmark *m;
    size_t n, cap;
} sb_tmarks;
int sb_tmarks_add(sb_tmarks *v, int64_t t_ns, const char *node);
void sb_tmarks_free(sb_tmarks *v);

/* Marks further apart than this start a new window. */
#define SB_WINDOW_GAP_NS (1000LL * 1000 * 1000)
/* Windows listed per figure at most. */
#define SB_WINDOW_CAP 200

#endif
