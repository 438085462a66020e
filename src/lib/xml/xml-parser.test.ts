import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { attributeOf, childElements, firstChild, textOf } from './xml-node.ts';
import { parseXml, XmlSyntaxError } from './xml-parser.ts';

const syntaxError = (line: number, pattern: RegExp) => (error: unknown) =>
  error instanceof XmlSyntaxError && error.line === line && pattern.test(error.message);

describe('parseXml: well-formed input', () => {
  test('elements, attributes, text and order', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1" y=\'two\'><b>hi</b><c/>tail</a>\n');
    assert.equal(root.name, 'a');
    assert.deepEqual(root.attributes, { x: '1', y: 'two' });
    assert.deepEqual(
      root.children.map((c) => (typeof c === 'string' ? c : `<${c.name}>`)),
      ['<b>', '<c>', 'tail'],
    );
    assert.equal(textOf(firstChild(root, 'b')!), 'hi');
    assert.equal(childElements(root).length, 2);
    assert.equal(childElements(root, 'c').length, 1);
  });

  test('entities, character references, CDATA and comments', () => {
    const root = parseXml(
      '<r a="x &amp; &quot;y&quot; &#65;&#x42;"><!-- skip -->1 &lt; 2 &gt; 0 &apos;&#233;&#x1F600;<![CDATA[<raw> & ]]]>z</r>',
    );
    assert.equal(attributeOf(root, 'a'), 'x & "y" AB');
    assert.equal(textOf(root), "1 < 2 > 0 'é😀<raw> & ]z");
    assert.equal(root.children.length, 1, 'text and CDATA merge into one node');
  });

  test('Java class names, dotted and prefixed names, whitespace in tags', () => {
    const root = parseXml('<org.geoserver.taskmanager.data.impl.TaskImpl  ns:ref = "../.."\n/>');
    assert.equal(root.name, 'org.geoserver.taskmanager.data.impl.TaskImpl');
    assert.equal(attributeOf(root, 'ns:ref'), '../..');
  });

  test('BOM stripped, CRLF normalised, attribute whitespace normalised, line numbers kept', () => {
    const root = parseXml('\uFEFF<r>\r\n  <a v="x\ty">one\r\ntwo</a>\r\n  <b/>\r\n</r>');
    const [a, b] = childElements(root);
    assert.equal(textOf(a!), 'one\ntwo');
    assert.equal(attributeOf(a!, 'v'), 'x y');
    assert.equal(a!.line, 2);
    assert.equal(b!.line, 4);
  });

  test('an attribute named __proto__ is an ordinary own property', () => {
    const root = parseXml('<r __proto__="x"/>');
    assert.equal(attributeOf(root, '__proto__'), 'x');
    assert.equal(attributeOf(root, 'toString'), undefined);
    assert.equal(Object.getPrototypeOf(root.attributes), Object.prototype);
  });

  test('deep nesting is parsed without recursion up to maxDepth', () => {
    const depth = 5000;
    const xml = '<a>'.repeat(depth) + 'x' + '</a>'.repeat(depth);
    let element = parseXml(xml, { maxDepth: depth });
    for (let i = 1; i < depth; i++) element = childElements(element)[0]!;
    assert.equal(textOf(element), 'x');
    assert.throws(() => parseXml(xml, { maxDepth: 100 }), /nested deeper than 100/);
  });

  test('parses a few MB quickly', () => {
    const xml = `<r>${'<e k="v">text &amp; more</e>\n'.repeat(100_000)}</r>`;
    const started = performance.now();
    assert.equal(childElements(parseXml(xml)).length, 100_000);
    assert.ok(performance.now() - started < 2000);
  });
});

describe('parseXml: refused input, with the position', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['mismatched tags', '<a>\n<b></a>', 2, /<\/a> does not match <b>/],
    ['unclosed element', '<a>\n<b>', 2, /<b> \(line 2\) is never closed/],
    ['text after root', '<a/>x', 1, /text outside the root/],
    ['two roots', '<a/>\n<b/>', 2, /second root/],
    ['empty document', '  ', 1, /no root element/],
    ['DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 1, /DOCTYPE declarations are not allowed/],
    ['external entity', '<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', 2, /DOCTYPE/],
    ['unknown entity', '<a>&x;</a>', 1, /unknown entity '&x;'/],
    ['bare ampersand', '<a>\nAT&T</a>', 2, /'&' must start an entity/],
    ['bad character reference', '<a>&#0;</a>', 1, /invalid character reference/],
    ['control character', '<a>\u0001</a>', 1, /U\+0001 is not allowed/],
    ['unquoted attribute', '<a x=1/>', 1, /must be quoted/],
    ['repeated attribute', '<a x="1" x="2"/>', 1, /repeated/],
    ['< in attribute', '<a x="<"/>', 1, /'<' is not allowed/],
    ['no space between attributes', '<a x="1"y="2"/>', 1, /expected whitespace/],
    ['unterminated comment', '<a><!-- x</a>', 1, /comment is never closed/],
    ['unterminated CDATA', '<a><![CDATA[x</a>', 1, /CDATA section is never closed/],
    [']]> in text', '<a>x]]>y</a>', 1, /']]>' is not allowed/],
    ['late XML declaration', '<a/>\n<?xml version="1.0"?>', 2, /must come first/],
    ['closing tag without start', '</a>', 1, /without a matching start tag/],
    ['truncated start tag', '<a x="1"', 1, /is not closed/],
    ['bad name', '<1a/>', 1, /expected a name/],
  ];
  for (const [what, xml, line, pattern] of cases) {
    test(what, () => assert.throws(() => parseXml(xml), syntaxError(line, pattern)));
  }

  test('billion laughs never expands: refused at the DOCTYPE', () => {
    const xml = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    assert.throws(() => parseXml(xml), /DOCTYPE/);
  });
});
