/**
 * Built-in probe packs: runtime functions whose calls measure something about any Go program,
 * so the user needs no function of their own. Patterns cover the runtime's renames across
 * versions (Go 1.24 moved sync.Mutex's slow path into internal/sync).
 */

/** A named set of function patterns. */
export interface ProbePack {
  name: string;
  description: string;
  patterns: readonly string[];
}

/** Every built-in pack, by name. */
export const PROBE_PACKS: Readonly<Record<string, ProbePack>> = {
  goroutines: { name: 'goroutines', description: 'goroutine creation (runtime.newproc1)', patterns: ['runtime\\.newproc1'] },
  gc: { name: 'gc', description: 'GC cycles started (runtime.gcStart; latency is the start phase only)', patterns: ['runtime\\.gcStart'] },
  mutex: {
    name: 'mutex',
    description: 'contended sync.Mutex locks (the slow path; latency is the time spent waiting)',
    patterns: ['(internal/)?sync\\.\\(\\*Mutex\\)\\.lockSlow'],
  },
  chan: {
    name: 'chan',
    description: 'channel operations that blocked, by the runtime function that parked the goroutine',
    // Blocking sends/receives park through these; non-blocking ones never reach them.
    patterns: ['runtime\\.chanparkcommit'],
  },
};

/** The patterns of the named packs, or throws naming the packs that exist. */
export function packPatterns(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const pack = Object.hasOwn(PROBE_PACKS, n) ? PROBE_PACKS[n] : undefined;
    if (!pack) throw new Error(`unknown probe pack "${n}"; packs: ${Object.keys(PROBE_PACKS).join(', ')}`);
    out.push(...pack.patterns);
  }
  return out;
}
