/**
 * A streaming parser for `go test -race` output, plain or `-json` (test2json events).
 *
 * Output arrives in chunks from a container log, split anywhere (mid-line, mid-event), so the
 * parser keeps only the unfinished line between calls and gives the same result however the
 * input was cut. It never throws: a killed run, garbage or a half-written event yields what
 * was complete.
 */
import {
  type GoTestFormat,
  type GoTestRun,
  type RaceAccess,
  type RaceFrame,
  type RaceGoroutine,
  type RaceReport,
  type TestOutcome,
  type TestPanic,
} from './types';

const SEPARATOR = '==================';
const WARNING = 'WARNING: DATA RACE';
// "Previous" and "atomic" are optional: Go prints neither "Atomic" nor "atomic", C++ TSan does,
// and accepting both costs nothing.
const ACCESS_RE = /^(Previous )?(atomic |Atomic )?(read|write|Read|Write) at (0x[0-9a-fA-F]+) by (?:goroutine (\d+)|(main) goroutine):$/;
const GOROUTINE_RE = /^Goroutine (\d+) \(([^)]*)\) created at:$/;
const FUNC_RE = /^ {2}(\S.*?)(?:\(\))?$/;
// The file line: deeper indent, `file:line` and an optional `+0x1b` pc offset.
const FILE_RE = /^\s{3,}(\S.*?):(\d+)(?: \+0x[0-9a-fA-F]+)?$/;
const LOST_STACK = '[failed to restore the stack]';
const RUN_RE = /^=== (RUN|CONT|PAUSE|NAME)\s+(\S+)/;
const RESULT_RE = /^(\s*)--- (PASS|FAIL|SKIP): (\S+) \((\d+(?:\.\d+)?)s\)/;
const RACE_IN_TEST_RE = /^\s*testing\.go:\d+: race detected during execution of test/;
const RACE_OUTSIDE_RE = /^testing: race detected outside of test execution/;
// The go command's per-package lines (`ok  \tpkg\t0.1s`, `FAIL\tpkg [build failed]`,
// `?   \tpkg\t[no test files]`) always have a tab before the package: requiring it keeps a
// test's own unindented `fmt.Println("ok then")` from ending a package.
const SUMMARY_OK_RE = /^ok\s*\t(\S+)(?:\s+(.*))?$/;
const SUMMARY_FAIL_RE = /^FAIL\t(\S+)(?:\s+(.*))?$/;
const SUMMARY_NOTEST_RE = /^\?\s*\t(\S+)\s+\[no test files\]/;
const BUILD_HEADER_RE = /^# (\S+)/;
// A compiler/vet diagnostic: unindented `path.go:line[:col]: message`. Test logs are indented.
const COMPILE_ERROR_RE = /^\S+\.go:\d+(?::\d+)?: \S/;
const PANIC_RE = /^(panic|fatal error): (.*)$/;
const ELAPSED_RE = /^(\d+(?:\.\d+)?)s/;
/** A report longer than this is not one (a lost closing separator): stop collecting it. */
const MAX_REPORT_LINES = 5000;
/** Goroutine dumps of a panic can be huge; keep the head, which names the panicking test. */
const MAX_PANIC_LINES = 400;

type Section =
  | { kind: 'access'; access: RaceAccess }
  | { kind: 'goroutine'; goroutine: RaceGoroutine }
  | { kind: 'none' };

/** A race report being read, line by line. */
class ReportBuilder {
  readonly lines: string[];
  current?: RaceAccess;
  previous?: RaceAccess;
  readonly goroutines: RaceGoroutine[] = [];
  private section: Section = { kind: 'none' };
  private pendingFunc?: string;

  constructor(opening: string[], readonly provisionalTest: string | undefined) {
    this.lines = [...opening];
  }

