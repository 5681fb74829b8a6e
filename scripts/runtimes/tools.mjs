// Finds (and, when missing, installs) the runtimes the cross-runtime tests and
// benchmarks need: Deno, Bun and workerd from their npm packages, Chromium from
// Debian. npm may block dependency install scripts, which these packages use to
// move their binary into place, so each binary is also looked up where its
// platform package ships it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const require = createRequire(join(root, 'package.json'));

/** A real executable, not an install-script placeholder (bun ships a 450-byte stub). */
function executable(path) {
  return existsSync(path) && statSync(path).size > 1 << 20 ? path : undefined;
}

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

const platform = `${process.platform}-${process.arch}`;

/** Where each npm-shipped runtime's binary may be, install script run or not. */
const binaries = {
  deno: () => [['deno', 'deno'], [`@deno/${{ 'linux-x64': 'linux-x64-glibc', 'linux-arm64': 'linux-arm64-glibc', 'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-arm64' }[platform]}`, 'deno']],
  bun: () => [['bun', 'bin/bun.exe'], [`@oven/bun-${{ 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-aarch64', 'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-aarch64' }[platform]}`, 'bin/bun']],
  workerd: () => [['workerd', 'bin/workerd'], [`@cloudflare/workerd-${{ 'linux-x64': 'linux-64', 'linux-arm64': 'linux-arm64', 'darwin-x64': 'darwin-64', 'darwin-arm64': 'darwin-arm64' }[platform]}`, 'bin/workerd']],
};

function findBinary(name) {
  for (const [pkg, file] of binaries[name]()) {
    const dir = packageDir(pkg);
    const found = dir && executable(join(dir, file));
    if (found) return found;
  }
  return undefined;
}

/**
 * The path of `name`'s binary (deno, bun, workerd), installing the devDependency
 * pinned in package.json when it is missing.
 */
export function binary(name) {
  let found = findBinary(name);
  if (!found) {
    const version = manifest.devDependencies[name];
    console.log(`[runtimes] ${name} not installed: npm install --no-save ${name}@${version}`);
    execFileSync('npm', ['install', '--no-save', '--include=optional', `${name}@${version}`], { cwd: root, stdio: 'inherit' });
    found = findBinary(name);
  }
  if (!found) throw new Error(`${name}: no binary for ${platform} after installing the npm package`);
  return found;
}

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, installed with apt-get when missing (CI runs as root). */
export function chromium() {
  if (!existsSync(CHROMIUM)) {
    console.log('[runtimes] /usr/bin/chromium missing: apt-get install -y chromium');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
  }
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is missing and could not be installed');
  return CHROMIUM;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Version strings, for reports. */
export function version(file, args = ['--version']) {
  return execFileSync(file, args, { encoding: 'utf8' }).split('\n')[0].trim();
}
