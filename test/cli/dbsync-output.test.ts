/** The human output of `geosync dbsync` (without --json): what a person reads, from real-shaped results. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  describeConflicts,
  describeDeploy,
  describeFiles,
  describeInstall,
  describePrepare,
  describeStatus,
  describeSync,
  describeVerifyReport,
} from '../../src/cli/commands/dbsync-output.ts';

const transfer = { changes: 0, batches: 0, applied: 0, conflicts: 0, quarantined: 0, bytes: 0, replays: 0 };

test('install, prepare and deploy: what happened, and what was left out', () => {
  assert.equal(
    describeInstall({ central: 'c', installed: true, structureVersion: 2, nodeId: 'n1' }),
    'Installed sync structures version 2 on c (node n1)',
  );
  assert.equal(
    describeInstall({ central: 'c', installed: true, upgradedFrom: 1, structureVersion: 2, nodeId: 'n1' }),
    'Upgraded from version 1 to sync structures version 2 on c (node n1)',
  );
  assert.equal(
    describeInstall({ central: 'c', installed: false, structureVersion: 2, nodeId: 'n1' }),
    'The sync structures of c are up to date (version 2)',
  );
  const prepared = describePrepare({
    central: 'c',
    serverId: 'n1',
    tables: [{ table: 'field.site', rule: 'lww', uid: 'added_online', newlySynced: true }],
    withoutPrimaryKey: ['field.log'],
    statements: 9,
  });
  assert.match(
    prepared,
    /^Prepared 1 table\(s\) of c \(server id n1\)\nTABLE +RULE +UID +NEWLYSYNCED\nfield\.site +lww +added_online +true/,
  );
  assert.match(prepared, /Left out, no primary key \(name them with --sync-without-primary-key\): field\.log$/);
  const deployed = describeDeploy({
    clone: 'k',
    nodeId: 'n2',
    packageId: 'p',
    centralId: 'n1',
    tables: [],
    rows: 5,
    savedUnsyncedChangesTo: '/data/dbsync/unsynced/x.json',
  });
  assert.equal(
    deployed,
    "Deployed package p to k: 5 row(s) in 0 table(s); clone node n2\nThe clone's unsent changes were saved to /data/dbsync/unsynced/x.json",
  );
});

test('sync and status: counts each way, conflicts, pending changes; an unregistered clone said so', () => {
  const line = describeSync({
    central: 'c',
    clone: 'k',
    runId: '1',
    cloneId: 'n2',
    toClone: { ...transfer, changes: 3, batches: 1 },
    toCentral: { ...transfer, changes: 2, batches: 1 },
    pingBack: { ...transfer, changes: 1, batches: 1 },
    conflicts: 1,
    quarantined: 0,
    schemaMigrationsApplied: 1,
    clockOffsetMs: 0,
    warnings: [],
    durationMs: 12,
  });
  assert.equal(
    line,
    'Synced k with c: 4 change(s) to the clone, 2 to the central (3 batch(es), 12 ms); 1 conflict(s), 0 quarantined; 1 schema migration(s) replayed',
  );
  const status = describeStatus({
    central: 'c',
    centralStatus: {
      nodeId: 'n1',
      schemaVersion: 1,
      structureVersion: 2,
      tables: [{ table: 'field.site', rule: 'lww' }],
      clones: [{ nodeId: 'n2', name: 'k', lastSyncAt: null, expired: false, pendingToClone: 4 }],
      pendingConflicts: 0,
      changeLogRows: 7,
      recentRuns: [],
    },
    clone: 'k',
    cloneStatus: {
      nodeId: 'n2',
      centralId: 'n1',
      schemaVersion: 1,
      pendingToClone: 4,
      pendingToCentral: null,
      pendingConflicts: 0,
      lastRun: null,
    },
  });
  assert.match(status, /^Central c: node n1, schema version 1, structures version 2\n1 synced table\(s\), 0 pending/);
  assert.match(status, /\nk +n2 +- +4 +false\n/);
  assert.match(status, /pending: 4 to the clone, all its changes \(not registered yet\) to the central/);
});

test('verify, conflicts and files: the differences, values shortened, files listed', () => {
  const report = describeVerifyReport({
    central: 'c',
    clone: 'k',
    equal: false,
    tables: [
      {
        table: 'field.site',
        centralRows: 2,
        cloneRows: 2,
        missingOnClone: ['u1'],
        extraOnClone: [],
        different: [{ uid: 'u2', columns: ['h', 'name'] }],
        truncated: true,
      },
      {
        table: 'field.note',
        centralRows: 1,
        cloneRows: 1,
        missingOnClone: [],
        extraOnClone: [],
        different: [],
        truncated: false,
      },
    ],
  });
  assert.equal(
    report,
    [
      'k differs from c: field.site: 1 missing on the clone, 0 extra, 1 different (more not listed)',
      'field.site (central 2 rows, clone 2):',
      '  missing on the clone: u1',
      '  different:            u2 (h, name)',
      '  (more differences not listed)',
    ].join('\n'),
  );
  const conflicts = describeConflicts({
    items: [
      {
        id: 7,
        nodeId: 'n1',
        table: 'field.note',
        rowUid: 'u3',
        column: 'body',
        kind: 'update_update',
        rule: 'manual',
        base: 'x'.repeat(60),
        central: 'a',
        clone: null,
        incoming: null,
        winner: 'none',
        outcome: 'pending',
        sqlstate: null,
        message: null,
        createdAt: '2026-01-01T00:00:00Z',
        resolvedBy: null,
        resolvedAt: null,
        resolution: null,
      },
    ],
    total: 3,
    limit: 1,
    offset: 0,
  });
  assert.match(
    conflicts,
    /\n7 +field\.note +u3 +body +update_update +manual +none +pending +"x{36}\.\.\. +"a" +null\n1 of 3 conflict\(s\)$/,
  );
  const files = describeFiles({
    from: 'a:/',
    to: 'b:p',
    copied: ['x.qgs'],
    unchanged: 2,
    conflicts: [{ path: 'y.txt', keptAs: 'y (conflict a 2026-01-01 000000).txt' }],
    excluded: ['skip'],
    missingAtSource: ['gone.txt'],
    rewritten: [{ path: 'x.qgs', layers: 3 }],
    bytes: 10,
  });
  assert.equal(
    files,
    [
      '1 file(s) copied from a:/ to b:p (10 bytes), 2 unchanged',
      '  copied: x.qgs',
      '  conflict: y.txt kept; the incoming one is y (conflict a 2026-01-01 000000).txt',
      '  QGIS project rewritten: x.qgs (3 layer(s))',
      '  gone from the source (not deleted here): gone.txt',
      '  excluded: skip',
    ].join('\n'),
  );
});
