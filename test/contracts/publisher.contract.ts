import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import type {
  AppSchemaSource,
  LayerDefinition,
  LayerMetadata,
  LayerRef,
  LayerSource,
  Publisher,
  RasterFileSource,
} from '../../src/connectors/publisher.ts';
import { isGeosyncError, UserError } from '../../src/errors/errors.ts';

/** What the server itself shows, read without the connector (HTTP, GetCapabilities, the double's state). */
export interface PublisherServerView {
  /** The names the server's public listing shows (OGC API collections, WMS GetCapabilities...). */
  listed(): Promise<string[]>;
  /** The name a layer has in that listing and in data requests. */
  nameOf(ref: LayerRef): string;
  /** Whether the server answers a data request for the layer by name (items, GetMap), listed or not. */
  serves(ref: LayerRef): Promise<boolean>;
  /** Everything the server holds, comparable with deepEqual: a refused publication must not change it. */
  state(): Promise<unknown>;
  /** When `cache` and the server really caches: fills some of the layer's tiles, and counts those cached. */
  tileCache?: { fill(ref: LayerRef): Promise<void>; count(ref: LayerRef): Promise<number> };
}

/** The cases of the suite, by id (the ids `knownGaps` uses). */
export type PublisherCase =
  | 'capabilities'
  | 'list'
  | 'get-missing'
  | 'publish-create'
  | 'publish-replace'
  | 'rename'
  | 'rename-collision'
  | 'rename-missing'
  | 'advertised'
  | 'update-metadata'
  | 'missing-layer'
  | 'remove'
  | 'refused-new'
  | 'refused-replace'
  | 'unsupported-sources'
  | 'raster'
  | 'raster-upload'
  | 'app-schema'
  | 'cache'
  | 'read-roles'
  | 'read-roles-lifecycle'
  | 'workspaces'
  | 'temp-name-protocol';

/** What a known gap's replacement check gets: the publisher, a workspace of its own, a definition maker. */
export interface PublisherCaseContext {
  publisher: Publisher;
  server: PublisherServerView;
  workspace: string;
  layer: (name: string, extra?: Partial<LayerDefinition>) => LayerDefinition;
  signal: () => AbortSignal;
}

/** A case this implementation does not meet yet: the suite runs `current` instead, which asserts today's behaviour. */
export interface KnownGap {
  gap: string;
  current: (ctx: PublisherCaseContext) => Promise<void>;
}

/** What an implementation hands the publisher contract: a publisher on a real (or double) server. */
export interface PublisherContractSetup {
  publisher: Publisher;
  server: PublisherServerView;
  /** Two sources the server can serve, of two different tables. */
  sources: [LayerSource, LayerSource];
  /** Changes that make a good definition one this server rejects (a missing table, an unknown style...). */
  refused: Array<{ what: string; change: Partial<LayerDefinition> }>;
  /** Required when `raster`: a GeoTIFF the server can read. */
  rasterSource?: RasterFileSource;
  /** Required when `raster`: a GeoTIFF handed over as bytes (`upload`), its `path` one the server cannot read. */
  rasterUpload?: RasterFileSource;
  /** Required when `appSchema`: a mapping the server accepts. */
  appSchemaSource?: AppSchemaSource;
  /** Required when `cache`: grid sets and formats this server's cache takes. */
  cacheOptions?: { gridSets: string[]; formats: string[] };
  cleanup?: () => Promise<void>;
}

export interface PublisherContractOptions {
  /** Metadata fields the server does not keep, each with the reason: not compared after a round trip. */
  metadataNotKept?: Partial<Record<keyof LayerMetadata, string>>;
  /** Cases this implementation does not meet yet, each replaced by a check of today's behaviour. */
  knownGaps?: Partial<Record<PublisherCase, KnownGap>>;
}

/** Every kind of metadata, with characters that need escaping in XML, mapfiles and JSON. */
export const FULL_METADATA: LayerMetadata = {
  title: 'Routes «été» "quoted" & <tagged>',
  abstract: "All the roads.\nSecond line, l'autre.",
  keywords: ['transport', 'réseau'],
  metadataLinks: [{ href: 'https://catalog.example.org/md?id=1&lang=fr', type: 'ISO19115:2003', format: 'text/xml' }],
  dataTimestamp: '2024-05-01T10:00:00.000Z',
  metadataTimestamp: '2024-05-02T08:30:00.000Z',
};