  add(line: string): void {
    this.lines.push(line);
    const access = ACCESS_RE.exec(line);
    if (access) {
      const a: RaceAccess = {
        kind: access[3].toLowerCase() === 'read' ? 'read' : 'write',
        atomic: access[2] !== undefined,
        address: access[4],
        goroutine: access[6] === 'main' ? 'main' : Number(access[5]),
        stack: [],
      };
      if (access[1]) this.previous ??= a;
      else this.current ??= a;
      this.section = { kind: 'access', access: a };
      this.pendingFunc = undefined;
      return;
    }
    const g = GOROUTINE_RE.exec(line);
    if (g) {
      const goroutine: RaceGoroutine = { id: Number(g[1]), state: g[2], createdAt: [] };
      this.goroutines.push(goroutine);
      this.section = { kind: 'goroutine', goroutine };
      this.pendingFunc = undefined;
      return;
    }
    if (line.trim() === '') {
      this.section = { kind: 'none' };
      this.pendingFunc = undefined;
      return;
    }
    if (line.trim() === LOST_STACK) {
      if (this.section.kind === 'access') this.section.access.stackLost = true;
      return;
    }
    const file = FILE_RE.exec(line);
    if (file && this.pendingFunc !== undefined) {
      this.addFrame({ func: this.pendingFunc, file: file[1], line: Number(file[2]) });
      this.pendingFunc = undefined;
      return;
    }
    const func = FUNC_RE.exec(line);
    // Only frames inside an access or goroutine block; interleaved output of another test
    // (indented t.Log lines) elsewhere is kept in the text and otherwise ignored.
    if (func && this.section.kind !== 'none') this.pendingFunc = func[1];
  }

  private addFrame(frame: RaceFrame): void {
    if (this.section.kind === 'access') this.section.access.stack.push(frame);
    else if (this.section.kind === 'goroutine') this.section.goroutine.createdAt.push(frame);
  }

  /** The finished report, or undefined if the block was not a well-formed race report. */
  build(): RaceReport | undefined {
    if (!this.current || !this.previous) return undefined;
    for (const a of [this.current, this.previous]) {
      // Go marks no access as atomic in the header; the stack shows it.
      if (!a.atomic && a.stack.length > 0 && isAtomicFunc(a.stack[0].func)) a.atomic = true;
    }
    const report: RaceReport = {
      current: this.current,
      previous: this.previous,
      goroutines: this.goroutines,
      text: this.lines.join('\n'),
    };
    if (this.provisionalTest !== undefined) report.test = this.provisionalTest;
    return report;
  }
}

function isAtomicFunc(func: string): boolean {
  return /^(sync\/atomic|runtime\/internal\/atomic|internal\/runtime\/atomic)\./.test(func);
}

interface Header {
  name: string;
  indent: number;
  outcome?: TestOutcome;
}

/** Everything the per-stream machines contribute to. */
interface Sink {
  races: RaceReport[];
  tests: TestOutcome[];
  buildErrors: string[];
  panics: TestPanic[];
}

/**
 * Reads the line stream of one test binary's output (plain mode: the whole run, whose package
 * is learnt from each `ok`/`FAIL` summary; -json mode: one package's Output).
 */
class LineMachine {
  private report?: ReportBuilder;
  private sawSeparator = false;
  private currentTest?: string;
  /** `--- FAIL` etc. headers whose indented block we are in, outermost first. */
  private headers: Header[] = [];
  /** Reports closed since the testing package last said which test they belong to. */
  private unconfirmed: RaceReport[] = [];
  /** Items whose package is not known yet (plain mode). */
  private packageless: { package?: string }[] = [];
  private inBuildBlock = false;
  private panic?: { record: TestPanic; lines: string[] };
  /** Plain mode: lines printed while a test was the running one (-v prints logs before `--- FAIL`). */
  private runOutput = new Map<string, string[]>();

  constructor(
    private readonly sink: Sink,
    private readonly json: boolean,
    private readonly pkg?: string,
  ) {}

  get inReport(): boolean {
    return this.report !== undefined;
  }

