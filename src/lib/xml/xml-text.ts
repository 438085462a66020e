/**
 * Character-level rules of XML 1.0 the parser needs: names, allowed characters and the five
 * predefined entities plus character references. Nothing else is expanded: without a DOCTYPE there
 * can be no other entity, which is what keeps entity tricks (billion laughs, XXE) out.
 */

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A name at the start of the match (sticky: set lastIndex first). Covers the XML name characters in the BMP. */
export const NAME =
  /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][\w.\-:\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;

/** Characters XML 1.0 forbids anywhere (control characters, U+FFFE, U+FFFF). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export class EntityError extends Error {
  /** Offset of the bad reference inside the decoded string's source. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function decodeReference(body: string, offset: number): string {
  if (body.startsWith('#')) {
    const hex = body[1] === 'x';
    const digits = body.slice(hex ? 2 : 1);
    const valid = hex ? /^[0-9A-Fa-f]{1,6}$/.test(digits) : /^[0-9]{1,7}$/.test(digits);
    const cp = valid ? Number.parseInt(digits, hex ? 16 : 10) : NaN;
    if (!isXmlCodePoint(cp)) throw new EntityError(`invalid character reference '&${body};'`, offset);
    return String.fromCodePoint(cp);
  }
  if (!Object.hasOwn(PREDEFINED, body)) {
    throw new EntityError(`unknown entity '&${body};' (only &lt; &gt; &amp; &quot; &apos; are allowed)`, offset);
  }
  return PREDEFINED[body] as string;
}

/** Replaces entity and character references; a bare `&` or an unknown entity is an error. */
export function decodeEntities(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp);
    const body = semi === -1 ? '' : raw.slice(amp + 1, semi);
    if (semi === -1 || body.length === 0 || body.length > 10) {
      throw new EntityError("'&' must start an entity such as &amp;", amp);
    }
    out += raw.slice(from, amp) + decodeReference(body, amp);
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

/** 1-based line and column of offset `pos` in `text` (LF line breaks); for error messages only. */
export function positionOf(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: pos - start + 1 };
}
