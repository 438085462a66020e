-- Templates, configurations, tasks, batches, runs and the staged-object ledger.
-- Removed configurations, tasks and batches are kept (removed_at set) so run history survives;
-- names are unique among the live ones only.
CREATE TABLE configurations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  template boolean NOT NULL DEFAULT false,
  -- The template it was created from (drift is measured against it).
  template_id uuid REFERENCES configurations (id) ON DELETE SET NULL,
  validated boolean NOT NULL DEFAULT false,
  attributes jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);
CREATE UNIQUE INDEX configurations_live_name ON configurations (workspace_id, name) WHERE removed_at IS NULL;

CREATE TABLE tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  configuration_id uuid NOT NULL REFERENCES configurations (id),
  name text NOT NULL,
  type text NOT NULL,
  parameters jsonb NOT NULL DEFAULT '{}',
  position integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);
CREATE UNIQUE INDEX tasks_live_name ON tasks (configuration_id, name) WHERE removed_at IS NULL;

CREATE TABLE batches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  -- null: an independent batch (its tasks may come from several configurations).
  configuration_id uuid REFERENCES configurations (id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  enabled boolean NOT NULL DEFAULT true,
  schedule jsonb,
  time_zone text NOT NULL DEFAULT 'UTC',
  misfire text NOT NULL DEFAULT 'run_once' CHECK (misfire IN ('run_once', 'skip')),
  -- The last fire the scheduler handled: misfires are counted from here.
  last_fire_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);
CREATE UNIQUE INDEX batches_live_name ON batches (workspace_id, coalesce(configuration_id, '00000000-0000-0000-0000-000000000000'::uuid), name)
  WHERE removed_at IS NULL;

CREATE TABLE batch_elements (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  position integer NOT NULL,
  task_id uuid NOT NULL REFERENCES tasks (id),
  PRIMARY KEY (batch_id, position),
  UNIQUE (batch_id, task_id)
);

CREATE TABLE batch_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  batch_id uuid NOT NULL REFERENCES batches (id),
  -- queued -> running -> the derived final status (committed, failed, rolled_back...).
  status text NOT NULL DEFAULT 'queued',
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'initialize', 'bulk', 'misfire')),
  -- The scheduled fire this run is for (null for manual runs).
  fire_time timestamptz,
  started_by text,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  interrupt_requested_at timestamptz,
  -- The node executing it and until when its claim holds; an expired lease means the node died.
  node_id text,
  lease_expires_at timestamptz,
  message text
);
CREATE INDEX batch_runs_batch ON batch_runs (batch_id, started_at DESC);
CREATE INDEX batch_runs_open ON batch_runs (lease_expires_at) WHERE ended_at IS NULL;

CREATE TABLE task_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  batch_run_id uuid NOT NULL REFERENCES batch_runs (id) ON DELETE CASCADE,
  task_id uuid NOT NULL REFERENCES tasks (id),
  position integer NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'ready_to_commit', 'committing',
    'committed', 'failed', 'rolling_back', 'rolled_back', 'not_committed', 'not_rolled_back', 'skipped')),
  message text,
  progress jsonb,
  started_at timestamptz,
  ended_at timestamptz,
  UNIQUE (batch_run_id, position)
);

-- One row per task that is running or committing anywhere in the cluster: the same task never
-- runs or commits in two runs at once.
CREATE TABLE task_claims (
  task_id uuid PRIMARY KEY REFERENCES tasks (id),
  task_run_id uuid NOT NULL REFERENCES task_runs (id) ON DELETE CASCADE,
  claimed_at timestamptz NOT NULL DEFAULT now()
);

-- The durable ledger: written BEFORE the object is created, so recovery can always find it.
CREATE TABLE staged_objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_run_id uuid NOT NULL REFERENCES task_runs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'staged' CHECK (state IN ('staged', 'committed', 'rolled_back', 'failed')),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_run_id, seq)
);

CREATE TABLE run_log (
  id bigserial PRIMARY KEY,
  batch_run_id uuid NOT NULL REFERENCES batch_runs (id) ON DELETE CASCADE,
  task_run_id uuid REFERENCES task_runs (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  level text NOT NULL CHECK (level IN ('info', 'warn', 'error')),
  message text NOT NULL
);
CREATE INDEX run_log_run ON run_log (batch_run_id, id);
