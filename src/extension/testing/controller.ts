/**
 * The "Go Lab" Test Explorer controller: Go tests found by tree-sitter (no `go list`), and a
 * "Race (lab)" run profile that runs the chosen tests under the race detector in the lab
 * container, one `go test` per package. Results (pass, fail, skip, duration, output) and every
 * race (as a failure message at its line) show in the Test Explorer.
 */
import * as vscode from 'vscode';
import type { RaceFinding } from '../../core/race/findings';
import { buildFailed } from '../../core/race/run';
import type { TestOutcome } from '../../core/race/types';
import type { ProfileRunner } from '../profile/profileRunner';
import { packageScope, type RaceRunner, runPattern, summaryOf } from '../race/raceRunner';
import { type TestData, TestDiscovery } from './discovery';

/** One package's share of a run request: the package item, and the tests chosen in it. */
interface PackageRun {
  dir: string;
  pkg: vscode.TestItem;
  /** Top-level tests (and benchmarks) chosen. */
  items: vscode.TestItem[];
  /** The whole package was chosen (one `go test` without -run). */
  whole: boolean;
}

/** Test Explorer output wants CRLF line ends (it is a terminal). */
function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class GoTestController implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('golab', 'Go Lab');
  readonly discovery: TestDiscovery;
  /** The "Race (lab)" profile (the default). */
  readonly raceProfile: vscode.TestRunProfile;
  /** The "Profile (lab)" profile: CPU/heap/mutex/block profiles, opened in the flame graph viewer. */
  readonly profileProfile: vscode.TestRunProfile;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly race: RaceRunner,
    private readonly profiles: ProfileRunner,
    log: vscode.LogOutputChannel,
  ) {
    this.discovery = new TestDiscovery(this.controller, log);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discovery.discoverAll();
    };
    this.controller.refreshHandler = async (token) => {
      this.controller.items.replace([]);
      await this.discovery.discoverAll(token);
    };
    this.raceProfile = this.controller.createRunProfile('Race (lab)', vscode.TestRunProfileKind.Run, (request, token) => this.runRequest(request, token), true);
    this.profileProfile = this.controller.createRunProfile('Profile (lab)', vscode.TestRunProfileKind.Run, (request, token) => this.profileRequest(request, token), false);
    this.disposables.push(this.raceProfile, this.profileProfile);
  }

  private data(item: vscode.TestItem): TestData | undefined {
    return this.discovery.data.get(item);
  }

  /** Groups the request's items by package; a subtest runs through its top-level test. */
  private plan(request: vscode.TestRunRequest): PackageRun[] {
    const runs = new Map<string, PackageRun>();
    const excluded = new Set(request.exclude ?? []);
    const include: vscode.TestItem[] = [];
    if (request.include) include.push(...request.include);
    else this.controller.items.forEach((i) => include.push(i));
    for (const item of include) {
      if (excluded.has(item)) continue;
      const d = this.data(item);
      if (!d) continue;
      const pkg = this.controller.items.get(d.dir);
      if (!pkg) continue;
      let run = runs.get(d.dir);
      if (!run) runs.set(d.dir, (run = { dir: d.dir, pkg, items: [], whole: false }));
      if (d.kind === 'package') {
        // The whole package, unless some of its tests are excluded: then those that are not.
        const children: vscode.TestItem[] = [];
        pkg.children.forEach((c) => !excluded.has(c) && children.push(c));
        if (children.length === pkg.children.size) run.whole = true;
        else for (const c of children) if (!run.items.includes(c)) run.items.push(c);
        continue;
      }
      let top: vscode.TestItem | undefined = item;
      while (top && this.data(top)?.kind === 'subtest') top = top.parent;
      if (top && !run.items.includes(top)) run.items.push(top);
    }
    return [...runs.values()];
  }

  private async runRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    try {
      for (const p of this.plan(request)) {
        if (token.isCancellationRequested) break;
        await this.runPackage(run, p, token);
      }
    } finally {
      run.end();
    }
  }

  /** Profiles each package of the request (its chosen tests, or benchmarks) and reports the tests' results. */
  private async profileRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const kinds = await this.profiles.kinds(false);
    const run = this.controller.createTestRun(request);
    try {
      for (const p of this.plan(request)) {
        if (token.isCancellationRequested || !kinds) break;
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p.dir));
        const leaves: vscode.TestItem[] = [];
        if (p.whole) p.pkg.children.forEach((c) => leaves.push(c));
        else leaves.push(...p.items);
        if (!folder) continue;
        const isBench = (i: vscode.TestItem) => {
          const d = this.data(i);
          return d?.kind === 'test' && d.fn === 'benchmark';
        };
        const benchmarks = p.whole ? [] : leaves.filter(isBench).map((i) => i.label);
        const tests = p.whole ? [] : leaves.filter((i) => !isBench(i)).map((i) => i.label);
        for (const item of leaves) run.started(item);
        const label = p.whole ? `package ${p.pkg.label}` : [...tests, ...benchmarks].join(', ');
        // Benchmarks take priority: profiling tests and benchmarks together would mix both in one profile.
        const result = await this.profiles.run(
          { folder, dir: p.dir, label, ...(benchmarks.length > 0 ? { benchmarks } : tests.length > 0 ? { tests } : {}) },
          kinds,
          { token, onOutput: (t) => run.appendOutput(crlf(t)) },
        );
        const outcomes = new Map<string, TestOutcome>();
        for (const o of result?.run.tests ?? []) if (o.test) outcomes.set(o.test, o);
        for (const item of leaves) {
          const o = outcomes.get(item.label);
          if (!result) run.errored(item, new vscode.TestMessage('The profile run did not complete: see the notification or the "Go Lab: Profile" output.'));
          else if (o?.action === 'fail') run.failed(item, new vscode.TestMessage(o.output.trim() || `${item.label} failed`), o.elapsedMs);
          else if (o?.action === 'pass' || (isBench(item) && result.lab.exitCode === 0)) run.passed(item, o?.elapsedMs);
          else run.skipped(item);
        }
      }
    } finally {
      run.end();
    }
  }

  private async runPackage(run: vscode.TestRun, p: PackageRun, token: vscode.CancellationToken): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p.dir));
    const leaves: vscode.TestItem[] = [];
    if (p.whole) p.pkg.children.forEach((c) => leaves.push(c));
    else leaves.push(...p.items);
    const benchmarks = leaves.filter((i) => { const d = this.data(i); return d?.kind === 'test' && d.fn === 'benchmark'; });
    const tests = leaves.filter((i) => !benchmarks.includes(i));
    const scope = folder && packageScope(folder, p.dir, !p.whole ? { names: tests.map((t) => t.label), label: tests.map((t) => t.label).join(', ') } : undefined);
    if (!folder || !scope) {
      for (const item of leaves) run.errored(item, new vscode.TestMessage(`${p.dir} is not inside a Go module of the workspace.`));
      return;
    }
    // A whole package runs its tests; benchmarks run (once each, -benchtime 1x) only when chosen.
    if (!p.whole && tests.length === 0) scope.run = '^$';
    if (!p.whole && benchmarks.length > 0) scope.bench = runPattern(benchmarks.map((b) => b.label));
    for (const item of leaves) run.started(item);
    const result = await this.race.run(scope, { token, onOutput: (t) => run.appendOutput(crlf(t)) });
    if (!result) {
      for (const item of leaves) {
        if (token.isCancellationRequested) run.skipped(item);
        else run.errored(item, new vscode.TestMessage('The lab run did not complete: see the notification or the "Go Lab: Race" output.'));
      }
      return;
    }
    const broken = result.lab.oomKilled || result.lab.timedOut || buildFailed(result.run);
    const outcomes = new Map<string, TestOutcome>();
    for (const o of result.run.tests) if (o.test) outcomes.set(o.test, o);
    const racesByTest = new Map<string, RaceFinding[]>();
    for (const f of result.findings) racesByTest.set(f.test ?? '', [...(racesByTest.get(f.test ?? '') ?? []), f]);
    const visit = (item: vscode.TestItem, name: string) => {
      const outcome = outcomes.get(name);
      const races = [...racesByTest.entries()].filter(([t]) => t === name).flatMap(([, f]) => f);
      const ms = outcome?.elapsedMs;
      if (broken) run.errored(item, new vscode.TestMessage(summaryOf(result, scope)));
      else if (races.length > 0 || outcome?.action === 'fail') {
        const messages = races.map((f) => {
          const m = new vscode.TestMessage(f.message);
          m.location = new vscode.Location(vscode.Uri.file(f.file), new vscode.Position(f.line - 1, 0));
          return m;
        });
        if (messages.length === 0) messages.push(new vscode.TestMessage(outcome?.output.trim() || `${name} failed`));
        run.failed(item, messages, ms);
      } else if (outcome?.action === 'pass') run.passed(item, ms);
      else if (outcome?.action === 'skip') run.skipped(item);
      else if (this.data(item)?.kind === 'test') run.skipped(item);
      item.children.forEach((c) => visit(c, `${name}/${c.label}`));
    };
    for (const item of leaves) visit(item, item.label);
    if (result.run.buildErrors.length > 0) run.appendOutput(crlf(`\n${result.run.buildErrors.join('\n')}\n`));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.discovery.dispose();
    this.controller.dispose();
  }
}
