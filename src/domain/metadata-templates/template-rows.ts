import { type Kysely, type Selectable, sql } from 'kysely';

import type { LayerMetadata } from '../../connectors/publisher.ts';
import type { MetadataTemplate, MetadataTemplateLink } from '../../contracts/metadata-templates.dto.ts';
import { UserError } from '../../errors/errors.ts';
import type { Database, MetadataTemplateLinksTable, MetadataTemplatesTable } from '../../store/database.types.ts';
import { toIsoRequired } from '../page.ts';

export type TemplateRow = Selectable<MetadataTemplatesTable> & { workspace: string };
type LinkRow = Selectable<MetadataTemplateLinksTable>;

/** The one error for a template that does not exist (or that the caller may not see). */
export function templateNotFound(ref: string): UserError {
  return new UserError('metadata_template_not_found', `Metadata template '${ref}' does not exist`, {
    status: 404,
    details: [{ field: 'metadata-template', message: 'does not exist' }],
  });
}

export function selectTemplates(db: Kysely<Database>) {
  return db
    .selectFrom('metadata_templates')
    .innerJoin('workspaces', 'workspaces.id', 'metadata_templates.workspace_id')
    .selectAll('metadata_templates')
    .select('workspaces.name as workspace');
}

export async function loadTemplate(db: Kysely<Database>, id: string): Promise<TemplateRow> {
  const row = await selectTemplates(db).where('metadata_templates.id', '=', id).executeTakeFirst();
  if (!row) throw templateNotFound(id);
  return row;
}

export function loadLinks(db: Kysely<Database>, templateId: string): Promise<LinkRow[]> {
  return db
    .selectFrom('metadata_template_links')
    .selectAll()
    .where('template_id', '=', templateId)
    .orderBy('map_server')
    .orderBy(sql`coalesce(workspace, '')`)
    .orderBy('layer')
    .execute();
}

export const linkDto = (l: LinkRow): MetadataTemplateLink => ({
  id: l.id,
  mapServer: l.map_server,
  workspace: l.workspace,
  layer: l.layer,
});

export function templateDto(row: TemplateRow, links: LinkRow[]): MetadataTemplate {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    workspace: row.workspace,
    name: row.name,
    title: row.title,
    abstract: row.abstract,
    keywords: row.keywords,
    metadataLinks: row.metadata_links,
    links: links.map(linkDto),
    createdAt: toIsoRequired(row.created_at),
    updatedAt: toIsoRequired(row.updated_at),
  };
}

/** The layer metadata a template sets: only its non-empty fields (the others stay the layer's own). */
export function templateMetadata(row: Pick<TemplateRow, 'title' | 'abstract' | 'keywords' | 'metadata_links'>) {
  const metadata: LayerMetadata = {};
  if (row.title !== null) metadata.title = row.title;
  if (row.abstract !== null) metadata.abstract = row.abstract;
  if (row.keywords.length > 0) metadata.keywords = row.keywords;
  if (row.metadata_links.length > 0) metadata.metadataLinks = row.metadata_links;
  return metadata;
}
