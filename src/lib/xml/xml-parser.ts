import { type XmlElement, XmlSyntaxError } from './xml-node.ts';
import { decodeEntities, EntityError, FORBIDDEN_CHAR, NAME, positionOf } from './xml-text.ts';

export { XmlSyntaxError };

export interface XmlParseOptions {
  /** Deepest element nesting accepted (default 1000); the parser is iterative, this only bounds input. */
  maxDepth?: number;
}

/**
 * Parses a complete XML document into a tree: elements, attributes, text, CDATA; comments and
 * processing instructions are dropped. Strict and small on purpose: DOCTYPE is refused (so no
 * external or custom entities can exist), only the predefined entities and character references
 * are expanded, namespaces are not interpreted (prefixed names are kept as written).
 */
export function parseXml(source: string, options: XmlParseOptions = {}): XmlElement {
  return new Parser(source, options.maxDepth ?? 1000).parse();
}

class Parser {
  private readonly text: string;
  private pos = 0;
  private readonly stack: XmlElement[] = [];
  private root: XmlElement | undefined;
  // Line bookkeeping is incremental (positions only move forward), so it stays linear.
  private lineAt = 1;
  private linePos = 0;

  constructor(
    source: string,
    private readonly maxDepth: number,
  ) {
    // XML end-of-line handling: CRLF and CR become LF before parsing.
    this.text = (source.startsWith('\uFEFF') ? source.slice(1) : source).replace(/\r\n?/g, '\n');
  }

