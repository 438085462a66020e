import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import type { Database } from '../../store/database.types.ts';
import { nextFireTimes } from './schedule.ts';

export interface DueFire {
  batchId: string;
  fireTime: Date;
  trigger: 'schedule' | 'misfire';
}

/** A fire later than this after its time counts as missed (geosync was down or busy). */
const MISFIRE_AFTER_MS = 60_000;

/**
 * Finds the fires that are due and claims each one with a compare-and-set on the batch's
 * `last_fire_at`, so when several nodes look at the same moment exactly one of them gets it.
 */
export async function claimDueFires(db: Kysely<Database>, now: Date, logger: Logger): Promise<DueFire[]> {
  const batches = await db
    .selectFrom('batches')
    .leftJoin('configurations', 'configurations.id', 'batches.configuration_id')
    .select([
      'batches.id',
      'batches.schedule',
      'batches.time_zone',
      'batches.misfire',
      'batches.last_fire_at',
      'batches.created_at',
    ])
    .where('batches.removed_at', 'is', null)
    .where('batches.enabled', '=', true)
    .where('batches.schedule', 'is not', null)
    .where('batches.name', 'not like', '@%')
    .where((eb) =>
      eb.or([
        eb('batches.configuration_id', 'is', null),
        eb.and([
          eb('configurations.validated', '=', true),
          eb('configurations.template', '=', false),
          eb('configurations.removed_at', 'is', null),
        ]),
      ]),
    )
    .execute();
  const claimed: DueFire[] = [];
  for (const batch of batches) {
    const since = new Date(batch.last_fire_at ?? batch.created_at);
    let fires: Date[];
    try {
      fires = nextFireTimes(batch.schedule as Schedule, batch.time_zone, since, 50).filter((f) => f <= now);
    } catch (error) {
      logger.warn({ err: error, batchId: batch.id }, 'cannot evaluate the schedule of a batch');
      continue;
    }
    const latest = fires[fires.length - 1];
    if (!latest) continue;
    const missed = fires.length > 1 || now.getTime() - latest.getTime() > MISFIRE_AFTER_MS;
    const result = await db
      .updateTable('batches')
      .set({ last_fire_at: latest })
      .where('id', '=', batch.id)
      .where((eb) => eb.or([eb('last_fire_at', 'is', null), eb('last_fire_at', '<', latest)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue; // another node took it
    if (missed && batch.misfire === 'skip') {
      logger.info({ batchId: batch.id, missed: fires.length }, 'skipped missed fires (misfire policy: skip)');
      continue;
    }
    claimed.push({ batchId: batch.id, fireTime: latest, trigger: missed ? 'misfire' : 'schedule' });
  }
  return claimed;
}
