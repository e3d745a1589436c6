/** What every command needs: the language client, the output channel, the status item. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { LabService } from './lab/labService';
import type { ProbeManager } from './probes/probeManager';
import type { ProfileAnnotations } from './profile/annotations';
import type { ProfilePanels } from './profile/panels';
import type { ProfileRunner } from './profile/profileRunner';
import type { ProfilesView } from './profile/profilesView';
import type { RaceRunner } from './race/raceRunner';
import type { StatusItem } from './status';
import type { TestDiscovery } from './testing/discovery';

export interface Ctx {
  readonly extension: vscode.ExtensionContext;
  readonly output: vscode.LogOutputChannel;
  readonly status: StatusItem;
  /** The running client, or undefined while it is (re)starting or after it failed. */
  client(): LanguageClient | undefined;
  restartClient(): Promise<void>;
  readonly lab: LabService;
  readonly race: RaceRunner;
  /** Test functions of the workspace (tree-sitter), shared by the Test Explorer and the CodeLenses. */
  readonly tests: TestDiscovery;
  readonly profiles: ProfileRunner;
  readonly panels: ProfilePanels;
  readonly annotations: ProfileAnnotations;
  readonly profilesView: ProfilesView;
  readonly probes: ProbeManager;
}

/** A command factory: given the context, returns the command's handler. */
export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;
