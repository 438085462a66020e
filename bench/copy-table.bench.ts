/**
 * CopyTable throughput: a table of N points with 10 attribute columns copied between two
 * databases of one PostgreSQL server, against (a) the raw binary COPY pipe through psql and
 * (b) ogr2ogr PostgreSQL -> PostgreSQL, all measured in the same run. The data phase of CopyTable
 * (rows into the staged table) is timed apart from its keys/indexes/ANALYZE phase, so the ratio
 * against the raw pipe compares the same work. Prints rows/s, ratios and geosync's peak memory.
 *
 *   npx tsx bench/copy-table.bench.ts [rows=1000000] [rounds=5]
 *
 * Needs PostgreSQL 15 + PostGIS (installed by `npm test`) and, for (b), ogr2ogr
 * (`apt-get install gdal-bin`; skipped with a note when missing). A private cluster is started
 * unless GEOSYNC_TEST_PG_URL points at one.
 */
import { execFileSync, spawn } from 'node:child_process';

import pg from 'pg';

import type { Connector } from '../src/connectors/connector.ts';
import type { PostgresDatabase } from '../src/connectors/database.ts';
import { postgisConnectorType } from '../src/connectors/postgis/postgis.connector.ts';
import { copyTableTask } from '../src/tasks/copy-table/copy-table.task.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { taskContext } from '../test/tasks/task-context.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
/** Rounds of each contender; the best is reported (the machine's noise only ever adds time). */
const ROUNDS = Number(process.argv[3] ?? 5);
const out = (line: string) => process.stdout.write(`${line}\n`);

function connectorFor(url: string): Connector & PostgresDatabase {
  const u = new URL(url);
  return postgisConnectorType.create(
    postgisConnectorType.config.parse({
      host: u.hostname,
      port: Number(u.port),
      database: u.pathname.slice(1),
      user: decodeURIComponent(u.username),
      sslMode: 'disable',
    }),
    { dataDir: '/nonexistent' },
  ) as Connector & PostgresDatabase;
}

const TABLE_DDL = `(id integer PRIMARY KEY, geom geometry(Point,4326), a1 integer, a2 bigint, a3 double precision,
  a4 numeric(10,2), a5 text, a6 varchar(40), a7 boolean, a8 date, a9 timestamptz, a10 text)`;

