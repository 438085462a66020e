/**
 * A realistic GeoServer Task Manager export (test/fixtures/taskmanager/parcels-data-tasks.xml:
 * CopyTable, CreateView, CreateComplexView and CopyFile with the Task Manager's parameter names
 * and `${attribute}` values, two batches with schedules) imported through the REST API into
 * geosync with its built-in task types; then the connections it names are created under the
 * Task Manager's names, offered as attribute values, and a batch of it runs with them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { isFileServiceGroup } from '../../src/connectors/file-service.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { S3RVER_KEYS, startS3Server, type TestS3Server } from '../helpers/s3-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

interface Configuration {
  id: string;
  name: string;
  description: string;
  workspace: string;
  template: boolean;
  validated: boolean;
  attributes: { name: string; value: string | null; required: boolean; kinds: string[]; dependsOn: string[] }[];
  tasks: { id: string; name: string; type: string; parameters: Record<string, string> }[];
  problems: { code: string; location: string; message: string }[];
  batches: { id: string; name: string; enabled: boolean; tasks: string[] }[];
}
interface Batch {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  schedule: unknown;
  timeZone: string;
  tasks: { name: string }[];
}
interface Run {
  id: string;
  status: string;
  tasks: { task: string; status: string; message: string | null }[];
}

const XML = readFileSync(new URL('../fixtures/taskmanager/parcels-data-tasks.xml', import.meta.url), 'utf8');

let server: TestServer;
let admin: ApiClient;
let s3: TestS3Server;
const dataDirectory = makeTempDir('gs-tm-data-directory-');
let configuration: Configuration;

before(async () => {
  s3 = await startS3Server(['plans-raw', 'plans-pub']);
  server = await startTestServer({ engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  assert.equal((await admin.request('POST', '/api/v1/workspaces', { name: 'cadastre' })).status, 201);
});
after(async () => {
  await server?.close();
  await s3?.stop();
});

async function valuesOf(attribute: string): Promise<string[] | null> {
  const response = await admin.request<{ values: string[] | null }>(
    'GET',
    `/api/v1/configurations/${configuration.id}/attributes/${attribute}/values`,
  );
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.values;
}

test('the export imports with the built-in task types: tasks, parameters, attributes, batches', async () => {
  const types = await admin.request<{ items: { type: string }[] }>('GET', '/api/v1/task-types');
  assert.deepEqual(types.body.items.map((t) => t.type).sort(), [
    'ClearCachedLayer',
    'ConfigureCachedLayer',
    'CopyFile',
    'CopyTable',
    'CreateComplexView',
    'CreateView',
    'DbSync',
    'DbSyncDeploy',
    'DbSyncGetFiles',
    'DbSyncInstall',
    'DbSyncPackage',
    'DbSyncPrepareCentral',
    'DbSyncSendFiles',
    'DbSyncSendMedia',
    'DbSyncVerify',
    'LayerSecuritySync',
    'LocalAppSchemaPublication',
    'LocalDbPublication',
    'LocalFilePublication',
    'MetadataSync',
    'MetadataTemplateSync',
    'RemoteAppSchemaPublication',
    'RemoteDbPublication',
    'RemoteFilePublication',
    'TimeStamp',
    'WorkspaceSecuritySync',
  ]);

  const response = await admin.request<{ configuration: Configuration; warnings: string[] }>(
    'POST',
    '/api/v1/configurations/import-taskmanager?workspace=cadastre',
    XML,
    { 'content-type': 'application/xml' },
  );
  assert.equal(response.status, 201, JSON.stringify(response.body));
  configuration = response.body.configuration;
  assert.deepEqual(response.body.warnings, [
    "Task Manager read schedules in its server's time zone, which the export does not record; the batches use UTC, change timeZone where needed",
  ]);
  assert.equal(configuration.name, 'parcels');
  assert.equal(configuration.workspace, 'cadastre');
  assert.equal(configuration.template, false);
  assert.equal(
    configuration.description,
    'Parcels: copy from staging, views for the viewer & the zoning plan from the S3 archive',
  );

  assert.deepEqual(
    configuration.tasks.map(({ name, type, parameters }) => ({ name, type, parameters })),
    [
      {
        name: 'copy-parcels',
        type: 'CopyTable',
        parameters: {
          'source-database': '${source-database}',
          'target-database': '${target-database}',
          'table-name': '${table-name}',
          'target-table-name': '${target-table-name}',
        },
      },
      {
        name: 'parcels-view',
        type: 'CreateView',
        parameters: {
          database: '${target-database}',
          'view-name': '${view-name}',
          'table-name': '${target-table-name}',
          'select-clause': '${select-clause}',
          'where-clause': '${where-clause}',
        },
      },
      {
        name: 'parcels-summary',
        type: 'CreateComplexView',
        parameters: {
          database: '${target-database}',
          'view-name': '${summary-view-name}',
          definition: '${definition}',
        },
      },
      {
        name: 'copy-plan',
        type: 'CopyFile',
        parameters: {
          sourceService: '${sourceService}',
          sourcePath: '${sourcePath}',
          targetService: '${targetService}',
          targetPath: '${targetPath}',
          'auto-versioned': 'true',
        },
      },
    ],
  );

  // Attribute values are base64 in the export; kinds and required come from the built-in types.
  assert.deepEqual(
    configuration.attributes.map((a) => [a.name, a.value, a.required, a.kinds, a.dependsOn]),
    [
      [
        'definition',
        'SELECT municipality, count(*) AS parcels, sum(area_m2) AS area_m2\nFROM ${target-table-name}\nGROUP BY municipality',
        true,
        ['sql'],
        [],
      ],
      ['select-clause', 'parcel_id, municipality, area_m2, geom', true, ['sql'], []],
      ['source-database', 'staging', true, ['database'], []],
      ['sourcePath', 'zoning/zoning-plan.tif', true, ['file'], ['sourceService']],
      ['sourceService', 's3-archive-plans-raw', true, ['file-service'], []],
      ['summary-view-name', 'public.parcels_by_municipality', true, ['string'], []],
      ['table-name', 'cadastre.parcels', true, ['table'], ['source-database']],
      ['target-database', 'gis', true, ['database'], []],
      ['target-table-name', 'public.parcels', true, ['table'], ['target-database']],
      ['targetPath', 'plans/zoning-plan.tif', true, ['file'], ['targetService']],
      ['targetService', 'data-directory', true, ['file-service'], []],
      ['view-name', 'public.parcels_public', true, ['string'], []],
      ['where-clause', "status <> 'retired' AND area_m2 > 0", false, ['sql'], []],
    ],
  );

  assert.deepEqual(configuration.problems, []);
  assert.equal(configuration.validated, true);

  // Batches: element order kept; an imported configuration's batches start disabled.
  assert.deepEqual(
    configuration.batches.map((b) => [b.name, b.enabled, b.tasks]),
    [
      ['nightly', false, ['copy-parcels', 'parcels-view', 'parcels-summary', 'copy-plan']],
      ['plan-refresh', false, ['copy-plan']],
    ],
  );
  const batches = await admin.request<{ items: Batch[] }>('GET', `/api/v1/batches?configuration=${configuration.id}`);
  assert.deepEqual(
    batches.body.items
      .map((b) => ({
        name: b.name,
        description: b.description,
        schedule: b.schedule,
        timeZone: b.timeZone,
        tasks: b.tasks.map((t) => t.name),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    [
      {
        name: 'nightly',
        description: 'Copy the parcels, rebuild their views, fetch the zoning plan',
        schedule: { kind: 'cron', expression: '0 30 2 * * ?' },
        timeZone: 'UTC',
        tasks: ['copy-parcels', 'parcels-view', 'parcels-summary', 'copy-plan'],
      },
      {
        name: 'plan-refresh',
        description: 'Fetch the zoning plan on working days',
        schedule: { kind: 'cron', expression: '0 0 5 ? * MON-FRI' },
        timeZone: 'UTC',
        tasks: ['copy-plan'],
      },
    ],
  );
});

test('the connections it names are offered once they exist, under the Task Manager names', async () => {
  // Before: only the built-in connections.
  assert.deepEqual(await valuesOf('source-database'), ['local']);
  assert.deepEqual(await valuesOf('sourceService'), ['local']);

  const create = (name: string, type: string, config: Record<string, unknown>) =>
    server.ctx.connections.create({ name, type, description: '', config, roles: null });
  for (const name of ['staging', 'gis']) {
    await create(name, 'postgis', { host: '127.0.0.1', database: name, user: 'geosync' });
  }
  // Task Manager names an S3 bucket `s3-<alias>-<bucket>`: a connection `s3-<alias>` keeps those names.
  const archive = await create('s3-archive', 's3', {
    endpoint: s3.endpoint,
    forcePathStyle: true,
    ...S3RVER_KEYS,
    buckets: ['plans-raw', 'plans-pub'],
  });
  // Task Manager's default local file service is `data-directory`.
  await create('data-directory', 'local-files', { root: dataDirectory });

  assert.deepEqual(await valuesOf('source-database'), ['gis', 'local', 'staging']);
  assert.deepEqual(await valuesOf('target-database'), ['gis', 'local', 'staging']);
  const fileServices = ['data-directory', 'local', 's3-archive-plans-pub', 's3-archive-plans-raw'];
  assert.deepEqual(await valuesOf('sourceService'), fileServices);
  assert.deepEqual(await valuesOf('targetService'), fileServices);
  // Every connection-valued attribute names one of the offered values.
  for (const attribute of configuration.attributes) {
    if (!attribute.kinds.some((k) => ['database', 'file-service'].includes(k))) continue;
    assert.ok((await valuesOf(attribute.name))?.includes(attribute.value!), attribute.name);
  }
  const validated = await admin.request<Configuration>('POST', `/api/v1/configurations/${configuration.id}/validate`);
  assert.equal(validated.status, 200, JSON.stringify(validated.body));
  assert.deepEqual(validated.body.problems, []);
  assert.equal(validated.body.validated, true);

  // The zoning plan the CopyFile task fetches.
  const { connector } = await server.ctx.connections.open(CLI_PRINCIPAL, archive.id);
  try {
    assert.ok(isFileServiceGroup(connector));
    await connector.member('plans-raw').write('zoning/zoning-plan.tif', Readable.from([Buffer.from('GeoTIFF bytes')]));
  } finally {
    await connector.close();
  }
});

test('its CopyFile batch runs with those names: S3 bucket to the local file service', async () => {
  const batch = configuration.batches.find((b) => b.name === 'plan-refresh')!;
  const queued = await admin.request<Run>('POST', `/api/v1/batches/${batch.id}/run`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const started = Date.now();
  let run = queued.body;
  while (['queued', 'running'].includes(run.status)) {
    assert.ok(Date.now() - started < 30_000, `run still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    run = (await admin.request<Run>('GET', `/api/v1/runs/${run.id}`)).body;
  }
  assert.equal(run.status, 'committed', JSON.stringify(run.tasks));
  // auto-versioned: the first version of plans/zoning-plan.tif.
  assert.deepEqual(readdirSync(path.join(dataDirectory, 'plans')), ['zoning-plan.1.tif']);
  assert.equal(readFileSync(path.join(dataDirectory, 'plans', 'zoning-plan.1.tif'), 'utf8'), 'GeoTIFF bytes');
});
