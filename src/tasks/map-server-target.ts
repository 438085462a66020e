import { UserError } from '../errors/errors.ts';
import { type MapServerNeeds, param } from './parameter.ts';
import type { TaskActionContext } from './task-type.ts';

/**
 * The map server a task acts on: `map-server`, or `external-geoserver` as the Task Manager names
 * it (so its exports import unchanged), or else the local map server. `needs`: what it must do.
 */
export const mapServerTargetParameters = (needs: MapServerNeeds = {}) => ({
  'map-server': param.mapServer('The map server holding the layer (default: the local map server)', needs).optional(),
  'external-geoserver': param
    .mapServer("The same as `map-server`, under the Task Manager's name for a remote map server", needs)
    .optional(),
});

export interface MapServerTarget {
  name: string;
  /** The parameter that named it, for error details. */
  field: 'map-server' | 'external-geoserver';
}

export function mapServerTarget(
  params: { 'map-server'?: string | undefined; 'external-geoserver'?: string | undefined },
  ctx: TaskActionContext,
): MapServerTarget {
  const given = params['map-server'];
  const external = params['external-geoserver'];
  if (given !== undefined && external !== undefined && given !== external) {
    throw new UserError(
      'conflicting_parameters',
      '`map-server` and `external-geoserver` name different map servers: give one',
      {
        details: [{ field: 'external-geoserver', message: 'conflicts with map-server' }],
      },
    );
  }
  if (external !== undefined) return { name: external, field: 'external-geoserver' };
  return { name: given ?? ctx.services.connections.localMapServer, field: 'map-server' };
}
