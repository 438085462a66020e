import type { Kysely } from 'kysely';

import type { Page } from '../../contracts/common.dto.ts';
import type {
  MetadataTemplate,
  MetadataTemplateChange,
  MetadataTemplateLinkInput,
  MetadataTemplateListItem,
  NewMetadataTemplate,
} from '../../contracts/metadata-templates.dto.ts';
import { conflict, forbidden, notFound, UserError } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';
import { pageOf, toIsoRequired } from '../page.ts';
import { assertWorkspaceLevel, canUseConnection, workspaceLevel } from '../security/permissions.ts';
import { levelAtLeast, type Principal, type WorkspaceLevel } from '../security/principal.ts';
import { loadLinks, loadTemplate, selectTemplates, templateDto, templateNotFound } from './template-rows.ts';
import { templatesForTasks } from './templates-for-tasks.ts';

export type MetadataTemplatesService = ReturnType<typeof createMetadataTemplatesService>;

const nameTaken = (name: string, workspace: string) =>
  conflict('metadata_template_exists', `A metadata template named '${name}' exists in workspace '${workspace}'`);

const layerLabel = (l: MetadataTemplateLinkInput) => `${l.mapServer}:${l.workspace ? `${l.workspace}:` : ''}${l.layer}`;

/**
 * Metadata templates: title, abstract, keywords and metadata links kept once and linked to many
 * layers, which MetadataTemplateSync updates. A template belongs to a workspace: reading needs
 * `read` on it, every change `admin` (as for configurations).
 */
