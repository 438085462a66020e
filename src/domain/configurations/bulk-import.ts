import type { ConfigurationsService } from './configurations.service.ts';
import { parseBulkCsv } from './formats/bulk-csv.ts';
import type { Principal } from '../security/principal.ts';

export interface BulkRowResult {
  line: number;
  name: string;
  ok: boolean;
  id?: string;
  validated?: boolean;
  message?: string;
}

/**
 * Creates one configuration per CSV row from a template (the Task Manager's bulk import): the
 * first line names `name`, optional `description` and `workspace`, and attributes. Each row
 * succeeds or fails on its own; a bad header fails the whole import before any row is used.
 */
export async function bulkImportFromCsv(
  configurations: ConfigurationsService,
  principal: Principal,
  templateId: string,
  csv: string,
): Promise<{ created: number; failed: number; rows: BulkRowResult[] }> {
  const template = await configurations.get(principal, templateId);
  const { rows, errors } = parseBulkCsv(csv, { knownAttributes: template.attributes.map((a) => a.name) });
  const results: BulkRowResult[] = errors.map((e) => ({ line: e.line, name: '', ok: false, message: e.message }));
  for (const row of rows) {
    try {
      const created = await configurations.create(principal, {
        workspace: row.workspace ?? template.workspace,
        name: row.name,
        description: row.description ?? '',
        template: false,
        from: templateId,
        attributes: row.attributes,
        tasks: [],
      });
      results.push({ line: row.line, name: row.name, ok: true, id: created.id, validated: created.validated });
    } catch (error) {
      results.push({
        line: row.line,
        name: row.name,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  results.sort((a, b) => a.line - b.line);
  return { created: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, rows: results };
}
