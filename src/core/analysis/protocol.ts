/** Messages between the analysis worker pool and its worker threads. */
import type { FileAnalysisOptions, FileResult } from './file';

/**
 * Sent by the pool: analyse `files` (one directory's worth, read from disk) together, so each
 * file's rules know what its siblings declare. With `siblings`, the other Go files of each
 * file's directory contribute their type facts without being analysed.
 */
export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  files: string[];
  siblings?: boolean;
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
  | { type: 'result'; id: number; results: FileResult[] }
  | { type: 'error'; id: number; file: string; message: string };
