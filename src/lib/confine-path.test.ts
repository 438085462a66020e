import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { UserError } from '../errors/errors.ts';
import { confinePath, normalizeRelativePath } from './confine-path.ts';

const outside = (error: unknown): boolean =>
  error instanceof UserError && error.code === 'path_outside_root' && error.status === 400;

describe('normalizeRelativePath', () => {
  test('keeps plain relative paths and normalizes . and empty segments', () => {
    assert.equal(normalizeRelativePath('a/b.txt'), 'a/b.txt');
    assert.equal(normalizeRelativePath('./a//b/./c'), 'a/b/c');
    assert.equal(normalizeRelativePath('a/b/../c'), 'a/c');
    assert.equal(normalizeRelativePath(''), '');
    assert.equal(normalizeRelativePath('.'), '');
    assert.equal(normalizeRelativePath('données/日本.gpkg'), 'données/日本.gpkg');
  });

  const escapes: Array<[string, string]> = [
    ['..', 'parent of the root'],
    ['../x', 'leading ..'],
    ['a/../../x', '.. climbing past the root midway'],
    ['a/b/../../..', 'trailing .. chain'],
    ['..\\x', 'Windows-style separator'],
    ['a\\..\\..\\x', 'Windows-style separators midway'],
    ['/etc/passwd', 'POSIX absolute'],
    ['//server/share', 'POSIX double slash'],
    ['C:\\Windows', 'Windows drive'],
    ['C:/Windows', 'Windows drive, forward slash'],
    ['\\\\server\\share', 'UNC path'],
    ['a\0b', 'NUL byte'],
    ['ok.txt\0.png', 'NUL byte truncation trick'],
  ];
  for (const [input, why] of escapes) {
    test(`refuses ${why}: ${JSON.stringify(input)}`, () => {
      assert.throws(() => normalizeRelativePath(input), outside);
    });
  }
});

describe('confinePath', () => {
  let base: string;
  let root: string;
  let elsewhere: string;

  before(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'confine-')));
    root = path.join(base, 'root');
    elsewhere = path.join(base, 'elsewhere');
    await mkdir(path.join(root, 'inner'), { recursive: true });
    await mkdir(elsewhere);
    await writeFile(path.join(root, 'inner', 'file.txt'), 'x');
    await writeFile(path.join(elsewhere, 'secret.txt'), 'x');
    await symlink(path.join(root, 'inner'), path.join(root, 'link-in'));
    await symlink('inner/file.txt', path.join(root, 'relative-link'));
    await symlink(elsewhere, path.join(root, 'link-out'));
    await symlink(path.join(elsewhere, 'secret.txt'), path.join(root, 'file-link-out'));
    await symlink('../elsewhere', path.join(root, 'inner', 'relative-out'));
    await symlink(path.join(base, 'missing'), path.join(root, 'dangling'));
    await symlink('loop-b', path.join(root, 'loop-a'));
    await symlink('loop-a', path.join(root, 'loop-b'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  test('resolves existing and not-yet-existing paths inside the root', async () => {
    assert.equal(await confinePath(root, 'inner/file.txt'), path.join(root, 'inner', 'file.txt'));
    assert.equal(await confinePath(root, 'new/deeper/f.txt'), path.join(root, 'new', 'deeper', 'f.txt'));
    assert.equal(await confinePath(root, ''), root);
  });

  test('follows links that stay inside the root', async () => {
    assert.equal(await confinePath(root, 'link-in/file.txt'), path.join(root, 'inner', 'file.txt'));
    assert.equal(await confinePath(root, 'relative-link'), path.join(root, 'inner', 'file.txt'));
    assert.equal(await confinePath(root, 'link-in/new.txt'), path.join(root, 'inner', 'new.txt'));
  });

  test('works when the root itself is reached through a link', async () => {
    const linkedRoot = path.join(base, 'root-link');
    await symlink(root, linkedRoot);
    assert.equal(await confinePath(linkedRoot, 'inner/file.txt'), path.join(root, 'inner', 'file.txt'));
    await assert.rejects(confinePath(linkedRoot, 'link-out/secret.txt'), outside);
  });

  test('a file standing where a folder is expected is left for the caller to fail on', async () => {
    assert.equal(await confinePath(root, 'inner/file.txt/x'), path.join(root, 'inner', 'file.txt', 'x'));
  });

  const refused: Array<[string, string]> = [
    ['link-out/secret.txt', 'through a folder link pointing outside'],
    ['link-out', 'the outside link itself'],
    ['link-out/new.txt', 'a new file behind an outside link'],
    ['file-link-out', 'a file link pointing outside'],
    ['inner/relative-out/secret.txt', 'a relative link climbing outside'],
    ['dangling', 'a dangling link (a write would follow it)'],
    ['dangling/x', 'a path below a dangling link'],
    ['loop-a', 'a link loop'],
    ['../elsewhere/secret.txt', 'a lexical .. escape'],
    ['/etc/passwd', 'an absolute path'],
    ['inner/\0', 'a NUL byte'],
  ];
  for (const [input, why] of refused) {
    test(`refuses ${why}`, async () => {
      await assert.rejects(confinePath(root, input), outside);
    });
  }
});
