/* reluscape.h - umbrella header of libreluscape. */
#ifndef RELUSCAPE_H
#define RELUSCAPE_H

#include "reluscape/rng.h"
#include "reluscape/data.h"
#include "reluscape/pattern.h"
#include "reluscape/jacobian.h"
#include "reluscape/matrank.h"
#include "reluscape/modrank.h"
#include "reluscape/engine.h"
#include "reluscape/targets.h"
#include "reluscape/lp.h"
#include "reluscape/config.h"
#include "reluscape/grid.h"
#include "reluscape/stats.h"
#include "reluscape/experiment.h"
#include "reluscape/sweep.h"
#include "reluscape/trial.h"
#include "reluscape/group.h"
#include "reluscape/footprint.h"
#include "reluscape/checkpoint.h"
#include "reluscape/h5out.h"
#include "reluscape/log.h"
#include "reluscape/cli.h"

#endif
