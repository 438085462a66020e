import { type GeoserverClient, path } from './geoserver-client.ts';
import { asList, type OneOrMany } from './geoserver-json.ts';

/**
 * Workspace housekeeping for the temp-name protocol's rollback: a run that created a workspace
 * by publishing into it removes it again, but only while nothing lives in it.
 */

export async function workspaceExists(client: GeoserverClient, workspace: string, signal: AbortSignal) {
  return (await client.getJson(path`/workspaces/${workspace}`, signal)) !== undefined;
}

/** What a workspace can hold that its removal would lose (listings answer `{"dataStores": ""}` when empty). */
const CONTENTS = ['datastores', 'coveragestores', 'wmsstores', 'wmtsstores', 'styles', 'layergroups'];

/** The number of entries of a listing such as `{"styles": {"style": [...]}}`; 0 for `""` or 404. */
function entries(listing: Record<string, Record<string, OneOrMany<unknown>> | ''> | undefined): number {
  const outer = listing ? Object.values(listing)[0] : undefined;
  if (!outer) return 0;
  return Object.values(outer).reduce<number>((n, inner) => n + asList(inner).length, 0);
}

/**
 * Removes an empty workspace (its namespace goes with it). A workspace holding stores, styles or
 * layer groups is left as it is, as is a missing one: GeoServer's own refusal (403 without
 * `recurse`) covers what was added between the check and the DELETE.
 */
export async function removeEmptyWorkspace(client: GeoserverClient, workspace: string, signal: AbortSignal) {
  if (!(await workspaceExists(client, workspace, signal))) return;
  for (const what of CONTENTS) {
    const listing = await client.getJson<Parameters<typeof entries>[0]>(
      `${path`/workspaces/${workspace}`}/${what}`,
      signal,
    );
    if (entries(listing) > 0) return;
  }
  await client.rest('DELETE', path`/workspaces/${workspace}`, signal, { allow: [403, 404] });
}
