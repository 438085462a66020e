import { UserError } from '../../errors/errors.ts';

/**
 * Keeps author-written SQL (CreateView's select and where clauses, CreateComplexView's query)
 * inside the one statement geosync builds around it. The text is trusted to be SQL, but it must
 * not end that statement and start another (`1; DROP TABLE x`), nor leave a quote, a comment or a
 * parenthesis open that would swallow what geosync appends after it.
 *
 * It scans the text the way PostgreSQL's lexer does (scan.l) with `standard_conforming_strings`
 * on, which the caller must SET LOCAL before running the statement: quoted strings ('', E'',
 * B'', X'', N'', U&''), quoted identifiers, dollar quotes, line and nested block comments. Where
 * PostgreSQL versions lex differently (a number glued to a quote or a `$`, an E'' string continued
 * on the next line), the text is refused rather than guessed: a refusal is always safe.
 */

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CONT = /[A-Za-z0-9_$\u0080-\uffff]/;
const NUMBER_CONT = /[A-Za-z0-9_.]/;
const DIGIT = /[0-9]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
/** Whitespace and `--` comments between two string constants (SQL's string continuation). */
const CONTINUATION_GAP = /(?:[ \t\n\r\f\v]+|--[^\n\r]*)*/y;

export interface GuardOptions {
  /** Accept one `;` at the very end (only whitespace and comments after it); it is removed. */
  allowTrailingSemicolon?: boolean;
}

/**
 * Returns `text` (without an allowed trailing `;`) when it cannot break out of the statement it is
 * placed in; otherwise throws UserError `unsafe_sql` saying what and where, naming it `what`.
 */
export function guardSqlFragment(text: string, what: string, options: GuardOptions = {}): string {
  const refuse = (at: number, reason: string): never => {
    throw new UserError('unsafe_sql', `The ${what} ${reason} (at character ${at + 1}); nothing was run`, {
      details: [{ field: what, message: reason }],
    });
  };
  if (text.trim() === '') refuse(0, 'is empty');
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\0') refuse(i, 'contains a NUL character');
    if (text.startsWith('--', i)) i = lineCommentEnd(text, i);
    else if (text.startsWith('/*', i)) {
      i = blockCommentEnd(text, i) ?? refuse(i, 'opens a /* comment it does not close');
    } else if (c === "'") i = stringEnd(text, i, 'standard') ?? refuse(i, 'opens a quoted string it does not close');
    else if (c === '"') i = quotedIdentEnd(text, i) ?? refuse(i, 'opens a quoted name it does not close');
    else if (c === '$' && dollarTagAt(text, i)) {
      i = dollarQuoteEnd(text, i) ?? refuse(i, 'opens a $$ quote it does not close');
    } else if (IDENT_START.test(c)) i = afterIdentifier(text, i, refuse);
    else if (DIGIT.test(c) || (c === '.' && DIGIT.test(text[i + 1] ?? ''))) i = afterNumber(text, i, refuse);
    else if (c === ';') {
      if (options.allowTrailingSemicolon && depth === 0 && onlyCommentsAfter(text, i + 1)) return text.slice(0, i);
      refuse(i, 'contains a ";" outside quotes and comments: it must be a single statement');
    } else {
      if (c === '(') depth++;
      if (c === ')' && --depth < 0) refuse(i, 'closes a parenthesis it did not open');
      i++;
    }
  }
  if (depth !== 0) refuse(text.length - 1, 'leaves a parenthesis open');
  return text;
}

function lineCommentEnd(text: string, from: number): number {
  const end = text.slice(from).search(/[\n\r]/);
  return end === -1 ? text.length : from + end;
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(text: string, from: number): number | undefined {
  let depth = 0;
  for (let i = from; i < text.length;) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  return undefined;
}

/** End of a string constant opening at `from`; `escape` (E'') strings take backslash escapes. */
function stringEnd(text: string, from: number, mode: 'standard' | 'escape'): number | undefined {
  for (let i = from + 1; i < text.length; i++) {
    if (mode === 'escape' && text[i] === '\\') i++;
    else if (text[i] === "'") {
      if (text[i + 1] !== "'") return i + 1;
      i++;
    }
  }
  return undefined;
}

function quotedIdentEnd(text: string, from: number): number | undefined {
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] === '"') {
      if (text[i + 1] !== '"') return i + 1;
      i++;
    }
  }
  return undefined;
}

function dollarTagAt(text: string, at: number): string | undefined {
  DOLLAR_TAG.lastIndex = at;
  return DOLLAR_TAG.exec(text)?.[0];
}

/** A dollar quote ends at the first repetition of its tag (PostgreSQL finds the same one). */
function dollarQuoteEnd(text: string, from: number): number | undefined {
  const tag = dollarTagAt(text, from)!;
  const end = text.indexOf(tag, from + tag.length);
  return end === -1 ? undefined : end + tag.length;
}

/**
 * An identifier is read whole, `$` included (`a$$` is a name, not a dollar quote). The one
 * identifier that changes what follows is `E`: `E'...'` is an escape string.
 */
function afterIdentifier(text: string, from: number, refuse: (at: number, reason: string) => never): number {
  let i = from + 1;
  while (i < text.length && IDENT_CONT.test(text[i]!)) i++;
  if (text[i] !== "'") return i;
  const escape = i - from === 1 && /[eE]/.test(text[from]!);
  const end =
    stringEnd(text, i, escape ? 'escape' : 'standard') ?? refuse(i, 'opens a quoted string it does not close');
  if (escape) {
    // 'a'<newline>'b' is one constant; after an E'' string PostgreSQL reads the second part as
    // an escape string too. Rare enough to refuse rather than follow.
    CONTINUATION_GAP.lastIndex = end;
    CONTINUATION_GAP.exec(text);
    if (text[CONTINUATION_GAP.lastIndex] === "'") refuse(end, "continues an E'' string on another line");
  }
  return end;
}

/**
 * `1e'x'` or `1_$$` is read differently by different PostgreSQL versions (a number then an
 * escape string or a dollar quote, or an error): a number glued to a quote or `$` is refused.
 */
function afterNumber(text: string, from: number, refuse: (at: number, reason: string) => never): number {
  let i = from + 1;
  while (i < text.length && NUMBER_CONT.test(text[i]!)) i++;
  const next = text[i];
  if ((next === "'" || next === '$') && /[^0-9.]/.test(text.slice(from, i))) {
    refuse(i, `glues a number to a ${next === '$' ? '$' : 'quote'}: put a space between them`);
  }
  return i;
}

function onlyCommentsAfter(text: string, from: number): boolean {
  for (let i = from; i < text.length;) {
    if (/\s/.test(text[i]!)) i++;
    else if (text.startsWith('--', i)) i = lineCommentEnd(text, i);
    else if (text.startsWith('/*', i)) {
      const end = blockCommentEnd(text, i);
      if (end === undefined) return false;
      i = end;
    } else return false;
  }
  return true;
}
