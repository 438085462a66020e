import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { isGeosyncError } from '../../../errors/errors.ts';
import { attributeOf, childElements, firstChild, textOf, type XmlElement } from '../../../lib/xml/xml-node.ts';
import { parseXml } from '../../../lib/xml/xml-parser.ts';
import { rawZip } from '../../../lib/zip/zip-fixture.test-helper.ts';
import { readZip } from '../../../lib/zip/zip-reader.ts';
import { zipFiles } from '../../../lib/zip/zip-writer.ts';
import { type ProjectRewrite, rewriteQgisProject } from './qgis-project.ts';

const fixture = readFileSync(new URL('./fixtures/field-survey.qgs', import.meta.url));
const central = { host: '10.0.0.5', port: 5432, dbname: 'central' };
const toClone: ProjectRewrite = {
  central,
  clone: { host: 'localhost', port: 5433, dbname: 'clone_db', user: 'field' },
};
const CLONE = "dbname='clone_db' host=localhost port=5433 user='field'";

const parse = (content: Buffer) => parseXml(content.toString('utf8').replace(/<!DOCTYPE[^>]*>/, ''));
const all = (root: XmlElement): XmlElement[] => [root, ...childElements(root).flatMap(all)];
const layer = (root: XmlElement, id: string) =>
  all(root).find((e) => e.name === 'maplayer' && textOf(firstChild(e, 'id')!) === id)!;
const datasourceOf = (root: XmlElement, id: string) => textOf(firstChild(layer(root, id), 'datasource')!);
const attr = (root: XmlElement, element: string, key: string, value: string, name: string) =>
  attributeOf(
    all(root).find((e) => e.name === element && attributeOf(e, key) === value)!,
    name,
  );

const refused = (name: string, content: Buffer | string, why: RegExp) =>
  assert.throws(
    () => rewriteQgisProject(name, Buffer.from(content), toClone),
    (e) =>
      isGeosyncError(e) &&
      e.code === 'dbsync_invalid_project' &&
      e.message.includes(`'${name}'`) &&
      why.test(e.message),
    name,
  );

test('a .qgs: the postgres layers on the central point at the clone, without password; the rest is untouched', () => {
  const { content, layers } = rewriteQgisProject('field-survey.qgs', fixture, toClone);
  assert.equal(layers, 3);
  const text = content.toString('utf8');
  assert.ok(text.startsWith("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis projectname"));
  assert.ok(!text.includes('s3cr') && !text.includes('gis-pass') && !text.includes('10.0.0.5'), 'no central left');
  const root = parse(content);
  assert.equal(
    datasourceOf(root, 'roads_4f1c2a'),
    `${CLONE} sslmode=disable key='id' srid=4326 type=LineString checkPrimaryKeyUnicity='1' table="public"."roads" (geom)`,
  );
  const parcels = `${CLONE} key='uid' estimatedmetadata=true srid=4326 type=MultiPolygon checkPrimaryKeyUnicity='1' table="cadastre"."parcels" (geom) sql="owner" = 'O''Brien' AND "area" > 10`;
  assert.equal(datasourceOf(root, 'parcels_9b7e11'), parcels);
  const species = `${CLONE} key='code' checkPrimaryKeyUnicity='1' table="ref"."species"`;
  assert.equal(datasourceOf(root, 'species_1d2e3f'), species);
  // Where QGIS repeats the sources (its layer tree writes them without the password).
  assert.equal(attr(root, 'layer-tree-layer', 'id', 'parcels_9b7e11', 'source'), parcels);
  assert.equal(attr(root, 'layer-tree-layer', 'id', 'species_1d2e3f', 'source'), species);
  assert.equal(attr(root, 'relation', 'layerId', 'species_1d2e3f', 'dataSource'), species);
  assert.equal(attr(root, 'Option', 'name', 'LayerSource', 'value'), species);
  assert.equal(attr(root, 'Layer', 'name', 'Parcels', 'source'), parcels);
  assert.equal(attr(root, 'Atlas', 'coverageLayer', 'parcels_9b7e11', 'coverageLayerSource'), parcels);

  // Another database (its password included), other providers and everything else: as they were.
  const before = parse(fixture);
  assert.equal(datasourceOf(root, 'history_77aa01'), datasourceOf(before, 'history_77aa01'));
  assert.match(datasourceOf(root, 'history_77aa01'), /password='archive-pass'/);
  assert.equal(attr(root, 'Layer', 'name', 'History', 'source'), attr(before, 'Layer', 'name', 'History', 'source'));
  assert.equal(datasourceOf(root, 'photos_0c0c0c'), './data/photos.gpkg|layername=photos');
  assert.equal(datasourceOf(root, 'osm_123456'), datasourceOf(before, 'osm_123456'));
  const changedAt = new Set<string>();
  const compare = (a: XmlElement, b: XmlElement, where: string) => {
    assert.equal(b.name, a.name, where);
    assert.deepEqual(Object.keys(b.attributes), Object.keys(a.attributes), where);
    for (const [k, v] of Object.entries(a.attributes)) if (b.attributes[k] !== v) changedAt.add(`${a.name}@${k}`);
    assert.equal(b.children.length, a.children.length, where);
    a.children.forEach((child, i) => {
      const other = b.children[i]!;
      if (typeof child === 'string') {
        if (child !== other) changedAt.add(`${a.name}#text`);
      } else compare(child, other as XmlElement, `${where}/${child.name}`);
    });
  };
  compare(before, root, 'qgis');
  assert.deepEqual([...changedAt].sort(), [
    'Atlas@coverageLayerSource',
    'Layer@source',
    'Option@value',
    'datasource#text',
    'layer-tree-layer@source',
    'relation@dataSource',
  ]);
  assert.equal(attr(root, 'default', 'field', 'notes', 'expression'), "'line one\nline two'");
});