  parse(): XmlElement {
    const bad = FORBIDDEN_CHAR.exec(this.text);
    if (bad) this.fail(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed`, bad.index);
    const { text } = this;
    while (this.pos < text.length) {
      const lt = text.indexOf('<', this.pos);
      const end = lt === -1 ? text.length : lt;
      if (end > this.pos) this.addText(text.slice(this.pos, end), this.pos);
      this.pos = end;
      if (lt !== -1) this.markup();
    }
    const open = this.stack.at(-1);
    if (open) this.fail(`element <${open.name}> (line ${open.line}) is never closed`, text.length);
    if (!this.root) this.fail('the document has no root element', text.length);
    return this.root;
  }

  private markup(): void {
    const { text, pos } = this;
    if (text.startsWith('<!--', pos)) {
      this.pos = this.until('-->', pos + 4, 'comment');
    } else if (text.startsWith('<![CDATA[', pos)) {
      if (this.stack.length === 0) this.fail('CDATA is only allowed inside an element', pos);
      const end = this.until(']]>', pos + 9, 'CDATA section');
      this.appendText(text.slice(pos + 9, end - 3));
      this.pos = end;
    } else if (text.startsWith('<!DOCTYPE', pos)) {
      this.fail('DOCTYPE declarations are not allowed (they could define entities or load external files)', pos);
    } else if (text.startsWith('<?', pos)) {
      const target = this.name(pos + 2, 'processing instruction');
      if (target.toLowerCase() === 'xml' && pos !== 0) this.fail('the XML declaration must come first', pos);
      this.pos = this.until('?>', pos + 2, 'processing instruction');
    } else if (text.startsWith('</', pos)) {
      this.endTag();
    } else if (text.startsWith('<!', pos)) {
      this.fail('unsupported markup declaration', pos);
    } else {
      this.startTag();
    }
  }

  private startTag(): void {
    const start = this.pos;
    const name = this.name(start + 1, 'element');
    if (this.root && this.stack.length === 0) this.fail(`a second root element <${name}>`, start);
    if (this.stack.length >= this.maxDepth) this.fail(`elements nested deeper than ${this.maxDepth}`, start);
    const attributes: Record<string, string> = {};
    let p = start + 1 + name.length;
    for (;;) {
      const afterSpace = this.skipSpace(p);
      const c = this.text[afterSpace];
      if (c === '>' || (c === '/' && this.text[afterSpace + 1] === '>')) {
        p = afterSpace + (c === '>' ? 1 : 2);
        const element: XmlElement = { name, attributes, children: [], line: this.line(start) };
        const parent = this.stack.at(-1);
        if (parent) parent.children.push(element);
        else this.root = element;
        if (c === '>') this.stack.push(element);
        break;
      }
      if (c === undefined) this.fail(`start tag <${name}> is not closed`, start);
      if (afterSpace === p) this.fail(`expected whitespace, '>' or '/>' in <${name}>`, p);
      p = this.attribute(afterSpace, name, attributes);
    }
    this.pos = p;
  }

  private attribute(p: number, element: string, into: Record<string, string>): number {
    const key = this.name(p, 'attribute');
    let q = this.skipSpace(p + key.length);
    if (this.text[q] !== '=') this.fail(`attribute '${key}' of <${element}> has no value`, q);
    q = this.skipSpace(q + 1);
    const quote = this.text[q];
    if (quote !== '"' && quote !== "'") this.fail(`the value of attribute '${key}' must be quoted`, q);
    const close = this.text.indexOf(quote, q + 1);
    if (close === -1) this.fail(`the value of attribute '${key}' is not closed`, q);
    const raw = this.text.slice(q + 1, close);
    const lt = raw.indexOf('<');
    if (lt !== -1) this.fail(`'<' is not allowed in attribute values`, q + 1 + lt);
    if (Object.hasOwn(into, key)) this.fail(`attribute '${key}' is repeated in <${element}>`, p);
    // Attribute-value normalisation: literal tabs and newlines read as spaces.
    const value = this.decode(raw.replace(/[\t\n]/g, ' '), q + 1);
    Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
    return close + 1;
  }

  private endTag(): void {
    const start = this.pos;
    const name = this.name(start + 2, 'closing tag');
    const gt = this.skipSpace(start + 2 + name.length);
    if (this.text[gt] !== '>') this.fail(`closing tag </${name}> is not closed`, gt);
    const open = this.stack.pop();
    if (!open) this.fail(`closing tag </${name}> without a matching start tag`, start);
    if (open.name !== name) {
      this.fail(`closing tag </${name}> does not match <${open.name}> (line ${open.line})`, start);
    }
    this.pos = gt + 1;
  }

  private addText(raw: string, at: number): void {
    if (this.stack.length === 0) {
      const nonSpace = raw.search(/\S/);
      if (nonSpace !== -1) this.fail(`text outside the root element`, at + nonSpace);
      return;
    }
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd !== -1) this.fail("']]>' is not allowed in text", at + cdataEnd);
    this.appendText(this.decode(raw, at));
  }

  private appendText(value: string): void {
    const children = (this.stack.at(-1) as XmlElement).children;
    const last = children.length - 1;
    // Adjacent text and CDATA form one text node, as a reader of the content expects.
    if (typeof children[last] === 'string') children[last] += value;
    else children.push(value);
  }

  private decode(raw: string, at: number): string {
    try {
      return decodeEntities(raw);
    } catch (error) {
      if (error instanceof EntityError) this.fail(error.message, at + error.offset);
      throw error;
    }
  }

  private name(p: number, what: string): string {
    NAME.lastIndex = p;
    const match = NAME.exec(this.text);
    if (!match) this.fail(`expected a name for the ${what}`, p);
    return match[0];
  }

  private until(terminator: string, from: number, what: string): number {
    const end = this.text.indexOf(terminator, from);
    if (end === -1) this.fail(`${what} is never closed`, from);
    return end + terminator.length;
  }

  private skipSpace(p: number): number {
    let q = p;
    while (q < this.text.length && ' \t\n'.includes(this.text[q] as string)) q++;
    return q;
  }

  private line(pos: number): number {
    if (pos < this.linePos) return positionOf(this.text, pos).line;
    for (let i = this.linePos; i < pos; i++) {
      if (this.text.charCodeAt(i) === 10) this.lineAt++;
    }
    this.linePos = pos;
    return this.lineAt;
  }

  private fail(reason: string, pos: number): never {
    const { line, column } = positionOf(this.text, pos);
    throw new XmlSyntaxError(reason, line, column);
  }
}
