-- At most one open (queued or running) @Initialize run per batch: two saves, or a save and a bulk
-- initialize, racing between "is one open?" and queueing cannot both start one.
CREATE UNIQUE INDEX batch_runs_one_open_initialize ON batch_runs (batch_id)
  WHERE ended_at IS NULL AND trigger = 'initialize';
