import { isElement, type XmlElement } from '../../../lib/xml/xml-node.ts';

/**
 * Lets the writer change one attribute value or one text node on the way out: return the value to
 * write. `path` holds the element's ancestors, root first, the element itself last.
 */
export interface XmlValueEdit {
  attribute(path: readonly XmlElement[], name: string, value: string): string;
  text(path: readonly XmlElement[], value: string): string;
}

// As Qt's QDomDocument (which writes QGIS projects) escapes: line breaks and tabs in attributes
// stay character references, so they read back as themselves.
const escapeAttribute = (value: string): string =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#xa;')
    .replace(/\r/g, '&#xd;')
    .replace(/\t/g, '&#x9;');

const escapeText = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xd;');

/**
 * Writes a parsed element back as XML text: attributes in their order, text with its whitespace,
 * CDATA as escaped text, an element without children as `<name/>`. Comments and processing
 * instructions inside the root are gone (the parser drops them).
 */
export function serializeXml(root: XmlElement, edit: XmlValueEdit): string {
  const out: string[] = [];
  const path: XmlElement[] = [];
  const write = (element: XmlElement): void => {
    path.push(element);
    out.push('<', element.name);
    for (const [name, value] of Object.entries(element.attributes)) {
      out.push(' ', name, '="', escapeAttribute(edit.attribute(path, name, value)), '"');
    }
    if (element.children.length === 0) {
      out.push('/>');
    } else {
      out.push('>');
      for (const child of element.children) {
        if (isElement(child)) write(child);
        else out.push(escapeText(edit.text(path, child)));
      }
      out.push('</', element.name, '>');
    }
    path.pop();
  };
  write(root);
  return out.join('');
}
