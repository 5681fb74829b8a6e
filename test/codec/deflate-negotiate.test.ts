/**
 * permessage-deflate negotiation: the header grammar (differential against ws's
 * parser on random headers), the server's choice among random offers checked
 * against RFC 7692's rules, and the client's check of the answer.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ExtensionHeaderError, formatExtensions, parseExtensions } from '../../src/codec/deflate/extension-header.js';
import {
  acceptOffer, checkResponse, formatOffer, resolveDeflateOptions, type DeflateOptions,
} from '../../src/codec/deflate/negotiate.js';

const require = createRequire(import.meta.url);
// ws's own header parser: the reference for the grammar.
const wsExtension = require('../../node_modules/ws/lib/extension.js') as {
  parse(header: string): Record<string, Record<string, (string | true)[]>[]>;
};

/** Our parse result in ws's shape: extensions by name, each a list of parameter maps of value lists. */
function asWs(header: string): Record<string, Record<string, (string | true)[]>[]> {
  const out: Record<string, Record<string, (string | true)[]>[]> = Object.create(null);
  for (const { name, params } of parseExtensions(header)) {
    const map: Record<string, (string | true)[]> = Object.create(null);
    for (const [key, value] of params) (map[key] ??= []).push(value);
    (out[name] ??= []).push(map);
  }
  return out;
}

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,6}$/);
const ows = fc.constantFrom('', ' ', '  ', '\t');
const param = fc.tuple(token, fc.option(fc.oneof(token, token.map((t) => `"${t}"`)), { nil: undefined }));
const element = fc.tuple(token, fc.array(fc.tuple(ows, param, ows), { maxLength: 4 }))
  .map(([name, params]) => name + params.map(([a, [key, value], b]) => `${a};${b}${key}${value === undefined ? '' : `=${value}`}`).join(''));
const header = fc.array(fc.tuple(element, ows), { minLength: 1, maxLength: 4 }).map((xs) => xs.map(([e, s]) => e + s).join(", ").trim());
/** Headers with noise: any of the grammar's characters, in any order. */
const noisy = fc.stringMatching(/^[a-c;=," \\\t]{0,24}$/);

describe('Sec-WebSocket-Extensions grammar', () => {
  test('random well-formed headers parse as ws parses them', () => {
    fc.assert(fc.property(header, (h) => {
      expect(asWs(h)).toEqual(wsExtension.parse(h));
    }), { numRuns: 2000 });
  });

  test('random noise: whatever ws accepts parses the same; whatever we reject, ws rejects', () => {
    fc.assert(fc.property(noisy, (h) => {
      let ours: unknown;
      let theirs: unknown;
      try { ours = asWs(h); } catch (e) { expect(e).toBeInstanceOf(ExtensionHeaderError); ours = 'error'; }
      try { theirs = wsExtension.parse(h); } catch { theirs = 'error'; }
      if (theirs !== 'error') expect(ours).toEqual(theirs);
      if (ours === 'error') expect(theirs).toBe('error');
    }), { numRuns: 5000 });
  });

  test('whitespace around "=", empty list elements and escaped quoted strings follow RFC 7230', () => {
    expect(parseExtensions('a ; b = 1')).toEqual([{ name: 'a', params: [['b', '1']] }]);
    expect(parseExtensions('a, , b')).toEqual([{ name: 'a', params: [] }, { name: 'b', params: [] }]);
    expect(parseExtensions('a; b="x\\"y"')).toEqual([{ name: 'a', params: [['b', 'x"y']] }]);
    expect(parseExtensions(['a; b', 'c'])).toEqual([{ name: 'a', params: [['b', true]] }, { name: 'c', params: [] }]);
    for (const bad of ['', ' ', ',', 'a;', 'a; =1', 'a; b=', 'a; b="1', 'a b', ';a', 'a;b=1=2', 'a/b']) {
      expect(() => parseExtensions(bad), bad).toThrow(ExtensionHeaderError);
    }
  });

  test('format then parse is the identity', () => {
    fc.assert(fc.property(header, (h) => {
      const parsed = parseExtensions(h);
      expect(parseExtensions(formatExtensions(parsed))).toEqual(parsed);
    }), { numRuns: 500 });
  });
});

// Random permessage-deflate offers: parameters right and wrong, repeated, with and without values.
const offerParam = fc.oneof(
  fc.constantFrom('server_no_context_takeover', 'client_no_context_takeover', 'client_max_window_bits'),
  fc.constantFrom('server_max_window_bits', 'client_max_window_bits').chain((name) =>
    fc.oneof(fc.integer({ min: 8, max: 15 }).map(String), fc.constantFrom('7', '16', '08', '1a', '"10"', '"9"', ''))
      .map((v) => (v === '' ? name : `${name}=${v}`))),
  fc.constantFrom('server_no_context_takeover=1', 'unknown', 'x_max_window_bits=9'),
);
const offer = fc.tuple(fc.constantFrom('permessage-deflate', 'PerMessage-Deflate', 'x-webkit-deflate-frame'), fc.array(offerParam, { maxLength: 4 }))
  .map(([name, params]) => [name, ...params].join('; '));
const offers = fc.array(offer, { minLength: 1, maxLength: 3 });
const options = fc.record({
  mode: fc.constantFrom('shared', 'dedicated') as fc.Arbitrary<'shared' | 'dedicated'>,
  serverNoContextTakeover: fc.boolean(),
  clientNoContextTakeover: fc.boolean(),
  serverMaxWindowBits: fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined }),
  clientMaxWindowBits: fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined }),
}, { requiredKeys: ['mode'] });

