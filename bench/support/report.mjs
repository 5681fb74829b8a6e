// What bench/run.mjs writes from the results on disk: the README's benchmark
// section (for users: wsframe against ws, Node's built-ins and Bun, as ratios
// and absolute figures with the machine; no pass/miss lists, those are in
// bench/results/summary.md), and the charts.
import { fixed, machineLine, size, table } from './harness.mjs';

const M = (ops) => `${fixed(ops / 1e6)} M`;
const k = (ops) => (ops >= 1e6 ? `${fixed(ops / 1e6)} M` : ops >= 1e4 ? `${fixed(ops / 1e3, 0)} k` : `${fixed(ops / 1e3, 1)} k`);
const x = (r) => `${fixed(r)}×`;
const GB = (v) => `${fixed(v)} GB/s`;

/** Runs behind each fixed-rate latency figure (results before the runs were repeated have one). */
const latencyRuns = (rows) => Math.min(...rows.map((r) => r.runs ?? 1));

/**
 * A fixed-rate latency cell: "p50 / p99", with the p99's range over the runs where there were several, and how many
 * runs were off the offered rate (bench/echo.bench.mjs), if any.
 */
export function latencyCell(r) {
  const range = r.p99Range && (r.runs ?? 1) > 1 ? ` (${r.p99Range.map((v) => fixed(v, 3)).join('–')})` : '';
  const off = r.offRate ? ` · ${r.offRate} off the rate` : '';
  return `${fixed(r.p50ms, 3)} / ${fixed(r.p99ms, 3)}${range}${off}`;
}

