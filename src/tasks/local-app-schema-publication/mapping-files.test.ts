import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import type { FileService } from '../../connectors/file-service.ts';
import { isGeosyncError } from '../../errors/errors.ts';
import { readMapping } from './mapping-files.ts';
import { rawZip } from '../../lib/zip/zip-fixture.test-helper.ts';

/** A file service holding the given files in memory (only `read` is used for plain paths). */
const serviceOf = (files: Record<string, Buffer>) =>
  ({
    read: async (file: string) => {
      const content = files[file];
      if (!content) throw new Error(`no ${file}`);
      return Readable.from([content]);
    },
  }) as unknown as FileService;

const XXE = '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>';

test('a mapping with its included files is read from a ZIP named after the main file', async () => {
  const zip = rawZip([
    { name: 'roads.xml', data: Buffer.from('<as:AppSchemaDataAccess/>') },
    { name: 'inc/types.xml', data: Buffer.from('<included/>') },
  ]);
  const mapping = await readMapping(serviceOf({ 'm/roads.zip': zip }), 'm/roads.zip');
  assert.equal(mapping.mainFile, 'roads.xml');
  assert.deepEqual(
    mapping.files.map((f) => f.path),
    ['roads.xml', 'inc/types.xml'],
  );
});

test('a DOCTYPE (external entities: XXE on the map server) is refused in the main or an included file', async () => {
  const isRefused = (e: unknown) =>
    isGeosyncError(e) && e.code === 'invalid_mapping_file' && e.message.includes('declares a DOCTYPE');
  const zip = rawZip([
    { name: 'roads.xml', data: Buffer.from('<as:AppSchemaDataAccess/>') },
    { name: 'inc/types.xml', data: Buffer.from(XXE) },
  ]);
  await assert.rejects(readMapping(serviceOf({ 'roads.zip': zip }), 'roads.zip'), isRefused);
  await assert.rejects(readMapping(serviceOf({ 'roads.xml': Buffer.from(XXE) }), 'roads.xml'), isRefused);
});

test('a decompression bomb in the mapping ZIP is refused, not inflated', async () => {
  const bomb = rawZip([{ name: 'roads.xml', data: Buffer.alloc(80 * 1024 * 1024) }]);
  assert.ok(bomb.length < 200_000);
  await assert.rejects(
    readMapping(serviceOf({ 'roads.zip': bomb }), 'roads.zip'),
    (e) => isGeosyncError(e) && e.code === 'invalid_zip' && /once decompressed/.test(e.message),
  );
});
