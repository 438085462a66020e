/** An element of a parsed XML document. */
export interface XmlElement {
  readonly name: string;
  /** Attribute values with entities decoded. Own properties only, so any name is safe to read. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements and text, in document order. Text has entities decoded and CDATA unwrapped. */
  readonly children: XmlNode[];
  /** 1-based line of the start tag, for messages that point the user at the source. */
  readonly line: number;
}

export type XmlNode = XmlElement | string;

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node !== 'string';
}

/** The child elements of `element`, optionally only those named `name`. */
export function childElements(element: XmlElement, name?: string): XmlElement[] {
  return element.children.filter((c): c is XmlElement => isElement(c) && (name === undefined || c.name === name));
}

/** The first child element named `name`, if any. */
export function firstChild(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) {
    if (isElement(child) && child.name === name) return child;
  }
  return undefined;
}

/** The text directly inside `element` (not that of its descendants), concatenated. */
export function textOf(element: XmlElement): string {
  let text = '';
  for (const child of element.children) {
    if (typeof child === 'string') text += child;
  }
  return text;
}

/** An attribute's value; undefined when absent (never an inherited Object property). */
export function attributeOf(element: XmlElement, name: string): string | undefined {
  return Object.hasOwn(element.attributes, name) ? element.attributes[name] : undefined;
}

/** Not well-formed, or uses a construct this parser refuses (DOCTYPE). Carries the position. */
export class XmlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(reason: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'XmlSyntaxError';
    this.line = line;
    this.column = column;
  }
}
