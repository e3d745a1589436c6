/**
 * `golab check`: static analysis of Go files from the command line, the same rules the editor
 * runs, with text, JSON or SARIF output and an exit status CI can gate on.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileResult } from '../core/analysis/file';
import { RULES } from '../core/analysis/rules';
import type { SeveritySetting } from '../core/analysis/types';
import { AnalysisPool, listGoFiles } from '../core/analysis/workspace';
import { CONFIG_DEFAULTS } from '../core/config';
import { isExcluded } from '../core/glob';
import { formatJson } from '../core/report/json';
import { type ReportFile, type ReportNotice, summarize } from '../core/report/model';
import { ruleDocsReader } from '../core/report/ruleDocs';
import { formatSarif } from '../core/report/sarif';
import { formatSummary, formatText } from '../core/report/text';
import { EXIT, InputError, UsageError } from './errors';
import { parseCommandArgs } from './args';
import type { Interrupt } from './interrupt';

/** What a command needs from its process, passed in so the command has no hidden globals. */
export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (colours are only for terminals). */
  stdoutIsTTY: boolean;
  interrupt: Interrupt;
  tool: { name: string; version: string; informationUri?: string };
  /** The folder holding `media/rules/*.md` and `lab/` (the package root). */
  extensionRoot: string;
  /** Live progress and output for long commands (stderr), before the result is written. */
  stderr?: (text: string) => void;
}

/** The outcome of a command: its exit status, the document for stdout, and what follows it on stderr. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  /** Notices and the summary, written after stdout so a terminal shows them below the findings. */
  trailer?: string;
}

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const SEVERITY_SETTINGS: readonly SeveritySetting[] = ['error', 'warning', 'info', 'hint', 'off'];

/** `golab check --help`. */
export function checkHelp(): string {
  const d = CONFIG_DEFAULTS.analysis;
  const width = Math.max(...RULES.map((r) => r.meta.code.length));
  const rules = RULES.map((r) => `  ${r.meta.code.padEnd(width)}  ${r.meta.defaultSeverity.padEnd(7)}  ${r.meta.summary}`);
  return `Usage: golab check [paths...] [flags]

Finds Go concurrency bugs (loop variables captured by goroutines, unsynchronised shared
writes, ...) in .go files, without building them. Each path is a .go file or a directory
searched recursively; the default is the current directory. Go's "./..." is accepted and
means "." ("dir/..." means "dir").

Flags:
  --format text|json|sarif  output on stdout (default: text)
  --exclude GLOB            skip files and directories matching GLOB (repeatable); globs
                            match paths relative to the current directory, support ** * ?
                            {a,b}, and add to the defaults:
                            ${d.exclude.join(' ')}
                            A path named on the command line is analysed even if it matches.
  --rule CODE=SEVERITY      severity of a rule: error, warning, info, hint or off
                            (repeatable); CODE may name a family, e.g. closure=off
  --threads N               analysis threads (default: the number of CPUs, ${os.availableParallelism()} here)
  --no-color                no colours in text output (also when NO_COLOR is set or
                            stdout is not a terminal)
  -h, --help                this help

Output:
  text   one line per finding on stdout, then a summary on stderr:
           path/file.go:12:5: warning closure/loopvar: message
  json   an array of {file, line, column, endLine, endColumn, code, severity, message}
  sarif  SARIF 2.1.0, for GitHub code scanning (upload it with the upload-sarif action)
  Paths are relative to the current directory, with / separators. Lines and columns are
  1-based. In text and json a column counts UTF-8 bytes, as go vet and the Go compiler
  count them (the same as characters in ASCII lines), and endLine/endColumn point just
  past the end of the range. SARIF counts UTF-16 code units (it declares columnKind
  "utf16CodeUnits"), the unit of editors and of GitHub's viewer.

Rules:
${rules.join('\n')}
  A finding is silenced by a comment on its line or alone on the line above it:
    //golab:ignore closure/loopvar reason

Files over ${d.maxFileSizeMB} MB, or whose parse or analysis takes over ${d.timeoutMs} ms, are not analysed; each is
named in a notice on stderr.

Exit status: 0 no findings, 1 findings, 2 error (bad flag, missing or unreadable path,
a file that could not be analysed), 130 interrupted (Ctrl+C).
`;
}

