/**
 * No module under src/ is part of an import cycle (issue 13): each file's dependencies can be read without its
 * dependents, so a layer never reaches back into the one built on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Relative imports and re-exports of every .ts file under `dir`, type-only ones included. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.c?ts$/.test(f) && !f.endsWith('.d.ts'));
  for (const file of files) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(path), m[1]).replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'));
    graph.set(path, targets);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, as a readable path. */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(src, f)).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

test('src/ has no import cycles (type-only imports count)', () => {
  const graph = importGraph(src);
  expect(graph.size).toBeGreaterThan(40);
  // The graph sees both kinds of edge that once closed cycles (websocket.ts -> client.ts, wasm.ts -> fallback/).
  expect(graph.get(join(src, 'server/websocket.ts'))).toContain(join(src, 'server/connection.ts'));
  expect(graph.get(join(src, 'codec/wasm.ts'))).toContain(join(src, 'codec/fallback/index.ts'));
  expect(cycles(graph)).toEqual([]);
});

test('the cycle finder finds a cycle', () => {
  const graph = new Map([['/a.ts', ['/b.ts']], ['/b.ts', ['/a.ts']]]);
  expect(cycles(graph)).toHaveLength(1);
});
