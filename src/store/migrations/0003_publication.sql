-- Layers the built-in publisher serves (OGC API Features and vector tiles under /ogc).
-- `source` is the LayerSource: in this version an `embedded` table of this store
-- ({"kind":"embedded","schema":...,"table":...}); no password is ever stored here.
-- `cache`: the tile cache settings, null = tiles are not cached.
CREATE TABLE published_layers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  map_server uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  workspace text,
  name text NOT NULL,
  source jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  advertised boolean NOT NULL DEFAULT true,
  -- null: everyone; empty: admins only; else any of these roles.
  read_roles text[],
  style text,
  cache jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One layer per name and workspace on a map server (no workspace counts as one more).
CREATE UNIQUE INDEX published_layers_ref ON published_layers (map_server, coalesce(workspace, ''), name);
