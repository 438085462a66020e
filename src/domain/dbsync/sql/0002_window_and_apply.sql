-- geosync two-way database sync, structure version 2: extraction windows and the set-based apply.
-- Identifiers reach dynamic SQL only through format('%I'); values only as USING parameters.

-- Columns a node ships for a table: all but dropped, generated and local ones.
CREATE FUNCTION geosync_dbsync.shipped_columns(t geosync_dbsync.synced_table) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}')
    FROM pg_attribute a
   WHERE a.attrelid = format('%I.%I', t.schema_name, t.table_name)::regclass
     AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     AND NOT (a.attname::text = ANY (t.local_columns))
$$;

-- The SQL expression of a row's shipped values (alias `a`): column by column (never to_jsonb of
-- the whole row, which runs geometry's json cast, ST_AsGeoJSON, lossy and failing on curves);
-- geometries as hex EWKB text. NULL for the absent row of a LEFT JOIN (uid is never NULL).
CREATE FUNCTION geosync_dbsync.values_expr(t geosync_dbsync.synced_table, a text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  parts text;
BEGIN
  -- jsonb_build_object takes at most 100 arguments: 50 columns per call.
  SELECT string_agg(o, ' || ') INTO parts FROM (
    SELECT format('jsonb_build_object(%s)', string_agg(format(
             CASE WHEN c = ANY (t.text_columns) THEN '%L, %I.%I::text' ELSE '%L, %I.%I' END, c, a, c), ', ' ORDER BY n)) AS o
      FROM unnest(geosync_dbsync.shipped_columns(t)) WITH ORDINALITY u(c, n)
     GROUP BY (n - 1) / 50) s;
  RETURN format('CASE WHEN %I.uid IS NULL THEN NULL ELSE %s END', a, coalesce(parts, '''{}''::jsonb'));
END $$;

-- The changes a receiver has not seen, compacted per row (I+U -> I, U+U -> U keeping the first
-- old value, I+D -> nothing, U+D -> D, D+I -> U with the whole row), ordered FK-safe: inserts and
-- updates parents first, then deletes children first. Only transactions below `p_upto` (the
-- xmin of a snapshot: all finished) are read, so the window is immutable and can be re-cut into
-- the same batches after an interruption.
CREATE FUNCTION geosync_dbsync.open_window(p_receiver uuid, p_cursor pg_snapshot, p_upto xid8)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  DROP TABLE IF EXISTS pg_temp.dbsync_out;
  CREATE TEMP TABLE dbsync_out AS
  SELECT row_number() OVER (ORDER BY (g.op = 'D'),
           CASE WHEN g.op = 'D' THEN -st.apply_order ELSE st.apply_order END,
           CASE WHEN g.op = 'D' THEN -st.id ELSE st.id END, g.row_uid)::integer AS pos,
         st.schema_name, st.table_name, g.row_uid, g.op,
         CASE WHEN g.op = 'D' THEN NULL ELSE g.new_vals END AS new_vals,
         g.old_vals, g.clocks, g.schema_version
    FROM (SELECT c.table_id, c.row_uid,
                 (CASE WHEN c.last_op = 'D' THEN 'D' WHEN c.first_op = 'I' THEN 'I' ELSE 'U' END)::"char" AS op,
                 c.new_vals, c.old_vals, c.clocks, c.schema_version
            FROM (SELECT table_id, row_uid,
                         (array_agg(op ORDER BY seq))[1] AS first_op,
                         (array_agg(op ORDER BY seq DESC))[1] AS last_op,
                         geosync_dbsync.jsonb_merge(new_vals ORDER BY seq) AS new_vals,
                         geosync_dbsync.jsonb_merge(old_vals ORDER BY seq DESC) AS old_vals,
                         geosync_dbsync.clocks_agg(clocks ORDER BY seq) AS clocks,
                         max(schema_version) AS schema_version
                    FROM geosync_dbsync.change
                   WHERE xid >= pg_snapshot_xmin(p_cursor) AND xid < p_upto
                     AND NOT pg_visible_in_snapshot(xid, p_cursor) AND origin <> p_receiver
                   GROUP BY table_id, row_uid) c
           WHERE NOT (c.first_op = 'I' AND c.last_op = 'D')) g
    JOIN geosync_dbsync.synced_table st ON st.id = g.table_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  CREATE UNIQUE INDEX ON pg_temp.dbsync_out (pos);
  RETURN n;
END $$;

-- Work tables of one apply transaction, created by `begin_apply` and dropped at commit.
CREATE FUNCTION geosync_dbsync.begin_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE dbsync_stage (
    pos integer NOT NULL, schema_name text NOT NULL, table_name text NOT NULL, row_uid uuid NOT NULL,
    op "char" NOT NULL, new_vals jsonb, old_vals jsonb, clocks jsonb NOT NULL, schema_version integer NOT NULL,
    table_id integer, quarantined boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE dbsync_cur (
    pos integer, row_uid uuid, op "char", new_vals jsonb, old_vals jsonb, clocks jsonb,
    cur jsonb, local_clocks jsonb, tomb jsonb, del boolean NOT NULL DEFAULT false, differs boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE dbsync_col (
    pos integer, row_uid uuid, op "char", col text, newv jsonb, oldv jsonb, curv jsonb,
    inclock jsonb, localclock jsonb, conflict boolean, accept boolean
  ) ON COMMIT DROP;
END $$;

-- Fills dbsync_cur with the staged rows of one table (or one uid) and their current values.
CREATE FUNCTION geosync_dbsync.load_current(t geosync_dbsync.synced_table, p_uid uuid, p_deletes boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pg_temp.dbsync_cur;
  EXECUTE format(
    'INSERT INTO pg_temp.dbsync_cur (pos, row_uid, op, new_vals, old_vals, clocks, cur, local_clocks, tomb)
     SELECT s.pos, s.row_uid, s.op, s.new_vals, s.old_vals, s.clocks, %s, rc.clocks, rc.deleted
       FROM pg_temp.dbsync_stage s
       LEFT JOIN %I.%I x ON x.uid = s.row_uid
       LEFT JOIN geosync_dbsync.row_clock rc ON rc.table_id = s.table_id AND rc.row_uid = s.row_uid
      WHERE s.table_id = $1 AND (s.op = ''D'') = $2 AND NOT s.quarantined AND ($3::uuid IS NULL OR s.row_uid = $3)',
    geosync_dbsync.values_expr(t, 'x'), t.schema_name, t.table_name)
  USING t.id, p_deletes, p_uid;
END $$;

-- Inserts and updates of one table: per-column three-way merge with an old-value check, conflicts
-- decided by the table's rule and recorded, accepted values written set-based.
CREATE FUNCTION geosync_dbsync.apply_upserts(t geosync_dbsync.synced_table, p_uid uuid, p_origin uuid,
  p_window xid8, p_batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m geosync_dbsync.meta;
  cols text[] := geosync_dbsync.shipped_columns(t);
  set_list text;
  col_list text;
  sel_list text;
  n integer := 0;
  k integer;
  clock jsonb;
  defaults_sql text;
  defaults jsonb := '{}';
BEGIN
  SELECT * INTO m FROM geosync_dbsync.meta;
  PERFORM geosync_dbsync.load_current(t, p_uid, false);
  -- An insert made on an older schema lacks the columns added since: they get their default
  -- here, as ADD COLUMN gave it to the sender's existing rows (a NOT NULL one would fail).
  SELECT 'SELECT jsonb_build_object(' || string_agg(format('%L, %s', a.attname,
           CASE WHEN a.attname = ANY (t.text_columns) THEN format('(%s)::text', pg_get_expr(d.adbin, d.adrelid))
                ELSE format('to_jsonb(%s)', pg_get_expr(d.adbin, d.adrelid)) END), ', ') || ')'
    INTO defaults_sql
    FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = format('%I.%I', t.schema_name, t.table_name)::regclass
     AND a.attname::text = ANY (cols) AND a.attname <> 'uid' AND a.attgenerated = ''
     AND EXISTS (SELECT 1 FROM pg_temp.dbsync_cur c WHERE c.cur IS NULL AND c.new_vals ? 'uid' AND NOT c.new_vals ? a.attname);
  IF defaults_sql IS NOT NULL THEN
    EXECUTE defaults_sql INTO defaults;
  END IF;
  SELECT string_agg(format('%I = (a.r).%I', c, c), ', ') INTO set_list FROM unnest(cols) c WHERE c <> 'uid';
  SELECT string_agg(format('%I', c), ', '), string_agg(format('(a.r).%I', c), ', ') INTO col_list, sel_list
    FROM unnest(cols) c;

  DELETE FROM pg_temp.dbsync_col;
  INSERT INTO pg_temp.dbsync_col (pos, row_uid, op, col, newv, oldv, curv, inclock, localclock, conflict, accept)
  SELECT c.pos, c.row_uid, c.op, e.key, e.value, c.old_vals->e.key, c.cur->e.key, c.clocks->e.key,
         c.local_clocks->e.key,
         -- a resolution chosen by a person (clock marked 'resolved') is applied, never a conflict
         (c.cur->e.key) IS DISTINCT FROM e.value
           AND NOT (c.op = 'U' AND (c.cur->e.key) IS NOT DISTINCT FROM (c.old_vals->e.key))
           AND (c.clocks->e.key->>2) IS DISTINCT FROM 'resolved',
         false
    FROM pg_temp.dbsync_cur c CROSS JOIN LATERAL jsonb_each(c.new_vals) e
   -- equal values stay: under lww their (newer) clock must still be kept and forwarded
   WHERE c.cur IS NOT NULL AND e.key <> 'uid' AND e.key = ANY (cols);
  UPDATE pg_temp.dbsync_col SET accept = CASE
      WHEN (inclock->>2) IS NOT DISTINCT FROM 'resolved' THEN true
      -- lww is a register of (value, clock): an older clock never wins, conflict or not (A-B-A)
      WHEN t.rule = 'lww' THEN localclock IS NULL OR geosync_dbsync.clock_gt(inclock, localclock)
      WHEN NOT conflict THEN curv IS DISTINCT FROM newv
      WHEN t.rule = 'central_wins' THEN m.role = 'clone'
      ELSE false END;

  INSERT INTO geosync_dbsync.conflict (node_id, table_id, row_uid, column_name, kind, rule, base_value,
      central_value, clone_value, incoming, winner, outcome, origin, window_xmin, batch)
  SELECT m.node_id, t.id, d.row_uid, d.col, CASE d.op WHEN 'I' THEN 'insert_insert' ELSE 'update_update' END,
         t.rule, d.oldv,
         CASE WHEN m.role = 'central' THEN d.curv ELSE d.newv END,
         CASE WHEN m.role = 'central' THEN d.newv ELSE d.curv END,
         jsonb_build_object('op', d.op, 'value', d.newv, 'clock', d.inclock, 'localClock', d.localclock),
         CASE WHEN t.rule = 'manual' THEN 'none' WHEN d.accept = (m.role = 'clone') THEN 'central' ELSE 'clone' END,
         CASE WHEN t.rule = 'manual' THEN 'pending' ELSE 'auto' END, p_origin, p_window, p_batch
    FROM pg_temp.dbsync_col d WHERE d.conflict;

  -- An update for a row deleted here: the delete stands (lww and central_wins on the deleting
  -- central); the clone's delete reaching a central_wins central brings the row back later.
  INSERT INTO geosync_dbsync.conflict (node_id, table_id, row_uid, kind, rule, base_value, central_value,
      clone_value, incoming, winner, outcome, origin, window_xmin, batch)
  SELECT m.node_id, t.id, c.row_uid, 'update_delete', t.rule, c.old_vals,
         CASE WHEN m.role = 'central' THEN NULL ELSE c.new_vals END,
         CASE WHEN m.role = 'central' THEN c.new_vals ELSE NULL END,
         jsonb_build_object('op', c.op, 'new', c.new_vals, 'old', c.old_vals, 'clocks', c.clocks, 'tombstone', c.tomb),
         CASE WHEN t.rule = 'manual' THEN 'none' WHEN t.rule = 'central_wins' THEN 'central' ELSE m.role END,
         CASE WHEN t.rule = 'manual' THEN 'pending' ELSE 'auto' END, p_origin, p_window, p_batch
    FROM pg_temp.dbsync_cur c WHERE c.cur IS NULL AND NOT (c.new_vals ? 'uid');

  IF set_list IS NOT NULL THEN
    EXECUTE format(
      'UPDATE %I.%I AS x SET %s FROM (
         SELECT y.uid, jsonb_populate_record(y, v.vals) AS r
           FROM (SELECT row_uid, jsonb_object_agg(col, newv) AS vals FROM pg_temp.dbsync_col WHERE accept AND curv IS DISTINCT FROM newv GROUP BY row_uid) v
           JOIN %I.%I AS y ON y.uid = v.row_uid) a
       WHERE x.uid = a.uid', t.schema_name, t.table_name, set_list, t.schema_name, t.table_name);
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
  END IF;
  EXECUTE format(
    'INSERT INTO %I.%I (%s) SELECT %s FROM (
       SELECT jsonb_populate_record(NULL::%I.%I, $1 || c.new_vals) AS r FROM pg_temp.dbsync_cur c
        WHERE c.cur IS NULL AND c.new_vals ? ''uid'' ORDER BY c.pos) a',
    t.schema_name, t.table_name, col_list, sel_list, t.schema_name, t.table_name) USING defaults;
  GET DIAGNOSTICS k = ROW_COUNT;
  n := n + k;

  INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, clocks)
  SELECT t.id, d.row_uid, jsonb_object_agg(d.col, d.inclock) FROM pg_temp.dbsync_col d WHERE d.accept GROUP BY d.row_uid
  UNION ALL
  SELECT t.id, c.row_uid, c.clocks FROM pg_temp.dbsync_cur c WHERE c.cur IS NULL AND c.new_vals ? 'uid'
  ON CONFLICT (table_id, row_uid) DO UPDATE SET clocks = r.clocks || excluded.clocks, deleted = NULL;

  IF m.role = 'central' THEN
    -- The central forwards what it applied to the other clones, under the sender's origin.
    INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
    SELECT t.id, d.row_uid, 'U', jsonb_object_agg(d.col, d.newv), jsonb_object_agg(d.col, d.curv),
           jsonb_object_agg(d.col, d.inclock), p_origin, m.schema_version
      FROM pg_temp.dbsync_col d WHERE d.accept GROUP BY d.row_uid
    UNION ALL
    SELECT t.id, c.row_uid, 'I', c.new_vals, NULL, c.clocks, p_origin, m.schema_version
      FROM pg_temp.dbsync_cur c WHERE c.cur IS NULL AND c.new_vals ? 'uid';
    -- Ping-back: values the central's own triggers computed (a `zid`) go back to the sender.
    IF EXISTS (SELECT 1 FROM pg_trigger g
                WHERE g.tgrelid = format('%I.%I', t.schema_name, t.table_name)::regclass AND NOT g.tgisinternal
                  AND g.tgfoid NOT IN ('geosync_dbsync.capture'::regproc, 'geosync_dbsync.refuse_truncate'::regproc)) THEN
      clock := jsonb_build_array(geosync_dbsync.hlc_now(), m.node_id::text);
      EXECUTE format(
        'WITH z AS (
           SELECT c.row_uid, %s AS after,
                  CASE WHEN c.cur IS NULL THEN c.new_vals ELSE c.cur || coalesce(
                    (SELECT jsonb_object_agg(d.col, d.newv) FROM pg_temp.dbsync_col d WHERE d.row_uid = c.row_uid AND d.accept),
                    ''{}''::jsonb) END AS expected
             FROM pg_temp.dbsync_cur c JOIN %I.%I x ON x.uid = c.row_uid),
         diff AS (
           SELECT z.row_uid, k, z.after->k AS nv, z.expected->k AS ov FROM z, jsonb_object_keys(z.after) k
            WHERE (z.after->k) IS DISTINCT FROM (z.expected->k)),
         logged AS (
           INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
           SELECT $1, row_uid, ''U'', jsonb_object_agg(k, nv), jsonb_object_agg(k, ov), jsonb_object_agg(k, $2), $3, $4
             FROM diff GROUP BY row_uid RETURNING row_uid, clocks)
         INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, clocks) SELECT $1, row_uid, clocks FROM logged
         ON CONFLICT (table_id, row_uid) DO UPDATE SET clocks = r.clocks || excluded.clocks',
        geosync_dbsync.values_expr(t, 'x'), t.schema_name, t.table_name)
      USING t.id, clock, m.node_id, m.schema_version;
    END IF;
  END IF;
  RETURN n;
END $$;

-- Deletes of one table. A delete of a row changed here since the deleter's base is a
-- delete_update conflict: lww lets the delete win; central_wins keeps the central's row (and
-- sends it back whole); manual keeps the row, pending.
CREATE FUNCTION geosync_dbsync.apply_deletes(t geosync_dbsync.synced_table, p_uid uuid, p_origin uuid,
  p_window xid8, p_batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m geosync_dbsync.meta;
  n integer;
  clock jsonb;
BEGIN
  SELECT * INTO m FROM geosync_dbsync.meta;
  PERFORM geosync_dbsync.load_current(t, p_uid, true);
  UPDATE pg_temp.dbsync_cur c SET differs = EXISTS (
      SELECT 1 FROM jsonb_each(c.old_vals) e WHERE c.cur ? e.key AND (c.cur->e.key) IS DISTINCT FROM e.value)
      AND (c.clocks->''->>2) IS DISTINCT FROM 'resolved'
   WHERE c.cur IS NOT NULL;
  UPDATE pg_temp.dbsync_cur c SET del = c.cur IS NOT NULL AND (NOT c.differs OR t.rule = 'lww'
      OR (t.rule = 'central_wins' AND m.role = 'clone'));

  INSERT INTO geosync_dbsync.conflict (node_id, table_id, row_uid, kind, rule, base_value, central_value,
      clone_value, incoming, winner, outcome, origin, window_xmin, batch)
  SELECT m.node_id, t.id, c.row_uid, 'delete_update', t.rule, c.old_vals,
         CASE WHEN m.role = 'central' THEN c.cur ELSE NULL END,
         CASE WHEN m.role = 'central' THEN NULL ELSE c.cur END,
         jsonb_build_object('op', 'D', 'old', c.old_vals, 'clocks', c.clocks),
         CASE WHEN t.rule = 'manual' THEN 'none' WHEN t.rule = 'central_wins' THEN 'central'
              WHEN m.role = 'central' THEN 'clone' ELSE 'central' END,
         CASE WHEN t.rule = 'manual' THEN 'pending' ELSE 'auto' END, p_origin, p_window, p_batch
    FROM pg_temp.dbsync_cur c WHERE c.differs;

  EXECUTE format('DELETE FROM %I.%I x USING pg_temp.dbsync_cur c WHERE x.uid = c.row_uid AND c.del',
    t.schema_name, t.table_name);
  GET DIAGNOSTICS n = ROW_COUNT;

  INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, deleted)
  SELECT t.id, c.row_uid, c.clocks->'' FROM pg_temp.dbsync_cur c WHERE c.del
  ON CONFLICT (table_id, row_uid) DO UPDATE SET deleted = excluded.deleted;

  IF m.role = 'central' THEN
    INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
    SELECT t.id, c.row_uid, 'D', NULL, c.cur, c.clocks, p_origin, m.schema_version
      FROM pg_temp.dbsync_cur c WHERE c.del;
    IF t.rule = 'central_wins' THEN
      clock := jsonb_build_array(geosync_dbsync.hlc_now(), m.node_id::text);
      INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
      SELECT t.id, c.row_uid, 'I', c.cur, NULL, (SELECT jsonb_object_agg(k, clock) FROM jsonb_object_keys(c.cur) k),
             m.node_id, m.schema_version
        FROM pg_temp.dbsync_cur c WHERE c.cur IS NOT NULL AND NOT c.del;
    END IF;
  END IF;
  RETURN n;
END $$;

-- Runs one table's part of a batch; when it fails, retries row by row and quarantines the rows
-- that still fail (a pending conflict with the SQLSTATE), so one bad row never blocks the rest.
CREATE FUNCTION geosync_dbsync.apply_guarded(t geosync_dbsync.synced_table, p_deletes boolean, p_origin uuid,
  p_window xid8, p_batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m geosync_dbsync.meta;
  k integer := 0;
  s record;
  state text;
  msg text;
BEGIN
  SELECT * INTO m FROM geosync_dbsync.meta;
  BEGIN
    IF p_deletes THEN
      k := geosync_dbsync.apply_deletes(t, NULL, p_origin, p_window, p_batch);
    ELSE
      k := geosync_dbsync.apply_upserts(t, NULL, p_origin, p_window, p_batch);
    END IF;
    SET CONSTRAINTS ALL IMMEDIATE;
    SET CONSTRAINTS ALL DEFERRED;
    RETURN k;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
    -- Cancellation, lost connections and resource errors are not a row's fault: the batch fails.
    IF left(state, 2) IN ('08', '40', '53', '54', '57', '58', 'XX') THEN
      RAISE;
    END IF;
  END;
  k := 0;
  FOR s IN SELECT st.pos, st.row_uid, to_jsonb(st) - 'quarantined' - 'table_id' AS incoming
             FROM pg_temp.dbsync_stage st
            WHERE st.table_id = t.id AND (st.op = 'D') = p_deletes AND NOT st.quarantined ORDER BY st.pos LOOP
    BEGIN
      IF p_deletes THEN
        k := k + geosync_dbsync.apply_deletes(t, s.row_uid, p_origin, p_window, p_batch);
      ELSE
        k := k + geosync_dbsync.apply_upserts(t, s.row_uid, p_origin, p_window, p_batch);
      END IF;
      SET CONSTRAINTS ALL IMMEDIATE;
      SET CONSTRAINTS ALL DEFERRED;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      IF left(state, 2) IN ('08', '40', '53', '54', '57', '58', 'XX') THEN
        RAISE;
      END IF;
      INSERT INTO geosync_dbsync.conflict (node_id, table_id, row_uid, kind, rule, incoming, winner, outcome,
          sqlstate, message, origin, window_xmin, batch)
      VALUES (m.node_id, t.id, s.row_uid,
              CASE state WHEN '23505' THEN 'unique_violation' WHEN '23503' THEN 'fk_orphan' ELSE 'constraint_violation' END,
              t.rule, s.incoming, 'none', 'pending', state, msg, p_origin, p_window, p_batch);
      UPDATE pg_temp.dbsync_stage SET quarantined = true WHERE pos = s.pos;
    END;
  END LOOP;
  RETURN k;
END $$;

-- Applies the staged batch (dbsync_stage, filled by COPY) in the caller's transaction, which also
-- records the batch and the cursor: all of it commits, or none of it.
CREATE FUNCTION geosync_dbsync.apply_stage(p_origin uuid, p_window xid8, p_batch integer) RETURNS jsonb
LANGUAGE plpgsql
-- values are formatted the same on every node, whatever the session's settings
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 3 SET bytea_output = 'hex' AS $$
DECLARE
  m geosync_dbsync.meta;
  t geosync_dbsync.synced_table;
  n integer := 0;
  bad record;
  done integer[];
BEGIN
  SELECT * INTO m FROM geosync_dbsync.meta;
  UPDATE pg_temp.dbsync_stage s SET table_id = st.id FROM geosync_dbsync.synced_table st
   WHERE st.schema_name = s.schema_name AND st.table_name = s.table_name;
  SELECT s.schema_name, s.table_name, s.schema_version INTO bad FROM pg_temp.dbsync_stage s WHERE s.table_id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'table %.% is not synced on this node (batch schema version %, this node %)',
      bad.schema_name, bad.table_name, bad.schema_version, m.schema_version USING ERRCODE = 'GSD01';
  END IF;
  -- Columns renamed by a migration newer than the change: translated, oldest migration first.
  FOR bad IN SELECT sm.version, (r->>'table_id')::integer AS table_id, r->>'from' AS old_name, r->>'to' AS new_name
               FROM geosync_dbsync.schema_migration sm, jsonb_array_elements(sm.renames) r ORDER BY sm.version LOOP
    UPDATE pg_temp.dbsync_stage s SET
        new_vals = CASE WHEN s.new_vals ? bad.old_name
                        THEN (s.new_vals - bad.old_name) || jsonb_build_object(bad.new_name, s.new_vals->bad.old_name)
                        ELSE s.new_vals END,
        old_vals = CASE WHEN s.old_vals ? bad.old_name
                        THEN (s.old_vals - bad.old_name) || jsonb_build_object(bad.new_name, s.old_vals->bad.old_name)
                        ELSE s.old_vals END,
        clocks = CASE WHEN s.clocks ? bad.old_name
                      THEN (s.clocks - bad.old_name) || jsonb_build_object(bad.new_name, s.clocks->bad.old_name)
                      ELSE s.clocks END
     WHERE s.table_id = bad.table_id AND s.schema_version < bad.version;
  END LOOP;
  -- Columns this node does not have: from an older schema (dropped since) they are recorded as a
  -- schema_mismatch conflict and left out; from the same or a newer schema it is drift.
  FOR bad IN SELECT s.pos, s.table_id, s.row_uid, s.schema_version, e.key, e.value, st.schema_name, st.table_name
               FROM pg_temp.dbsync_stage s
               JOIN geosync_dbsync.synced_table st ON st.id = s.table_id
               CROSS JOIN LATERAL jsonb_each(coalesce(s.new_vals, '{}')) e
              WHERE NOT (e.key = ANY (geosync_dbsync.shipped_columns(st))) LOOP
    IF bad.schema_version >= m.schema_version THEN
      RAISE EXCEPTION 'column % of %.% is not synced on this node (batch schema version %, this node %)',
        bad.key, bad.schema_name, bad.table_name, bad.schema_version, m.schema_version USING ERRCODE = 'GSD02';
    END IF;
    INSERT INTO geosync_dbsync.conflict (node_id, table_id, row_uid, column_name, kind, rule, incoming, winner,
        outcome, message, origin, window_xmin, batch)
    VALUES (m.node_id, bad.table_id, bad.row_uid, bad.key, 'schema_mismatch', 'none',
            jsonb_build_object('value', bad.value, 'schemaVersion', bad.schema_version), 'none', 'pending',
            'the column no longer exists here', p_origin, p_window, p_batch);
    UPDATE pg_temp.dbsync_stage SET new_vals = new_vals - bad.key, old_vals = old_vals - bad.key WHERE pos = bad.pos;
  END LOOP;
  -- A person's resolution (a clock marked 'resolved') settles this node's own pending conflicts
  -- of the row: it is applied, not held back behind them (nor recorded as held back again).
  UPDATE geosync_dbsync.conflict c SET outcome = 'resolved', resolved_at = now(), resolved_by = 'central',
         resolution = jsonb_build_object('resolvedBy', 'central change')
    FROM pg_temp.dbsync_stage s
   WHERE c.table_id = s.table_id AND c.row_uid = s.row_uid AND c.outcome = 'pending' AND c.node_id = m.node_id
     AND EXISTS (SELECT 1 FROM jsonb_each(s.clocks) e WHERE e.value->>2 = 'resolved');
  -- Later changes of a quarantined row wait behind it.
  INSERT INTO geosync_dbsync.conflict (node_id, table_id, row_uid, kind, rule, incoming, winner, outcome, message,
      origin, window_xmin, batch)
  SELECT m.node_id, s.table_id, s.row_uid, q.kind, q.rule, to_jsonb(s) - 'quarantined' - 'table_id', 'none', 'pending',
         format('held back behind pending conflict %s', q.id), p_origin, p_window, p_batch
    FROM pg_temp.dbsync_stage s
    JOIN LATERAL (SELECT c.id, c.kind, c.rule FROM geosync_dbsync.conflict c
                   WHERE c.table_id = s.table_id AND c.row_uid = s.row_uid AND c.outcome = 'pending'
                     AND c.kind IN ('unique_violation', 'fk_orphan', 'constraint_violation')
                   ORDER BY c.id LIMIT 1) q ON true;
  UPDATE pg_temp.dbsync_stage s SET quarantined = true
   WHERE EXISTS (SELECT 1 FROM geosync_dbsync.conflict c
                  WHERE c.table_id = s.table_id AND c.row_uid = s.row_uid AND c.outcome = 'pending'
                    AND c.kind IN ('unique_violation', 'fk_orphan', 'constraint_violation')
                    AND (c.origin, c.window_xmin, c.batch) IS DISTINCT FROM (p_origin, p_window, p_batch));

  SET CONSTRAINTS ALL DEFERRED;
  FOR t IN SELECT st.* FROM geosync_dbsync.synced_table st
            WHERE st.id IN (SELECT table_id FROM pg_temp.dbsync_stage WHERE op <> 'D') ORDER BY st.apply_order, st.id LOOP
    n := n + geosync_dbsync.apply_guarded(t, false, p_origin, p_window, p_batch);
  END LOOP;
  FOR t IN SELECT st.* FROM geosync_dbsync.synced_table st
            WHERE st.id IN (SELECT table_id FROM pg_temp.dbsync_stage WHERE op = 'D') ORDER BY st.apply_order DESC, st.id DESC LOOP
    n := n + geosync_dbsync.apply_guarded(t, true, p_origin, p_window, p_batch);
  END LOOP;
  -- Rows set aside for a parent that came later in the batch (a cycle, a self-reference, a table
  -- order changed since prepare) or for a unique key that a later delete of the batch frees: one
  -- more pass over those rows alone once the rest is in (the others are applied already: a second
  -- pass over them would record their conflicts twice).
  IF EXISTS (SELECT 1 FROM geosync_dbsync.conflict WHERE kind IN ('fk_orphan', 'unique_violation') AND origin = p_origin
                AND window_xmin = p_window AND batch = p_batch AND node_id = m.node_id AND message NOT LIKE 'held back%') THEN
    DELETE FROM geosync_dbsync.conflict WHERE kind IN ('fk_orphan', 'unique_violation') AND origin = p_origin
       AND window_xmin = p_window AND batch = p_batch AND node_id = m.node_id AND message NOT LIKE 'held back%';
    SELECT array_agg(pos) INTO done FROM pg_temp.dbsync_stage WHERE NOT quarantined;
    UPDATE pg_temp.dbsync_stage SET quarantined = coalesce(pos = ANY (done), false) OR EXISTS (
      SELECT 1 FROM geosync_dbsync.conflict c WHERE c.table_id = dbsync_stage.table_id AND c.row_uid = dbsync_stage.row_uid
         AND c.outcome = 'pending' AND c.kind IN ('unique_violation', 'fk_orphan', 'constraint_violation'));
    FOR t IN SELECT st.* FROM geosync_dbsync.synced_table st
              WHERE st.id IN (SELECT table_id FROM pg_temp.dbsync_stage WHERE op <> 'D' AND NOT quarantined)
              ORDER BY st.apply_order, st.id LOOP
      n := n + geosync_dbsync.apply_guarded(t, false, p_origin, p_window, p_batch);
    END LOOP;
    FOR t IN SELECT st.* FROM geosync_dbsync.synced_table st
              WHERE st.id IN (SELECT table_id FROM pg_temp.dbsync_stage WHERE op = 'D' AND NOT quarantined)
              ORDER BY st.apply_order DESC, st.id DESC LOOP
      n := n + geosync_dbsync.apply_guarded(t, true, p_origin, p_window, p_batch);
    END LOOP;
    UPDATE pg_temp.dbsync_stage SET quarantined = false WHERE pos = ANY (done);
  END IF;
  SET CONSTRAINTS ALL IMMEDIATE;
  PERFORM geosync_dbsync.hlc_raise((SELECT max((e.value->>0)::bigint) FROM pg_temp.dbsync_stage s,
                                           jsonb_each(s.clocks) e WHERE jsonb_typeof(e.value) = 'array'));
  RETURN jsonb_build_object(
    'applied', n,
    'conflicts', (SELECT count(*) FROM geosync_dbsync.conflict
                   WHERE origin = p_origin AND window_xmin = p_window AND batch = p_batch AND node_id = m.node_id),
    'quarantined', (SELECT count(*) FROM pg_temp.dbsync_stage WHERE quarantined));
END $$;

-- A table joining the sync while clones exist: its rows reach them as inserts (no redeploy).
CREATE FUNCTION geosync_dbsync.log_all_rows(t geosync_dbsync.synced_table) RETURNS bigint
LANGUAGE plpgsql
-- values are formatted the same on every node, whatever the session's settings
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 3 SET bytea_output = 'hex' AS $$
DECLARE
  m geosync_dbsync.meta;
  n bigint;
  clock jsonb;
BEGIN
  SELECT * INTO m FROM geosync_dbsync.meta;
  clock := jsonb_build_array(geosync_dbsync.hlc_now(), m.node_id::text);
  EXECUTE format(
    'INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
     SELECT $1, x.uid, ''I'', y.v, NULL, (SELECT jsonb_object_agg(k, $2) FROM jsonb_object_keys(y.v) k), $3, $4
       FROM %I.%I x, LATERAL (SELECT %s AS v) y', t.schema_name, t.table_name, geosync_dbsync.values_expr(t, 'x'))
  USING t.id, clock, m.node_id, m.schema_version;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- A person's resolution of one column, logged with a clock marked 'resolved' (applied everywhere).
CREATE FUNCTION geosync_dbsync.resolve_column(p_table integer, p_uid uuid, p_col text, p_value jsonb)
RETURNS integer LANGUAGE plpgsql
-- values are formatted the same on every node, whatever the session's settings
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 3 SET bytea_output = 'hex' AS $$
DECLARE
  t geosync_dbsync.synced_table;
  m geosync_dbsync.meta;
  before jsonb;
  after jsonb;
  clock jsonb;
BEGIN
  SELECT * INTO t FROM geosync_dbsync.synced_table WHERE id = p_table;
  SELECT * INTO m FROM geosync_dbsync.meta;
  IF NOT (p_col = ANY (geosync_dbsync.shipped_columns(t))) THEN
    RAISE EXCEPTION 'column % of %.% is not synced', p_col, t.schema_name, t.table_name USING ERRCODE = 'GSD02';
  END IF;
  EXECUTE format('SELECT %s FROM %I.%I x WHERE x.uid = $1', geosync_dbsync.values_expr(t, 'x'), t.schema_name, t.table_name)
    INTO before USING p_uid;
  IF before IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format('UPDATE %I.%I x SET %I = (jsonb_populate_record(x, $2)).%I WHERE x.uid = $1',
    t.schema_name, t.table_name, p_col, p_col) USING p_uid, jsonb_build_object(p_col, p_value);
  EXECUTE format('SELECT %s FROM %I.%I x WHERE x.uid = $1', geosync_dbsync.values_expr(t, 'x'), t.schema_name, t.table_name)
    INTO after USING p_uid;
  clock := jsonb_build_array(geosync_dbsync.hlc_now(), m.node_id::text, 'resolved');
  INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
  VALUES (t.id, p_uid, 'U', jsonb_build_object(p_col, after->p_col), jsonb_build_object(p_col, before->p_col),
          jsonb_build_object(p_col, clock), m.node_id, m.schema_version);
  INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, clocks) VALUES (t.id, p_uid, jsonb_build_object(p_col, clock))
  ON CONFLICT (table_id, row_uid) DO UPDATE SET clocks = r.clocks || excluded.clocks;
  RETURN 1;
END $$;

-- A person's resolution of a whole row: `p_keep` 'central' keeps the central's row (or its
-- absence); 'clone' writes `p_row` (NULL: deleted; with "__merge": over the central's row).
CREATE FUNCTION geosync_dbsync.resolve_row(p_table integer, p_uid uuid, p_row jsonb, p_keep text)
RETURNS void LANGUAGE plpgsql
-- values are formatted the same on every node, whatever the session's settings
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 3 SET bytea_output = 'hex' AS $$
DECLARE
  t geosync_dbsync.synced_table;
  m geosync_dbsync.meta;
  cols text[];
  cur jsonb;
  target jsonb;
  after jsonb;
  clock jsonb;
BEGIN
  SELECT * INTO t FROM geosync_dbsync.synced_table WHERE id = p_table;
  SELECT * INTO m FROM geosync_dbsync.meta;
  cols := geosync_dbsync.shipped_columns(t);
  EXECUTE format('SELECT %s FROM %I.%I x WHERE x.uid = $1', geosync_dbsync.values_expr(t, 'x'), t.schema_name, t.table_name)
    INTO cur USING p_uid;
  IF p_keep = 'central' THEN
    target := cur;
  ELSIF p_row IS NULL THEN
    target := NULL;
  ELSIF p_row ? '__merge' THEN
    IF cur IS NULL THEN
      RAISE EXCEPTION 'row % is gone on the central: nothing to merge the change into', p_uid USING ERRCODE = 'GSD03';
    END IF;
    target := cur || (p_row - '__merge');
  ELSE
    target := p_row || jsonb_build_object('uid', p_uid);
  END IF;
  clock := jsonb_build_array(geosync_dbsync.hlc_now(), m.node_id::text, 'resolved');
  IF target IS NULL THEN
    EXECUTE format('DELETE FROM %I.%I WHERE uid = $1', t.schema_name, t.table_name) USING p_uid;
    INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
    VALUES (t.id, p_uid, 'D', NULL, coalesce(cur, '{}'), jsonb_build_object('', clock), m.node_id, m.schema_version);
    INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, deleted) VALUES (t.id, p_uid, clock)
    ON CONFLICT (table_id, row_uid) DO UPDATE SET deleted = excluded.deleted;
    RETURN;
  END IF;
  EXECUTE format('INSERT INTO %I.%I (%s) SELECT %s FROM jsonb_populate_record(NULL::%I.%I, $1) r
                  ON CONFLICT (uid) DO UPDATE SET %s',
    t.schema_name, t.table_name,
    (SELECT string_agg(format('%I', c), ', ') FROM unnest(cols) c),
    (SELECT string_agg(format('r.%I', c), ', ') FROM unnest(cols) c),
    t.schema_name, t.table_name,
    (SELECT string_agg(format('%I = excluded.%I', c, c), ', ') FROM unnest(cols) c WHERE c <> 'uid'))
  USING target;
  EXECUTE format('SELECT %s FROM %I.%I x WHERE x.uid = $1', geosync_dbsync.values_expr(t, 'x'), t.schema_name, t.table_name)
    INTO after USING p_uid;
  INSERT INTO geosync_dbsync.change (table_id, row_uid, op, new_vals, old_vals, clocks, origin, schema_version)
  SELECT t.id, p_uid, 'I', after, NULL, jsonb_object_agg(k, clock), m.node_id, m.schema_version
    FROM jsonb_object_keys(after) k;
  INSERT INTO geosync_dbsync.row_clock AS r (table_id, row_uid, clocks)
  SELECT t.id, p_uid, jsonb_object_agg(k, clock) FROM jsonb_object_keys(after) k
  ON CONFLICT (table_id, row_uid) DO UPDATE SET clocks = excluded.clocks, deleted = NULL;
END $$;
