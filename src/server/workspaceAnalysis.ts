/**
 * Workspace-wide analysis of Go files that are not open, on worker threads, with progress
 * the user can cancel. Results are published as ordinary diagnostics.
 */
import * as os from 'os';
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { FileAnalysisOptions, FileResult } from '../core/analysis/file';
import { AnalysisPool, type Cancellation, listGoFiles } from '../core/analysis/workspace';

export interface WorkspaceRun {
  files: number;
  results: FileResult[];
  errors: Array<{ file: string; message: string }>;
  cancelled: boolean;
  ms: number;
}

export class WorkspaceAnalyzer {
  private pool: AnalysisPool | undefined;
  private current: { cancelled: boolean } | undefined;

  constructor(private readonly connection: Connection) {}

  /** Lazily started, so a session that never analyses the workspace pays for no threads. */
  private getPool(): AnalysisPool {
    // Leave one core to the editor and this server's own thread, which serves keystrokes.
    this.pool ??= new AnalysisPool({ threads: Math.max(1, os.availableParallelism() - 1) });
    return this.pool;
  }

  /** Re-analyses one file from disk (a closed file that changed on disk). */
  analyzeFile(file: string, options: FileAnalysisOptions): Promise<FileResult> {
    return this.getPool().analyze(file, options);
  }

  invalidate(goModPath?: string): void {
    this.pool?.invalidate(goModPath);
  }

  /**
   * Analyses every Go file under `folders` except `skip` (open documents, which the server
   * analyses from their live text). A new run cancels the one before it.
   */
  async run(
    folders: readonly string[],
    exclude: readonly string[],
    skip: ReadonlySet<string>,
    options: FileAnalysisOptions,
    onResult: (r: FileResult) => void,
    external?: Cancellation,
  ): Promise<WorkspaceRun> {
    if (this.current) this.current.cancelled = true;
    const mine = { cancelled: false };
    this.current = mine;
    const t0 = performance.now();
    const unreadable = (where: string, message: string): void => this.connection.console.warn(`workspace analysis skips ${where}: ${message}`);
    const files = folders.flatMap((f) => listGoFiles([f], exclude, f, unreadable)).filter((f) => !skip.has(f));
    let progress: WorkDoneProgressServerReporter | undefined;
    try {
      progress = await this.connection.window.createWorkDoneProgress();
      progress.begin('Go Lab', 0, `Analysing ${files.length} Go files`, true);
    } catch {
      progress = undefined; // the client does not support server-initiated progress
    }
    const token: Cancellation = {
      get isCancellationRequested() {
        return mine.cancelled || !!external?.isCancellationRequested || !!progress?.token.isCancellationRequested;
      },
    };
    let lastReport = 0;
    const { results, errors } = await this.getPool().analyzeAll(
      files,
      options,
      (r, done) => {
        // A superseded run (settings changed meanwhile) must not overwrite newer results.
        if (mine.cancelled) return;
        onResult(r);
        const now = performance.now();
        if (progress && now - lastReport > 100) {
          lastReport = now;
          progress.report(Math.floor((done / Math.max(1, files.length)) * 100), `${done}/${files.length} files`);
        }
      },
      token,
    );
    // Read before done(): a finished progress may report its token as cancelled.
    const cancelled = token.isCancellationRequested;
    progress?.done();
    if (this.current === mine) this.current = undefined;
    return { files: files.length, results, errors, cancelled, ms: performance.now() - t0 };
  }

  async dispose(): Promise<void> {
    if (this.current) this.current.cancelled = true;
    await this.pool?.dispose();
    this.pool = undefined;
  }
}