interface CheckOptions {
  help: boolean;
  format: Format;
  paths: string[];
  exclude: string[];
  severities: Record<string, SeveritySetting>;
  threads?: number;
  color: boolean;
}

/** Turns `CODE=SEVERITY` flags into per-rule severities; a family name sets all its rules. */
function parseRuleFlags(flags: readonly string[]): Record<string, SeveritySetting> {
  const severities: Record<string, SeveritySetting> = {};
  for (const flag of flags) {
    const eq = flag.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--rule wants CODE=SEVERITY, got "${flag}"`, 'check');
    const code = flag.slice(0, eq).trim();
    const severity = flag.slice(eq + 1).trim();
    if (!(SEVERITY_SETTINGS as readonly string[]).includes(severity)) {
      throw new UsageError(`--rule ${flag}: severity must be one of ${SEVERITY_SETTINGS.join(', ')}`, 'check');
    }
    const matching = RULES.filter((r) => r.meta.code === code || r.meta.code.startsWith(`${code}/`));
    if (matching.length === 0) {
      throw new UsageError(`--rule ${flag}: unknown rule; known rules: ${RULES.map((r) => r.meta.code).join(', ')}`, 'check');
    }
    for (const r of matching) severities[r.meta.code] = severity as SeveritySetting;
  }
  return severities;
}

function parseCheckArgs(argv: readonly string[], ctx: CommandContext): CheckOptions {
  const parsed = parseCommandArgs('check', {
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      rule: { type: 'string', multiple: true },
      threads: { type: 'string' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`, 'check');
  }
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!/^\d+$/.test(values.threads) || threads < 1) {
      throw new UsageError(`--threads wants a whole number of at least 1, got "${values.threads}"`, 'check');
    }
  }
  const noColor = values['no-color'] === true || (ctx.env.NO_COLOR !== undefined && ctx.env.NO_COLOR !== '');
  return {
    help: values.help === true,
    format: format as Format,
    paths: positionals.length > 0 ? positionals : ['.'],
    exclude: [...CONFIG_DEFAULTS.analysis.exclude, ...(values.exclude ?? [])],
    severities: parseRuleFlags(values.rule ?? []),
    threads,
    color: !noColor && ctx.stdoutIsTTY,
  };
}

/** `./...` and `dir/...` are Go's "this directory and below", which is what a directory means here. */
function fromGoPattern(p: string): string {
  if (p === '...' || p === './...') return '.';
  return p.endsWith('/...') ? p.slice(0, -4) || '/' : p;
}

function displayPath(cwd: string, abs: string): string {
  return (path.relative(cwd, abs) || path.basename(abs)).split(path.sep).join('/');
}

/**
 * The .go files to analyse, in a stable order without duplicates. Arguments are checked up
 * front so a typo fails loudly (exit 2) instead of passing CI with nothing analysed.
 */
