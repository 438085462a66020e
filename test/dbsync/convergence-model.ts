/**
 * The model, commands and oracle of the §6.42 convergence property
 * (convergence.property.integration.test.ts): a parent and a child table (child.parent_uid ->
 * parent.uid, rule lww) on a central and two clones. Commands are built by plain factories, so a
 * shrunk counterexample can be pinned as an ordinary test.
 */
import { randomUUID } from 'node:crypto';

import fc from 'fast-check';

import type { FaultStep } from '../../src/domain/dbsync/transfer.ts';
import type { SyncCluster } from '../helpers/dbsync-cluster.ts';

export const PROPERTY_SCHEMA_SQL = `CREATE SCHEMA prop;
  CREATE TABLE prop.parent (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE, a integer, b text);
  CREATE TABLE prop.child (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    parent_uid uuid NOT NULL REFERENCES prop.parent (uid), a integer, b text);`;

const NODES = ['central', 'clone0', 'clone1'] as const;
const SLOTS = { parent: 3, child: 4 } as const;
const COLUMNS = { parent: ['a', 'b'], child: ['a', 'b', 'parent_uid'] } as const;
const A_VALUES = [0, 1, 2];
const B_VALUES = ['x', 'y', 'z'];
const STEPS: FaultStep[] = ['window-opened', 'batch-staged', 'batch-applied', 'batch-committed'];
const FAULT = 'injected fault';

type Table = keyof typeof SLOTS;
type Values = Record<string, unknown>;

interface Write {
  id: number;
  node: number;
  table: Table;
  uid: string;
  kind: 'insert' | 'update' | 'delete';
  values: Values;
  /** Writes the node may have known when it wrote this one. */
  known: Set<number>;
}

/** One run's model: its rows' uids (fresh per run), every write done, what each node may know. */
export class Run {
  readonly uids: Record<Table, string[]> = {
    parent: Array.from({ length: SLOTS.parent }, () => randomUUID()),
    child: Array.from({ length: SLOTS.child }, () => randomUUID()),
  };
  readonly inserted = new Set<string>();
  readonly writes: Write[] = [];
  readonly mayKnow = NODES.map(() => new Set<number>());

  record(node: number, table: Table, uid: string, kind: Write['kind'], values: Values): void {
    const write = { id: this.writes.length, node, table, uid, kind, values, known: new Set(this.mayKnow[node]) };
    this.writes.push(write);
    this.mayKnow[node]!.add(write.id);
  }

  /** A sync of clone `i`, whole or cut: both sides may now know what either knew. */
  exchange(i: number): void {
    const union = new Set([...this.mayKnow[0]!, ...this.mayKnow[i + 1]!]);
    this.mayKnow[0] = union;
    this.mayKnow[i + 1] = new Set(union);
  }

  slotName(table: Table, uid: string): string {
    return `${table}#${this.uids[table].indexOf(uid)}`;
  }
}

export interface Real {
  cluster: SyncCluster;
}

export type Command = fc.AsyncCommand<Run, Real>;

const sqlState = (error: unknown) => (error as { code?: string }).code;
const nodeOf = (r: Real, n: number) => (n === 0 ? r.cluster.central : r.cluster.clones[n - 1]!);
const command = (label: string, run: (m: Run, r: Real) => Promise<void>): Command => ({
  check: () => true,
  run,
  toString: () => label,
});
/** A parent still having children here, or a parent missing here: the user's statement fails. */
const fkRefused = (error: unknown) => {
  if (sqlState(error) === '23503') return [];
  throw error;
};

export function insert(s: { n: number; table: Table; slot: number; parent: number; a: number; b: string }): Command {
  const slot = s.slot % SLOTS[s.table];
  const of = s.table === 'child' ? ` of parent#${s.parent}` : '';
  return command(`insert ${NODES[s.n]} ${s.table}#${slot}${of} a=${s.a} b=${s.b}`, async (m, r) => {
    const uid = m.uids[s.table][slot]!;
    if (m.inserted.has(uid)) return; // once per uid: insert/insert is the keys tests' business
    const values: Values =
      s.table === 'parent' ? { a: s.a, b: s.b } : { a: s.a, b: s.b, parent_uid: m.uids.parent[s.parent] };
    const done =
      s.table === 'parent'
        ? await nodeOf(r, s.n).query('INSERT INTO prop.parent (uid, a, b) VALUES ($1, $2, $3) RETURNING uid', [
            uid,
            s.a,
            s.b,
          ])
        : await nodeOf(r, s.n).query(
            `INSERT INTO prop.child (uid, a, b, parent_uid) SELECT $1, $2, $3, $4
              WHERE EXISTS (SELECT 1 FROM prop.parent WHERE uid = $4) RETURNING uid`,
            [uid, s.a, s.b, values.parent_uid],
          );
    if (done.length === 0) return;
    m.inserted.add(uid);
    m.record(s.n, s.table, uid, 'insert', values);
  });
}