export function createMetadataTemplatesService(db: Kysely<Database>) {
  /** A template the caller has `level` on; one in a workspace the caller cannot see is "not found". */
  async function loadFor(principal: Principal, id: string, level: WorkspaceLevel) {
    const row = await loadTemplate(db, id);
    const have = await workspaceLevel(db, principal, row.workspace_id);
    if (have === null) throw templateNotFound(id);
    if (!levelAtLeast(have, level)) throw forbidden(`This needs '${level}' permission on the workspace`);
    return row;
  }

  async function dto(id: string): Promise<MetadataTemplate> {
    return templateDto(await loadTemplate(db, id), await loadLinks(db, id));
  }

  /** A link must name a map server connection the caller may use. */
  async function checkMapServer(principal: Principal, name: string): Promise<void> {
    const row = await db
      .selectFrom('connections')
      .select(['roles'])
      .where('kind', '=', 'map_server')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row || !canUseConnection(principal, row.roles)) {
      throw new UserError('connection_not_found', `There is no map server connection named '${name}'`, {
        details: [{ field: 'mapServer', message: 'no such map server' }],
      });
    }
  }

  return {
    async list(
      principal: Principal,
      query: { limit: number; offset: number; workspace?: string },
    ): Promise<Page<MetadataTemplateListItem>> {
      const rows = await selectTemplates(db)
        .select((eb) =>
          eb
            .selectFrom('metadata_template_links')
            .select((c) => c.fn.countAll<string>().as('n'))
            .whereRef('metadata_template_links.template_id', '=', 'metadata_templates.id')
            .as('link_count'),
        )
        .$if(query.workspace !== undefined, (q) => q.where('workspaces.name', '=', query.workspace!))
        .orderBy('workspaces.name')
        .orderBy('metadata_templates.name')
        .execute();
      const visible = [];
      for (const row of rows) if ((await workspaceLevel(db, principal, row.workspace_id)) !== null) visible.push(row);
      const items = visible.slice(query.offset, query.offset + query.limit).map((r) => ({
        id: r.id,
        workspace: r.workspace,
        name: r.name,
        title: r.title,
        linkCount: Number(r.link_count ?? 0),
        updatedAt: toIsoRequired(r.updated_at),
      }));
      return pageOf(items, visible.length, query);
    },

    async get(principal: Principal, id: string): Promise<MetadataTemplate> {
      await loadFor(principal, id, 'read');
      return dto(id);
    },

    /** The id of template `name` of `workspace` (CLI references), if the caller can see it. */
    async idByName(principal: Principal, workspace: string, name: string): Promise<string> {
      const row = await selectTemplates(db)
        .where('workspaces.name', '=', workspace)
        .where('metadata_templates.name', '=', name)
        .executeTakeFirst();
      if (!row || (await workspaceLevel(db, principal, row.workspace_id)) === null) {
        throw templateNotFound(`${workspace}/${name}`);
      }
      return row.id;
    },

    async create(principal: Principal, input: NewMetadataTemplate): Promise<MetadataTemplate> {
      const ws = await db.selectFrom('workspaces').select('id').where('name', '=', input.workspace).executeTakeFirst();
      if (!ws) throw notFound('Workspace', input.workspace);
      await assertWorkspaceLevel(db, principal, ws.id, 'admin', { kind: 'Workspace', id: input.workspace });
      try {
        const row = await db
          .insertInto('metadata_templates')
          .values({
            workspace_id: ws.id,
            name: input.name,
            title: input.title ?? null,
            abstract: input.abstract ?? null,
            keywords: input.keywords ?? [],
            metadata_links: JSON.stringify(input.metadataLinks ?? []),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return await dto(row.id);
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(input.name, input.workspace);
        throw error;
      }
    },

    /** Changes the fields given; `null` clears a title or abstract. */
    async update(principal: Principal, id: string, change: MetadataTemplateChange): Promise<MetadataTemplate> {
      const row = await loadFor(principal, id, 'admin');
      try {
        await db
          .updateTable('metadata_templates')
          .set({
            ...(change.name !== undefined && { name: change.name }),
            ...(change.title !== undefined && { title: change.title }),
            ...(change.abstract !== undefined && { abstract: change.abstract }),
            ...(change.keywords !== undefined && { keywords: change.keywords }),
            ...(change.metadataLinks !== undefined && { metadata_links: JSON.stringify(change.metadataLinks) }),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(change.name ?? row.name, row.workspace);
        throw error;
      }
      return dto(id);
    },

    /** Refused while layers are linked, unless `force` (the links go with it). */
    async remove(principal: Principal, id: string, force = false): Promise<{ removed: true; unlinked: number }> {
      const row = await loadFor(principal, id, 'admin');
      const links = await loadLinks(db, id);
      if (links.length > 0 && !force) {
        throw new UserError(
          'metadata_template_in_use',
          `Metadata template '${row.name}' is linked to ${links.length} layer(s); unlink them first or force the removal`,
          { status: 409, details: [{ field: 'force', message: `${links.length} linked layer(s)` }] },
        );
      }
      await db.deleteFrom('metadata_templates').where('id', '=', id).execute();
      return { removed: true, unlinked: links.length };
    },

    async link(principal: Principal, id: string, input: MetadataTemplateLinkInput): Promise<MetadataTemplate> {
      await loadFor(principal, id, 'admin');
      await checkMapServer(principal, input.mapServer);
      try {
        await db
          .insertInto('metadata_template_links')
          .values({
            template_id: id,
            map_server: input.mapServer,
            workspace: input.workspace ?? null,
            layer: input.layer,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(
            'metadata_template_link_exists',
            `Layer ${layerLabel(input)} is already linked to this template`,
          );
        }
        throw error;
      }
      await db.updateTable('metadata_templates').set({ updated_at: new Date() }).where('id', '=', id).execute();
      return dto(id);
    },

    async unlink(principal: Principal, id: string, input: MetadataTemplateLinkInput): Promise<MetadataTemplate> {
      await loadFor(principal, id, 'admin');
      const deleted = await db
        .deleteFrom('metadata_template_links')
        .where('template_id', '=', id)
        .where('map_server', '=', input.mapServer)
        .where((eb) =>
          input.workspace === undefined ? eb('workspace', 'is', null) : eb('workspace', '=', input.workspace),
        )
        .where('layer', '=', input.layer)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) {
        throw new UserError(
          'metadata_template_link_not_found',
          `Layer ${layerLabel(input)} is not linked to this template`,
          {
            status: 404,
            details: [{ field: 'layer', message: 'not linked' }],
          },
        );
      }
      await db.updateTable('metadata_templates').set({ updated_at: new Date() }).where('id', '=', id).execute();
      return dto(id);
    },

    /** What MetadataTemplateSync needs (TaskServices.metadataTemplates). */
    forTasks: () => templatesForTasks(db),
  };
}
