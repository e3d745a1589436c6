/** "Go Lab: Restart Language Server". */
import type { CommandFactory } from '../context';

export const restartServer: CommandFactory = (ctx) => () => ctx.restartClient();
