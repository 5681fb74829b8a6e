// The package.json inside the tarball, without `prepare`.
//
// In a clone, `prepare` builds everything on `npm install`. In the tarball it
// would be dead weight (the package ships built and needs no script), and npm
// lists it among "install scripts" and warns everyone who installs wsframe. So
// packing strips it and puts the original back afterwards, byte for byte:
//   node scripts/pack-manifest.mjs strip     (prepack; prepublishOnly)
//   node scripts/pack-manifest.mjs restore   (postpack; postpublish)
// `npm publish` re-reads package.json after packing to build the registry's
// metadata, so during a publish the file stays stripped until postpublish.
// An interrupted pack leaves the original in the backup; the next strip keeps it.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const backup = fileURLToPath(new URL('../node_modules/.cache/wsframe-pack/package.json', import.meta.url));

/** Replaces `path` in one step, so that a concurrent reader sees the old file or the new one. */
function replace(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function strip() {
  const text = readFileSync(manifest, 'utf8');
  const json = JSON.parse(text);
  if (json.scripts?.prepare === undefined) {
    if (!existsSync(backup)) throw new Error('pack-manifest: package.json has no prepare script and there is no backup to restore it from');
    return; // already stripped: prepublishOnly before prepack, or an interrupted pack
  }
  mkdirSync(dirname(backup), { recursive: true });
  copyFileSync(manifest, backup);
  delete json.scripts.prepare;
  replace(manifest, `${JSON.stringify(json, null, 2)}\n`);
}

function restore() {
  if (process.env.npm_command === 'publish' && process.env.npm_lifecycle_event === 'postpack') return; // postpublish restores
  if (!existsSync(backup)) return;
  replace(manifest, readFileSync(backup, 'utf8'));
  rmSync(backup);
}

const actions = { strip, restore };
const action = actions[process.argv[2]];
if (!action) throw new Error(`usage: node scripts/pack-manifest.mjs ${Object.keys(actions).join('|')}`);
action();