  line(line: string, eventTest?: string): void {
    if (this.panic && this.panic.lines.length < MAX_PANIC_LINES && !SUMMARY_FAIL_RE.test(line) && !SUMMARY_OK_RE.test(line)) {
      this.panic.lines.push(line);
    }
    if (this.report) {
      if (line === SEPARATOR) {
        this.report.lines.push(line);
        this.closeReport();
        return;
      }
      if (line === WARNING) {
        // The closing separator never came: the block so far is not a report.
        this.report = new ReportBuilder([WARNING], eventTest ?? this.currentTest);
        return;
      }
      this.report.add(line);
      if (this.report.lines.length > MAX_REPORT_LINES) this.report = undefined;
      return;
    }
    if (line === SEPARATOR) {
      this.sawSeparator = true;
      return;
    }
    if (line === WARNING) {
      this.report = new ReportBuilder(this.sawSeparator ? [SEPARATOR, WARNING] : [WARNING], eventTest ?? this.currentTest);
      this.sawSeparator = false;
      return;
    }
    this.sawSeparator = false;
    this.other(line, eventTest);
  }

  private closeReport(): void {
    const built = this.report?.build();
    this.report = undefined;
    if (!built) return;
    if (this.pkg !== undefined) built.package = this.pkg;
    else this.packageless.push(built);
    this.sink.races.push(built);
    this.unconfirmed.push(built);
  }

  private other(line: string, eventTest?: string): void {
    const indent = line.length - line.trimStart().length;
    // Leave `--- FAIL` blocks whose indentation we are no longer under.
    while (this.headers.length > 0 && indent <= this.headers[this.headers.length - 1].indent && line.trim() !== '') {
      this.headers.pop();
    }

    const run = RUN_RE.exec(line);
    if (run) {
      if (run[1] !== 'PAUSE') this.currentTest = run[2];
      this.inBuildBlock = false;
      return;
    }
    const result = RESULT_RE.exec(line);
    if (result) {
      const header: Header = { name: result[3], indent: result[1].length };
      if (!this.json) {
        const outcome: TestOutcome = {
          package: this.pkg ?? '',
          test: result[3],
          action: result[2] === 'PASS' ? 'pass' : result[2] === 'FAIL' ? 'fail' : 'skip',
          elapsedMs: Math.round(Number(result[4]) * 1000),
          output: (this.runOutput.get(result[3]) ?? []).map((l) => l + '\n').join(''),
        };
        this.runOutput.delete(result[3]);
        header.outcome = outcome;
        this.sink.tests.push(outcome);
        if (this.pkg === undefined) this.packageless.push(outcome);
      }
      this.headers.push(header);
      return;
    }
    const inner = this.headers[this.headers.length - 1];
    if (inner?.outcome && line.trim() !== '') inner.outcome.output += line + '\n';
    else if (!this.json && this.currentTest !== undefined && indent > 0) {
      const lines = this.runOutput.get(this.currentTest) ?? [];
      lines.push(line);
      this.runOutput.set(this.currentTest, lines);
    }

    if (RACE_IN_TEST_RE.test(line)) {
      const test = inner?.name ?? eventTest ?? this.currentTest;
      for (const r of this.unconfirmed) {
        if (test !== undefined) r.test = test;
      }
      this.unconfirmed = [];
      return;
    }
    if (RACE_OUTSIDE_RE.test(line)) {
      for (const r of this.unconfirmed) delete r.test;
      this.unconfirmed = [];
      return;
    }
    const panic = PANIC_RE.exec(line);
    if (panic) {
      const record: TestPanic = { message: panic[2], text: '' };
      const test = eventTest ?? inner?.name ?? this.lastFailed() ?? this.currentTest;
      if (test !== undefined) record.test = test;
      if (this.pkg !== undefined) record.package = this.pkg;
      else this.packageless.push(record);
      this.sink.panics.push(record);
      this.panic = { record, lines: [line] };
      return;
    }
    if (this.summary(line)) return;
    const build = BUILD_HEADER_RE.exec(line);
    if (build) {
      this.inBuildBlock = true;
      return;
    }
    if (this.inBuildBlock) {
      if (line.trim() === '') this.inBuildBlock = false;
      else this.sink.buildErrors.push(line);
      return;
    }
    if (COMPILE_ERROR_RE.test(line)) this.sink.buildErrors.push(line);
  }