export function update(s: { n: number; table: Table; slot: number; column: number; value: number }): Command {
  const slot = s.slot % SLOTS[s.table];
  const col = COLUMNS[s.table][s.column % COLUMNS[s.table].length]!;
  const shown = col === 'a' ? A_VALUES[s.value] : col === 'b' ? B_VALUES[s.value] : `parent#${s.value}`;
  return command(`update ${NODES[s.n]} ${s.table}#${slot}.${col} = ${shown}`, async (m, r) => {
    const uid = m.uids[s.table][slot]!;
    const v = col === 'a' ? A_VALUES[s.value] : col === 'b' ? B_VALUES[s.value] : m.uids.parent[s.value];
    const rows = await nodeOf(r, s.n)
      .query(`UPDATE prop.${s.table} SET ${col} = $2 WHERE uid = $1 AND ${col} IS DISTINCT FROM $2 RETURNING uid`, [
        uid,
        v,
      ])
      .catch(fkRefused);
    if (rows.length === 1) m.record(s.n, s.table, uid, 'update', { [col]: v });
  });
}

export function remove(s: { n: number; table: Table; slot: number }): Command {
  const slot = s.slot % SLOTS[s.table];
  return command(`delete ${NODES[s.n]} ${s.table}#${slot}`, async (m, r) => {
    const uid = m.uids[s.table][slot]!;
    const rows = await nodeOf(r, s.n)
      .query(`DELETE FROM prop.${s.table} WHERE uid = $1 RETURNING uid`, [uid])
      .catch(fkRefused);
    if (rows.length === 1) m.record(s.n, s.table, uid, 'delete', {});
  });
}

/** A sync of clone `i`; with a fault, the nth time `step` is reached the sync is cut by a throw. */
export function sync(s: { i: number; batch: number; fault: { step: FaultStep; nth: number } | null }): Command {
  const { fault } = s;
  return command(
    `sync clone${s.i} batch ${s.batch}${fault ? ` cut at ${fault.step} #${fault.nth}` : ''}`,
    async (m, r) => {
      let seen = 0;
      const faults = fault
        ? async (step: FaultStep) => {
            if (step === fault.step && seen++ === fault.nth) throw new Error(FAULT);
          }
        : undefined;
      m.exchange(s.i);
      await r.cluster.sync(s.i, { batchChanges: s.batch, faults }).catch((error: unknown) => {
        if ((error as Error).message !== FAULT) throw error;
      });
    },
  );
}

const table = fc.constantFrom<Table>('parent', 'child');
const node = fc.nat(2);
export const commandArbitraries = {
  insert: fc
    .record({
      n: node,
      table,
      slot: fc.nat(3),
      parent: fc.nat(2),
      a: fc.constantFrom(...A_VALUES),
      b: fc.constantFrom(...B_VALUES),
    })
    .map(insert),
  update: fc.record({ n: node, table, slot: fc.nat(3), column: fc.nat(2), value: fc.nat(2) }).map(update),
  remove: fc.record({ n: node, table, slot: fc.nat(3) }).map(remove),
  sync: fc
    .record({
      i: fc.nat(1),
      batch: fc.constantFrom(1, 2, 1000),
      fault: fc.oneof(
        { arbitrary: fc.constant(null), weight: 2 },
        { arbitrary: fc.record({ step: fc.constantFrom(...STEPS), nth: fc.nat(2) }), weight: 1 },
      ),
    })
    .map(sync),
};

/**
 * One run: two parents and two children every node has (so there is something to edit;
 * parent#2, child#2 and child#3 are left for inserts), the commands, then every clone syncs
 * twice in both orders. Returns the oracle's findings.
 */
export async function runScenario(cluster: SyncCluster, commands: Iterable<Command>): Promise<string[]> {
  const m = new Run();
  const real: Real = { cluster };
  const seeds = [
    ['parent', 0, { a: 0, b: 'x' }],
    ['parent', 1, { a: 1, b: 'y' }],
    ['child', 0, { a: 0, b: 'x', parent_uid: m.uids.parent[0] }],
    ['child', 1, { a: 1, b: 'y', parent_uid: m.uids.parent[1] }],
  ] as const;
  for (const [t, slot, values] of seeds) {
    const uid = m.uids[t][slot]!;
    await cluster.central.query(
      t === 'parent'
        ? 'INSERT INTO prop.parent (uid, a, b) VALUES ($1, $2, $3)'
        : 'INSERT INTO prop.child (uid, a, b, parent_uid) VALUES ($1, $2, $3, $4)',
      [uid, values.a, values.b, ...('parent_uid' in values ? [values.parent_uid] : [])],
    );
    m.inserted.add(uid);
    m.record(0, t, uid, 'insert', values);
  }
  for (const i of [0, 1]) {
    m.exchange(i);
    await cluster.sync(i);
  }
  await fc.asyncModelRun(() => ({ model: m, real }), commands);
  for (const i of [0, 1, 0, 1, 1, 0]) await cluster.sync(i);
  return oracle(m, real);
}

