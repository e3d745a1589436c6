/**
 * Starting a probe session with the engine asked for. `auto` prefers bpftrace when it can put
 * uprobes on return instructions, and otherwise uses the kernel's uprobe events in tracefs,
 * saying why; both measure the same thing the same way (entry after the stack check, every RET,
 * pairs keyed on goroutine and stack depth).
 */
import * as fs from 'fs';
import { type BpftraceInfo, bpftraceInfo, BpftraceSession, explainBpftraceError, staleBpftraceProcesses } from './bpftrace';
import { ProbeError, type ProbeEngine, type ProbeOptions, type ProbeRun, ProbeSession, removeStaleProbes } from './session';

export type EngineChoice = 'auto' | ProbeEngine;
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'bpftrace', 'tracefs'];

export interface StartOptions extends ProbeOptions {
  engine?: EngineChoice;
  /** The bpftrace binary (default `bpftrace` on PATH). */
  bpftrace?: string;
  /** Told why `auto` did not use bpftrace. */
  onNotice?: (message: string) => void;
}

const infos = new Map<string, { mtimeMs: number; info: Promise<BpftraceInfo> }>();

/** `bpftrace --info`, remembered per binary until the file changes. */
function cachedInfo(binary: string): Promise<BpftraceInfo> {
  let mtimeMs = 0;
  try {
    mtimeMs = fs.statSync(binary).mtimeMs;
  } catch {
    // A bare name found on PATH: remembered as is.
  }
  const hit = infos.get(binary);
  if (hit && hit.mtimeMs === mtimeMs) return hit.info;
  const info = bpftraceInfo(binary);
  infos.set(binary, { mtimeMs, info });
  info.catch(() => infos.delete(binary));
  return info;
}

/** Starts probes with the chosen engine. */
export async function startProbes(opts: StartOptions): Promise<ProbeRun> {
  const choice = opts.engine ?? 'auto';
  if (choice === 'tracefs') return ProbeSession.start(opts);
  let why: string;
  try {
    const info = await cachedInfo(opts.bpftrace || 'bpftrace');
    if (info.offsets) return await BpftraceSession.start(opts, info);
    why = explainBpftraceError('offset support', info).message;
  } catch (e) {
    // Only "no usable bpftrace" falls back: a missing function or a dead process is the same with either engine.
    if (e instanceof ProbeError) throw e;
    why = e instanceof Error ? e.message : String(e);
  }
  if (choice === 'bpftrace') throw new ProbeError(why, 'unsupported');
  opts.onNotice?.(`${why.split('\n')[0]}; using the kernel's uprobe events (tracefs) instead`);
  return ProbeSession.start(opts);
}

/**
 * Removes what a killed golab left behind: bpftrace processes whose owner is gone, and tracefs
 * uprobes and readers. Returns how many leftovers were removed.
 */
export function removeStaleProbeSessions(): number {
  let n = 0;
  for (const pid of staleBpftraceProcesses()) {
    try {
      // SIGINT: bpftrace detaches its probes on the way out.
      process.kill(pid, 'SIGINT');
      n++;
    } catch {
      // Gone already.
    }
  }
  return n + removeStaleProbes();
}