const BITS = /^(8|9|1[0-5])$/;

/** RFC 7692 §5, §7.1 for one offer element: its parameters, or undefined if the server must decline it. */
function validOffer(text: string): Map<string, string | true> | undefined {
  const [{ name, params }] = parseExtensions(text);
  if (name.toLowerCase() !== 'permessage-deflate') return undefined;
  const map = new Map<string, string | true>();
  for (const [key, value] of params) {
    if (map.has(key)) return undefined;
    map.set(key, value);
    if (key.endsWith('no_context_takeover') && (key.startsWith('server') || key.startsWith('client'))) {
      if (value !== true) return undefined;
    } else if (key === 'server_max_window_bits') {
      if (value === true || !BITS.test(value)) return undefined;
    } else if (key === 'client_max_window_bits') {
      if (value !== true && !BITS.test(value)) return undefined;
    } else {
      return undefined;
    }
  }
  return map;
}

describe('the server chooses among offers', () => {
  test('random offers: the first acceptable one wins, and the answer is one the RFC allows', () => {
    fc.assert(fc.property(offers, options, (list, opts: DeflateOptions) => {
      const resolved = resolveDeflateOptions(opts)!;
      const accepted = acceptOffer(list.join(', '), resolved);
      const candidates = list.map(validOffer);
      const first = candidates.findIndex((c) => c !== undefined && !(typeof opts.clientMaxWindowBits === 'number' && !c.has('client_max_window_bits') && !resolved.clientNoContextTakeover && !c.has('client_no_context_takeover')));
      if (first < 0) {
        expect(accepted).toBeUndefined();
        return;
      }
      expect(accepted).toBeDefined();
      const offered = candidates[first]!;
      const [{ name, params }] = parseExtensions(accepted!.header);
      expect(name).toBe('permessage-deflate');
      const response = new Map(params);
      expect(response.size).toBe(params.length);
      // §7.1.2.1: the server window is the offered one or smaller; §7.1.2.2: client_max_window_bits only if offered.
      if (offered.has('server_max_window_bits')) {
        expect(Number(response.get('server_max_window_bits'))).toBeLessThanOrEqual(Number(offered.get('server_max_window_bits')));
      }
      if (response.has('client_max_window_bits')) {
        expect(offered.has('client_max_window_bits')).toBe(true);
        const asked = offered.get('client_max_window_bits');
        if (asked !== true) expect(Number(response.get('client_max_window_bits'))).toBeLessThanOrEqual(Number(asked));
      }
      for (const [key, value] of response) {
        if (key.endsWith('context_takeover')) expect(value).toBe(true);
        else expect(String(value)).toMatch(BITS);
      }
      if (offered.has('server_no_context_takeover')) expect(response.has('server_no_context_takeover')).toBe(true);
      // Shared mode keeps no context in either direction.
      if (opts.mode === 'shared') {
        expect(response.has('server_no_context_takeover') && response.has('client_no_context_takeover')).toBe(true);
      }
      const p = accepted!.params;
      expect(p.serverNoContextTakeover).toBe(response.has('server_no_context_takeover'));
      expect(p.clientNoContextTakeover).toBe(response.has('client_no_context_takeover'));
      expect(p.serverMaxWindowBits).toBe(Number(response.get('server_max_window_bits') ?? 15));
      // A client that offered a window limit compresses within it even if the response does not repeat it.
      const clientAsked = offered.get('client_max_window_bits');
      expect(p.clientMaxWindowBits).toBe(Number(response.get('client_max_window_bits') ?? (typeof clientAsked === 'string' ? clientAsked : 15)));
    }), { numRuns: 3000 });
  });

  test("the 7 offers of Autobahn's 13.x and a browser's offer are accepted", () => {
    const resolved = resolveDeflateOptions({ mode: 'dedicated' })!;
    for (const h of [
      'permessage-deflate',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=9',
      'permessage-deflate; server_max_window_bits=15',
      'permessage-deflate; client_max_window_bits=9',
      'permessage-deflate; client_max_window_bits=15',
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9',
      'permessage-deflate; client_max_window_bits', // Chromium
    ]) {
      expect(acceptOffer(h, resolved), h).toBeDefined();
    }
  });

  test('a server window larger than the offer is answered with the offer, not declined (ws declines)', () => {
    const accepted = acceptOffer('permessage-deflate; server_max_window_bits=10', resolveDeflateOptions({ mode: 'shared', serverMaxWindowBits: 12 })!);
    expect(accepted?.header).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10');
    expect(acceptOffer('permessage-deflate; server_max_window_bits=10', resolveDeflateOptions({ serverMaxWindowBits: 12 })!)?.header).toBe('permessage-deflate; server_max_window_bits=10');
  });

  test('several headers are one list; an unknown extension first is skipped', () => {
    const accepted = acceptOffer(['x-foo; a=1', 'permessage-deflate; server_max_window_bits=16', 'permessage-deflate; client_max_window_bits'], resolveDeflateOptions({ mode: 'shared' })!);
    expect(accepted?.header).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  });

  test('a malformed header is a handshake error (400), a bad offer only declined', () => {
    expect(() => acceptOffer('permessage-deflate; =', resolveDeflateOptions(true)!)).toThrow(ExtensionHeaderError);
    expect(acceptOffer('permessage-deflate; client_max_window_bits=7', resolveDeflateOptions(true)!)).toBeUndefined();
    expect(acceptOffer('permessage-deflate; server_no_context_takeover; server_no_context_takeover', resolveDeflateOptions(true)!)).toBeUndefined();
  });

  test('options are checked', () => {
    expect(resolveDeflateOptions(false)).toBeUndefined();
    expect(resolveDeflateOptions(undefined)).toBeUndefined();
    // The default is dedicated mode (context takeover, as ws with `perMessageDeflate: true`) at level 2: the WASM
    // stream's greedy matching over 8 positions, ws's bytes within 10% for 0.7-0.8x level 3's time (docs/server.md says why).
    expect(resolveDeflateOptions(true)).toMatchObject({ mode: 'dedicated', threshold: 1024, level: 2, serverNoContextTakeover: false, clientNoContextTakeover: false });
    expect(resolveDeflateOptions({ mode: 'shared' })).toMatchObject({ mode: 'shared', threshold: 1024, level: 1, serverNoContextTakeover: true, clientNoContextTakeover: true });
    expect(() => resolveDeflateOptions({ mode: 'x' as 'shared' })).toThrow(TypeError);
    expect(() => resolveDeflateOptions({ serverMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => resolveDeflateOptions({ level: 10 })).toThrow(RangeError);
  });
});

describe('the client checks the answer', () => {
  test('its own offer, answered by its own server side, is accepted with the same parameters', () => {
    fc.assert(fc.property(options, options, (client, server) => {
      const c = resolveDeflateOptions(client)!;
      const accepted = acceptOffer(formatOffer(c), resolveDeflateOptions(server)!);
      if (accepted === undefined) return;
      expect(checkResponse(accepted.header, c)).toEqual(accepted.params);
    }), { numRuns: 2000 });
  });

  test('answers the RFC tells the client to fail', () => {
    const c = resolveDeflateOptions({ mode: 'dedicated', serverMaxWindowBits: 10, clientMaxWindowBits: 12 })!;
    expect(formatOffer(c)).toBe('permessage-deflate; server_max_window_bits=10; client_max_window_bits=12');
    for (const bad of [
      'x-other',
      'permessage-deflate, permessage-deflate',
      'permessage-deflate; server_max_window_bits=11',
      'permessage-deflate',
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits=13',
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=10; foo',
      'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
    ]) {
      expect(() => checkResponse(bad, c), bad).toThrow(ExtensionHeaderError);
    }
    expect(checkResponse(undefined, c)).toBeUndefined();
    expect(checkResponse('permessage-deflate; server_max_window_bits=9; server_no_context_takeover', c)).toEqual({
      serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: 12,
    });
  });
});
