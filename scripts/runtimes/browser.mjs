// Chromium through playwright-core: the bundled vectors in fresh pages, and a
// real browser WebSocket against an echo server.
import { readFileSync } from 'node:fs';
import { CHROMIUM_ARGS, chromium as chromiumPath } from './tools.mjs';

/** Chromium with the test flags, plus `extraArgs` (e.g. V8 flags to take a feature away). */
export async function launchChromium(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...extraArgs], headless: true, timeout: 60_000 });
}

/**
 * Loads `script` (an IIFE bundle) in a new page, with WSFRAME_IMPLEMENTATION
 * set first when `implementation` is given, and returns `evaluate(page)`.
 */
export async function inPage(browser, script, implementation, evaluate) {
  const page = await browser.newPage();
  try {
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    await page.goto('about:blank');
    if (implementation) await page.evaluate((value) => (globalThis.WSFRAME_IMPLEMENTATION = value), implementation);
    await page.addScriptTag({ content: readFileSync(script, 'utf8') });
    if (errors.length) throw errors[0];
    return await evaluate(page);
  } finally {
    await page.close();
  }
}

/**
 * Messages of every length class (7-bit, 16-bit, 64-bit), text and binary,
 * compressible or not, echoed back intact. Returns the count, the failures
 * and the extensions the browser agreed.
 */
export async function websocketEcho(browser, { url, page: origin }) {
  const page = await browser.newPage();
  try {
    await page.goto(origin);
    return await page.evaluate(async (url) => {
      const socket = new WebSocket(url);
      socket.binaryType = 'arraybuffer';
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
      });
      const replies = [];
      let wake;
      socket.onmessage = (event) => {
        replies.push(event.data);
        wake?.();
      };
      const next = () => (replies.length ? Promise.resolve(replies.shift()) : new Promise((resolve) => (wake = () => resolve(replies.shift()))));
      const json = (n) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, user: `user${i % 97}`, ok: i % 3 === 0 })));
      const messages = ['', 'héllo wörld ✓ 😀', 'ü'.repeat(40_000), json(10), json(8000), new TextEncoder().encode('ab'.repeat(1 << 19)), crypto.getRandomValues(new Uint8Array(65536))];
      let seed = 7;
      for (const size of [0, 1, 125, 126, 65535, 65536, 1 << 20]) {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
        messages.push(bytes);
      }
      const failures = [];
      for (const message of messages) {
        socket.send(message);
        const reply = await next();
        const what = typeof message === 'string' ? `text of ${message.length} chars` : `binary of ${message.length} B`;
        if (typeof message === 'string') {
          if (reply !== message) failures.push(what);
        } else if (!(reply instanceof ArrayBuffer) || reply.byteLength !== message.length || !new Uint8Array(reply).every((b, i) => b === message[i])) {
          failures.push(what);
        }
      }
      socket.close(1000);
      await new Promise((resolve) => (socket.onclose = resolve));
      return { messages: messages.length, failures, extensions: socket.extensions };
    }, url);
  } finally {
    await page.close();
  }
}
