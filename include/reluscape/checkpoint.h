/* checkpoint.h - what a run has finished, for --resume: the done flags of its work units
 * and the integer statistics of exactly those units, with the science part of the config
 * (rs_config_science_text) and the schema that produced them.
 *
 * Serial HDF5, written by one rank to PATH.tmp and renamed over PATH, so a kill at any
 * moment leaves the previous checkpoint or the new one, never a torn file. */
#ifndef RELUSCAPE_CHECKPOINT_H
#define RELUSCAPE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define RS_CHECKPOINT_VERSION 3 /* 2: with a checksum; 3: with the accounting of every start */

/* One start of a run: a `reluscape run` process from its sweep's start to its end or to
 * its last checkpoint, for the accounting of jobs that were requeued or resubmitted. */
enum rs_start_end {
    RS_START_COMPLETE = 0,   /* the run finished in this start */
    RS_START_SIGNAL = 1,     /* stopped on a signal after its checkpoint */
    RS_START_CHECKPOINT = 2  /* accounted up to its last periodic checkpoint (killed later) */
};
#define RS_START_HOST_MAX 64
typedef struct rs_start {
    double begin, end;       /* Unix time (seconds since 1970-01-01T00:00:00Z) */
    double busy_cpu;         /* CPU seconds in trials, summed over the ranks */
    int64_t ranks, trials;   /* trials finished in this start */
    int64_t shard;           /* --shard index of the run (0 for a whole run) */
    int64_t ended;           /* enum rs_start_end */
    char host[RS_START_HOST_MAX]; /* rank 0's host */
} rs_start;
const char *rs_start_end_name(int64_t ended); /* "complete", "signal", "checkpoint" */

typedef struct rs_checkpoint {
    const char *config;      /* science text of the run's config */
    int64_t nunits;          /* work units of this run (after sharding) */
    int64_t shard_index, shard_count;
    const uint8_t *done;     /* [nunits] */
    const int64_t *stats;    /* [nstats]: the rs_stats buffer */
    int64_t nstats;
    const rs_start *starts;  /* [nstarts]: every start so far, this one last */
    int64_t nstarts;
} rs_checkpoint;

/* 0, or -1 with a message in err. */
int rs_checkpoint_write(const char *path, const rs_checkpoint *ck, char *err, size_t errlen);

/* Load PATH into done[nunits], stats[nstats] and *starts (malloc'ed, *nstarts of them;
 * *nstarts = -1 for a format-2 checkpoint, which keeps no accounting) after checking that it belongs to this
 * run (schema, config, shard, units) and is whole (its checksum over config, shard, done
 * flags and statistics; done flags 0 or 1).  0; 1 if PATH does not exist; -1 with a
 * message naming what differs.  The caller checks the statistics against the done units
 * (rs_sweep: every cell's trials are what its done units imply). */
int rs_checkpoint_read(const char *path, const rs_checkpoint *expect, uint8_t *done, int64_t *stats,
                       rs_start **starts, int64_t *nstarts, char *err, size_t errlen);

#endif
