/**
 * Custom LSP messages between the extension (client) and the Go Lab language server.
 * Each is declared once here; the JSDoc says who sends it.
 */

/** Sent by the client (command "Go Lab: Analyse Workspace"): re-analyse every Go file of the workspace. */
export const AnalyzeWorkspaceRequest = 'golab/analyzeWorkspace';

/** Result of {@link AnalyzeWorkspaceRequest}. */
export interface AnalyzeWorkspaceResult {
  files: number;
  findings: number;
  /** Files not analysed (too large, parse timeout), each with the reason. */
  skipped: number;
  cancelled: boolean;
  ms: number;
}

/** Sent by the server whenever analysis state changes; drives the status bar item. */
export const StatusNotification = 'golab/status';

export interface StatusParams {
  state: 'starting' | 'analyzing' | 'idle';
  /** Findings currently published, over all files. */
  findings: number;
  /** Files with published findings. */
  files: number;
}
