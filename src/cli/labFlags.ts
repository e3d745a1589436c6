/**
 * What every lab command of the CLI shares: the lab flags (limits, network, base image), their
 * validation into LabSettings, and Ctrl+C handling that waits for the run to remove its
 * container before the process exits.
 */
import * as path from 'path';
import { CONFIG_DEFAULTS, parseByteSize } from '../core/config';
import type { LabSettings } from '../core/lab/goTest';
import type { CommandContext } from './check';
import { UsageError } from './errors';

/** parseArgs options of the lab flags. */
export const LAB_OPTIONS = {
  memory: { type: 'string' },
  cpus: { type: 'string' },
  pids: { type: 'string' },
  network: { type: 'boolean', default: false },
  'base-image': { type: 'string' },
} as const;

export interface LabFlagValues {
  memory?: string;
  cpus?: string;
  pids?: string;
  network?: boolean;
  'base-image'?: string;
}

/** The lab settings of the flags (defaults from the settings), or a UsageError naming the bad flag. */
export function labSettingsFrom(v: LabFlagValues, ctx: CommandContext, command: string, timeoutMs: number): LabSettings {
  const d = CONFIG_DEFAULTS.lab;
  const memory = parseByteSize(v.memory ?? d.memory);
  if (memory === undefined) throw new UsageError(`--memory wants a size like 512m or 1g, got "${v.memory}"`, command);
  const cpus = Number(v.cpus ?? d.cpus);
  if (!Number.isFinite(cpus) || cpus <= 0) throw new UsageError(`--cpus wants a positive number, got "${v.cpus}"`, command);
  const pids = Number(v.pids ?? d.pids);
  if (!Number.isInteger(pids) || pids < 16) throw new UsageError(`--pids wants an integer of at least 16, got "${v.pids}"`, command);
  return {
    limits: { memoryBytes: memory, cpus, pids },
    network: v.network === true,
    timeoutMs,
    image: { baseImage: v['base-image'] ?? d.baseImage, labDir: path.join(ctx.extensionRoot, 'lab') },
  };
}

/**
 * An abort signal for a lab run tied to Ctrl+C: on interrupt it aborts, then waits (at most
 * 20 s, for a hung daemon) until `track`ed work settles, so the container is gone before exit.
 */
export function interruptibleRun(ctx: CommandContext): { signal: AbortSignal; track<T>(work: Promise<T>): Promise<T>; done(): void } {
  const abort = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const unregister = ctx.interrupt.onInterrupt(async () => {
    abort.abort();
    await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 20_000).unref())]);
  });
  return {
    signal: abort.signal,
    track(work) {
      running = work;
      return work;
    },
    done: unregister,
  };
}
