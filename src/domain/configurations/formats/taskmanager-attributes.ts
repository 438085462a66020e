import { firstChild } from '../../../lib/xml/xml-node.ts';
import { childText, mapEntries, type XStreamGraph } from './xstream-graph.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Text an attribute could hold: no control characters but tab and line breaks.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `value` decoded from base64 when it is canonical base64 of UTF-8 text, else undefined. */
function fromBase64(value: string): string | undefined {
  // XStream may wrap long base64 over several lines.
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return undefined;
  try {
    const text = utf8.decode(Buffer.from(compact, 'base64'));
    return CONTROL.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * The configuration's attributes, in export order. Task Manager stores attribute values as bytes
 * since 2018, and XStream writes byte arrays as base64; older exports have plain text. Which one a
 * file uses is not recorded, so values are decoded only when every non-empty one is base64 of
 * UTF-8 text: plain words almost never all pass that test (`data` decodes to invalid UTF-8).
 */
export function readAttributes(graph: XStreamGraph, warnings: string[]): Record<string, string> {
  const raw: Array<[string, string]> = [];
  for (const { key, value: attribute } of mapEntries(graph, firstChild(graph.root, 'attributes'))) {
    const name = (childText(attribute, 'name') ?? key).trim();
    if (name === '__proto__') {
      warnings.push(`Attribute '${name}' cannot be kept; skipped`);
      continue;
    }
    raw.push([name, childText(attribute, 'value') ?? '']);
  }
  const nonEmpty = raw.filter(([, v]) => v.trim() !== '');
  const decoded = nonEmpty.map(([, v]) => fromBase64(v));
  const base64 = nonEmpty.length > 0 && decoded.every((v) => v !== undefined);
  return Object.fromEntries(
    raw.map(([name, value]) => [name, base64 && value.trim() !== '' ? (fromBase64(value) as string) : value]),
  );
}
