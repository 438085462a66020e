/**
 * Task Manager task types → geosync task types, in one table. Keys are the names Task Manager
 * persists (its Spring bean names, e.g. `LocalDbPublication`) plus the spellings derived from its
 * class names (`DbLocalPublicationTaskTypeImpl` → `DbLocalPublication`), which older exports and
 * hand-written files use. geosync keeps Task Manager's bean names so exports stay recognisable.
 */
const TABLE: ReadonlyArray<readonly [taskManager: string, geosync: string]> = [
  ['CopyTable', 'CopyTable'],
  ['CreateView', 'CreateView'],
  ['CreateComplexView', 'CreateComplexView'],
  ['CopyFile', 'CopyFile'],
  ['LocalDbPublication', 'LocalDbPublication'],
  ['DbLocalPublication', 'LocalDbPublication'],
  ['RemoteDbPublication', 'RemoteDbPublication'],
  ['DbRemotePublication', 'RemoteDbPublication'],
  ['LocalFilePublication', 'LocalFilePublication'],
  ['FileLocalPublication', 'LocalFilePublication'],
  ['RemoteFilePublication', 'RemoteFilePublication'],
  ['FileRemotePublication', 'RemoteFilePublication'],
  ['LocalAppSchemaPublication', 'LocalAppSchemaPublication'],
  ['AppSchemaLocalPublication', 'LocalAppSchemaPublication'],
  ['RemoteAppSchemaPublication', 'RemoteAppSchemaPublication'],
  ['AppSchemaRemotePublication', 'RemoteAppSchemaPublication'],
  ['MetadataSync', 'MetadataSync'],
  ['ConfigureCachedLayer', 'ConfigureCachedLayer'],
  ['ClearCachedLayer', 'ClearCachedLayer'],
  ['LayerSecuritySync', 'LayerSecuritySync'],
  ['WorkspaceSecuritySync', 'WorkspaceSecuritySync'],
  ['TimeStamp', 'TimeStamp'],
  ['Timestamp', 'TimeStamp'],
  ['MetadataTemplateSync', 'MetadataTemplateSync'],
];

/** A Map, not an object: a type named `constructor` or `__proto__` must not hit Object.prototype. */
export const TASK_MANAGER_TYPES: ReadonlyMap<string, string> = new Map(TABLE);

/** The geosync type for a Task Manager type; unknown types are kept as they are (`known: false`). */
export function mapTaskManagerType(type: string): { type: string; known: boolean } {
  const mapped = TASK_MANAGER_TYPES.get(type);
  return mapped === undefined ? { type, known: false } : { type: mapped, known: true };
}
