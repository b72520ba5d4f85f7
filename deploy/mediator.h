/* mediator.h -- `splitbrain mediator`: the coalescing proxy in front of
 * the origin service (the cache workload's strategy II); see mediator.c. */
#ifndef SB_MEDIATOR_H
#define SB_MEDIATOR_H

/* Serves until SIGTERM/SIGINT; 0, or 2 on bad options. */
int mediator_main(int argc, char **argv);

#endif
