/** "Go Lab: Show Output": the server's log and, with golab.trace.server, its LSP traffic. */
import type { CommandFactory } from '../context';

export const showOutput: CommandFactory = (ctx) => () => ctx.output.show(true);
