/**
 * Analysis of many files: listing a tree's Go files and a pool of worker threads that
 * analyses them in parallel, with progress and cancellation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { isExcluded } from '../glob';
import type { FileAnalysisOptions, FileResult } from './file';
import type { WorkerRequest, WorkerResponse } from './protocol';

/**
 * Lists `.go` files under `roots` (files or directories), skipping excluded paths. Symbolic
 * links to directories are not followed (as `go list ./...` does not), which also rules out
 * cycles. Unreadable directories are reported through `onError`, not silently dropped.
 */
export function listGoFiles(
  roots: readonly string[],
  exclude: readonly string[],
  base = process.cwd(),
  onError?: (path: string, message: string) => void,
): string[] {
  const out: string[] = [];
  const visit = (p: string, isRoot: boolean): void => {
    const rel = path.relative(base, p) || '.';
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
      // A root named by the user may be a link; links met while walking are not followed.
      if (stat.isSymbolicLink()) {
        const target = fs.statSync(p);
        if (target.isDirectory() && !isRoot) return;
        stat = target;
      }
    } catch (e) {
      onError?.(p, e instanceof Error ? e.message : String(e));
      return;
    }
    if (stat.isDirectory()) {
      if (rel !== '.' && isExcluded(rel, exclude)) return;
      let entries: string[];
      try {
        entries = fs.readdirSync(p).sort();
      } catch (e) {
        onError?.(p, e instanceof Error ? e.message : String(e));
        return;
      }
      for (const e of entries) visit(path.join(p, e), false);
    } else if (p.endsWith('.go') && !isExcluded(rel, exclude)) {
      out.push(p);
    }
  };
  for (const r of roots) visit(path.resolve(base, r), true);
  return out;
}

/** Cancellation as a plain object, so core does not depend on VS Code's token type. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

export interface PoolOptions {
  /** Threads to use; defaults to the number of cores. */
  threads?: number;
  /** Path of the worker bundle; defaults to analysisWorker.js next to the running bundle. */
  workerScript?: string;
}

interface Pending {
  resolve: (r: FileResult[]) => void;
  reject: (e: Error) => void;
}

/** A fixed set of analysis threads. Call {@link dispose} when done, or threads keep the process alive. */
export class AnalysisPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ req: WorkerRequest & { type: 'analyze' }; pending: Pending }> = [];
  private readonly busy = new Map<Worker, number>();
  private nextId = 1;
  private disposed = false;
  private readonly script: string;

  constructor(options: PoolOptions = {}) {
    const threads = Math.max(1, options.threads ?? os.availableParallelism());
    this.script = options.workerScript ?? path.join(__dirname, 'analysisWorker.js');
    if (!fs.existsSync(this.script)) {
      throw new Error(`analysis worker not found at ${this.script}: run \`node esbuild.js\``);
    }
    for (let i = 0; i < threads; i++) this.spawn();
  }

  private spawn(): void {
    const w = new Worker(this.script);
    w.on('message', (msg: WorkerResponse) => this.onMessage(w, msg));
    w.on('error', (e) => this.onCrash(w, e));
    this.workers.push(w);
    this.idle.push(w);
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Analyses `files` of one directory together; with `siblings`, the directory's other Go
   * files lend their type facts (one changed file re-analysed on its own).
   */
  analyzeBatch(files: string[], options: FileAnalysisOptions, siblings = false): Promise<FileResult[]> {
    if (this.disposed) return Promise.reject(new Error('analysis pool disposed'));
    return new Promise((resolve, reject) => {
      const req = { type: 'analyze' as const, id: this.nextId++, files, siblings, options };
      this.queue.push({ req, pending: { resolve, reject } });
      this.pump();
    });
  }

  /** Analyses one file from disk, knowing the types its package's other files declare. */
  async analyze(file: string, options: FileAnalysisOptions): Promise<FileResult> {
    const [result] = await this.analyzeBatch([file], options, true);
    return result;
  }

  /** Tells every worker that a go.mod changed. */
  invalidate(goModPath?: string): void {
    for (const w of this.workers) w.postMessage({ type: 'invalidate', goModPath } satisfies WorkerRequest);
  }

  /**
   * Analyses all `files`, calling `onResult` as each finishes. Stops handing out work when
   * cancelled; files not started are left out of the result.
   */
  async analyzeAll(
    files: readonly string[],
    options: FileAnalysisOptions,
    onResult?: (r: FileResult, done: number) => void,
    token?: Cancellation,
  ): Promise<{ results: FileResult[]; errors: Array<{ file: string; message: string }> }> {
    const results: FileResult[] = [];
    const errors: Array<{ file: string; message: string }> = [];
    // A directory is the unit of work: its files share type facts and are parsed once each.
    const byDir = new Map<string, string[]>();
    for (const f of files) {
      const dir = path.dirname(f);
      const list = byDir.get(dir) ?? [];
      list.push(f);
      byDir.set(dir, list);
    }
    const batches = [...byDir.values()];
    let next = 0;
    let done = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length && !token?.isCancellationRequested) {
        const batch = batches[next++];
        try {
          for (const r of await this.analyzeBatch(batch, options)) {
            results.push(r);
            onResult?.(r, ++done);
          }
        } catch (e) {
          errors.push({ file: batch.join(', '), message: e instanceof Error ? e.message : String(e) });
          done += batch.length;
        }
      }
    };
    // Two requests in flight per thread keep every worker busy while results travel back.
    await Promise.all(Array.from({ length: this.workers.length * 2 }, lane));
    return { results, errors };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const error = new Error('analysis pool disposed');
    for (const { pending } of this.queue.splice(0)) pending.reject(error);
    // Requests already running in a worker would never settle once it is terminated.
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const { req, pending } = this.queue.shift()!;
      this.pending.set(req.id, pending);
      this.busy.set(w, req.id);
      w.postMessage(req);
    }
  }

  private onMessage(w: Worker, msg: WorkerResponse): void {
    const pending = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    this.busy.delete(w);
    this.idle.push(w);
    if (pending) {
      if (msg.type === 'result') pending.resolve(msg.results);
      else pending.reject(new Error(`${msg.file}: ${msg.message}`));
    }
    this.pump();
  }

  /** A worker died (wasm trap, out of memory): fail its request and replace it. */
  private onCrash(w: Worker, e: Error): void {
    const id = this.busy.get(w);
    this.busy.delete(w);
    if (id !== undefined) {
      this.pending.get(id)?.reject(new Error(`analysis worker crashed: ${e.message}`));
      this.pending.delete(id);
    }
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    const j = this.idle.indexOf(w);
    if (j >= 0) this.idle.splice(j, 1);
    if (this.disposed) return;
    this.spawn();
    this.pump();
  }
}