  /** The test of the most recent `--- FAIL` header (plain output prints it before a panic). */
  private lastFailed(): string | undefined {
    for (let i = this.sink.tests.length - 1; i >= 0; i--) {
      const t = this.sink.tests[i];
      if (t.action === 'fail' && t.test !== undefined && this.packageless.includes(t)) return t.test;
    }
    return undefined;
  }

  /** `ok pkg 0.1s`, `FAIL pkg 0.1s`, `FAIL pkg [build failed]`, `? pkg [no test files]`: one package ends. */
  private summary(line: string): boolean {
    let pkg: string | undefined;
    let action: TestOutcome['action'] = 'pass';
    let rest = '';
    const ok = SUMMARY_OK_RE.exec(line);
    const fail = ok ? null : SUMMARY_FAIL_RE.exec(line);
    const none = ok || fail ? null : SUMMARY_NOTEST_RE.exec(line);
    if (ok) {
      pkg = ok[1];
      rest = ok[2] ?? '';
    } else if (fail) {
      pkg = fail[1];
      action = 'fail';
      rest = fail[2] ?? '';
    } else if (none) {
      pkg = none[1];
      action = 'skip';
    } else {
      return false;
    }
    this.inBuildBlock = false;
    this.flushPanic();
    this.panic = undefined;
    this.unconfirmed = [];
    if (this.json) return true;
    for (const item of this.packageless) item.package = pkg;
    this.packageless = [];
    this.headers = [];
    this.currentTest = undefined;
    this.runOutput.clear();
    const outcome: TestOutcome = { package: pkg, action, output: line + '\n' };
    const elapsed = ELAPSED_RE.exec(rest);
    if (elapsed) outcome.elapsedMs = Math.round(Number(elapsed[1]) * 1000);
    this.sink.tests.push(outcome);
    return true;
  }

  /** Writes the collected panic dumps into their records (called before reading the result). */
  flushPanic(): void {
    if (this.panic) this.panic.record.text = this.panic.lines.join('\n');
  }
}

interface TestEvent {
  Action: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Elapsed?: number;
  Output?: string;
}

function asEvent(value: unknown): TestEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Action !== 'string') return undefined;
  const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
  return {
    Action: v.Action,
    Package: str(v.Package),
    ImportPath: str(v.ImportPath),
    Test: str(v.Test),
    Elapsed: typeof v.Elapsed === 'number' && Number.isFinite(v.Elapsed) ? v.Elapsed : undefined,
    Output: str(v.Output),
  };
}

