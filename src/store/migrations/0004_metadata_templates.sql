-- Metadata templates: title, abstract, keywords and metadata links kept once and linked to many
-- layers; the MetadataTemplateSync task type writes them onto every linked layer of a map server.
-- A template belongs to a workspace (its permissions apply); names are unique per workspace.
CREATE TABLE metadata_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- null: the layer keeps its own.
  title text,
  abstract text,
  -- Empty: the layer keeps its own.
  keywords text[] NOT NULL DEFAULT '{}',
  -- [{"href":..., "type":..., "format":...}]; empty: the layer keeps its own.
  metadata_links jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

-- A layer linked to a template: the map server connection it is published on (by name, as task
-- parameters name it), its workspace there (none counts as one more) and its name.
CREATE TABLE metadata_template_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template_id uuid NOT NULL REFERENCES metadata_templates (id) ON DELETE CASCADE,
  map_server text NOT NULL,
  workspace text,
  layer text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX metadata_template_links_layer
  ON metadata_template_links (template_id, map_server, coalesce(workspace, ''), layer);