test('rewriting is idempotent: a project without the central comes back as the same bytes', () => {
  const once = rewriteQgisProject('p.qgs', fixture, toClone).content;
  const twice = rewriteQgisProject('p.qgs', once, toClone);
  assert.equal(twice.layers, 0);
  assert.equal(twice.content, once);
});

test('services: a service datasource matches the central service; a clone service replaces host, port, db and user', () => {
  const project = (source: string) =>
    Buffer.from(
      `<qgis version="3.34"><projectlayers><maplayer><id>a</id><datasource>${source}</datasource>` +
        `<provider>postgres</provider></maplayer></projectlayers></qgis>`,
    );
  const source = `service='central svc' sslmode=require key='id' table="s"."t" (g)`;
  const withService = {
    central: { ...central, service: 'central svc' },
    clone: { ...toClone.clone, service: 'clone' },
  };
  const out = rewriteQgisProject('s.qgs', project(source), withService);
  assert.equal(out.layers, 1);
  assert.equal(datasourceOf(parse(out.content), 'a'), `service='clone' sslmode=require key='id' table="s"."t" (g)`);
  // Without a central service, a service datasource is not the central's.
  assert.equal(rewriteQgisProject('s.qgs', project(source), toClone).layers, 0);
  // The same database name on another host or port is another server; no host/port means the default one.
  for (const other of ['dbname=\'central\' host=10.0.0.6 table="t"', 'dbname=\'central\' port=6432 table="t"']) {
    assert.equal(rewriteQgisProject('o.qgs', project(other), toClone).layers, 0, other);
  }
  const local = rewriteQgisProject('l.qgs', project(`dbname='central' user='u' password=x table="t"`), toClone);
  assert.equal(datasourceOf(parse(local.content), 'a'), `${CLONE} table="t"`);
  // Values that need it are quoted and escaped as libpq reads them.
  const odd = { central, clone: { host: 'my host', port: 5432, dbname: "o'clone \\ db" } };
  const quoted = rewriteQgisProject('q.qgs', project(`dbname='central' host=10.0.0.5 table="t"`), odd);
  assert.equal(
    datasourceOf(parse(quoted.content), 'a'),
    `dbname='o\\'clone \\\\ db' host='my host' port=5432 table="t"`,
  );
});

test('a .qgz: its .qgs is rewritten, the other entries kept byte for byte', () => {
  const auxiliary = Buffer.from([0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0, 1, 2, 3, 255]);
  const qgz = zipFiles([
    { path: 'field-survey.qgs', content: fixture },
    { path: 'field-survey.qgd', content: auxiliary },
  ]);
  const { content, layers } = rewriteQgisProject('Field.QGZ', qgz, toClone);
  assert.equal(layers, 3);
  const entries = readZip(content);
  assert.deepEqual(
    entries.map((e) => e.path),
    ['field-survey.qgs', 'field-survey.qgd'],
  );
  assert.deepEqual(entries[1]!.content, auxiliary);
  assert.deepEqual(entries[0]!.content, rewriteQgisProject('x.qgs', fixture, toClone).content);
  // Nothing to change: the archive comes back as it was.
  assert.equal(rewriteQgisProject('f.qgz', content, toClone).content, content);
});

test('bad input is refused with dbsync_invalid_project naming the file', () => {
  refused('broken.qgs', '<qgis><projectlayers></qgis>', /not XML: line 1/);
  refused('binary.qgs', Buffer.from([0xff, 0xfe, 0, 1, 2]), /not XML/);
  refused('page.qgs', '<html><body/></html>', /root element is <html>, not <qgis>/);
  refused('entities.qgs', '<!DOCTYPE qgis [<!ENTITY x "y">]><qgis>&x;</qgis>', /internal subset/);
  refused('notzip.qgz', fixture, /not a ZIP archive/);
  refused('empty.qgz', zipFiles([{ path: 'readme.txt', content: 'x' }]), /holds no \.qgs file/);
  refused('slip.qgz', rawZip([{ name: '../p.qgs', data: fixture }]), /leaves or escapes its folder/);
  assert.throws(
    () => rewriteQgisProject('inner.qgz', zipFiles([{ path: 'p.qgs', content: '<qgis>' }]), toClone),
    (e) =>
      isGeosyncError(e) && e.code === 'dbsync_invalid_project' && /'inner\.qgz\/p\.qgs'.*never closed/.test(e.message),
  );
  const bomb = rawZip(Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.qgs` })));
  refused('many.qgz', bomb, /1001 entries, more than 1000/);
  refused('style.qml', fixture, /neither in \.qgs nor in \.qgz/);
});
