// A real redis-server for the scale tests and benchmarks: Debian's package,
// installed with apt-get when missing (CI runs as root), started on a free
// loopback port without persistence, and stopped by whoever started it.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

function which(name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The path of redis-server, installing Debian's package when it is missing. */
export function redisServerBinary() {
  let found = which('redis-server');
  if (!found) {
    console.log('[redis] redis-server missing: apt-get install -y redis-server');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], { stdio: 'inherit' });
    found = which('redis-server');
  }
  if (!found) throw new Error('redis-server is missing and could not be installed');
  return found;
}

/** A free loopback port (the OS picks it; there is a small window before redis binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server on 127.0.0.1 (a free port unless `port` is given), no
 * RDB snapshots, no AOF, with `extraArgs` after those. Resolves once it accepts connections with
 * `{ port, url, pid, stop(), kill() }`: `stop()` ends it (SIGTERM) and waits,
 * `kill()` kills it at once (SIGKILL), as a crash would.
 */
export async function startRedis(port, extraArgs = []) {
  if (port !== undefined) return launch(port, extraArgs);
  // Between freePort() and redis binding it, another process (another test file's redis) can take the port: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort(), extraArgs);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 5) throw error;
    }
  }
}

/** redis-server could not bind its port: something else listens there. */
class PortTaken extends Error {}

/** Starts redis-server on `port` and waits until that very process answers (see `startRedis`). */
async function launch(port, extraArgs) {
  const binary = redisServerBinary();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const message = `redis-server exited (${child.exitCode}) on port ${port}: ${output}`;
      throw /address already in use/i.test(output) ? new PortTaken(message) : new Error(message);
    }
    // Another server answering on this port is not ours: only our own process id counts as started.
    if ((await serverPid(port)) === child.pid) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const end = async (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { port, url: `redis://127.0.0.1:${port}`, pid: child.pid, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** The process id of the Redis server answering on `port` (`INFO server`, inline command), or undefined while none answers. */
function serverPid(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (pid) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(500, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.startsWith('-')) return done(undefined); // e.g. -LOADING while it starts
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
    });
    socket.on('connect', () => socket.write('INFO server\r\n'));
  });
}

/** `redis-server --version`, for reports. */
export function redisVersion() {
  return execFileSync(redisServerBinary(), ['--version'], { encoding: 'utf8' }).trim();
}

/** A free loopback port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort() {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await isFree(port + 10000))) return port;
  }
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a Redis Cluster of `size` masters (no replicas) on free loopback
 * ports: `size` redis-servers with `cluster-enabled yes`, no persistence, their
 * nodes.conf files in a temporary directory, joined by
 * `redis-cli --cluster create`. Resolves once every node reports
 * `cluster_state:ok`, with `{ nodes: [{ port, url, kill() … }], urls, nodeOf(key) → url, state(index), restart(index), stop() }`;
 * `restart(index)` starts a killed node again with its nodes.conf (it rejoins with its slots), `stop()` ends
 * every node and removes the directory.
 */
export async function startRedisCluster(size = 3) {
  const binary = redisServerBinary();
  const cli = join(dirname(binary), 'redis-cli');
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-redis-cluster-'));
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  // A node's nodes.conf outlives it: started again with it, a node rejoins with its id and its slots.
  const startNode = (port) => startRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--cluster-node-timeout', '5000']);
  /** `cluster_state` as node `index` reports it ('ok', 'fail'), 'down' if it does not answer. Asynchronous: the caller's event loop keeps running. */
  const state = async (index) => {
    try {
      const { stdout } = await execFileAsync(cli, ['-p', String(nodes[index].port), 'cluster', 'info'], { encoding: 'utf8' });
      return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
    } catch {
      return 'down';
    }
  };
  const settled = async () => {
    const deadline = Date.now() + 20_000;
    while (!(await Promise.all(nodes.map((_, i) => state(i)))).every((s) => s === 'ok')) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  try {
    for (let i = 0; i < size; i++) nodes.push(await startNode(await freeClusterPort()));
    execFileSync(cli, ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe', timeout: 30_000 });
    await settled();
  } catch (error) {
    await stop();
    throw error;
  }
  /** The URL of the node that owns `key`'s hash slot. */
  const nodeOf = (key) => {
    const slot = Number(execFileSync(cli, ['-p', String(nodes[0].port), 'cluster', 'keyslot', key], { encoding: 'utf8' }).trim());
    const slots = execFileSync(cli, ['-p', String(nodes[0].port), '--json', 'cluster', 'slots'], { encoding: 'utf8' });
    const owner = JSON.parse(slots).find(([from, to]) => slot >= from && slot <= to);
    return `redis://127.0.0.1:${owner[2][1]}`;
  };
  /** Starts node `index` again (after its `kill()` or `stop()`) on its port; resolves once the cluster is ok again. */
  const restart = async (index) => {
    nodes[index] = await startNode(nodes[index].port);
    await settled();
  };
  return { nodes, urls: nodes.map((node) => node.url), nodeOf, state, restart, stop };
}
