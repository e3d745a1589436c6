/** Command-line parsing shared by every subcommand. */
import { parseArgs, type ParseArgsConfig } from 'util';
import { UsageError } from './errors';

/**
 * `parseArgs`, with a bad flag turned into a UsageError of `command` (exit 2 and a pointer to
 * its --help). parseArgs explains the problem ("Unknown option '--x'"); only that wording is
 * kept, not its advice about positionals, which does not apply to golab's commands.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(message.replace(/\. To specify.*$/s, ''), command);
  }
}
