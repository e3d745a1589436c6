/**
 * eBPF probes on Go debug sessions (`go` from vscode-go, and our `golab-go`): when a session
 * starts, its debuggee is found (the child Delve launched) and uprobes are attached to the
 * functions of `golab.probes` and those added with "Go Lab: Probe Function at Cursor"; counts
 * and latencies update the "Go Lab Probes" view and an annotation at each probed function once a
 * second; when the session ends (or the extension deactivates) the probes are removed. The engine
 * is bpftrace, or the kernel's uprobe events when bpftrace cannot probe return instructions
 * (`golab.probeEngine`). A failure to probe (no permission, no bpftrace nor tracefs) is a
 * message: the debug session itself goes on.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { formatInline } from '../../core/probes/format';
import type { FunctionStats } from '../../core/probes/events';
import { packPatterns } from '../../core/probes/packs';
import { ProbeError, type ProbeRun } from '../../core/probes/session';
import { SidecarSession } from '../../core/probes/sidecar';
import { startProbes } from '../../core/probes/start';
import type { DockerConnection } from '../../core/lab/docker';
import type { ProbeTarget } from '../../core/probes/symbols';
import type { DelveAdapterFactory } from './delve';
import { GOLAB_DEBUG_TYPE } from './delve';

const PROBED_TYPES = new Set(['go', GOLAB_DEBUG_TYPE]);

/** Processes whose parent is `ppid` (from /proc), with their command name. */
function childrenOf(ppid: number): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is in parentheses and may contain spaces: fields after the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const parent = Number(stat.slice(close + 2).split(' ')[1]);
      if (parent === ppid) out.push({ pid: Number(name), comm });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Delve names the binary it builds `__debug_bin<digits>`; the newest such process is the debuggee. */
function newestDebugBinary(): number | undefined {
  let best: { pid: number; start: number } | undefined;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!comm.startsWith('__debug_bin')) continue;
      const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      if (!best || start > best.start) best = { pid: Number(name), start };
    } catch {
      // gone meanwhile
    }
  }
  return best?.pid;
}

