/** Failures that end a command with exit status 2 and a one-line message, never a stack trace. */

/** Something wrong with the command line (unknown flag, bad value): the message is followed by a usage hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose `--help` the hint points to, or undefined for the top level. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An input the command cannot work with (missing or unreadable path). */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Exit statuses shared by every subcommand. */
export const EXIT = {
  ok: 0,
  findings: 1,
  error: 2,
  /** 128 + SIGINT, what shells report for a command stopped with Ctrl+C. */
  interrupted: 130,
  /** 128 + SIGTERM. */
  terminated: 143,
} as const;
