/** Messages between the analysis worker pool and its worker threads. */
import type { FileAnalysisOptions, FileResult } from './file';

/** Sent by the pool: analyse the file at `file` (read from disk unless `text` is given). */
export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  file: string;
  text?: string;
  options: FileAnalysisOptions;
}

/** Sent by the pool when a go.mod changed, so the worker's version cache is refreshed. */
export interface InvalidateRequest {
  type: 'invalidate';
  goModPath?: string;
}

export type WorkerRequest = AnalyzeRequest | InvalidateRequest;

/** Sent by a worker for each request. */
export type WorkerResponse =
  | { type: 'result'; id: number; result: FileResult }
  | { type: 'error'; id: number; file: string; message: string };
