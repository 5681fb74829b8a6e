// Finds (and, when missing, installs) the runtimes the cross-runtime tests and
// benchmarks need: Bun (a devDependency), Deno and workerd (npm packages
// installed on demand), Chromium from Debian. npm may block dependency install
// scripts, which these packages use to move their binary into place, so each
// binary is looked up where its platform package ships it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runtimes installed on demand rather than as devDependencies: their npm
 * wrappers list per-platform packages that the registry this project installs
 * from does not serve, and `npm ci` rejects a lockfile without them. Pinned here.
 */
const ON_DEMAND = { deno: '2.9.6', workerd: '1.20261117.1' };
const toolsDir = join(root, 'node_modules', '.cache', 'wsframe-runtimes');

/** A real executable, not an install-script placeholder (bun ships a 450-byte stub). */
function executable(path) {
  return existsSync(path) && statSync(path).size > 1 << 20 ? path : undefined;
}

function packageDir(name) {
  for (const base of [root, toolsDir]) {
    try {
      return dirname(createRequire(join(base, 'package.json')).resolve(`${name}/package.json`));
    } catch {
      // not installed there
    }
  }
  return undefined;
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

/** Installs every on-demand runtime at once (a later partial install would prune the others). */
function installOnDemand() {
  console.log(`[runtimes] installing ${Object.entries(ON_DEMAND).map(([n, v]) => `${n}@${v}`).join(', ')} into ${toolsDir}`);
  mkdirSync(toolsDir, { recursive: true });
  writeFileSync(join(toolsDir, 'package.json'), `${JSON.stringify({ private: true, dependencies: ON_DEMAND }, null, 2)}\n`);
  execFileSync('npm', ['install', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: toolsDir, stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * The path of `name`'s binary (deno, bun, workerd), installing Deno and
 * workerd when missing (install scripts off: the binary is found in the
 * platform package). Bun comes with `npm ci`.
 */
export function binary(name) {
  let found = findBinary(name);
  if (!found && name in ON_DEMAND) {
    installOnDemand();
    found = findBinary(name);
  }
  if (!found) throw new Error(`${name}: no binary for ${platform}; is the npm package installed?`);
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
