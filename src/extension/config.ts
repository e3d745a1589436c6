/**
 * Typed access to the `golab.*` settings. All reads go through here, so the keys and their
 * validation live in one place (core/config.ts) instead of scattered getConfiguration calls.
 */
import * as vscode from 'vscode';
import { type GolabConfig, normalizeConfig } from '../core/config';

export const SECTION = 'golab';

export class Config {
  /** The current settings, validated; unknown or mistyped values fall back to defaults. */
  static read(scope?: vscode.ConfigurationScope): GolabConfig {
    const c = vscode.workspace.getConfiguration(SECTION, scope);
    return normalizeConfig({
      analysis: {
        enable: c.get('analysis.enable'),
        rules: c.get('analysis.rules'),
        workspaceDiagnostics: c.get('analysis.workspaceDiagnostics'),
        exclude: c.get('analysis.exclude'),
        maxFileSizeMB: c.get('analysis.maxFileSizeMB'),
        timeoutMs: c.get('analysis.timeoutMs'),
      },
      lab: {
        baseImage: c.get('lab.baseImage'),
        memory: c.get('lab.memory'),
        cpus: c.get('lab.cpus'),
        pids: c.get('lab.pids'),
        network: c.get('lab.network'),
        timeoutMinutes: c.get('lab.timeoutMinutes'),
        codeLens: c.get('lab.codeLens'),
      },
      probes: c.get('probes'),
      trace: { server: c.get('trace.server') },
    });
  }
}
