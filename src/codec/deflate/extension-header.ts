/**
 * The `Sec-WebSocket-Extensions` header (RFC 6455 §9.1): parsing into offers
 * and formatting them back. Grammar, with optional whitespace around the
 * separators:
 *
 *     extension-list  = 1#extension
 *     extension       = token *( ";" extension-param )
 *     extension-param = token [ "=" ( token | quoted-string ) ]
 *
 * Runtime-agnostic: no `node:` imports.
 */

/** One extension of the list, in order: its name and its parameters as they came (a value-less one is `true`). */
export interface Extension {
  name: string;
  params: [name: string, value: string | true][];
}

/** A header that does not follow the grammar; the server answers 400, the client fails the connection. */
export class ExtensionHeaderError extends Error {
  constructor(message: string) {
    super(`Invalid Sec-WebSocket-Extensions header: ${message}`);
    this.name = 'ExtensionHeaderError';
  }
}

/** RFC 7230 tchar. */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `value` is an RFC 7230 token. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * Parses one or more `Sec-WebSocket-Extensions` values (a header sent several
 * times is the list of all of them, RFC 7230 §3.2.2) into the extensions in
 * order. Quoted-string values are unescaped.
 * @throws {ExtensionHeaderError} when the text does not follow the grammar
 */
export function parseExtensions(value: string | readonly string[]): Extension[] {
  const text = typeof value === 'string' ? value : value.join(',');
  const out: Extension[] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const token = (what: string): string => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(text[i])) i++;
    if (i === start) throw new ExtensionHeaderError(`expected ${what} at index ${start}`);
    return text.slice(start, i);
  };
  const quoted = (): string => {
    let result = '';
    for (i++; i < n; i++) {
      const c = text[i];
      if (c === '"') {
        i++;
        return result;
      }
      if (c === '\\') {
        if (++i === n) break;
        result += text[i];
      } else {
        result += c;
      }
    }
    throw new ExtensionHeaderError('unterminated quoted string');
  };
  // Empty list elements (", ,") are allowed by the list rule (RFC 7230 §7).
  for (;;) {
    skipSpace();
    if (i === n) break;
    if (text[i] === ',') {
      i++;
      continue;
    }
    const extension: Extension = { name: token('an extension name'), params: [] };
    out.push(extension);
    for (;;) {
      skipSpace();
      if (i === n || text[i] === ',') break;
      if (text[i] !== ';') throw new ExtensionHeaderError(`unexpected character ${JSON.stringify(text[i])} at index ${i}`);
      i++;
      skipSpace();
      const name = token('a parameter name');
      skipSpace();
      let paramValue: string | true = true;
      if (i < n && text[i] === '=') {
        i++;
        skipSpace();
        paramValue = text[i] === '"' ? quoted() : token('a parameter value');
      }
      extension.params.push([name, paramValue]);
    }
  }
  if (out.length === 0) throw new ExtensionHeaderError('no extension');
  return out;
}

/** Formats extensions as one header value; values that are not tokens are quoted. */
export function formatExtensions(extensions: readonly Extension[]): string {
  return extensions
    .map(({ name, params }) => [name, ...params.map(([key, value]) => {
      if (value === true) return key;
      return `${key}=${isToken(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`}`;
    })].join('; '))
    .join(', ');
}
