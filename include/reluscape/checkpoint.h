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

#define RS_CHECKPOINT_VERSION 2 /* 2: with a checksum */

typedef struct rs_checkpoint {
    const char *config;      /* science text of the run's config */
    int64_t nunits;          /* work units of this run (after sharding) */
    int64_t shard_index, shard_count;
    const uint8_t *done;     /* [nunits] */
    const int64_t *stats;    /* [nstats]: the rs_stats buffer */
    int64_t nstats;
} rs_checkpoint;

/* 0, or -1 with a message in err. */
int rs_checkpoint_write(const char *path, const rs_checkpoint *ck, char *err, size_t errlen);

/* Load PATH into done[nunits] and stats[nstats] after checking that it belongs to this
 * run (schema, config, shard, units) and is whole (its checksum over config, shard, done
 * flags and statistics; done flags 0 or 1).  0; 1 if PATH does not exist; -1 with a
 * message naming what differs.  The caller checks the statistics against the done units
 * (rs_sweep: every cell's trials are what its done units imply). */
int rs_checkpoint_read(const char *path, const rs_checkpoint *expect, uint8_t *done, int64_t *stats,
                       char *err, size_t errlen);

#endif
