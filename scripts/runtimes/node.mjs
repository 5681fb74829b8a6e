// Node.js binaries for the version matrix (test/runtimes/node-versions.test.ts):
// npm's `node-<platform>-<arch>` packages, installed on demand into a cache
// under node_modules. They have no install script; the executable is the
// package's `bin/node`. Installed with --no-bin-links: every one of them
// declares the same `node` bin.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools.mjs';

/** The Node versions wsframe is tested on, one pinned release per major. */
export const NODE_VERSIONS = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };

const cacheDir = join(root, 'node_modules', '.cache', 'wsframe-node');
const platformPackage = `node-${process.platform}-${process.arch}`;

/** The package.json that installs every pinned version at once, as aliases `node20`, `node22`, … */
function manifest() {
  const dependencies = Object.fromEntries(Object.entries(NODE_VERSIONS).map(([major, version]) => [`node${major}`, `npm:${platformPackage}@${version}`]));
  return `${JSON.stringify({ private: true, dependencies }, null, 2)}\n`;
}

function installedVersion(major) {
  try {
    return JSON.parse(readFileSync(join(cacheDir, 'node_modules', `node${major}`, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * The path of the pinned Node binary for `major` (20, 22, 24, 26), installing
 * every pinned version when one is missing or out of date (a partial install
 * would prune the others).
 */
export function nodeBinary(major) {
  const version = NODE_VERSIONS[major];
  if (version === undefined) throw new Error(`node ${major}: not in the matrix (${Object.keys(NODE_VERSIONS).join(', ')})`);
  const file = join(cacheDir, 'node_modules', `node${major}`, 'bin', 'node');
  if (installedVersion(major) !== version || !existsSync(file)) {
    console.log(`[node] installing ${Object.values(NODE_VERSIONS).map((v) => `${platformPackage}@${v}`).join(', ')} into ${cacheDir}`);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'package.json'), manifest());
    execFileSync('npm', ['install', '--no-package-lock', '--ignore-scripts', '--no-bin-links', '--no-audit', '--no-fund'], { cwd: cacheDir, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (!existsSync(file)) throw new Error(`node ${version}: ${platformPackage} has no bin/node`);
  return file;
}
