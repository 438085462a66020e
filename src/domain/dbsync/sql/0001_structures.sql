-- geosync two-way database sync, structure version 1 (decision 0014).
-- Installed by `geosync dbsync install` on the central and by deploy on clones, in one transaction.
CREATE SCHEMA geosync_dbsync;
COMMENT ON SCHEMA geosync_dbsync IS 'geosync two-way database sync: change log, clocks, batches, conflicts';

-- One row: what this node is. The marker tells geosync's schema from a foreign one of the same name.
CREATE TABLE geosync_dbsync.meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  marker text NOT NULL CHECK (marker = 'geosync-dbsync'),
  role text NOT NULL CHECK (role IN ('central', 'clone')),
  node_id uuid NOT NULL,
  central_id uuid NOT NULL,
  schema_version integer NOT NULL DEFAULT 1,
  -- clones: the package deployed, and this node's snapshot right after it (the central's first
  -- cursor over the clone's own changes, so a clone deployed offline registers at its first sync)
  package_id uuid,
  start_cursor pg_snapshot,
  installed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE geosync_dbsync.structure_migration (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- The tables kept in sync. Same ids on the central and its clones (deploy copies this table).
CREATE TABLE geosync_dbsync.synced_table (
  id serial PRIMARY KEY,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  rule text NOT NULL DEFAULT 'lww' CHECK (rule IN ('lww', 'central_wins', 'manual')),
  -- serial/identity keys: each node keeps its own, never shipped (scenario 14)
  local_columns text[] NOT NULL DEFAULT '{}',
  -- geometry/geography: shipped as hex EWKB text, not the GeoJSON their json cast gives
  text_columns text[] NOT NULL DEFAULT '{}',
  -- parents before children (FK-safe apply order)
  apply_order integer NOT NULL DEFAULT 0,
  -- column names and types at the last prepare/migrate: DDL run elsewhere shows as drift
  fingerprint text NOT NULL DEFAULT '',
  UNIQUE (schema_name, table_name)
);

-- Schema changes run through `dbsync migrate`, replayed on clones in order.
CREATE TABLE geosync_dbsync.schema_migration (
  version integer PRIMARY KEY,
  statements text[] NOT NULL,
  -- the synced_table rows after the change, so clones register new tables under the same ids
  synced_tables jsonb NOT NULL DEFAULT '[]',
  -- [{table_id, from, to}]: changes made before this version are translated when they arrive
  renames jsonb NOT NULL DEFAULT '[]',
  description text NOT NULL DEFAULT '',
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- The change log. `xid` gives the snapshot-safe cursor; `clocks` holds {column: [hlc, node]}
-- (for a delete: {"": [hlc, node]}) so per-column last-writer-wins survives forwarding.
CREATE TABLE geosync_dbsync.change (
  seq bigserial PRIMARY KEY,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  table_id integer NOT NULL REFERENCES geosync_dbsync.synced_table (id) ON DELETE CASCADE,
  row_uid uuid NOT NULL,
  op "char" NOT NULL CHECK (op IN ('I', 'U', 'D')),
  new_vals jsonb,
  old_vals jsonb,
  clocks jsonb NOT NULL,
  origin uuid NOT NULL,
  schema_version integer NOT NULL
);
CREATE INDEX change_xid ON geosync_dbsync.change (xid);

-- The latest clock of every column of every row changed here, and a tombstone for deleted rows.
CREATE TABLE geosync_dbsync.row_clock (
  table_id integer NOT NULL REFERENCES geosync_dbsync.synced_table (id) ON DELETE CASCADE,
  row_uid uuid NOT NULL,
  clocks jsonb NOT NULL DEFAULT '{}',
  deleted jsonb,
  PRIMARY KEY (table_id, row_uid)
);

-- What this node has received from each sender: a pg_snapshot of the sender's transactions
-- (visible = shipped) and the window being applied (resumed batch by batch after a cut).
CREATE TABLE geosync_dbsync.inbound (
  origin uuid PRIMARY KEY,
  cursor pg_snapshot NOT NULL,
  window_xmin xid8,
  next_batch integer NOT NULL DEFAULT 0,
  batch_size integer,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Batches applied here, written in the same transaction as their rows: a replay is a no-op.
CREATE TABLE geosync_dbsync.applied_batch (
  origin uuid NOT NULL,
  window_xmin xid8 NOT NULL,
  batch integer NOT NULL,
  changes integer NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (origin, window_xmin, batch)
);

CREATE TABLE geosync_dbsync.conflict (
  id bigserial PRIMARY KEY,
  node_id uuid NOT NULL,
  local_id bigint,
  table_id integer NOT NULL,
  row_uid uuid NOT NULL,
  column_name text,
  kind text NOT NULL CHECK (kind IN ('update_update', 'update_delete', 'delete_update', 'insert_insert',
    'unique_violation', 'fk_orphan', 'constraint_violation', 'schema_mismatch')),
  rule text NOT NULL,
  base_value jsonb,
  central_value jsonb,
  clone_value jsonb,
  incoming jsonb,
  winner text NOT NULL CHECK (winner IN ('central', 'clone', 'none')),
  outcome text NOT NULL CHECK (outcome IN ('auto', 'pending', 'resolved')),
  sqlstate text,
  message text,
  origin uuid NOT NULL,
  window_xmin xid8,
  batch integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  resolved_by text,
  resolved_at timestamptz,
  resolution jsonb,
  pushed boolean NOT NULL DEFAULT false,
  UNIQUE (node_id, local_id)
);
CREATE INDEX conflict_pending ON geosync_dbsync.conflict (outcome) WHERE outcome = 'pending';

-- Central only: the clones, their acknowledged cursors (what the log must keep), packages, history.
CREATE TABLE geosync_dbsync.clone (
  node_id uuid PRIMARY KEY,
  name text NOT NULL,
  package_id uuid,
  acked_cursor pg_snapshot,
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_sync_at timestamptz,
  expired boolean NOT NULL DEFAULT false
);

CREATE TABLE geosync_dbsync.package (
  id uuid PRIMARY KEY,
  snapshot pg_snapshot NOT NULL,
  schema_version integer NOT NULL,
  schemas text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE TABLE geosync_dbsync.sync_run (
  id bigserial PRIMARY KEY,
  clone_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  to_clone integer NOT NULL DEFAULT 0,
  to_central integer NOT NULL DEFAULT 0,
  conflicts integer NOT NULL DEFAULT 0,
  quarantined integer NOT NULL DEFAULT 0,
  batches integer NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  duration_ms integer,
  clock_offset_ms bigint,
  outcome text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'succeeded', 'failed')),
  error_code text,
  error_message text
);

-- Hybrid logical clock in microseconds: never below the wall clock, never backwards, raised by
-- what is received. `geosync_dbsync.clock_offset_ms` (a database setting) simulates skew in tests.
CREATE SEQUENCE geosync_dbsync.hlc;

CREATE FUNCTION geosync_dbsync.hlc_now() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  phys bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
    + coalesce(nullif(current_setting('geosync_dbsync.clock_offset_ms', true), '')::bigint, 0) * 1000;
  v bigint := nextval('geosync_dbsync.hlc');
BEGIN
  IF phys > v THEN
    PERFORM setval('geosync_dbsync.hlc', phys);
    v := nextval('geosync_dbsync.hlc');
  END IF;
  RETURN v;
END $$;

CREATE FUNCTION geosync_dbsync.hlc_raise(seen bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF seen IS NOT NULL AND seen > (SELECT last_value FROM geosync_dbsync.hlc) THEN
    PERFORM setval('geosync_dbsync.hlc', seen);
  END IF;
END $$;

-- (hlc, node) order: a higher clock wins, the node id breaks ties deterministically.
CREATE FUNCTION geosync_dbsync.clock_gt(a jsonb, b jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL OR jsonb_typeof(a) <> 'array' THEN false
              WHEN b IS NULL OR jsonb_typeof(b) <> 'array' THEN true
              ELSE ((a->>0)::bigint, a->>1) > ((b->>0)::bigint, b->>1) END
$$;

CREATE FUNCTION geosync_dbsync.clock_max(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN geosync_dbsync.clock_gt(b, a) THEN b ELSE coalesce(a, b) END
$$;

-- Merges objects in aggregation order (later keys win): compaction of a row's changes.
CREATE AGGREGATE geosync_dbsync.jsonb_merge(jsonb) (SFUNC = jsonb_concat, STYPE = jsonb);

-- Per-column clock merge: keeps the higher clock of each key.
CREATE FUNCTION geosync_dbsync.clocks_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE
    (SELECT coalesce(jsonb_object_agg(k, geosync_dbsync.clock_max(a->k, b->k)), '{}'::jsonb)
       FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS keys(k)) END
$$;
CREATE AGGREGATE geosync_dbsync.clocks_agg(jsonb) (SFUNC = geosync_dbsync.clocks_merge, STYPE = jsonb);

-- After a window [cursor, upto) is applied: everything below `upto` is shipped, plus what the old
-- cursor already saw above it. Exact, so a late commit is neither lost nor shipped twice.
CREATE FUNCTION geosync_dbsync.advance_cursor(c pg_snapshot, upto xid8) RETURNS pg_snapshot
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN pg_snapshot_xmax(c) <= upto THEN format('%s:%s:', upto, upto)::pg_snapshot
    ELSE (SELECT format('%s:%s:%s', coalesce(min(i), pg_snapshot_xmax(c)), pg_snapshot_xmax(c),
                        coalesce(string_agg(i::text, ',' ORDER BY i), ''))::pg_snapshot
            FROM pg_snapshot_xip(c) AS x(i) WHERE i >= upto) END
$$;

-- The capture trigger. SECURITY DEFINER: editors need no right on the log. Writes nothing while
-- the sync applies received changes (the transaction-local origin setting), so nothing echoes.
CREATE FUNCTION geosync_dbsync.capture() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- values are formatted the same on every node, whatever the session's settings
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 3 SET bytea_output = 'hex' AS $$
DECLARE
  t geosync_dbsync.synced_table;
  m geosync_dbsync.meta;
  n jsonb;
  o jsonb;
  changed_new jsonb;
  changed_old jsonb;
  clock jsonb;
  cl jsonb;
  uid uuid;
BEGIN
  IF coalesce(current_setting('geosync_dbsync.origin', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  SELECT * INTO t FROM geosync_dbsync.synced_table WHERE schema_name = TG_TABLE_SCHEMA AND table_name = TG_TABLE_NAME;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT * INTO m FROM geosync_dbsync.meta;
  -- values_expr (structure version 2) reads the columns one by one, geometries as EWKB text.
  IF TG_OP <> 'DELETE' THEN
    EXECUTE format('SELECT %s FROM (SELECT ($1).*) x', geosync_dbsync.values_expr(t, 'x')) INTO n USING NEW;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    EXECUTE format('SELECT %s FROM (SELECT ($1).*) x', geosync_dbsync.values_expr(t, 'x')) INTO o USING OLD;
  END IF;
  uid := coalesce((n->>'uid')::uuid, (o->>'uid')::uuid);
  IF TG_OP = 'UPDATE' THEN
    SELECT jsonb_object_agg(k, n->k), jsonb_object_agg(k, o->k) INTO changed_new, changed_old
      FROM jsonb_object_keys(n) AS k WHERE n->k IS DISTINCT FROM o->k;
    IF changed_new IS NULL THEN
      RETURN NULL;
    END IF;
    n := changed_new;
    o := changed_old;
  END IF;
  IF uid IS NULL THEN
    RAISE EXCEPTION 'geosync dbsync: a row of %.% has no uid', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'not_null_violation';
  END IF;
  clock := jsonb_build_array(geosync_dbsync.hlc_now(), m.node_id::text);
  IF TG_OP = 'DELETE' THEN
    cl := jsonb_build_object('', clock);
  ELSE
    SELECT jsonb_object_agg(k, clock) INTO cl FROM jsonb_object_keys(n) AS k;
  END IF;
  INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
  VALUES (t.id, uid, left(TG_OP, 1), n, o, cl, m.node_id, m.schema_version);
  IF TG_OP = 'DELETE' THEN
    INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, deleted) VALUES (t.id, uid, clock)
      ON CONFLICT (table_id, row_uid) DO UPDATE SET deleted = excluded.deleted;
  ELSE
    INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, clocks) VALUES (t.id, uid, cl)
      ON CONFLICT (table_id, row_uid) DO UPDATE SET clocks = r.clocks || excluded.clocks, deleted = NULL;
  END IF;
  RETURN NULL;
END $$;

-- TRUNCATE bypasses row triggers: refused on synced tables rather than silently unsynced (scenario 41).
CREATE FUNCTION geosync_dbsync.refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('geosync_dbsync.origin', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'TRUNCATE of synced table %.% is refused: delete the rows instead so clones follow',
    TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'feature_not_supported';
END $$;