/** The README section from the reports ({ name, ...json }) found in bench/results. */
export function readmeSection(reports) {
  const by = Object.fromEntries(reports.map((r) => [r.name, r]));
  const parts = [];
  const echo = by.echo;
  if (echo?.echo?.[0]?.kind) {
    const servers = [...new Set(echo.echo.map((r) => r.server))];
    const cell = (name, kind, bytes) => echo.echo.find((r) => r.server === name && r.kind === kind && r.size === bytes);
    const cells = [...new Set(echo.echo.map((r) => `${r.size} ${r.kind}`))].map((s) => s.split(' '));
    parts.push(`### Echo server over loopback (messages/s)

${echo.connections} connections × ${echo.window} messages in flight, the server on one core, the load generator on the other.
Each rate is the median of ${echo.rounds} runs, and the "vs" columns divide those medians;
[bench/results/echo.md](https://github.com/wsframe/wsframe/blob/main/bench/results/echo.md) gives every run and the ratios within each round with their range.

${table(['message', ...servers, 'vs ws + add-ons', 'vs Bun'], cells.map(([bytes, kind]) => {
  const w = cell('wsframe', kind, Number(bytes)).messagesPerSecond;
  return [`${size(Number(bytes))} ${kind}`, ...servers.map((s) => k(cell(s, kind, Number(bytes)).messagesPerSecond)),
    x(w / cell('ws + native add-ons', kind, Number(bytes)).messagesPerSecond), x(w / cell('Bun.serve', kind, Number(bytes)).messagesPerSecond)];
}))}

Round-trip latency at a fixed rate (half of what ws + add-ons sustains), p50 / p99 in ms${latencyRuns(echo.latency) > 1 ? `: medians of ${latencyRuns(echo.latency)} runs each, the p99's range over the runs in brackets` : ''}${echo.latency.some((r) => r.offRate) ? ' ("N off the rate": runs that echoed more than 5% off the offered rate, whose latency is mostly a backlog\'s age)' : ''}:

${table(['message', ...[...new Set(echo.latency.map((r) => r.server))]], [...new Set(echo.latency.map((r) => r.size))].map((bytes) => [`${size(bytes)} ASCII at ${k(echo.latency.find((r) => r.size === bytes).offered)}/s`, ...echo.latency.filter((r) => r.size === bytes).map(latencyCell)]))}

Idle memory per connection: ${echo.memory.map((r) => `${r.server} ${fixed(r.rssPerConnection / 1024, 1)} KiB`).join(', ')}.
Machine: ${machineLine(echo.machine)}; ${echo.load}.`);
  }
  const deflate = by.deflate;
  if (deflate?.rows?.length) {
    const servers = ['wsframe dedicated', 'wsframe shared', 'ws', 'Bun.serve'];
    const row = (server, bytes) => deflate.rows.find((r) => r.server === server && r.size === bytes);
    const sizes = [...new Set(deflate.rows.map((r) => r.size))];
    const rss = (server) => deflate.memory?.find((r) => r.server === server)?.rssPerConnection;
    parts.push(`### Compressed echo (permessage-deflate)

The echo above with compression on both ways: JSON-like messages, the client offering
\`permessage-deflate; client_no_context_takeover\`; wsframe in its default mode (dedicated: context takeover, as ws's
\`perMessageDeflate: true\`) and in shared mode (no compressor state per connection), ws with \`perMessageDeflate: true\`,
Bun.serve compressing every echo. Messages/s, and bytes per echo on the wire:

${table(['message', ...servers, 'dedicated vs ws', 'dedicated vs Bun'], sizes.map((bytes) => [size(bytes),
  ...servers.map((s) => (row(s, bytes) ? `${k(row(s, bytes).messagesPerSecond)} · ${fixed(row(s, bytes).wireBytesPerEcho, 0)} B` : '–')),
  x(row(servers[0], bytes).messagesPerSecond / row('ws', bytes).messagesPerSecond), x(row(servers[0], bytes).messagesPerSecond / row('Bun.serve', bytes).messagesPerSecond)]))}
${deflate.memory?.length ? `
Memory per idle connection after one compressed message (RSS): ${servers.filter(rss).map((s) => `${s} ${fixed(rss(s) / 1024, 1)} KiB`).join(', ')}.` : ''}
Machine: ${machineLine(deflate.machine)}; ${deflate.load}.`);
  }
  const codec = by.codec;
  if (codec?.decode) {
    const rows = codec.decode.filter((r) => [16, 1024, 16384].includes(r.bytes));
    parts.push(`### Decoding (FrameDecoder vs ws's Receiver, masked frames in 64 KiB chunks)

${table(['payload', 'wsframe', 'ws + bufferutil', 'ws pure JS', 'vs ws + bufferutil'], rows.map((r) => [`${size(r.bytes)} ${r.kind}`,
  r.bytes >= 16384 ? GB((r.wsframe * r.bytes) / 1e9) : `${M(r.wsframe)} msgs/s`,
  r.bytes >= 16384 ? GB((r.ws * r.bytes) / 1e9) : `${M(r.ws)} msgs/s`,
  r.bytes >= 16384 ? GB((r.wsJS * r.bytes) / 1e9) : `${M(r.wsJS)} msgs/s`, x(r.wsframe / r.ws)]))}

Machine: ${machineLine(codec.machine)}${codec.load ? `; load average ${fixed(codec.load[0], 1)}–${fixed(codec.load[1], 1)}` : ''}.`);
  }
  const utf8 = by.utf8;
  if (utf8?.results) {
    const names = ['wsframe (in WASM memory)', 'wsframe (copy in)', 'buffer.isUtf8', 'utf-8-validate (native)', 'TextDecoder fatal', 'ws JS'];
    const rows = utf8.results.filter((r) => r.bytes === 65536 || r.bytes === 1024);
    parts.push(`### UTF-8 validation (GB/s)

${table(['text', ...names], rows.map((r) => [`${r.kind} ${size(r.bytes)}`, ...names.map((n) => (r.gbps[n] === undefined ? '–' : fixed(r.gbps[n])))]))}

"in WASM memory" is the decoder's case (the text is already there); \`buffer.isUtf8\` is Node's simdutf.
Machine: ${machineLine(utf8.machine)}.`);
  }
  const mask = by.mask;
  if (mask?.sizes) {
    const rows = mask.sizes.filter((r) => [64, 1024, 65536].includes(r.bytes));
    parts.push(`### Masking (bufferutil's \`mask\` API, GB/s)

${table(['size', 'wsframe', 'bufferutil (native)', 'ws pure JS', 'wsframe in place (in WASM memory)'], rows.map((r) => [size(r.bytes),
  fixed((r.mask.wsframe * r.bytes) / 1e9), fixed((r.mask.native * r.bytes) / 1e9), fixed((r.mask.wsJS * r.bytes) / 1e9), fixed((r.inPlace * r.bytes) / 1e9)]))}

Machine: ${machineLine(mask.machine)}.`);
  }
  return parts.join('\n\n');
}

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Echo messages/s of every server side by side, one group per payload, on a log scale. */
export function echoChart(echo) {
  if (!echo?.echo?.[0]?.kind) return undefined;
  const servers = [...new Set(echo.echo.map((r) => r.server))];
  const colors = ['#1565c0', '#ef6c00', '#f9a825', '#6a1b9a', '#2e7d32'];
  const groups = [...new Set(echo.echo.map((r) => `${r.size} ${r.kind}`))].map((s) => s.split(' '));
  const bar = 11;
  const gap = 10;
  const left = 110;
  const width = 460;
  const top = 40;
  const groupHeight = servers.length * bar + gap;
  const height = top + groups.length * groupHeight + 40;
  const lo = 1e3;
  const hi = 1e7;
  const scale = (v) => (Math.log10(Math.max(v, lo) / lo) / Math.log10(hi / lo)) * width;
  const out = [];
  groups.forEach(([bytes, kind], g) => {
    const y0 = top + g * groupHeight;
    out.push(`<text x="${left - 6}" y="${y0 + (servers.length * bar) / 2 + 4}" text-anchor="end">${size(Number(bytes))} ${kind}</text>`);
    servers.forEach((server, i) => {
      const r = echo.echo.find((e) => e.server === server && e.kind === kind && e.size === Number(bytes));
      const w = Math.max(1, scale(r.messagesPerSecond));
      const y = y0 + i * bar;
      out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${colors[i]}"/>`);
      out.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + bar - 3}" font-size="9">${k(r.messagesPerSecond)}</text>`);
    });
  });
  const ticks = [1e3, 1e4, 1e5, 1e6, 1e7].map((v) => `<line x1="${left + scale(v)}" y1="${top - 6}" x2="${left + scale(v)}" y2="${height - 34}" stroke="#ccc"/><text x="${left + scale(v)}" y="${height - 22}" text-anchor="middle">${k(v)}</text>`);
  const legend = servers.map((s, i) => `<rect x="${left + i * 130}" y="${height - 14}" width="10" height="10" fill="${colors[i]}"/><text x="${left + i * 130 + 14}" y="${height - 5}">${escape(s)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 70}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="16" font-weight="bold">Echo over loopback: messages/s (log scale), ${echo.connections} connections × ${echo.window} in flight</text>
${ticks.join('\n')}
${out.join('\n')}
${legend.join('\n')}
</svg>
`;
}