class StatsItem extends vscode.TreeItem {
  constructor(
    readonly stats: FunctionStats,
    at: { file: string; line: number } | undefined,
    engine: string | undefined,
  ) {
    super(stats.name.replace(/^.*\//, ''), vscode.TreeItemCollapsibleState.None);
    this.description = formatInline(stats);
    this.tooltip = `${stats.name}\n${formatInline(stats)}${engine ? `\nprobed with ${engine}` : ''}`;
    this.iconPath = new vscode.ThemeIcon('pulse');
    // Enter on a row (or a click) opens the function.
    if (at) this.command = { title: 'Open Function', command: 'vscode.open', arguments: [vscode.Uri.file(at.file), { selection: new vscode.Range(at.line, 0, at.line, 0) }] };
  }
}

/** A process in a container, probed from a sidecar (no debug session). */
interface ContainerTarget {
  conn: DockerConnection;
  id: string;
  name: string;
  image: string;
}

type Entry = { probe?: ProbeRun; pid?: number; stats: FunctionStats[]; starting?: Promise<void>; container?: ContainerTarget };

export class ProbeManager implements vscode.TreeDataProvider<StatsItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sessions = new Map<string, Entry>();
  /** Patterns added for the running sessions with the command. */
  private readonly added = new Set<string>();
  private readonly decoration = vscode.window.createTextEditorDecorationType({ after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' } });
  private readonly subscription: vscode.Disposable;
  /** The fallback notice (no usable bpftrace) is shown once per window; later ones go to the log. */
  private noticeShown = false;
  /** Where each probed function is declared (file, 0-based line), for the annotations. */
  private readonly declared = new Map<string, { file: string; line: number }>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly delve: DelveAdapterFactory,
  ) {
    this.subscription = vscode.Disposable.from(
      vscode.debug.onDidStartDebugSession((s) => void this.onStart(s)),
      vscode.debug.onDidTerminateDebugSession((s) => void this.onEnd(s.id)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
    );
  }

  /** The function patterns to probe: the setting's (a `pack:<name>` entry expands to a built-in pack) and the added ones. */
  private patterns(): string[] {
    const configured = (vscode.workspace.getConfiguration('golab').get<string[]>('probes') ?? []).filter((p) => typeof p === 'string' && p.trim());
    const out: string[] = [];
    for (const p of configured) {
      if (!p.startsWith('pack:')) {
        out.push(p);
        continue;
      }
      try {
        out.push(...packPatterns([p.slice('pack:'.length)]));
      } catch (e) {
        void vscode.window.showWarningMessage(`Go Lab: golab.probes: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return [...new Set([...out, ...this.added])];
  }

  /** Waits for the debuggee of a session to exist (Delve builds it first), up to `timeoutMs`. */
  private async findDebuggee(session: vscode.DebugSession, timeoutMs = 60_000): Promise<number | undefined> {
    const fromConfig = typeof session.configuration.processId === 'number' ? session.configuration.processId : Number(session.configuration.processId);
    if (session.configuration.request === 'attach' && Number.isInteger(fromConfig) && fromConfig > 0) return fromConfig;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const dlv = this.delve.dlvPid(session.id);
      const pid = dlv ? childrenOf(dlv).find((c) => c.comm.startsWith('__debug_bin'))?.pid : newestDebugBinary();
      if (pid) return pid;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  }

  private async onStart(session: vscode.DebugSession): Promise<void> {
    if (!PROBED_TYPES.has(session.type) || !vscode.workspace.isTrusted) return;
    const entry: Entry = { stats: [] };
    this.sessions.set(session.id, entry);
    if (this.patterns().length === 0) return;
    entry.starting = this.attach(session, entry);
    await entry.starting;
  }

  private async attach(session: vscode.DebugSession, entry: Entry): Promise<void> {
    const pid = entry.pid ?? (await this.findDebuggee(session));
    if (!pid || !this.sessions.has(session.id)) return;
    entry.pid = pid;
    await entry.probe?.stop();
    try {
      const config = vscode.workspace.getConfiguration('golab');
      entry.probe = await startProbes({
        engine: config.get<'auto' | 'bpftrace' | 'tracefs'>('probeEngine') ?? 'auto',
        bpftrace: config.get<string>('bpftracePath') || undefined,
        onNotice: (m) => {
          this.log.warn(m);
          if (!this.noticeShown) void vscode.window.showInformationMessage(`Go Lab: ${m}`);
          this.noticeShown = true;
        },
        patterns: this.patterns(),
        pid,
        onSnapshot: (stats) => {
          entry.stats = stats;
          this.changed.fire();
          this.render();
        },
      });
      for (const m of entry.probe.misses) void vscode.window.showWarningMessage(`Go Lab: ${m.message}`);
      this.log.info(`probes attached to ${session.name} (pid ${pid}) with ${entry.probe.engine}: ${entry.probe.targets.map((t) => t.name).join(', ')}`);
      void vscode.commands.executeCommand('setContext', 'golab.probing', true);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(`probes on ${session.name}: ${message}`);
      // The debug session goes on; only the probes are missing.
      void vscode.window.showErrorMessage(`Go Lab: cannot probe ${session.name}: ${message}`, ...(e instanceof ProbeError && e.reason === 'permission' ? ['Show Output'] : [])).then((c) => c && this.log.show(true));
    }
  }

  private async onEnd(id: string): Promise<void> {
    const entry = this.sessions.get(id);
    this.sessions.delete(id);
    await entry?.starting;
    const result = await entry?.probe?.stop();
    if (result) this.log.info(`probes detached; final: ${result.functions.map((f) => `${f.name} ${formatInline(f)}`).join('; ')}`);
    if (this.sessions.size === 0) void vscode.commands.executeCommand('setContext', 'golab.probing', false);
    if (![...this.sessions.values()].some((e) => e.container)) void vscode.commands.executeCommand('setContext', 'golab.probingContainer', false);
    this.changed.fire();
    this.render();
  }

  /** Adds a probe to every probed session now running (and to the next ones of this window). */
  async addPattern(pattern: string, where?: { file: string; line: number; name: string }): Promise<void> {
    this.added.add(pattern);
    if (where) this.declared.set(where.name, { file: where.file, line: where.line });
    for (const [id, entry] of this.sessions) {
      if (entry.container) {
        await this.restartContainer(id, entry);
        continue;
      }
      const session = vscode.debug.activeDebugSession?.id === id ? vscode.debug.activeDebugSession : undefined;
      if (session) await this.attach(session, entry);
    }
  }

  /** Removes a probe added with addPattern; sessions re-attach with the rest (or detach when none is left). */
  async removePattern(pattern: string): Promise<void> {
    if (!this.added.delete(pattern)) return;
    for (const [id, entry] of this.sessions) {
      const session = vscode.debug.activeDebugSession?.id === id ? vscode.debug.activeDebugSession : undefined;
      if (this.patterns().length === 0) {
        await entry.probe?.stop();
        entry.probe = undefined;
        entry.stats = [];
        if (entry.container) this.sessions.delete(id);
      } else if (entry.container) await this.restartContainer(id, entry);
      else if (session) await this.attach(session, entry);
    }
    this.changed.fire();
    this.render();
  }

  /**
   * Probes the process of a running container (its main process) from a sidecar container,
   * with the same patterns as debug sessions; shown in the view until stopped or the container
   * exits. Throws (a ProbeError saying what is missing) when the probes cannot be attached.
   */
  async attachContainer(target: ContainerTarget): Promise<void> {
    const key = `container:${target.id}`;
    await this.stopContainer(key);
    if (this.patterns().length === 0) throw new Error('no function to probe: add one with golab.probes or Probe Function at Cursor');
    const entry: Entry = { stats: [], container: target };
    this.sessions.set(key, entry);
    try {
      await this.startContainer(key, entry);
    } catch (e) {
      this.sessions.delete(key);
      throw e;
    }
  }

  private async startContainer(key: string, entry: Entry): Promise<void> {
    const target = entry.container;
    if (!target) return;
    const probe = await SidecarSession.start({
      conn: target.conn,
      container: target.id,
      patterns: this.patterns(),
      image: target.image,
      onSnapshot: (stats) => {
        entry.stats = stats;
        this.changed.fire();
        this.render();
      },
    });
    entry.probe = probe;
    for (const m of probe.misses) void vscode.window.showWarningMessage(`Go Lab: ${m.message}`);
    this.log.info(`probes attached to container ${target.name} from sidecar ${probe.name}: ${probe.targets.map((t) => t.name).join(', ')}`);
    void vscode.commands.executeCommand('setContext', 'golab.probing', true);
    void vscode.commands.executeCommand('setContext', 'golab.probingContainer', true);
    // The container exiting ends its probes (and removes the sidecar).
    void probe.ended.then(() => {
      if (this.sessions.get(key)?.probe === probe) void this.onEnd(key);
    });
    this.changed.fire();
  }

  private async restartContainer(key: string, entry: Entry): Promise<void> {
    await entry.probe?.stop();
    entry.probe = undefined;
    try {
      await this.startContainer(key, entry);
    } catch (e) {
      this.sessions.delete(key);
      void vscode.window.showErrorMessage(`Go Lab: cannot probe container ${entry.container?.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async stopContainer(key: string): Promise<void> {
    if (this.sessions.has(key)) await this.onEnd(key);
  }

  /** Stops the probes of every container (the view's stop button); resolves with how many. */
  async stopContainers(): Promise<number> {
    const keys = [...this.sessions.entries()].filter(([, e]) => e.container).map(([k]) => k);
    for (const k of keys) await this.stopContainer(k);
    return keys.length;
  }

  /** Whether any function is to be probed (setting or added). */
  hasPatterns(): boolean {
    return this.patterns().length > 0;
  }

  /** Whether `pattern` was added with the command (the CodeLens offers to remove it). */
  has(pattern: string): boolean {
    return this.added.has(pattern);
  }

  /** Fires when the probes or the debug sessions change (CodeLens refresh). */
  get onDidChange(): vscode.Event<void> {
    return this.changed.event;
  }

  /** Current stats of every session (for tests and the view). */
  current(): FunctionStats[] {
    return [...this.sessions.values()].flatMap((e) => e.stats);
  }

  /** The engine of each session with probes attached (for tests and the view). */
  engines(): string[] {
    return [...this.sessions.values()].flatMap((e) => (e.probe ? [e.probe.engine] : []));
  }

  /** Sessions with probes attached (for tests). */
  get attachedCount(): number {
    return [...this.sessions.values()].filter((e) => e.probe).length;
  }

  getChildren(): StatsItem[] {
    const engine = [...this.sessions.values()].find((e) => e.probe)?.probe?.engine;
    return this.current().map((s) => new StatsItem(s, this.locationOf(s.name), engine));
  }

  /**
   * Where a probed function is declared: as the command recorded it, or else from the binary's
   * line table (functions of the golab.probes setting and packs have no editor position).
   */
  private locationOf(name: string): { file: string; line: number } | undefined {
    const short = name.replace(/^.*\//, '').replace(/^[^.]*\./, '');
    const declared = this.declared.get(short) ?? this.declared.get(name);
    if (declared) return declared;
    const target: ProbeTarget | undefined = [...this.sessions.values()].flatMap((e) => e.probe?.targets ?? []).find((t) => t.name === name);
    return target?.file && target.line ? { file: target.file, line: target.line - 1 } : undefined;
  }

  getTreeItem(item: StatsItem): vscode.TreeItem {
    return item;
  }

  private render(): void {
    const stats = this.current();
    for (const editor of vscode.window.visibleTextEditors) {
      const options: vscode.DecorationOptions[] = [];
      for (const s of stats) {
        const at = this.locationOf(s.name);
        if (!at || path.resolve(at.file) !== path.resolve(editor.document.uri.fsPath) || at.line >= editor.document.lineCount) continue;
        options.push({ range: editor.document.lineAt(at.line).range, renderOptions: { after: { contentText: formatInline(s) } } });
      }
      editor.setDecorations(this.decoration, options);
    }
  }

  /** Removes every probe: deactivate awaits this. */
  async shutdown(): Promise<void> {
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(entries.map(async (e) => {
      await e.starting;
      await e.probe?.stop();
    }));
  }

  dispose(): void {
    void this.shutdown();
    this.subscription.dispose();
    this.decoration.dispose();
    this.changed.dispose();
  }
}

/** The Go symbol pattern of the function declared at `line` of `doc` (its package path from go.mod). */
export function symbolPatternAt(doc: vscode.TextDocument, line: number): { pattern: string; name: string; line: number } | undefined {
  for (let l = line; l >= 0; l--) {
    const m = /^func\s+(?:\(\s*\w*\s*(\*?)\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*)?(\w+)\s*[[(]/.exec(doc.lineAt(l).text);
    if (!m) continue;
    const [, star, recv, fn] = m;
    const pkgLine = /^package\s+(\w+)/m.exec(doc.getText());
    const pkg = pkgLine?.[1] ?? 'main';
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const member = recv ? `${star ? `\\(\\*${esc(recv)}\\)` : esc(recv)}\\.${esc(fn)}` : esc(fn);
    // main's symbols are `main.F`; others `<import path>.F`, whose last element is the package name.
    const pattern = pkg === 'main' ? `^main\\.${member}$` : `(^|/)${esc(pkg)}\\.${member}$`;
    const name = recv ? `${star ? `(*${recv})` : recv}.${fn}` : fn;
    return { pattern, name, line: l };
  }
  return undefined;
}

/** Used by the command: the absolute file of a document. */
export function fileOf(doc: vscode.TextDocument): string {
  return path.resolve(doc.uri.fsPath);
}
