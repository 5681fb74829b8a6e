/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): the options, the server's
 * choice of response among the client's offers, the client's offer and its
 * check of the server's answer. Pure functions over header text; runtime-agnostic.
 */
import { type Extension, ExtensionHeaderError, formatExtensions, parseExtensions } from './extension-header.js';

/** The extension's registered name. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/**
 * `'shared'`: no context takeover in either direction, so a connection keeps no
 * compression state and one compressor serves the whole process.
 * `'dedicated'`: context takeover, with a compressor and a decompressor (and
 * their windows) per connection: a better ratio for a known memory cost.
 */
export type DeflateMode = 'shared' | 'dedicated';

/** Options, close to ws's `perMessageDeflate` object. */
export interface DeflateOptions {
  /** Default 'dedicated': ws's bytes on the wire at ws's memory cost; 'shared' keeps nothing per connection (docs/server.md says why). */
  mode?: DeflateMode;
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024 (as ws). */
  threshold?: number;
  /** zlib compression level 0–9 (-1 = zlib's default, 6). Default 2 in dedicated mode, 1 in shared mode (docs/server.md says why). */
  level?: number;
  /** zlib memLevel 1–9 of our compressor. Default 8 (zlib's). */
  memLevel?: number;
  /** Ask (server: require) that the server not use context takeover. Always on in shared mode. */
  serverNoContextTakeover?: boolean;
  /** Ask (server: require) that the client not use context takeover. Always on in shared mode (server side). */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window (2^bits) the server compresses with, 8–15. */
  serverMaxWindowBits?: number;
  /** Largest window the client may compress with, 8–15 (client side: `true` offers the value-less parameter). */
  clientMaxWindowBits?: number | true;
}

/** What the handshake agreed: the parameters of RFC 7692 §7.1 with their effective values. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** Window bits (8–15) the server compresses with at most. */
  serverMaxWindowBits: number;
  /** Window bits (8–15) the client compresses with at most. */
  clientMaxWindowBits: number;
}

/** Options with every default filled in and checked. */
export interface ResolvedDeflateOptions {
  mode: DeflateMode;
  threshold: number;
  level: number;
  memLevel: number;
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | true | undefined;
}

/** Default `threshold`: 1 KiB, as ws. */
export const DEFAULT_THRESHOLD = 1024;
const MIN_BITS = 8;
const MAX_BITS = 15;