/** Runs a shell pipeline, returning seconds. */
function timeShell(command: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command}: exit ${code}`)),
    );
  });
}

const hasOgr = (() => {
  try {
    execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const sourceDb = await createTestDatabase('benchsrc');
const targetDb = await createTestDatabase('benchdst');
const source = new pg.Pool({ connectionString: sourceDb.url });
const target = new pg.Pool({ connectionString: targetDb.url });
const from = connectorFor(sourceDb.url);
const into = connectorFor(targetDb.url);
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
try {
  out(`CopyTable benchmark: ${rows.toLocaleString('en')} points + 10 attribute columns, Node ${process.version}`);
  await source.query(`CREATE TABLE points ${TABLE_DDL}`);
  await source.query(
    `INSERT INTO points SELECT i, ST_SetSRID(ST_MakePoint(random() * 360 - 180, random() * 180 - 90), 4326), i, i * 10,
       random(), (random() * 1000)::numeric(10,2), md5(i::text), 'label ' || i, i % 2 = 0, date '2000-01-01' + i % 9000,
       now() - i * interval '1 minute', repeat('x', i % 50) FROM generate_series(1, $1) AS i`,
    [rows],
  );
  await source.query('CREATE INDEX points_geom ON points USING gist (geom); ANALYZE points');
  const size = (await source.query<{ s: string }>(`SELECT pg_size_pretty(pg_total_relation_size('points')) AS s`))
    .rows[0]!.s;
  out(`source table ready (${size})`);

  // (a) the raw pipe: psql binary COPY out | psql binary COPY in, into an empty table without indexes.
  const columns = 'id, geom, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10';
  const pipeSeconds: number[] = [];
  const copySeconds: number[] = [];
  const indexSeconds: number[] = [];
  const connections = {
    database: () => Promise.resolve(from),
    postgres: (name: string) => Promise.resolve(name === 'src' ? from : into),
    fileService: () => Promise.reject(new Error('unused')),
    localMapServer: 'local',
    mapServer: () => Promise.reject(new Error('unused')),
  };
  // Each contender starts from the same state: the other's written pages flushed (CHECKPOINT and
  // sync), and the order alternates, since whoever runs second pays for the first one's writeback.
  const settle = async () => {
    await target.query('CHECKPOINT');
    execFileSync('sync');
  };
  const pipe = async () => {
    await target.query(`DROP TABLE IF EXISTS piped; CREATE TABLE piped ${TABLE_DDL.replace(' PRIMARY KEY', '')}`);
    await settle();
    pipeSeconds.push(
      await timeShell(
        `psql -X -q "${sourceDb.url}" -c "\\copy (SELECT ${columns} FROM points) TO STDOUT (FORMAT binary)" | ` +
          `psql -X -q "${targetDb.url}" -c "\\copy piped (${columns}) FROM STDIN (FORMAT binary)"`,
      ),
    );
  };
  const copyTable = async () => {
    await settle();
    // The task's own log says how long keys, indexes and ANALYZE took after the load.
    const ctx = taskContext(connections);
    const started = performance.now();
    await copyTableTask.run(
      copyTableTask.parameters.parse({
        'source-database': 'src',
        'table-name': 'points',
        'target-database': 'dst',
      }) as never,
      ctx,
    );
    const total = (performance.now() - started) / 1000;
    const indexLine = ctx.logs.find((l) => l.includes('ANALYZE took')) ?? '';
    const index = Number(/took ([\d.]+) s/.exec(indexLine)?.[1] ?? 0);
    indexSeconds.push(index);
    copySeconds.push(total - index);
    await copyTableTask.commitStaged(ctx.staged[0]!, taskContext(connections));
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await pipe();
      await copyTable();
    } else {
      await copyTable();
      await pipe();
    }
  }
  const best = (values: number[]) => Math.min(...values);
  const rate = (seconds: number) => Math.round(rows / seconds).toLocaleString('en');
  out(
    `raw pipe (psql binary COPY | psql)   best of ${ROUNDS}: ${best(pipeSeconds).toFixed(2)} s  ${rate(best(pipeSeconds))} rows/s`,
  );
  out(
    `CopyTable data phase                 best of ${ROUNDS}: ${best(copySeconds).toFixed(2)} s  ${rate(best(copySeconds))} rows/s`,
  );
  out(`CopyTable keys + indexes + ANALYZE   best of ${ROUNDS}: ${best(indexSeconds).toFixed(2)} s`);
  out(
    `ratio CopyTable data / raw pipe throughput: ${(best(pipeSeconds) / best(copySeconds)).toFixed(2)} (goal >= 0.9)`,
  );

  if (hasOgr) {
    // ogr2ogr with and without its spatial index, so both readings of "index builds counted
    // separately" are printed: data against data, and whole task against whole run.
    const ogr = async (spatialIndex: 'GIST' | 'NONE') => {
      const seconds: number[] = [];
      for (let round = 0; round < 3; round++) {
        await settle();
        seconds.push(
          await timeShell(
            `ogr2ogr -f PostgreSQL "PG:${targetDb.url.replace('postgres://', 'postgresql://')}" ` +
              `"PG:${sourceDb.url.replace('postgres://', 'postgresql://')}" points -nln ogr_points -overwrite ` +
              `-lco SPATIAL_INDEX=${spatialIndex}`,
          ),
        );
      }
      return best(seconds);
    };
    const ogrFull = await ogr('GIST');
    const ogrData = await ogr('NONE');
    const full = best(copySeconds.map((c, i) => c + indexSeconds[i]!));
    out(`ogr2ogr PG -> PG without a spatial index best of 3: ${ogrData.toFixed(2)} s  ${rate(ogrData)} rows/s`);
    out(`ogr2ogr PG -> PG with a GiST index       best of 3: ${ogrFull.toFixed(2)} s  ${rate(ogrFull)} rows/s`);
    out(`CopyTable whole task (data + indexes)    best of ${ROUNDS}: ${full.toFixed(2)} s  ${rate(full)} rows/s`);
    out(`ratio CopyTable data phase / ogr2ogr without index: ${(ogrData / best(copySeconds)).toFixed(2)} (goal >= 3)`);
    out(`ratio CopyTable whole task / ogr2ogr with GiST:     ${(ogrFull / full).toFixed(2)} (goal >= 3)`);
  } else {
    out('ogr2ogr not installed (apt-get install gdal-bin): comparison (b) skipped');
  }
  out(`geosync peak RSS during the run: ${Math.round(peakRss / 2 ** 20)} MiB`);
} finally {
  clearInterval(sampler);
  await from.close();
  await into.close();
  await source.end();
  await target.end();
  await sourceDb.drop();
  await targetDb.drop();
}
