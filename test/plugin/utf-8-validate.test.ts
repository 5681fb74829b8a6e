/** The `wsframe/utf-8-validate` drop-in and the register hook (package level: needs `npm run build`). */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('wsframe/utf-8-validate', () => {
  it('require() returns the function itself, like utf-8-validate', () => {
    const isValidUTF8 = require('wsframe/utf-8-validate');
    expect(typeof isValidUTF8).toBe('function');
    expect(require.resolve('wsframe/utf-8-validate')).toMatch(/build[\\/]cjs[\\/]utf-8-validate[\\/]index\.cjs$/);
    expect(isValidUTF8(Buffer.from('κόσμε'))).toBe(true);
    expect(isValidUTF8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false);
    expect(isValidUTF8(Buffer.from('x'.repeat(1000) + '€'))).toBe(true);
    expect(() => isValidUTF8('text')).toThrow(TypeError);
    // Same verdicts as the native package on every 2-byte sequence.
    const native = require('utf-8-validate');
    const two = Buffer.alloc(2);
    for (let v = 0; v < 0x10000; v++) {
      two.writeUInt16BE(v);
      if (isValidUTF8(two) !== native(two)) throw new Error(`disagree on ${two.toString('hex')}`);
    }
  });

  it('import gives it as the default export', async () => {
    const module = await import('wsframe/utf-8-validate');
    expect(typeof module.default).toBe('function');
    expect(module.default(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe(true);
    expect(module.default(new Uint8Array([0xf0, 0x9f, 0x98]))).toBe(false);
  });
});

describe('node -r wsframe/register', () => {
  it('maps require("utf-8-validate") to wsframe', () => {
    const out = execFileSync(process.execPath, ['-r', 'wsframe/register', '-p', "require.resolve('utf-8-validate')"], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toMatch(/build[\\/]cjs[\\/]utf-8-validate[\\/]index\.cjs$/);
  });

  it('ws validates text messages with it where buffer.isUtf8 is missing', () => {
    const out = execFileSync(process.execPath, ['-r', 'wsframe/register', 'test/plugin/fixtures/ws-utf-8-validate.cjs'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    const report = JSON.parse(out) as { resolved: string; calls: number; received: string[]; closeCode: number };
    expect(report.resolved).toMatch(/build[\\/]cjs[\\/]utf-8-validate[\\/]index\.cjs$/);
    expect(report.received).toEqual([
      'κόσμε, 漢字 and 😀 — long enough for ws to call the validator',
      'plain ASCII text, also longer than thirty-two bytes',
    ]);
    expect(report.calls).toBe(3); // each text message, the invalid one included
    expect(report.closeCode).toBe(1007); // RFC 6455 §7.4.1: invalid UTF-8 in a text message
  });
});