/** Writes a 4 x 4 Byte GeoTIFF over lon 4..6, lat 50..52 (each cell another grey) into `dir`; returns its path. */
export async function writeTestGeotiff(dir: string): Promise<string> {
  const grid = path.join(dir, 'scan.asc');
  const rows = Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => 20 + 60 * c + 10 * r).join(' '));
  await writeFile(grid, ['ncols 4', 'nrows 4', 'xllcorner 4', 'yllcorner 50', 'cellsize 0.5', ...rows].join('\n'));
  const tif = path.join(dir, 'scan.tif');
  await promisify(execFile)('gdal_translate', ['-q', '-of', 'GTiff', '-ot', 'Byte', '-a_srs', 'EPSG:4326', grid, tif]);
  return tif;
}

const withoutPassword = (source: LayerSource) => {
  if (source.kind !== 'postgis') return source;
  const { password: _password, ...rest } = source;
  return rest;
};

const userError = (status?: number) => (error: unknown) => {
  assert.ok(error instanceof UserError, `not a UserError: ${String(error)}`);
  if (status !== undefined) assert.equal(error.status, status, error.message);
  assert.ok(error.message.length > 10, 'no clear message');
  return true;
};

/**
 * The behaviour every map server (Publisher) has: the built-in publisher, MapServer, GeoServer.
 * Each case works in a workspace of its own (lower-case letters and digits only, so any collation
 * sorts them alike). A case listed in `knownGaps` runs its `current` check instead, named so.
 */