const concurrent = (x: Write, y: Write) => !x.known.has(y.id) && !y.known.has(x.id);
const pairs = <T>(xs: T[]) => xs.flatMap((x, i) => xs.slice(i + 1).map((y) => [x, y] as const));

/** Every violation of the convergence oracle (see the test file's header), naming slots and writes. */
async function oracle(m: Run, r: Real): Promise<string[]> {
  const problems: string[] = [];
  const runUids = new Set<string>([...m.uids.parent, ...m.uids.child]);
  const conflicts = (await r.cluster.conflicts()).filter((c) => runUids.has(c.rowUid));
  const pending = new Set(conflicts.filter((c) => c.outcome === 'pending').map((c) => c.rowUid));
  const deleted = (uid: string) => m.writes.some((w) => w.uid === uid && w.kind === 'delete');
  for (const c of conflicts.filter((x) => x.outcome === 'pending')) {
    const parents = m.writes
      .filter((w) => w.uid === c.rowUid && 'parent_uid' in w.values)
      .map((w) => w.values.parent_uid as string);
    if (c.kind !== 'fk_orphan' || !(deleted(c.rowUid) || parents.some(deleted))) {
      problems.push(
        `unexplained pending ${c.kind} on ${m.slotName(c.table === 'prop.parent' ? 'parent' : 'child', c.rowUid)}: ${c.message}`,
      );
    }
  }
  for (const t of ['parent', 'child'] as const) {
    const all = [r.cluster.central, ...r.cluster.clones];
    const states = await Promise.all(
      all.map(async (n) => new Map((await r.cluster.rows(n, `prop.${t}`)).map((row) => [row.uid as string, row]))),
    );
    for (const uid of m.uids[t]) {
      if (pending.has(uid)) continue;
      const name = m.slotName(t, uid);
      const writes = m.writes.filter((w) => w.uid === uid);
      const central = states[0]!.get(uid);
      if (states.some((s) => JSON.stringify(s.get(uid)) !== JSON.stringify(central))) {
        problems.push(
          `${name} differs: ${NODES.map((n, i) => `${n} ${JSON.stringify(states[i]!.get(uid) ?? null)}`).join(', ')}`,
        );
      }
      if (deleted(uid) && central) problems.push(`${name} was deleted but is still on the central`);
      if (!deleted(uid) && writes.length > 0 && !central) {
        problems.push(`${name} was never deleted but is missing on the central`);
      }
      for (const col of COLUMNS[t]) {
        const last = writes.filter((w) => col in w.values).at(-1);
        if (central && last && central[col] !== last.values[col]) {
          problems.push(
            `${name}.${col} is ${JSON.stringify(central[col])}, but the last write (#${last.id}, ${NODES[last.node]}) set ${JSON.stringify(last.values[col])}`,
          );
        }
        const updates = writes.filter((w) => w.kind === 'update' && col in w.values);
        const writers = new Set(updates.map((w) => w.node));
        if (
          conflicts.some((c) => c.rowUid === uid && c.column === col && c.kind === 'update_update') &&
          writers.size < 2
        ) {
          problems.push(`${name}.${col}: an update_update conflict, but no two nodes changed it`);
        }
        const racing =
          !deleted(uid) &&
          updates.length >= 2 &&
          writers.size === updates.length &&
          pairs(updates).every(([x, y]) => concurrent(x, y) && x.values[col] !== y.values[col]);
        if (racing && !conflicts.some((c) => c.rowUid === uid && c.column === col)) {
          problems.push(
            `${name}.${col}: concurrent writes ${updates.map((w) => `#${w.id}`).join(', ')} left no conflict`,
          );
        }
      }
      const deletes = writes.filter((w) => w.kind === 'delete');
      const updates = writes.filter((w) => w.kind === 'update');
      const cols = updates.flatMap((w) => Object.keys(w.values));
      const racingDelete =
        deletes.length === 1 &&
        updates.length > 0 &&
        new Set(updates.map((w) => w.node)).size === 1 &&
        updates[0]!.node !== deletes[0]!.node &&
        new Set(cols).size === cols.length &&
        updates.every((u) => concurrent(u, deletes[0]!));
      if (
        racingDelete &&
        !conflicts.some((c) => c.rowUid === uid && (c.kind === 'update_delete' || c.kind === 'delete_update'))
      ) {
        problems.push(
          `${name}: delete #${deletes[0]!.id} raced updates ${updates.map((w) => `#${w.id}`).join(', ')} without a conflict`,
        );
      }
    }
  }
  return problems;
}
