/* scenario.h -- reading a scenario file: scenario_load() parses and
 * validates the JSON file into the model (scenario_model.h); every error is
 * one line "file:line:col: what is wrong; what is allowed". The parser
 * validates against the tables of the layers below it (checkers,
 * workloads, fault kinds), so it sits above them. */
#ifndef SB_SCENARIO_H
#define SB_SCENARIO_H

#include "scenario_model.h"

/* Loads and validates; NULL with err = "file:line:col: ...; ..." on error. */
sb_scenario *scenario_load(const char *path, char *err);
/* A run folder's copy of the scenario, read to judge the run again
 * (check, report): the same, except that client programs ("client":
 * {"command"}) are not looked for, since nothing starts them and the copy
 * sits away from the folder its relative command was found from. */
sb_scenario *scenario_load_saved(const char *path, char *err);
/* Same as scenario_load, from text in memory (path is used only for
 * messages). */
sb_scenario *scenario_parse(const char *path, const char *text, char *err);
void scenario_free(sb_scenario *s);

/* Sets the seed and rebuilds the schedule from it (random schedules are
 * drawn again). scenario_load does this with the file's seed. */
void scenario_set_seed(sb_scenario *s, uint64_t seed);

/* One line for people: "#3     5s  pause random (redis) for 1.2s  (line 12)". */
void scenario_fault_describe(const sb_scenario *s, const sb_fault *f, char *buf, size_t len);

#endif
