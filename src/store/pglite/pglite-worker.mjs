// Runs PGlite in a worker thread so a long query never blocks the HTTP server's event loop.
// PGlite is ONE session: transactions go through its transaction() API, never a raw BEGIN, so
// other callers' statements wait for the transaction instead of landing inside it.
import { parentPort, workerData } from 'node:worker_threads';

import { PGlite } from '@electric-sql/pglite';

let db;
let nextTxId = 1;
/** txId -> { tx, finish(commit: boolean), done: Promise } */
const transactions = new Map();

async function open({ dataDir, postgis }) {
  const extensions = {};
  if (postgis) {
    const { postgis: ext } = await import('@electric-sql/pglite-postgis');
    extensions.postgis = ext;
  }
  // The extension is only registered here; CREATE EXTENSION (seconds, once) is the caller's call.
  db = await PGlite.create(dataDir ? { dataDir, extensions } : { extensions });
}

function target(txId) {
  if (!txId) return db;
  const entry = transactions.get(txId);
  if (!entry) throw new Error(`transaction ${txId} is not open`);
  return entry.tx;
}

// Parameterless statements go through exec() (simple protocol) so scripts with several
// statements, such as migrations, run the same way they do on PostgreSQL.
async function query({ sql, params, txId }) {
  const on = target(txId);
  if (params.length === 0) {
    const results = await on.exec(sql);
    const last = results[results.length - 1] ?? { rows: [], affectedRows: 0 };
    return { rows: last.rows, affectedRows: last.affectedRows ?? 0 };
  }
  const result = await on.query(sql, params);
  return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
}

// Every statement's rows, for pg-boss. A script that begins its own transaction runs inside
// transaction(): its BEGIN only warns, its COMMIT commits, and if it fails PGlite rolls back while
// still holding the session, whereas a rollback sent after a plain exec() would queue behind other
// callers' statements, which would then fail in the aborted transaction.
async function exec({ sql }) {
  const results = /^\s*BEGIN\b/i.test(sql) ? await db.transaction((tx) => tx.exec(sql)) : await db.exec(sql);
  return results.map((result) => ({ rows: result.rows, affectedRows: result.affectedRows ?? 0 }));
}

function begin() {
  const txId = nextTxId++;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  return new Promise((resolveBegun, rejectBegun) => {
    const entry = { tx: undefined, finish, done: undefined };
    entry.done = db
      .transaction(async (tx) => {
        entry.tx = tx;
        transactions.set(txId, entry);
        resolveBegun(txId);
        if (!(await finished)) await tx.rollback();
      })
      .finally(() => transactions.delete(txId));
    entry.done.catch(rejectBegun);
  });
}

async function end({ txId, commit }) {
  const entry = transactions.get(txId);
  if (!entry) throw new Error(`transaction ${txId} is not open`);
  entry.finish(commit);
  await entry.done;
}

const handlers = {
  open,
  query,
  exec,
  begin,
  end,
  close: async () => {
    await db?.close();
  },
};

parentPort.on('message', async ({ id, op, args }) => {
  try {
    const result = await handlers[op](args ?? {});
    parentPort.postMessage({ id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { message: error?.message ?? String(error), code: error?.code, detail: error?.detail },
    });
  }
});

if (workerData?.autoOpen) await open(workerData.autoOpen);
