// The published package: what `npm pack` ships, checked by publint and
// @arethetypeswrong/cli, every relative import and docs link inside it
// resolvable, and installed into a fresh project without any install script,
// where README's codec quick start and its preload commands work.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

const manifestText = readFileSync(join(root, 'package.json'), 'utf8');
let scratch: string;
let tarball: string;
let files: string[];
/** The package.json inside the tarball. */
let packed: { scripts?: Record<string, string> } & Record<string, unknown>;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wsframe-pack-'));
  // With its scripts, as a publisher packs: prepack strips `prepare` from the
  // tarball's package.json (so nothing rebuilds build/ under the other test
  // files' feet: pretest built it), postpack puts it back.
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(output) as { filename: string; files: { path: string }[] }[];
  tarball = join(scratch, pack.filename);
  files = pack.files.map((file) => file.path);
  packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}, 60_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm pack contents', () => {
  it('ships only the build, the docs, the manifest, the README and the LICENSE', () => {
    const strays = files.filter((path) => !/^(build\/(esm|cjs)\/|build\/wsframe(-nosimd|-deflate)?\.wasm$|docs\/[\w-]+\.md$|package\.json$|README\.md$|LICENSE$)/.test(path));
    expect(strays).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|bench|scripts|assembly|src)\//.test(path) || /\.test\./.test(path))).toEqual([]);
  });

  it('has both WASM builds and the permessage-deflate module, which the workerd entries import as files', () => {
    expect(files).toContain('build/wsframe.wasm');
    expect(files).toContain('build/wsframe-nosimd.wasm');
    expect(files).toContain('build/wsframe-deflate.wasm');
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

describe('for npm users', () => {
  it('the tarball has no install-time script; the clone keeps `prepare`, byte for byte', () => {
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];
    expect(Object.keys(packed.scripts ?? {}).filter((name) => lifecycle.includes(name))).toEqual([]);
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toBe(manifestText);
    expect(manifest.scripts.prepare).toBe('npm run build');
  });

  it('has the MIT LICENSE, and repository, homepage and bugs pointing at the project', () => {
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(packed.license).toBe('MIT');
    expect(packed.repository).toEqual({ type: 'git', url: 'git+https://github.com/wsframe/wsframe.git' });
    expect(packed.homepage).toBe('https://github.com/wsframe/wsframe#readme');
    expect(packed.bugs).toEqual({ url: 'https://github.com/wsframe/wsframe/issues' });
  });

  it('every relative link in the README and docs resolves to a shipped file', () => {
    const pages = files.filter((path) => path === 'README.md' || /^docs\/.*\.md$/.test(path));
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/server.md', 'docs/codec.md']));
    const dead: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue; // absolute URL or anchor in the page
        const path = posix.normalize(posix.join(posix.dirname(page), target.split('#')[0]));
        if (!files.includes(path)) dead.push(`${page} -> ${target}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it('installs into a fresh project with no install-script warning; all three ways of use load, README\'s quick start and preloads work there', () => {
    const project = join(scratch, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), '{ "name": "user-project", "version": "1.0.0", "private": true }\n');
    const install = spawnSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--loglevel', 'warn'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(install.status, install.stderr).toBe(0);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/install-scripts|install script/i);
    const installed = join(project, 'node_modules', 'wsframe');
    expect(readdirSync(join(installed, 'docs')).sort()).toEqual(files.filter((path) => path.startsWith('docs/')).map((path) => path.slice(5)).sort());
    expect(existsSync(join(installed, 'LICENSE'))).toBe(true);
    const probe = [
      "const { FrameEncoder, implementation } = require('wsframe');",
      "const { WebSocketServer } = require('wsframe/server');",
      "const bufferutil = require('wsframe/bufferutil');",
      "console.log([implementation(), typeof FrameEncoder, typeof WebSocketServer, typeof bufferutil.mask].join(' '));",
    ].join('\n');
    expect(execFileSync(process.execPath, ['-e', probe], { cwd: project, encoding: 'utf8' }).trim()).toBe('wasm-simd function function function');
    const viaImport = "import('wsframe/server').then((m) => console.log(typeof m.WebSocketServer))";
    expect(execFileSync(process.execPath, ['-e', viaImport], { cwd: project, encoding: 'utf8' }).trim()).toBe('function');
    expect(execFileSync(join(project, 'node_modules', '.bin', 'wsframe'), ['--version'], { encoding: 'utf8' })).toBe(`${manifest.version}\n`);
    // README's codec quick start, as an ES module of the user's project.
    const quickStart = [
      "import { FrameDecoder, FrameEncoder } from 'wsframe';",
      "const decoder = new FrameDecoder({ role: 'server', onMessage(data, isBinary) { console.log(new TextDecoder().decode(data), isBinary); } });",
      "decoder.push(new FrameEncoder({ role: 'client' }).text('hello').flush());",
    ].join('\n');
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', quickStart], { cwd: project, encoding: 'utf8' })).toBe('hello false\n');
    // README's two preload commands: from the user's project, ws's optional add-ons resolve to wsframe.
    const addOns = `${join(installed, 'build', 'cjs', 'bufferutil', 'index.js')} ${join(installed, 'build', 'cjs', 'utf-8-validate', 'index.cjs')}`;
    for (const preload of ['-r', '--import']) {
      const resolved = execFileSync(process.execPath, [preload, 'wsframe/register', '-p', "require.resolve('bufferutil') + ' ' + require.resolve('utf-8-validate')"], { cwd: project, encoding: 'utf8' });
      expect(resolved.trim(), preload).toBe(addOns);
    }
  }, 180_000);
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