/**
 * A horizontal bar chart of ratio ÷ goal (goal ÷ ratio for an at-most target) on a log scale: bars past the
 * line meet their target.
 */
export function targetsChart(rows) {
  const rowHeight = 18;
  const labels = rows.map((t) => `${t.area}: ${t.name}`);
  const left = 10 + 6 * Math.max(...labels.map((l) => l.length));
  const width = 420;
  const top = 30;
  const height = top + rows.length * rowHeight + 30;
  const scale = (v) => ((Math.log10(Math.max(v, 0.1)) + 1) / 3) * width; // 0.1× … 100× of goal
  const bars = rows.map((t, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, scale(t.atMost ? t.goal / t.ratio : t.ratio / t.goal));
    return `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${escape(labels[i])}</text>` +
      `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${t.pass ? '#2e7d32' : '#c62828'}"/>` +
      `<text x="${(left + w + 4).toFixed(1)}" y="${y + 13}">${fixed(t.ratio)}× (goal ${t.atMost ? '≤' : '≥'} ${t.goal}×)</text>`;
  });
  const goal = left + scale(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 140}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="16" font-weight="bold">wsframe: ratio to anchor ÷ goal (log scale; past the line = target met)</text>
${bars.join('\n')}
<line x1="${goal}" y1="${top - 4}" x2="${goal}" y2="${height - 24}" stroke="black" stroke-dasharray="4 3"/>
<text x="${goal}" y="${height - 10}" text-anchor="middle">goal</text>
</svg>
`;
}
