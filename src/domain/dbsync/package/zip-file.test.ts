import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';

import { UserError } from '../../../errors/errors.ts';
import { readZip } from '../../../lib/zip/zip-reader.ts';
import { ZipFileReader } from './zip-file-reader.ts';
import { ZipFileWriter } from './zip-file-writer.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gs-zipfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const invalid = (why: string) => new UserError('bad_zip', why);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let n = 0;
const file = () => path.join(dir, `a${++n}.zip`);

async function readAll(reader: ZipFileReader, entry: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of reader.read(entry)) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Python's zipfile (CRC checked by testzip) as an independent reader. */
function pythonEntries(zip: string): Record<string, string> {
  const out = execFileSync('python3', [
    '-c',
    `import sys, zipfile, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))`,
    zip,
  ]);
  return JSON.parse(out.toString()) as Record<string, string>;
}

async function sample(target: string, forceZip64 = false) {
  const big = randomBytes(3 * 1024 * 1024); // incompressible, several chunks
  const text = 'row\t1\n'.repeat(50_000);
  const writer = await ZipFileWriter.create(target, { forceZip64 });
  let lines = 0;
  const a = await writer.add(
    'data/1.copy',
    Readable.from([Buffer.from(text.slice(0, 1000)), Buffer.from(text.slice(1000))]),
    {
      observe: (chunk) => (lines += chunk.toString().split('\n').length - 1),
    },
  );
  await writer.add('data/2.bin', big);
  await writer.add('empty.txt', '');
  await writer.add('dossier/é.json', '{"ok":true}');
  const bytes = await writer.finish();
  return { big, text, a, lines, bytes };
}

describe('ZipFileWriter and ZipFileReader', () => {
  for (const forceZip64 of [false, true]) {
    it(`round-trips streamed entries, readable by Python's zipfile too${forceZip64 ? ' (ZIP64 records)' : ''}`, async () => {
      const target = file();
      const { big, text, a, lines, bytes } = await sample(target, forceZip64);
      assert.equal(bytes, readFileSync(target).length);
      assert.equal(lines, 50_000);
      assert.deepEqual({ size: a.size, sha256: a.sha256 }, { size: text.length, sha256: sha(Buffer.from(text)) });
      const reader = await ZipFileReader.open(target, { invalid });
      assert.deepEqual([...reader.entries.keys()], ['data/1.copy', 'data/2.bin', 'empty.txt', 'dossier/é.json']);
      assert.equal((await readAll(reader, 'data/1.copy')).toString(), text);
      assert.ok((await readAll(reader, 'data/2.bin')).equals(big));
      assert.equal((await readAll(reader, 'empty.txt')).length, 0);
      assert.equal((await reader.readBuffer('dossier/é.json', 100)).toString(), '{"ok":true}');
      assert.deepEqual(pythonEntries(target), {
        'data/1.copy': sha(Buffer.from(text)),
        'data/2.bin': sha(big),
        'empty.txt': sha(Buffer.alloc(0)),
        'dossier/é.json': sha(Buffer.from('{"ok":true}')),
      });
    });
  }

  it('writes archives unzip accepts', async () => {
    const target = file();
    await sample(target);
    const out = execFileSync('unzip', ['-t', target]).toString();
    assert.match(out, /No errors detected/);
  });

  it('refuses a file that is not a ZIP, a truncated one and a missing one', async () => {
    const text = file();
    writeFileSync(text, 'hello, not a zip at all, just some text');
    await assert.rejects(ZipFileReader.open(text, { invalid }), {
      code: 'bad_zip',
      message: /end of central directory/,
    });
    const whole = file();
    await sample(whole);
    const cut = file();
    writeFileSync(cut, readFileSync(whole).subarray(0, 2_000_000));
    await assert.rejects(ZipFileReader.open(cut, { invalid }), { code: 'bad_zip' });
    await assert.rejects(ZipFileReader.open(path.join(dir, 'nope.zip'), { invalid }), {
      code: 'bad_zip',
      message: /ENOENT/,
    });
  });

  it('detects one changed byte inside an entry (inflate or CRC)', async () => {
    const target = file();
    const { text } = await sample(target);
    const bytes = readFileSync(target);
    bytes[200] = bytes[200]! ^ 0x01; // inside data/1.copy's deflated bytes
    writeFileSync(target, bytes);
    const reader = await ZipFileReader.open(target, { invalid });
    await assert.rejects(
      async () => {
        const out = await readAll(reader, 'data/1.copy');
        assert.notEqual(out.toString(), text);
      },
      { code: 'bad_zip' },
    );
  });

  it('refuses entry names that leave the folder and a size the data contradicts', async () => {
    const target = file();
    const writer = await ZipFileWriter.create(target);
    await writer.add('aa/x.sql', 'select 1');
    await writer.finish();
    const bytes = readFileSync(target);
    // rename 'aa/x.sql' to '../x.sql' in the local header and the central directory
    for (let at = bytes.indexOf('aa/x.sql'); at !== -1; at = bytes.indexOf('aa/x.sql', at + 1)) bytes.write('..', at);
    const unsafe = file();
    writeFileSync(unsafe, bytes);
    await assert.rejects(ZipFileReader.open(unsafe, { invalid }), { code: 'bad_zip', message: /escapes/ });

    const small = file();
    const w2 = await ZipFileWriter.create(small);
    await w2.add('a.txt', 'x'.repeat(10_000));
    await w2.finish();
    const b2 = readFileSync(small);
    const central = b2.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    // the ZIP64 extra's uncompressed size in the central record (after the 46-byte record and the name)
    b2.writeBigUInt64LE(100n, central + 46 + 'a.txt'.length + 4);
    writeFileSync(small, b2);
    const reader = await ZipFileReader.open(small, { invalid });
    await assert.rejects(readAll(reader, 'a.txt'), { code: 'bad_zip', message: /longer than/ });
    await assert.rejects(reader.readBuffer('a.txt', 10), { code: 'bad_zip', message: /larger than 10 bytes/ });
  });

  it('leaves nothing behind when aborted, and never overwrites an existing file', async () => {
    const target = file();
    const writer = await ZipFileWriter.create(target);
    await writer.add('a.txt', 'abc');
    await writer.abort();
    assert.throws(() => readFileSync(target), { code: 'ENOENT' });
    writeFileSync(target, 'keep');
    await assert.rejects(ZipFileWriter.create(target), { code: 'EEXIST' });
    assert.equal(readFileSync(target, 'utf8'), 'keep');
  });

  it('is not readable by the small in-memory reader, which refuses ZIP64 (packages need this reader)', async () => {
    const target = file();
    await sample(target, true);
    assert.throws(() => readZip(readFileSync(target), 'p.zip'), { code: 'invalid_zip' });
  });
});
