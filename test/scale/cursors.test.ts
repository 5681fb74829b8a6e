/**
 * The live-cursors demo in a real browser: two Chromium pages, each on its
 * own server process, the two servers joined by a real redis-server. The
 * mouse moves in one page and its cursor moves in the other.
 * WSFRAME_SCREENSHOT=path saves the second page as a PNG (the README's picture).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../scripts/redis-server.mjs';

/** The project's Chromium launcher (installs Debian's chromium when missing; the cross-runtime tests' flags). */
const runtimes = new URL('../../scripts/runtimes/browser.mjs', import.meta.url).href;
const { launchChromium } = (await import(runtimes)) as { launchChromium(): Promise<Browser> };

const server = fileURLToPath(new URL('../../examples/cursors/server.mjs', import.meta.url));

let redis: RedisProcess;
let browser: Browser;
const demos: ChildProcess[] = [];

/** Starts a demo server process joined to Redis; resolves with its page URL. */
function startDemo(): Promise<string> {
  const child = spawn(process.execPath, [server, '--port', '0', '--redis', redis.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  demos.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`demo exited (${code})`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /Live cursors: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
  });
}

beforeAll(async () => {
  redis = await startRedis();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const child of demos) child.kill('SIGTERM');
  await Promise.all(demos.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
  await redis?.stop();
});

/** A new page of the demo at `url`, once it shows its welcome (its server has joined the room through Redis). */
async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('you are'));
  return page;
}

/** The position of the one remote cursor shown in `page`. */
async function remoteCursor(page: Page): Promise<{ x: number; y: number } | null> {
  return page.evaluate(() => {
    const el = document.querySelector('.cursor') as HTMLElement | null;
    if (el === null) return null;
    const m = /translate\(([\d.]+)px, ([\d.]+)px\)/.exec(el.style.transform);
    return m === null ? null : { x: Number(m[1]), y: Number(m[2]) };
  });
}

it('a cursor moved in one page moves in the other, across two servers joined by Redis', async () => {
  const [one, two] = await Promise.all([startDemo(), startDemo()]);
  expect(new URL(one).port).not.toBe(new URL(two).port);
  // open() waits for each page's welcome, which its server sends once Redis has confirmed the server's subscription
  // to 'cursors' (adapter.subscribed): from then on the other server's moves reach it. Before, Redis would drop
  // them (at most once, docs/scaling.md) and the waits below would time out.
  const a = await open(one);
  const b = await open(two);
  for (const [x, y] of [[200, 150], [420, 300], [640, 90]]) {
    await a.mouse.move(x, y, { steps: 4 });
    await b.waitForFunction(
      ([x, y]) => {
        const el = document.querySelector('.cursor') as HTMLElement | null;
        return el !== null && el.style.transform === `translate(${x}px, ${y}px)`;
      },
      [x, y],
      { timeout: 10_000 },
    );
    expect(await remoteCursor(b)).toEqual({ x, y });
  }
  // And the other way round.
  await b.mouse.move(100, 400, { steps: 2 });
  await a.waitForFunction(() => (document.querySelector('.cursor') as HTMLElement | null)?.style.transform === 'translate(100px, 400px)', undefined, { timeout: 10_000 });
  if (process.env.WSFRAME_SCREENSHOT) {
    await a.mouse.move(520, 260, { steps: 2 });
    await b.waitForFunction(() => (document.querySelector('.cursor') as HTMLElement | null)?.style.transform === 'translate(520px, 260px)');
    // The cursor glides there (a 60 ms CSS transition): the picture once it has arrived.
    await b.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished)));
    await b.screenshot({ path: process.env.WSFRAME_SCREENSHOT });
  }
  // A page that leaves takes its cursor away from the others.
  await a.close();
  await b.waitForFunction(() => document.querySelector('.cursor') === null, undefined, { timeout: 10_000 });
}, 60_000);