export function publisherContract(
  name: string,
  make: () => Promise<PublisherContractSetup>,
  options: PublisherContractOptions = {},
): void {
  describe(`publisher contract: ${name}`, () => {
    let setup: PublisherContractSetup;
    before(async () => {
      setup = await make();
    });
    after(async () => {
      await setup?.cleanup?.();
    });

    const signal = () => AbortSignal.timeout(60_000);
    const notKept = Object.entries(options.metadataNotKept ?? {});
    const notKeptNote =
      notKept.length === 0 ? '' : ` (not kept: ${notKept.map(([f, why]) => `${f}: ${why}`).join('; ')})`;
    let counter = 0;

    function context(): PublisherCaseContext {
      const workspace = `pc${++counter}`;
      return {
        publisher: setup.publisher,
        server: setup.server,
        workspace,
        signal,
        layer: (layerName, extra = {}) => ({
          workspace,
          name: layerName,
          source: setup.sources[0],
          metadata: { title: `Layer ${layerName}` },
          advertised: true,
          ...extra,
        }),
      };
    }

    /** The metadata as this server keeps it. */
    const kept = (metadata: LayerMetadata): LayerMetadata => {
      const out: LayerMetadata = { ...metadata };
      for (const field of Object.keys(options.metadataNotKept ?? {})) delete out[field as keyof LayerMetadata];
      return out;
    };

    /** Asserts the layer is published exactly as `definition` says (and served). */
    async function assertPublished(definition: LayerDefinition, ctx: PublisherCaseContext): Promise<void> {
      const read = await ctx.publisher.getLayer(definition, signal());
      assert.ok(read, `${definition.name} not published`);
      assert.deepEqual(
        [read.workspace, read.name, withoutPassword(read.source), read.advertised],
        [definition.workspace, definition.name, withoutPassword(definition.source), definition.advertised],
      );
      assert.deepEqual(kept(read.metadata), kept(definition.metadata));
      assert.ok(!('password' in read.source), 'getLayer gives the database password back');
      assert.equal(await ctx.server.serves(definition), true, `${definition.name} is not served`);
    }

    const names = async (ctx: PublisherCaseContext, workspace = ctx.workspace) =>
      (await ctx.publisher.listLayers(workspace, signal())).map((r) => r.name);

    function contractCase(id: PublisherCase, title: string, body: (ctx: PublisherCaseContext) => Promise<void>): void {
      const gap = options.knownGaps?.[id];
      if (!gap) {
        test(`${title} [${id}]`, () => body(context()));
        return;
      }
      test(`KNOWN GAP [${id}] ${gap.gap} (asserts today's behaviour instead of: ${title})`, () =>
        gap.current(context()));
    }

    contractCase('capabilities', 'the optional methods match the capabilities', async ({ publisher }) => {
      const caps = publisher.publisherCapabilities;
      if (caps.cache) {
        assert.equal(typeof publisher.configureCache, 'function', 'cache without configureCache');
        assert.equal(typeof publisher.clearCache, 'function', 'cache without clearCache');
      }
      if (caps.security) assert.equal(typeof publisher.setReadRoles, 'function', 'security without setReadRoles');
      if (caps.raster) {
        assert.ok(setup.rasterSource && setup.rasterUpload?.upload, 'the setup must give raster sources');
      }
      if (caps.appSchema) assert.ok(setup.appSchemaSource, 'the setup must give an appSchemaSource');
      if (caps.cache) assert.ok(setup.cacheOptions, 'the setup must give cacheOptions');
    });

    contractCase('list', 'listLayers: all or one workspace, unadvertised included, sorted', async (ctx) => {
      const other = `${ctx.workspace}x`;
      for (const [workspace, layerName, advertised] of [
        [ctx.workspace, 'roads', true],
        [other, 'b2', true],
        [ctx.workspace, 'a1', false],
        [other, 'a9', false],
        [ctx.workspace, 'b1', true],
      ] as const) {
        await ctx.publisher.publishLayer({ ...ctx.layer(layerName), workspace, advertised }, signal());
      }
      assert.deepEqual(await names(ctx), ['a1', 'b1', 'roads']);
      assert.deepEqual(
        (await ctx.publisher.listLayers(other, signal())).map((r) => [r.workspace, r.name]),
        [
          [other, 'a9'],
          [other, 'b2'],
        ],
      );
      const all = (await ctx.publisher.listLayers(undefined, signal()))
        .filter((r) => r.workspace === ctx.workspace || r.workspace === other)
        .map((r) => `${r.workspace}:${r.name}`);
      assert.deepEqual(all, [
        `${ctx.workspace}:a1`,
        `${ctx.workspace}:b1`,
        `${ctx.workspace}:roads`,
        `${other}:a9`,
        `${other}:b2`,
      ]);
      assert.deepEqual(await names(ctx, `${ctx.workspace}none`), [], 'an unknown workspace has no layers');
    });

    contractCase('get-missing', 'getLayer of a missing layer is undefined', async (ctx) => {
      await ctx.publisher.publishLayer(ctx.layer('present'), signal());
      assert.equal(await ctx.publisher.getLayer({ workspace: ctx.workspace, name: 'absent' }, signal()), undefined);
      assert.equal(
        await ctx.publisher.getLayer({ workspace: `${ctx.workspace}none`, name: 'present' }, signal()),
        undefined,
      );
    });

    contractCase(
      'publish-create',
      `publishLayer creates a layer; its definition and metadata round-trip${notKeptNote}`,
      async (ctx) => {
        const definition = ctx.layer('roads', { metadata: FULL_METADATA });
        await ctx.publisher.publishLayer(definition, signal());
        await assertPublished(definition, ctx);
        assert.ok((await ctx.server.listed()).includes(ctx.server.nameOf(definition)), 'not listed');
        const bare = ctx.layer('bare', { metadata: {} });
        await ctx.publisher.publishLayer(bare, signal());
        const read = await ctx.publisher.getLayer(bare, signal());
        assert.deepEqual(kept(read?.metadata ?? { title: 'missing' }), {});
      },
    );

    contractCase(
      'publish-replace',
      'publishLayer again replaces the layer (source, metadata, advertised)',
      async (ctx) => {
        await ctx.publisher.publishLayer(ctx.layer('roads', { metadata: FULL_METADATA }), signal());
        const second = ctx.layer('roads', {
          source: setup.sources[1],
          metadata: { title: 'Second version', keywords: ['v2'] },
          advertised: false,
        });
        await ctx.publisher.publishLayer(second, signal());
        await assertPublished(second, ctx);
        assert.deepEqual(await names(ctx), ['roads']);
        assert.ok(!(await ctx.server.listed()).includes(ctx.server.nameOf(second)), 'still listed');
        await ctx.publisher.publishLayer(second, signal()); // the same again: nothing changes
        await assertPublished(second, ctx);
      },
    );

    contractCase('rename', 'renameLayer moves the layer to a free name; repeating it is a no-op', async (ctx) => {
      const from = ctx.layer('tmpx', { metadata: FULL_METADATA, advertised: false });
      await ctx.publisher.publishLayer(from, signal());
      const to = { workspace: ctx.workspace, name: 'roads' };
      await ctx.publisher.renameLayer(from, to, signal());
      assert.equal(await ctx.publisher.getLayer(from, signal()), undefined);
      assert.equal(await ctx.server.serves(from), false, 'the old name still answers');
      await assertPublished({ ...from, ...to }, ctx);
      assert.deepEqual(await names(ctx), ['roads']);
      await ctx.publisher.renameLayer(from, to, signal()); // recovery repeats it
      await assertPublished({ ...from, ...to }, ctx);
    });

    contractCase(
      'rename-collision',
      'renameLayer onto a taken name: a clear 409, both layers unchanged',
      async (ctx) => {
        const a = ctx.layer('first', { metadata: { title: 'First' } });
        const b = ctx.layer('second', { source: setup.sources[1], metadata: { title: 'Second' } });
        await ctx.publisher.publishLayer(a, signal());
        await ctx.publisher.publishLayer(b, signal());
        await assert.rejects(ctx.publisher.renameLayer(a, b, signal()), (error) => {
          userError(409)(error);
          assert.match((error as Error).message, /second/);
          return true;
        });
        await assertPublished(a, ctx);
        await assertPublished(b, ctx);
      },
    );

    contractCase('rename-missing', 'renameLayer of a layer that is nowhere: a clear 404', async (ctx) => {
      await assert.rejects(
        ctx.publisher.renameLayer(
          { workspace: ctx.workspace, name: 'ghost' },
          { workspace: ctx.workspace, name: 'other' },
          signal(),
        ),
        userError(404),
      );
      assert.equal(await ctx.publisher.getLayer({ workspace: ctx.workspace, name: 'other' }, signal()), undefined);
    });

    contractCase('advertised', 'setAdvertised hides a layer from the listing, not from data requests', async (ctx) => {
      const layer = ctx.layer('roads', { advertised: false });
      const listed = async () => (await ctx.server.listed()).includes(ctx.server.nameOf(layer));
      await ctx.publisher.publishLayer(layer, signal());
      assert.deepEqual([await listed(), await ctx.server.serves(layer)], [false, true]);
      assert.deepEqual(await names(ctx), ['roads'], 'listLayers includes unadvertised layers');
      await ctx.publisher.setAdvertised(layer, true, signal());
      assert.deepEqual([await listed(), (await ctx.publisher.getLayer(layer, signal()))?.advertised], [true, true]);
      await ctx.publisher.setAdvertised(layer, true, signal()); // unchanged: fine
      await ctx.publisher.setAdvertised(layer, false, signal());
      assert.deepEqual([await listed(), (await ctx.publisher.getLayer(layer, signal()))?.advertised], [false, false]);
      assert.equal(await ctx.server.serves(layer), true);
    });

    contractCase('update-metadata', 'updateMetadata replaces the metadata as a whole', async (ctx) => {
      const layer = ctx.layer('roads', { metadata: FULL_METADATA });
      await ctx.publisher.publishLayer(layer, signal());
      const next: LayerMetadata = { title: 'New title', keywords: ['k1'] };
      await ctx.publisher.updateMetadata(layer, next, signal());
      // Fields not given are cleared: rollbacks (MetadataSync) put the previous metadata back this way.
      await assertPublished({ ...layer, metadata: next }, ctx);
      await ctx.publisher.updateMetadata(layer, FULL_METADATA, signal());
      await assertPublished(layer, ctx);
    });

    contractCase('missing-layer', 'changing a missing layer is a clear 404', async (ctx) => {
      const { publisher } = ctx;
      const ghost = { workspace: ctx.workspace, name: 'ghost' };
      await publisher.publishLayer(ctx.layer('present'), signal());
      await assert.rejects(publisher.setAdvertised(ghost, true, signal()), userError(404));
      await assert.rejects(publisher.updateMetadata(ghost, { title: 'x' }, signal()), userError(404));
      if (publisher.publisherCapabilities.security) {
        await assert.rejects(publisher.setReadRoles!(ghost, ['r'], signal()), userError(404));
      }
      if (publisher.publisherCapabilities.cache) {
        await assert.rejects(publisher.configureCache!(ghost, setup.cacheOptions!, signal()), userError(404));
      }
      assert.deepEqual(await names(ctx), ['present']);
    });

    contractCase('remove', 'removeLayer removes; a missing layer is not an error', async (ctx) => {
      const layer = ctx.layer('roads');
      const other = ctx.layer('other');
      // The same name in another workspace is another layer.
      const twin = { ...ctx.layer('roads'), workspace: `${ctx.workspace}x` };
      for (const l of [layer, other, twin]) await ctx.publisher.publishLayer(l, signal());
      await ctx.publisher.removeLayer(layer, signal());
      await assertPublished(twin, ctx);
      assert.equal(await ctx.publisher.getLayer(layer, signal()), undefined);
      assert.deepEqual([await ctx.server.serves(layer), await names(ctx)], [false, ['other']]);
      assert.ok(!(await ctx.server.listed()).includes(ctx.server.nameOf(layer)));
      await ctx.publisher.removeLayer(layer, signal());
      await ctx.publisher.removeLayer({ workspace: `${ctx.workspace}none`, name: 'nothing' }, signal());
      await assertPublished(other, ctx);
    });

    /** Each refused definition: an error with a message, and the server exactly as before. */
    async function assertRefusals(ctx: PublisherCaseContext, base: LayerDefinition): Promise<void> {
      assert.ok(setup.refused.length > 0, 'the setup must give at least one refused definition');
      for (const { what, change } of setup.refused) {
        const before = await ctx.server.state();
        await assert.rejects(ctx.publisher.publishLayer({ ...base, ...change }, signal()), (error) => {
          assert.ok(isGeosyncError(error), `${what}: not a geosync error: ${String(error)}`);
          assert.ok(error.message.length > 10, `${what}: no clear message`);
          return true;
        });
        assert.deepEqual(await ctx.server.state(), before, `${what}: the server changed`);
      }
    }

    contractCase('refused-new', 'a definition the server rejects fails, and nothing is created', async (ctx) => {
      await assertRefusals(ctx, ctx.layer('roads'));
      assert.equal(await ctx.publisher.getLayer({ workspace: ctx.workspace, name: 'roads' }, signal()), undefined);
    });

    contractCase(
      'refused-replace',
      'a rejected replacement fails before anything changes: the previous layer is still served',
      async (ctx) => {
        const previous = ctx.layer('roads', { metadata: FULL_METADATA });
        await ctx.publisher.publishLayer(previous, signal());
        await assertRefusals(ctx, { ...previous, metadata: { title: 'Broken' } });
        await assertPublished(previous, ctx);
        assert.ok((await ctx.server.listed()).includes(ctx.server.nameOf(previous)));
      },
    );

    contractCase('unsupported-sources', 'source kinds the server cannot serve are refused clearly', async (ctx) => {
      const caps = ctx.publisher.publisherCapabilities;
      const served = new Set(setup.sources.map((s) => s.kind));
      const candidates: LayerSource[] = [
        { kind: 'embedded', schema: 'public', table: 'roads' },
        {
          kind: 'postgis',
          host: '127.0.0.1',
          port: 5432,
          database: 'gis',
          user: 'u',
          schema: 'public',
          table: 'roads',
        },
      ];
      if (!caps.raster) candidates.push({ kind: 'geotiff', path: '/data/scan.tif' });
      if (!caps.appSchema) {
        candidates.push({ kind: 'app-schema', mainFile: 'm.xml', files: [{ path: 'm.xml', content: '<x/>' }] });
      }
      const before = await ctx.server.state();
      for (const source of candidates.filter((s) => !served.has(s.kind))) {
        await assert.rejects(ctx.publisher.publishLayer(ctx.layer('odd', { source }), signal()), userError());
      }
      assert.deepEqual(await ctx.server.state(), before);
    });

    contractCase('raster', 'a GeoTIFF is published when `raster`', async (ctx) => {
      if (!ctx.publisher.publisherCapabilities.raster) return; // refusal: unsupported-sources
      const layer = ctx.layer('scan', { source: setup.rasterSource!, metadata: { title: 'Scan' } });
      await ctx.publisher.publishLayer(layer, signal());
      await assertPublished(layer, ctx);
    });

    contractCase('raster-upload', 'a GeoTIFF handed over as bytes is stored by the server and served', async (ctx) => {
      if (!ctx.publisher.publisherCapabilities.raster) return; // refusal: unsupported-sources
      const layer = ctx.layer('uploaded', { source: setup.rasterUpload! });
      await ctx.publisher.publishLayer(layer, signal());
      const read = await ctx.publisher.getLayer(layer, signal());
      assert.ok(read?.source.kind === 'geotiff', 'not a GeoTIFF layer');
      assert.ok(!('upload' in read.source), 'the upload is not part of the stored definition');
      assert.ok(read.source.path.length > 0, 'where the server keeps its copy');
      assert.equal(await ctx.server.serves(layer), true);
      await ctx.publisher.publishLayer(layer, signal()); // again: replaced, still served
      assert.equal(await ctx.server.serves(layer), true);
      await ctx.publisher.removeLayer(layer, signal());
      assert.equal(await ctx.server.serves(layer), false);
    });

    contractCase('app-schema', 'an app-schema mapping is published when `appSchema`', async (ctx) => {
      if (!ctx.publisher.publisherCapabilities.appSchema) return; // refusal: unsupported-sources
      const layer = ctx.layer('complex', { source: setup.appSchemaSource!, metadata: FULL_METADATA });
      await ctx.publisher.publishLayer(layer, signal());
      const read = await ctx.publisher.getLayer(layer, signal());
      assert.deepEqual([read?.source.kind, kept(read?.metadata ?? {})], ['app-schema', kept(FULL_METADATA)]);
      assert.equal(await ctx.server.serves(layer), true);
    });

    contractCase('cache', 'configureCache and clearCache when `cache`; refused otherwise', async (ctx) => {
      const { publisher } = ctx;
      const layer = ctx.layer('roads');
      await publisher.publishLayer(layer, signal());
      if (!publisher.publisherCapabilities.cache) {
        const options = { gridSets: ['EPSG:4326'], formats: ['image/png'] };
        if (publisher.configureCache) {
          await assert.rejects(publisher.configureCache(layer, options, signal()), userError());
        }
        if (publisher.clearCache) await assert.rejects(publisher.clearCache(layer, signal()), userError());
        return;
      }
      await publisher.configureCache!(layer, setup.cacheOptions!, signal());
      await publisher.configureCache!(layer, setup.cacheOptions!, signal()); // again: same settings
      const tiles = ctx.server.tileCache;
      if (tiles) {
        await tiles.fill(layer);
        assert.ok((await tiles.count(layer)) > 0, 'nothing was cached');
      }
      await publisher.clearCache!(layer, signal());
      if (tiles) assert.equal(await tiles.count(layer), 0, 'clearCache left tiles');
      await publisher.clearCache!(layer, signal()); // nothing cached: fine
      await assertPublished(layer, ctx);
    });

    contractCase('read-roles', 'setReadRoles round-trips when `security`; absent or refused otherwise', async (ctx) => {
      const { publisher } = ctx;
      const layer = ctx.layer('roads');
      await publisher.publishLayer(layer, signal());
      const roles = async () => (await publisher.getLayer(layer, signal()))?.readRoles;
      if (!publisher.publisherCapabilities.security) {
        if (publisher.setReadRoles) await assert.rejects(publisher.setReadRoles(layer, ['r'], signal()), userError());
        assert.equal(await roles(), undefined);
        return;
      }
      assert.equal(await roles(), undefined, 'no rule by default');
      await publisher.setReadRoles!(layer, ['viewers', 'editors'], signal());
      assert.deepEqual((await roles())?.slice().sort(), ['editors', 'viewers']);
      await publisher.setReadRoles!(layer, [], signal());
      assert.deepEqual(await roles(), [], 'an empty list: administrators only');
      await publisher.setReadRoles!(layer, undefined, signal());
      assert.equal(await roles(), undefined);
    });

    contractCase('read-roles-lifecycle', 'read roles follow replace and rename, and go with removal', async (ctx) => {
      const { publisher } = ctx;
      if (!publisher.publisherCapabilities.security) return; // refusal: read-roles
      const layer = ctx.layer('roads');
      const roles = async (ref: LayerRef) => (await publisher.getLayer(ref, signal()))?.readRoles;
      await publisher.publishLayer(layer, signal());
      await publisher.setReadRoles!(layer, ['viewers'], signal());
      await publisher.publishLayer({ ...layer, metadata: { title: 'Replaced' } }, signal());
      assert.deepEqual(await roles(layer), ['viewers'], 'replacing a layer keeps its read roles');
      const renamed = { ...layer, name: 'moved' };
      await publisher.renameLayer(layer, renamed, signal());
      assert.deepEqual(await roles(renamed), ['viewers'], 'the read roles follow a rename');
      await publisher.publishLayer(layer, signal());
      assert.equal(await roles(layer), undefined, 'a new layer under the old name has no rule');
      await publisher.removeLayer(renamed, signal());
      await publisher.publishLayer(renamed, signal());
      assert.equal(await roles(renamed), undefined, 'a removed layer leaves no rule for the next one of its name');
    });

    contractCase('workspaces', 'a workspace made by publishing is removed only once empty', async (ctx) => {
      const { publisher } = ctx;
      assert.equal(typeof publisher.workspaceExists, typeof publisher.removeWorkspace, 'both or neither');
      if (!publisher.workspaceExists || !publisher.removeWorkspace) return;
      const layer = ctx.layer('roads');
      assert.equal(await publisher.workspaceExists(ctx.workspace, signal()), false);
      await publisher.publishLayer(layer, signal());
      assert.equal(await publisher.workspaceExists(ctx.workspace, signal()), true);
      await publisher.removeWorkspace(ctx.workspace, signal());
      await assertPublished(layer, ctx);
      await publisher.removeLayer(layer, signal());
      await publisher.removeWorkspace(ctx.workspace, signal());
      assert.equal(await publisher.workspaceExists(ctx.workspace, signal()), false);
      await publisher.removeWorkspace(ctx.workspace, signal());
    });

    contractCase(
      'temp-name-protocol',
      'the temp-name protocol ends with exactly the new layer, advertised',
      async (ctx) => {
        const final = ctx.layer('roads', { metadata: { title: 'Version 1' } });
        const temp = ctx.layer('tmproads', { source: setup.sources[1], metadata: FULL_METADATA, advertised: false });
        await ctx.publisher.publishLayer(final, signal());
        // Run: the new version under a temporary name, unadvertised, beside the live one.
        await ctx.publisher.publishLayer(temp, signal());
        const listed = await ctx.server.listed();
        assert.ok(listed.includes(ctx.server.nameOf(final)) && !listed.includes(ctx.server.nameOf(temp)));
        // Commit, each step repeated as recovery may.
        for (let i = 0; i < 2; i++) await ctx.publisher.removeLayer(final, signal());
        for (let i = 0; i < 2; i++) await ctx.publisher.renameLayer(temp, final, signal());
        for (let i = 0; i < 2; i++) await ctx.publisher.setAdvertised(final, true, signal());
        await assertPublished({ ...temp, name: final.name, advertised: true }, ctx);
        assert.deepEqual(await names(ctx), ['roads']);
        const after = await ctx.server.listed();
        assert.equal(after.filter((n) => n === ctx.server.nameOf(final)).length, 1);
        assert.ok(!after.includes(ctx.server.nameOf(temp)));
      },
    );
  });
}
