/**
 * What a `wsframe` subcommand declares, and the option parsing every command
 * shares. A command file (echo.ts, …) exports one `Command`; the dispatcher
 * (wsframe.ts) parses its options from these declarations, prints its help,
 * and turns a thrown `UsageError` into a message and exit code 2.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/** One `--name` option. String options take a value (`--port 9001` or `--port=9001`). */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value is called in the help (`N`, `HOST`), for string options. */
  value?: string;
  /** A string option whose value may be left out (`--deflate`, `--deflate shared`, `--deflate=shared`): then it is `true`. */
  optionalValue?: boolean;
  description: string;
}

export interface Command {
  name: string;
  /** One line for `wsframe --help`. */
  summary: string;
  options: Record<string, OptionSpec>;
  /** Runs the command; throws `UsageError` for a bad option value. */
  run(values: Record<string, string | boolean | undefined>): void;
}

/** A mistake on the command line: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** The `--help` text of `command`. */
export function commandUsage(command: Command): string {
  const flags = Object.entries(command.options).map(([name, spec]) => {
    if (spec.type === 'boolean') return `--${name}`;
    const value = spec.value ?? 'VALUE';
    return `--${name} ${spec.optionalValue ? `[${value}]` : value}`;
  });
  const width = Math.max(...flags.map((flag) => flag.length), '--help'.length);
  const lines = Object.values(command.options).map((spec, i) => `  ${flags[i].padEnd(width)}  ${spec.description}`);
  lines.push(`  ${'--help'.padEnd(width)}  show this help`);
  return `Usage: wsframe ${command.name} [options]\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}\n`;
}

/**
 * Parses `args` against `command`'s options. Option values may start with a
 * dash (`--port -1` gives '-1', for the command to reject as a port); unknown
 * options, positionals, missing values and values given to flags are `UsageError`s.
 */
export function parseOptions(command: Command, args: string[]): Record<string, string | boolean | undefined> {
  const options = { ...command.options, help: { type: 'boolean', description: '' } as OptionSpec };
  // An option with an optional value is parsed as a flag; a word right after it is its value.
  const parsed = Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, { type: spec.optionalValue ? 'boolean' : spec.type }] as const));
  const { tokens } = parseArgs({ args, options: parsed, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  let awaiting: { name: string; index: number } | undefined;
  for (const token of tokens) {
    if (token.kind === 'positional' && awaiting !== undefined && token.index === awaiting.index + 1) {
      values[awaiting.name] = token.value;
      awaiting = undefined;
      continue;
    }
    awaiting = undefined;
    if (token.kind === 'positional') throw new UsageError(`unexpected argument '${token.value}'`);
    if (token.kind === 'option-terminator') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name as keyof typeof options] : undefined;
    if (spec === undefined) throw new UsageError(`unknown option '${token.rawName}'`);
    if (spec.optionalValue && token.value === undefined) awaiting = { name: token.name, index: token.index };
    else if (spec.type === 'string' && token.value === undefined) throw new UsageError(`option '${token.rawName}' needs a value`);
    if (spec.type === 'boolean' && token.value !== undefined) throw new UsageError(`option '${token.rawName}' takes no value`);
    values[token.name] = token.value ?? true;
  }
  return values;
}

/** `value` as an integer in [min, max]; `fallback` when the option was not given. */
export function integerOption(name: string, value: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`invalid --${name} '${String(value)}': expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** The port a server command listens on when `--port` is not given. */
const DEFAULT_PORT = 9001;

/** The `--port` and `--host` options of every command that runs a server. */
export const listenOptions: Record<'port' | 'host', OptionSpec> = {
  port: { type: 'string', value: 'N', description: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)` },
  host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
};

/** The `--port` and `--host` values of `listenOptions`, with their defaults. */
export function listenAddress(values: Record<string, string | boolean | undefined>): { port: number; host: string } {
  const port = integerOption('port', values.port, DEFAULT_PORT, 0, 65535);
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  return { port, host };
}

/** The `ws://` URL of a listening address, an IPv6 address in brackets. */
export function listeningUrl(address: AddressInfo): string {
  return `ws://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/**
 * The `--deflate [shared|dedicated]` option of every command that runs a
 * server: negotiate permessage-deflate, in the given mode (the default mode, dedicated, when none).
 */
export function deflateOption(description: string): OptionSpec {
  return { type: 'string', value: 'shared|dedicated', optionalValue: true, description };
}

/** The `perMessageDeflate` server option for a `deflateOption` value: false when the option was not given. */
export function deflateValue(value: string | boolean | undefined): boolean | { mode: 'shared' | 'dedicated' } {
  if (value === undefined) return false;
  if (value === true) return true;
  if (value !== 'shared' && value !== 'dedicated') throw new UsageError(`invalid --deflate '${String(value)}': expected shared or dedicated`);
  return { mode: value };
}
