/**
 * Extension entry: builds the context, starts the language server and registers the commands.
 * Logic lives in the server and in core; this file only wires them to VS Code.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { StatusNotification, type StatusParams } from '../shared/protocol';
import { createClient } from './client';
import { COMMANDS } from './commands';
import type { Ctx } from './context';
import { LabService } from './lab/labService';
import { DelveAdapterFactory, GOLAB_DEBUG_TYPE } from './probes/delve';
import { ProbeCodeLensProvider } from './probes/probeLens';
import { ProbeManager } from './probes/probeManager';
import { ProfileAnnotations } from './profile/annotations';
import { ProfilePanels } from './profile/panels';
import { ProfileRunner } from './profile/profileRunner';
import { ProfilesView } from './profile/profilesView';
import { RaceCodeLensProvider } from './race/codeLens';
import { RaceDiagnostics } from './race/diagnostics';
import { RaceRunner } from './race/raceRunner';
import { StatusItem } from './status';
import { GoTestController } from './testing/controller';

let client: LanguageClient | undefined;
let labService: LabService | undefined;
let probeManager: ProbeManager | undefined;

async function startClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, status: StatusItem): Promise<void> {
  const c = createClient(context, output);
  c.onNotification(StatusNotification, (p: StatusParams) => status.update(p));
  try {
    await c.start();
    client = c;
    await vscode.commands.executeCommand('setContext', 'golab.serverRunning', true);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    status.fail(`the language server failed to start: ${message}`);
    output.error(`language server failed to start: ${message}`);
    const choice = await vscode.window.showErrorMessage(`Go Lab: the language server failed to start: ${message}`, 'Show Output');
    if (choice) output.show(true);
  }
}

/**
 * What the extension exports to other extensions (and to its own in-host tests): the Test
 * Explorer controller and its run profile, so a caller can list the Go tests it found and run
 * them under the race detector.
 */
export interface GolabApi {
  testController: vscode.TestController;
  raceProfile: vscode.TestRunProfile;
  /** The "Profile (lab)" run profile. */
  profileProfile: vscode.TestRunProfile;
  /** The line annotations of the last profile run (read by the in-host tests). */
  annotations: ProfileAnnotations;
  /** The probes on debug sessions (read by the in-host tests). */
  probes: ProbeManager;
  /** Profile runs (driven by the in-host tests, e.g. to stop a program as Cancel does). */
  profiles: ProfileRunner;
}

export async function activate(context: vscode.ExtensionContext): Promise<GolabApi> {
  const output = vscode.window.createOutputChannel('Go Lab', { log: true });
  const status = new StatusItem();
  // The lab is disposed first (subscriptions dispose in reverse): its runs are cancelled and
  // their containers removed before anything they report to goes away.
  const diagnostics = new RaceDiagnostics();
  const lab = new LabService(context, output);
  labService = lab;
  const race = new RaceRunner(lab, diagnostics);
  const panels = new ProfilePanels(context, output);
  const annotations = new ProfileAnnotations(output, context.workspaceState);
  // The last run's line costs come back after a reload (decoding waits until activation is done).
  setTimeout(() => void annotations.restore(), 0);
  const profilesView = new ProfilesView();
  const profiles = new ProfileRunner(context, lab, panels, annotations, profilesView);
  const tests = new GoTestController(race, profiles, output);
  context.subscriptions.push(output, status, diagnostics, race, panels, annotations, profilesView, profiles, tests, lab);
  context.subscriptions.push(vscode.window.registerTreeDataProvider('golab.profiles', profilesView));
  const delve = new DelveAdapterFactory(output);
  const probes = new ProbeManager(output, delve);
  probeManager = probes;
  context.subscriptions.push(delve, probes, vscode.debug.registerDebugAdapterDescriptorFactory(GOLAB_DEBUG_TYPE, delve), vscode.window.registerTreeDataProvider('golab.probes', probes));
  const probeLenses = new ProbeCodeLensProvider(probes);
  context.subscriptions.push(probeLenses, vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file' }, probeLenses));
  const lenses = new RaceCodeLensProvider(tests.discovery);
  context.subscriptions.push(lenses, vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file', pattern: '**/*_test.go' }, lenses));
  // Containers a crashed editor left behind; in the background, and only in a trusted workspace.
  if (vscode.workspace.isTrusted) void lab.removeLeftovers();

  const ctx: Ctx = {
    extension: context,
    output,
    status,
    lab,
    race,
    tests: tests.discovery,
    profiles,
    panels,
    annotations,
    profilesView,
    probes,
    client: () => client,
    async restartClient() {
      const old = client;
      client = undefined;
      await vscode.commands.executeCommand('setContext', 'golab.serverRunning', false);
      await old?.dispose();
      await startClient(context, output, status);
    },
  };
  for (const [id, factory] of Object.entries(COMMANDS)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
  }
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => status.render()),
    { dispose: () => void client?.dispose() },
  );
  await startClient(context, output, status);
  return { testController: tests.controller, raceProfile: tests.raceProfile, profileProfile: tests.profileProfile, annotations, probes, profiles };
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  // Containers first: a run's container must not outlive the editor.
  await Promise.allSettled([labService?.shutdown(), probeManager?.shutdown(), c?.stop()]);
  probeManager = undefined;
  labService = undefined;
}