function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`perMessageDeflate.${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/**
 * Fills in and checks `perMessageDeflate` (`true` = all defaults). Returns
 * undefined when it is off (`false`/undefined).
 * @throws {TypeError|RangeError} on an unknown mode or an out-of-range value
 */
export function resolveDeflateOptions(options: boolean | DeflateOptions | undefined): ResolvedDeflateOptions | undefined {
  if (options === undefined || options === false) return undefined;
  const o: DeflateOptions = options === true ? {} : options;
  if (typeof o !== 'object' || o === null) throw new TypeError('perMessageDeflate must be a boolean or an object');
  const mode = o.mode ?? 'dedicated';
  if (mode !== 'shared' && mode !== 'dedicated') throw new TypeError(`perMessageDeflate.mode must be 'shared' or 'dedicated', got ${String(mode)}`);
  const shared = mode === 'shared';
  return {
    mode,
    threshold: o.threshold === undefined ? DEFAULT_THRESHOLD : checkInteger(o.threshold, 'threshold', 0, Number.MAX_SAFE_INTEGER),
    level: o.level === undefined ? (shared ? 1 : 2) : checkInteger(o.level, 'level', -1, 9),
    memLevel: o.memLevel === undefined ? 8 : checkInteger(o.memLevel, 'memLevel', 1, 9),
    serverNoContextTakeover: shared || o.serverNoContextTakeover === true,
    clientNoContextTakeover: shared || o.clientNoContextTakeover === true,
    serverMaxWindowBits: o.serverMaxWindowBits === undefined ? undefined : checkInteger(o.serverMaxWindowBits, 'serverMaxWindowBits', MIN_BITS, MAX_BITS),
    clientMaxWindowBits: o.clientMaxWindowBits === undefined || o.clientMaxWindowBits === true
      ? o.clientMaxWindowBits
      : checkInteger(o.clientMaxWindowBits, 'clientMaxWindowBits', MIN_BITS, MAX_BITS),
  };
}

/** A parsed permessage-deflate parameter set: each known parameter at most once, values checked. */
interface Parsed {
  server_no_context_takeover?: true;
  client_no_context_takeover?: true;
  server_max_window_bits?: number;
  /** `true`: the value-less form (only in an offer). */
  client_max_window_bits?: number | true;
}

/** Window bits: 1*DIGIT in 8–15 (RFC 7692 §7.1.2); leading zeros are not allowed. */
const BITS = /^(?:8|9|1[0-5])$/;

/**
 * Checks the parameters of one permessage-deflate element (§7.1): only the four
 * defined names, none twice, values as the RFC defines them. Returns undefined
 * for an element that breaks a rule: an offer that the server must decline, or
 * a response that the client must fail.
 */
function parseParams(params: Extension['params'], isOffer: boolean): Parsed | undefined {
  const out: Parsed = {};
  for (const [name, value] of params) {
    if (Object.prototype.hasOwnProperty.call(out, name)) return undefined;
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return undefined;
        out[name] = true;
        break;
      case 'server_max_window_bits':
        if (value === true || !BITS.test(value)) return undefined;
        out[name] = Number(value);
        break;
      case 'client_max_window_bits':
        if (value === true) {
          if (!isOffer) return undefined;
          out[name] = true;
        } else {
          if (!BITS.test(value)) return undefined;
          out[name] = Number(value);
        }
        break;
      default:
        return undefined;
    }
  }
  return out;
}

/** The server's answer to a client's offers. */
export interface Acceptance {
  /** The `Sec-WebSocket-Extensions` value to send. */
  header: string;
  params: DeflateParams;
}

/**
 * The server's side of the negotiation (RFC 7692 §5, §7.1): walks the offers
 * of `header` in order and accepts the first permessage-deflate offer it can
 * honour with `options`; an offer with an undefined parameter, a bad value or
 * a repeated parameter, or one asking what the configuration cannot give, is
 * declined (never a handshake error). Returns undefined when no offer is
 * accepted: the connection goes on without compression.
 * @throws {ExtensionHeaderError} when the header does not follow the grammar (answer 400)
 */
export function acceptOffer(header: string | readonly string[], options: ResolvedDeflateOptions): Acceptance | undefined {
  for (const extension of parseExtensions(header)) {
    if (extension.name.toLowerCase() !== PERMESSAGE_DEFLATE) continue;
    const offer = parseParams(extension.params, true);
    if (offer === undefined) continue;
    const params = answer(offer, options);
    if (params === undefined) continue;
    return { header: formatResponse(params, offer, options), params };
  }
  return undefined;
}

/** The parameters the server agrees to for one valid offer, or undefined to decline it. */
function answer(offer: Parsed, options: ResolvedDeflateOptions): DeflateParams | undefined {
  // Our compressor: never wider than the client asked (§7.1.2.1); a smaller window is always ours to pick.
  const serverBits = Math.min(offer.server_max_window_bits ?? MAX_BITS, options.serverMaxWindowBits ?? MAX_BITS);
  // The client's compressor: we can limit it only if it offered the parameter (§7.1.2.2). A limit we
  // are configured to require, on a client that cannot take one, declines the offer, unless the
  // client keeps no context: then its window costs us nothing beyond the message being inflated.
  let clientBits = MAX_BITS;
  const clientNoContext = options.clientNoContextTakeover || offer.client_no_context_takeover === true;
  if (typeof options.clientMaxWindowBits === 'number') {
    if (offer.client_max_window_bits === undefined) {
      if (!clientNoContext) return undefined;
    } else {
      clientBits = Math.min(options.clientMaxWindowBits, offer.client_max_window_bits === true ? MAX_BITS : offer.client_max_window_bits);
    }
  } else if (typeof offer.client_max_window_bits === 'number') {
    clientBits = offer.client_max_window_bits;
  }
  return {
    serverNoContextTakeover: options.serverNoContextTakeover || offer.server_no_context_takeover === true,
    clientNoContextTakeover: clientNoContext,
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  };
}

/** The response element: each parameter stated when the offer asked for it or the server restricts it. */
function formatResponse(params: DeflateParams, offer: Parsed, options: ResolvedDeflateOptions): string {
  const out: Extension['params'] = [];
  if (params.serverNoContextTakeover) out.push(['server_no_context_takeover', true]);
  if (params.clientNoContextTakeover) out.push(['client_no_context_takeover', true]);
  if (offer.server_max_window_bits !== undefined || options.serverMaxWindowBits !== undefined) {
    out.push(['server_max_window_bits', String(params.serverMaxWindowBits)]);
  }
  if (offer.client_max_window_bits !== undefined && (typeof offer.client_max_window_bits === 'number' || typeof options.clientMaxWindowBits === 'number')) {
    out.push(['client_max_window_bits', String(params.clientMaxWindowBits)]);
  }
  return formatExtensions([{ name: PERMESSAGE_DEFLATE, params: out }]);
}

/**
 * The client's offer for `options`: one permessage-deflate element. Shared
 * mode asks the server not to keep context (so the client keeps no inflate
 * window); without a configured `clientMaxWindowBits` the value-less
 * parameter says any server limit is fine, as ws and browsers do.
 */
export function formatOffer(options: ResolvedDeflateOptions): string {
  const params: Extension['params'] = [];
  if (options.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (options.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (options.serverMaxWindowBits !== undefined) params.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
  const clientBits = options.clientMaxWindowBits ?? true;
  params.push(['client_max_window_bits', clientBits === true ? true : String(clientBits)]);
  return formatExtensions([{ name: PERMESSAGE_DEFLATE, params }]);
}

/** The server's answer names an extension the client did not offer (ws reports it with its own message). */
export class UnrequestedExtensionError extends ExtensionHeaderError {}

/**
 * The client's check of the server's `Sec-WebSocket-Extensions` (RFC 6455
 * §9.1, RFC 7692 §5, §7.1): one permessage-deflate element answering the
 * offer `formatOffer(options)` made, or nothing. Returns the agreed
 * parameters, or undefined when the server accepted no extension.
 * @throws {ExtensionHeaderError} for an answer the client must fail the connection on
 */
export function checkResponse(header: string | readonly string[] | undefined, options: ResolvedDeflateOptions): DeflateParams | undefined {
  if (header === undefined) return undefined;
  const extensions = parseExtensions(header);
  if (extensions.length !== 1 || extensions[0].name.toLowerCase() !== PERMESSAGE_DEFLATE) {
    throw new UnrequestedExtensionError('the server answered with an extension that was not offered');
  }
  const response = parseParams(extensions[0].params, false);
  if (response === undefined) throw new ExtensionHeaderError('invalid permessage-deflate parameters in the response');
  if (options.serverNoContextTakeover && response.server_no_context_takeover !== true) {
    throw new ExtensionHeaderError('server_no_context_takeover was offered but not accepted');
  }
  const offeredServerBits = options.serverMaxWindowBits;
  const serverBits = response.server_max_window_bits;
  if (offeredServerBits !== undefined && (serverBits === undefined || serverBits > offeredServerBits)) {
    throw new ExtensionHeaderError('server_max_window_bits missing or larger than offered');
  }
  const clientBits = response.client_max_window_bits as number | undefined;
  if (clientBits !== undefined && typeof options.clientMaxWindowBits === 'number' && clientBits > options.clientMaxWindowBits) {
    throw new ExtensionHeaderError('client_max_window_bits larger than offered');
  }
  return {
    serverNoContextTakeover: response.server_no_context_takeover === true,
    clientNoContextTakeover: options.clientNoContextTakeover || response.client_no_context_takeover === true,
    serverMaxWindowBits: serverBits ?? MAX_BITS,
    clientMaxWindowBits: clientBits ?? (typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : MAX_BITS),
  };
}

export { ExtensionHeaderError };
