import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import { isGeosyncError } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { withTransaction } from '../../store/store.ts';
import { missedFires, nextFireTimes } from './schedule.ts';

export interface DueFire {
  batchId: string;
  fireTime: Date;
  trigger: 'schedule' | 'misfire';
  /** The run `record` created for this fire, in the transaction that claimed it. */
  runId?: string;
}

/** Records what a claimed fire starts (a queued run), in the claim's own transaction. */
export type RecordFire = (trx: Transaction<Database>, fire: DueFire) => Promise<string>;

/** A fire later than this after its time counts as missed (geosync was down or busy). */
const MISFIRE_AFTER_MS = 60_000;

/**
 * The first two fires after a batch's `since`, by batch id, for as long as `since` and the
 * schedule stay the same (null: the schedule cannot be evaluated, already logged). Computing
 * them costs ~40-70 µs; with 10k batches every tick that would be most of a core.
 */
const firstFires = new Map<string, { key: string; fires: Date[] | null }>();

/**
 * Finds the fires that are due and claims each one with a compare-and-set on the batch's
 * `last_fire_at`, so when several nodes look at the same moment exactly one of them gets it.
 * With `record`, the claim and what it starts commit together: a node dying in between loses
 * neither (the fire is claimed again) nor doubles anything.
 */
export async function claimDueFires(
  db: Kysely<Database>,
  now: Date,
  logger: Logger,
  record?: RecordFire,
): Promise<DueFire[]> {
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
  if (firstFires.size > batches.length) {
    const live = new Set(batches.map((b) => b.id));
    for (const id of firstFires.keys()) if (!live.has(id)) firstFires.delete(id);
  }
  const claimed: DueFire[] = [];
  for (const batch of batches) {
    const since = new Date(batch.last_fire_at ?? batch.created_at);
    const schedule = batch.schedule as Schedule;
    const key = `${since.getTime()}\n${batch.time_zone}\n${JSON.stringify(schedule)}`;
    let cached = firstFires.get(batch.id);
    if (cached?.key !== key) {
      cached = { key, fires: null };
      try {
        cached.fires = nextFireTimes(schedule, batch.time_zone, since, 2);
      } catch (error) {
        logger.warn({ err: error, batchId: batch.id }, 'cannot evaluate the schedule of a batch');
      }
      firstFires.set(batch.id, cached);
    }
    const [first, second] = cached.fires ?? [];
    if (!first || first > now) continue;
    // Several fires missed: only the latest counts (run_once runs it once, skip skips it), found
    // directly however many there were (a minutely schedule down for days misses thousands).
    const several = second !== undefined && second <= now;
    const latest = several ? (missedFires(schedule, batch.time_zone, since, now, 'run_once')[0] ?? first) : first;
    const missed = several || now.getTime() - latest.getTime() > MISFIRE_AFTER_MS;
    const fire: DueFire = { batchId: batch.id, fireTime: latest, trigger: missed ? 'misfire' : 'schedule' };
    const claim = await withTransaction(db, async (trx) => {
      const result = await trx
        .updateTable('batches')
        .set({ last_fire_at: latest })
        .where('id', '=', batch.id)
        .where((eb) => eb.or([eb('last_fire_at', 'is', null), eb('last_fire_at', '<', latest)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined; // another node took it
      if (missed && batch.misfire === 'skip') {
        logger.info({ batchId: batch.id, latest }, 'skipped missed fires (misfire policy: skip)');
        return undefined;
      }
      if (!record) return fire;
      try {
        return { ...fire, runId: await record(trx, fire) };
      } catch (error) {
        // A batch that cannot start (emptied, holds a removed task) gives up this fire only; a
        // store failure rolls the claim back so the next tick tries again.
        if (!isGeosyncError(error) || error.kind !== 'user') throw error;
        logger.warn({ err: error, batchId: batch.id }, 'a scheduled batch could not start');
        return undefined;
      }
    });
    if (claim) claimed.push(claim);
  }
  return claimed;
}