/** Splits a stream into lines; the unfinished tail waits for the next chunk. */
class LineSplitter {
  private tail = '';
  push(chunk: string, onLine: (line: string) => void): void {
    const text = this.tail + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      onLine(stripCr(text.slice(start, nl)));
      start = nl + 1;
    }
    this.tail = text.slice(start);
  }
  flush(onLine: (line: string) => void): void {
    if (this.tail !== '') onLine(stripCr(this.tail));
    this.tail = '';
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Per-package state of a -json run: test2json may split a line over several Output events. */
interface PackageStream {
  machine: LineMachine;
  tail: string;
  /** The Test of the event that began the unfinished line. */
  tailTest?: string;
}

/**
 * Feed `go test -race` output as it arrives with {@link write}; {@link end} returns the run.
 * One instance per invocation.
 */
export class GoTestOutputParser {
  private readonly sink: Sink = { races: [], tests: [], buildErrors: [], panics: [] };
  private readonly splitter = new LineSplitter();
  private readonly format: GoTestFormat;
  private readonly text: string[] = [];
  private plain?: LineMachine;
  private readonly packages = new Map<string, PackageStream>();
  /** A test2json event was seen: TestOutcome.output comes from the events. */
  private sawEvent = false;
  /** -json: the Output of each package + test, for TestOutcome.output. */
  private readonly outputs = new Map<string, string[]>();
  private ended?: GoTestRun;

  constructor(format: GoTestFormat = 'auto') {
    this.format = format;
  }

  /** Adds the next piece of output; pieces may split lines, events and UTF-16 pairs anywhere. */
  write(chunk: string): void {
    if (this.ended || typeof chunk !== 'string' || chunk === '') return;
    this.splitter.push(chunk, (line) => this.onLine(line));
  }

  /** Ends the input and returns the run. Later calls return the same result. */
  end(): GoTestRun {
    if (this.ended) return this.ended;
    this.splitter.flush((line) => this.onLine(line));
    let truncated = false;
    const machines: LineMachine[] = [];
    if (this.plain) machines.push(this.plain);
    for (const [, stream] of this.packages) {
      if (stream.tail !== '') {
        const line = stripCr(stream.tail);
        stream.tail = '';
        stream.machine.line(line, stream.tailTest);
      }
      machines.push(stream.machine);
    }
    for (const m of machines) {
      m.flushPanic();
      if (m.inReport) truncated = true;
    }
    if (this.sawEvent) {
      for (const t of this.sink.tests) {
        t.output = (this.outputs.get(outputKey(t.package, t.test)) ?? []).join('');
      }
    }
    this.ended = {
      races: this.sink.races,
      tests: this.sink.tests,
      text: this.text.join(''),
      buildErrors: this.sink.buildErrors,
      panics: this.sink.panics,
      truncated,
    };
    return this.ended;
  }

  private onLine(line: string): void {
    // 'auto' and 'json' read line by line: a container log merges go's stderr (go1.22 prints
    // build errors there as plain text) into the event stream, so plain lines can come first.
    const event = this.format !== 'text' && line.trimStart().startsWith('{') ? asEvent(tryJson(line)) : undefined;
    if (event) {
      this.sawEvent = true;
      this.onEvent(event);
      return;
    }
    this.text.push(line + '\n');
    this.plain ??= new LineMachine(this.sink, false);
    this.plain.line(line);
  }

  private onEvent(e: TestEvent): void {
    if (e.Action === 'build-output') {
      const out = e.Output ?? '';
      this.text.push(out);
      for (const l of out.split('\n')) {
        const line = stripCr(l);
        if (line !== '' && !BUILD_HEADER_RE.test(line)) this.sink.buildErrors.push(line);
      }
      return;
    }
    const pkg = e.Package;
    if (pkg === undefined) return;
    if (e.Action === 'output' && e.Output !== undefined) {
      this.text.push(e.Output);
      const key = outputKey(pkg, e.Test);
      const list = this.outputs.get(key) ?? [];
      list.push(e.Output);
      this.outputs.set(key, list);
      this.feedPackage(pkg, e.Output, e.Test);
      return;
    }
    if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') {
      const outcome: TestOutcome = { package: pkg, action: e.Action, output: '' };
      if (e.Test !== undefined) outcome.test = e.Test;
      if (e.Elapsed !== undefined) outcome.elapsedMs = Math.round(e.Elapsed * 1000);
      this.sink.tests.push(outcome);
    }
  }

  private feedPackage(pkg: string, output: string, test: string | undefined): void {
    let stream = this.packages.get(pkg);
    if (!stream) {
      stream = { machine: new LineMachine(this.sink, true, pkg), tail: '' };
      this.packages.set(pkg, stream);
    }
    if (stream.tail === '') stream.tailTest = test;
    const text = stream.tail + output;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      // A line belongs to the test of the event that began it: a report's line split over
      // two events keeps the attribution of its first half.
      stream.machine.line(stripCr(text.slice(start, nl)), stream.tailTest);
      start = nl + 1;
      stream.tailTest = test;
    }
    stream.tail = text.slice(start);
  }
}

function outputKey(pkg: string, test: string | undefined): string {
  return test === undefined ? pkg : `${pkg}\u0000${test}`;
}

function tryJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Parses a complete `go test -race` output (plain text, -json, or `auto`-detected). Never throws. */
export function parseGoTestOutput(text: string, format: GoTestFormat = 'auto'): GoTestRun {
  const parser = new GoTestOutputParser(format);
  parser.write(typeof text === 'string' ? text : '');
  return parser.end();
}