function collectFiles(paths: readonly string[], exclude: readonly string[], cwd: string): string[] {
  const files = new Set<string>();
  for (const arg of paths) {
    const p = fromGoPattern(arg);
    const abs = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(code === 'ENOENT' ? `${arg}: no such file or directory` : `${arg}: ${(e as Error).message}`);
    }
    if (stat.isDirectory()) {
      try {
        fs.readdirSync(abs);
      } catch (e) {
        throw new InputError(`${arg}: cannot read directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      // A named directory is analysed even when an exclude glob matches it; the globs still
      // apply to what lies below it.
      const rel = displayPath(cwd, abs);
      const applicable = exclude.filter((g) => !isExcluded(rel, [g]));
      const unreadable = (where: string, message: string): never => {
        throw new InputError(`${displayPath(cwd, where)}: cannot read: ${message}`);
      };
      for (const f of listGoFiles([abs], applicable, cwd, unreadable)) files.add(f);
    } else {
      if (!abs.endsWith('.go')) throw new InputError(`${arg}: not a .go file`);
      try {
        fs.accessSync(abs, fs.constants.R_OK);
      } catch (e) {
        throw new InputError(`${arg}: cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      files.add(abs);
    }
  }
  return [...files];
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Runs `golab check` with the arguments after the subcommand name. */
export async function runCheck(argv: readonly string[], ctx: CommandContext): Promise<CommandResult> {
  const options = parseCheckArgs(argv, ctx);
  if (options.help) return { exitCode: EXIT.ok, stdout: checkHelp() };

  const started = performance.now();
  const files = collectFiles(options.paths, options.exclude, ctx.cwd);
  const results: FileResult[] = [];
  const failures: Array<{ file: string; message: string }> = [];
  if (files.length > 0) {
    // Each thread loads its own parser; more threads than files would only cost start-up.
    const threads = Math.min(options.threads ?? os.availableParallelism(), files.length);
    let pool: AnalysisPool;
    try {
      pool = new AnalysisPool({ threads });
    } catch (e) {
      throw new InputError(e instanceof Error ? e.message : String(e));
    }
    const unregister = ctx.interrupt.onInterrupt(() => pool.dispose());
    try {
      const out = await pool.analyzeAll(
        files,
        {
          severities: options.severities,
          maxFileSizeMB: CONFIG_DEFAULTS.analysis.maxFileSizeMB,
          parseTimeoutMs: CONFIG_DEFAULTS.analysis.timeoutMs,
        },
        undefined,
        ctx.interrupt,
      );
      results.push(...out.results);
      failures.push(...out.errors);
    } finally {
      unregister();
      await pool.dispose();
    }
  }
  const elapsedMs = performance.now() - started;

  const notices: ReportNotice[] = [];
  const reportFiles: ReportFile[] = [];
  for (const r of results) {
    const shown = displayPath(ctx.cwd, r.file);
    if (r.skipped) notices.push({ path: shown, absolutePath: r.file, kind: 'skipped', message: r.skipped });
    if (r.findings.length === 0) continue;
    // Findings carry UTF-16 columns; the text converts them to the byte columns Go tools print.
    const text = readText(r.file);
    if (text === undefined) {
      notices.push({ path: shown, absolutePath: r.file, kind: 'error', message: 'file vanished before its findings were reported' });
    }
    reportFiles.push({ path: shown, absolutePath: r.file, text: text ?? '', findings: r.findings });
  }
  for (const f of failures) {
    // The pool prefixes worker errors with the file; the notice names it once, first.
    const message = f.message.startsWith(`${f.file}: `) ? f.message.slice(f.file.length + 2) : f.message;
    notices.push({ path: displayPath(ctx.cwd, f.file), absolutePath: f.file, kind: 'error', message });
  }
  notices.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const analysed = results.filter((r) => !r.skipped).length;
  const summary = summarize(reportFiles, analysed, elapsedMs);
  const trailer = [
    files.length === 0 ? `golab: notice: no .go files found in ${options.paths.join(' ')}\n` : '',
    ...notices.map((n) => `golab: ${n.kind === 'error' ? 'error' : 'notice'}: ${n.path}: ${n.message}\n`),
    `${formatSummary(summary)}\n`,
  ].join('');

  let stdout: string;
  switch (options.format) {
    case 'json':
      stdout = formatJson(reportFiles);
      break;
    case 'sarif':
      stdout = formatSarif(reportFiles, {
        tool: ctx.tool,
        rules: RULES.map((r) => r.meta),
        ruleDocs: ruleDocsReader(ctx.extensionRoot),
        baseDir: ctx.cwd,
        notices,
      });
      break;
    default:
      stdout = formatText(reportFiles, { color: options.color });
  }
  const exitCode = notices.some((n) => n.kind === 'error')
    ? EXIT.error
    : summary.findings > 0
      ? EXIT.findings
      : EXIT.ok;
  return { exitCode, stdout, trailer };
}
