/**
 * The `golab` command line (bundled as dist/cli.js): dispatches subcommands over the same core
 * the editor uses, and owns the process-level concerns (exit status, signals, broken pipes).
 */
import * as path from 'path';
import manifest from '../../package.json';
import { type CommandContext, type CommandResult, checkHelp, runCheck } from './check';
import { gcSweepHelp, runGcSweepCommand } from './gcSweep';
import { probeHelp, runProbeCommand } from './probe';
import { profileHelp, runProfileCommand } from './profile';
import { raceHelp, runRaceCommand } from './race';
import { EXIT, InputError, UsageError } from './errors';
import { Interrupt } from './interrupt';

const USAGE = `golab: Go Concurrency Lab on the command line

Usage:
  golab check [paths...] [flags]   find concurrency bugs in Go files
  golab race [packages] [flags]    run go test -race in the lab container
  golab profile [package] [flags]  profile tests or benchmarks in the lab, with flame graphs
  golab gc-sweep [package] [flags] sweep GOGC x GOMEMLIMIT in the lab and recommend a setting
  golab probe --func REGEX [flags] count calls and time Go functions with uprobes (root)
  golab help [command]             show help for golab or a command
  golab --version                  print the version

Run "golab <command> --help" for the flags and output formats of a command.
`;

const COMMANDS: Record<string, { run: (argv: readonly string[], ctx: CommandContext) => Promise<CommandResult>; help: () => string }> = {
  check: { run: runCheck, help: checkHelp },
  race: { run: runRaceCommand, help: raceHelp },
  profile: { run: runProfileCommand, help: profileHelp },
  'gc-sweep': { run: runGcSweepCommand, help: gcSweepHelp },
  probe: { run: runProbeCommand, help: probeHelp },
};

/** A registered command; own keys only, so `golab toString` is an unknown command, not a crash. */
function findCommand(name: string): (typeof COMMANDS)[string] | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

const { version } = manifest;

/** The project page, when package.json names one (SARIF's informationUri is optional). */
function informationUri(): string | undefined {
  const { homepage } = manifest as { homepage?: unknown };
  return typeof homepage === 'string' ? homepage : undefined;
}

async function dispatch(argv: readonly string[], ctx: CommandContext): Promise<CommandResult> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    return { exitCode: EXIT.error, stdout: '', trailer: USAGE };
  }
  if (first === '--help' || first === '-h') return { exitCode: EXIT.ok, stdout: USAGE };
  if (first === '--version' || first === '-V' || first === 'version') return { exitCode: EXIT.ok, stdout: `golab ${version}\n` };
  if (first === 'help') {
    if (rest.length === 0) return { exitCode: EXIT.ok, stdout: USAGE };
    const command = findCommand(rest[0]);
    if (!command) throw new UsageError(`unknown command "${rest[0]}"`);
    return { exitCode: EXIT.ok, stdout: command.help() };
  }
  const command = findCommand(first);
  if (!command) throw new UsageError(first.startsWith('-') ? `unknown flag "${first}"` : `unknown command "${first}"`);
  return command.run(rest, ctx);
}

async function main(): Promise<void> {
  const interrupt = new Interrupt();
  const onSignal = (signal: NodeJS.Signals, exitCode: number) => {
    process.on(signal, () => {
      // A second signal means the user does not want to wait for the cleanup.
      if (interrupt.isCancellationRequested) process.exit(exitCode);
      if (interrupt.stop()) {
        process.stderr.write(`\ngolab: stopping (${signal}); the results so far are kept. Again to abandon them\n`);
        return;
      }
      process.stderr.write(`\ngolab: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}, stopping\n`);
      void interrupt.trigger().finally(() => process.exit(exitCode));
    });
  };
  onSignal('SIGINT', EXIT.interrupted);
  onSignal('SIGTERM', EXIT.terminated);
  // `golab check | head` closes the pipe early; that is the reader's choice, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw e;
  });

  const ctx: CommandContext = {
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    interrupt,
    tool: { name: 'golab', version, ...(informationUri() ? { informationUri: informationUri() } : {}) },
    // dist/cli.js sits one level below the package root, which holds media/rules/.
    extensionRoot: path.join(__dirname, '..'),
    stderr: (text) => process.stderr.write(text),
  };
  let result: CommandResult;
  try {
    result = await dispatch(process.argv.slice(2), ctx);
  } catch (e) {
    if (interrupt.isCancellationRequested) return; // the signal handler decides the exit status
    if (e instanceof UsageError) {
      const more = e.command ? `Run "golab ${e.command} --help" for usage.\n` : `\n${USAGE}`;
      process.stderr.write(`golab: ${e.message}\n${more}`);
    } else if (e instanceof InputError) {
      process.stderr.write(`golab: ${e.message}\n`);
    } else {
      process.stderr.write(`golab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exitCode = EXIT.error;
    return;
  }
  if (interrupt.isCancellationRequested) return;
  // Set before writing, so a reader closing the pipe early still sees the real status.
  process.exitCode = result.exitCode;
  process.stdout.write(result.stdout);
  if (result.trailer) process.stderr.write(result.trailer);
}

void main();
