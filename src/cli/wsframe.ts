#!/usr/bin/env node
/**
 * The `wsframe` command: `wsframe <command> [options]`, `wsframe --help`,
 * `wsframe --version`. Each command lives in its own file and exports a
 * `Command` (see command.ts); add it to COMMANDS to make it available.
 */
import { readFileSync } from 'node:fs';
import { commandUsage, parseOptions, UsageError, type Command } from './command.js';
import { echo } from './echo.js';
import { relay } from './relay.js';

const COMMANDS: Command[] = [echo, relay];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const list = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `Usage: wsframe <command> [options]

Commands:
${list}

  wsframe <command> --help   options of a command
  wsframe --version          the installed version
`;
}

/** The package's version (build/esm/cli/ is three levels below package.json). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Prints `message` (after `who`: `wsframe` or `wsframe echo`) and `help` to stderr and exits with 2, the usual code for a usage error. */
function fail(who: string, message: string, help: string): never {
  process.stderr.write(`${who}: ${message}\n\n${help}`);
  process.exit(2);
}

/** The command called `name`; exits with the general usage when there is none. */
function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) fail('wsframe', name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`, usage());
  return command;
}

function main([first, ...rest]: string[]): void {
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    if (rest[0] === undefined) process.stdout.write(usage());
    else process.stdout.write(commandUsage(find(rest[0])));
    return;
  }
  if (first === undefined) fail('wsframe', 'missing command', usage());
  const command = find(first);
  try {
    const values = parseOptions(command, rest);
    if (values.help) {
      process.stdout.write(commandUsage(command));
      return;
    }
    command.run(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(`wsframe ${command.name}`, error.message, commandUsage(command));
  }
}

main(process.argv.slice(2));
