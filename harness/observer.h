/* observer.h -- the controller's observer thread: node roles, sentinel
 * views and cluster slot claims polled out of band into the history. */
#ifndef SB_OBSERVER_H
#define SB_OBSERVER_H

#include "deploy.h"
#include "history.h"
#include "lab.h"
#include "scenario_model.h"

typedef struct sb_observer sb_observer;

/* Starts polling d's nodes into rec; NULL when the thread cannot start
 * (the run goes on unobserved, as before). */
sb_observer *observer_start(const sb_scenario *s, sb_lab *lab, sb_deploy *d, sb_recorder *rec);
/* Stops the polls, waits for the thread and records "observer-stopped"
 * {"roles_polls":N,"sentinel_view_polls":M} (its time: when polling
 * ended). NULL is allowed. The controller stops it after the final read. */
void observer_stop(sb_observer *o);

#endif
