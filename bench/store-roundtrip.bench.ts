/**
 * What the worker thread costs: geosync's embedded store (Kysely -> worker -> PGlite) against
 * PGlite called directly on the main thread (the obvious alternative, which freezes the event
 * loop during long queries). Prints operations per second and the ratio.
 *
 *   npx tsx bench/store-roundtrip.bench.ts [operations=2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';

import { openStore } from '../src/store/store.ts';

const operations = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'gs-bench-'));

async function time(label: string, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 1; i <= 50; i++) await fn(-i); // warm up on keys the timed loop does not use
  const started = performance.now();
  for (let i = 0; i < operations; i++) await fn(i);
  const seconds = (performance.now() - started) / 1000;
  const rate = operations / seconds;
  process.stdout.write(`${label.padEnd(48)} ${rate.toFixed(0).padStart(7)} ops/s\n`);
  return rate;
}

try {
  const direct = await PGlite.create(path.join(dir, 'direct'));
  await direct.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
  const store = await openStore({ backend: 'pglite', dataDir: path.join(dir, 'worker'), postgis: false });
  await sql`CREATE TABLE t (id int PRIMARY KEY, v text)`.execute(store.db);

  process.stdout.write(`store round trips, ${operations} operations each, Node ${process.version}\n`);
  const directInsert = await time('PGlite on the main thread: INSERT', (i) =>
    direct.query('INSERT INTO t VALUES ($1, $2)', [i, 'x']),
  );
  const workerInsert = await time('geosync store (worker + Kysely): INSERT', (i) =>
    sql`INSERT INTO t VALUES (${i}, ${'x'})`.execute(store.db),
  );
  const directSelect = await time('PGlite on the main thread: SELECT by key', (i) =>
    direct.query('SELECT v FROM t WHERE id = $1', [i]),
  );
  const workerSelect = await time('geosync store (worker + Kysely): SELECT by key', (i) =>
    store.db
      .selectFrom('t' as never)
      .selectAll()
      .where('id' as never, '=', i as never)
      .execute(),
  );
  process.stdout.write(`ratio INSERT geosync/direct: ${(workerInsert / directInsert).toFixed(2)}\n`);
  process.stdout.write(`ratio SELECT geosync/direct: ${(workerSelect / directSelect).toFixed(2)}\n`);
  await direct.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
