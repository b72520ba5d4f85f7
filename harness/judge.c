/* judge.c -- the checkers over a run's saved history and the reports of
 * the result; see judge.h. */
#define _GNU_SOURCE
#include "judge.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "html.h"
#include "util.h"

int judge_run(const sb_scenario *s, const sb_run_meta *meta, const char *const *names, size_t n,
              sb_run_result *r, sb_history **h, char *err)
{
    char path[4200];
    *h = NULL;
    if (sb_path_join(path, sizeof(path), meta->run_dir, "history.jsonl", err) == -1)
        return -1;
    if (!(*h = history_load(path, err)))
        return -1;
    const char *own[64];
    if (!names) {
        n = s->n_checkers < 64 ? s->n_checkers : 64;
        for (size_t i = 0; i < n; i++)
            own[i] = s->checkers[i];
        names = own;
    }
    if (results_compute(s, names, n, *h, meta, r, err) == -1) {
        history_free(*h);
        *h = NULL;
        return -1;
    }
    return 0;
}

int judge_run_dir(const char *dir_in, char *dir, size_t dirlen, const char *const *names, size_t n,
                  sb_run_result *r, sb_history **h, char *err)
{
    char path[4400];
    *h = NULL;
    if (resolve_run_dir(dir_in, dir, dirlen, err) == -1)
        return -1;
    if (sb_path_join(path, sizeof(path), dir, "scenario.json", err) == -1)
        return -1;
    sb_scenario *s = scenario_load_saved(path, err);
    if (!s)
        return -1;
    sb_run_meta meta = {.seed = s->seed};
    load_run_meta(dir, &meta); /* the run's id and seed stay in the outputs */
    int rc = judge_run(s, &meta, names, n, r, h, err);
    scenario_free(s);
    return rc;
}

void judge_write_reports(const sb_run_result *r, const sb_history *h)
{
    char path[4200], err[SB_ERR_LEN];
    const char *dir = r->meta.run_dir;
    if (sb_path_join(path, sizeof(path), dir, "results.json", err) == 0)
        report_results_json(r, path, err);
    if (sb_path_join(path, sizeof(path), dir, "summary.txt", err) == 0) {
        FILE *f = fopen(path, "w");
        if (f) {
            report_text(r, f, 0);
            fclose(f);
        }
    }
    if (sb_path_join(path, sizeof(path), dir, "report.html", err) == -1 ||
        report_html(r, h, path, err) == -1)
        fprintf(stderr, "splitbrain: %s\n", err);
}
