// The published package: what `npm pack` ships, checked by publint and
// @arethetypeswrong/cli, and every relative import inside it resolvable.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const require = createRequire(import.meta.url);

let scratch: string;
let tarball: string;
let files: string[];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wsframe-pack-'));
  // --ignore-scripts: `prepare` would rebuild build/ under the other test files' feet (pretest built it).
  const output = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(output) as { filename: string; files: { path: string }[] }[];
  tarball = join(scratch, pack.filename);
  files = pack.files.map((file) => file.path);
}, 60_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm pack contents', () => {
  it('ships only the build, the manifest and the README', () => {
    const strays = files.filter((path) => !/^(build\/(esm|cjs)\/|build\/wsframe(-nosimd)?\.wasm$|package\.json$|README\.md$|LICENSE)/.test(path));
    expect(strays).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|bench|scripts|assembly|src)\//.test(path) || /\.test\./.test(path))).toEqual([]);
  });

  it('has both WASM builds, which the workerd entry imports as files', () => {
    expect(files).toContain('build/wsframe.wasm');
    expect(files).toContain('build/wsframe-nosimd.wasm');
  });

  it('has every file an exports/imports target names', () => {
    const targets: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(manifest.exports);
    walk(manifest.imports);
    for (const target of targets) expect(files, target).toContain(posix.normalize(target));
  });

  it('every relative import and require in the shipped JS resolves to a shipped file', () => {
    const missing: string[] = [];
    for (const file of files.filter((path) => path.endsWith('.js'))) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const match of source.matchAll(/(?:from\s*|import\s*\(\s*|require\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = posix.normalize(posix.join(posix.dirname(file), match[1]));
        if (!files.includes(target)) missing.push(`${file} -> ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('linters', () => {
  it('publint (strict) finds nothing', async () => {
    const tar = readFileSync(tarball);
    const { messages, pkg } = await publint({ pack: { tarball: tar.buffer.slice(tar.byteOffset, tar.byteOffset + tar.byteLength) }, strict: true, level: 'warning' });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it('@arethetypeswrong/cli finds no problem in any entry point (import, require, node10, bundler)', () => {
    const cli = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
    let output: string;
    try {
      output = execFileSync(process.execPath, [cli, tarball, '--format', 'json'], { encoding: 'utf8' });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    const report = JSON.parse(output) as { analysis: { entrypoints: Record<string, unknown>; problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining(['.', './bufferutil', './register']));
  });
});
