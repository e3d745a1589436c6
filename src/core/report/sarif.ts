/**
 * SARIF 2.1.0 output, in the subset GitHub code scanning reads: rules with help, results with
 * physical locations relative to `%SRCROOT%`, related locations, and the files that were not
 * analysed as tool notifications so an upload never hides them.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Finding, Range, RuleMeta, Severity } from '../analysis/types';
import { LineIndex, type ReportFile, type ReportNotice, sortReportFiles, toUtf16Column } from './model';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifMessage {
  text: string;
}

export interface SarifArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

/** 1-based lines and columns; `endColumn` is just past the region (exclusive). */
export interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface SarifLocation {
  id?: number;
  physicalLocation: { artifactLocation: SarifArtifactLocation; region?: SarifRegion };
  message?: SarifMessage;
}

export interface SarifRule {
  id: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: { text: string; markdown?: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[] };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: Record<string, string>;
}

export interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  locations?: SarifLocation[];
}

export interface SarifRun {
  tool: {
    driver: { name: string; version: string; semanticVersion: string; informationUri?: string; rules: SarifRule[] };
  };
  invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: SarifNotification[] }>;
  originalUriBaseIds: Record<string, { uri: string }>;
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifOptions {
  tool: { name: string; version: string; informationUri?: string };
  rules: readonly RuleMeta[];
  /** A rule's Markdown docs page, or undefined when there is none (help falls back to the summary). */
  ruleDocs?: (code: string) => string | undefined;
  /** Absolute directory `%SRCROOT%` stands for; report paths are relative to it. */
  baseDir: string;
  /** Files not analysed (too large, parse timeout) and per-file errors. */
  notices?: readonly ReportNotice[];
}

/** Our four severities on SARIF's three levels: hints are as quiet as infos there. */
export function sarifLevel(s: Severity): SarifLevel {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

/**
 * The first paragraph of prose of a Markdown page, as plain text, for SARIF's
 * `fullDescription`. Headings, code, lists, tables and `**Key:** value` metadata lines are not
 * prose, so they are passed over.
 */
export function firstParagraph(markdown: string): string | undefined {
  const paragraphs: string[][] = [[]];
  let inFence = false;
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence || line.startsWith('```') || line === '' || /^(#|[-*+] |\d+\. |>|\||<!--)/.test(line)) {
      paragraphs.push([]);
      continue;
    }
    paragraphs[paragraphs.length - 1].push(line);
  }
  const prose = paragraphs.find((p) => p.length > 0 && !/^\*\*[^*]+:\*\*/.test(p[0]));
  if (!prose) return undefined;
  return prose
    .join(' ')
    .replace(/\*\*([^*]+)\*\*|\*([^*]+)\*|`([^`]+)`/g, (_m, bold?: string, em?: string, code?: string) => bold ?? em ?? code ?? '');
}

function sarifRule(meta: RuleMeta, docs: string | undefined): SarifRule {
  const family = meta.code.split('/')[0];
  return {
    id: meta.code,
    shortDescription: { text: meta.summary },
    fullDescription: { text: (docs && firstParagraph(docs)) ?? meta.summary },
    help: docs ? { text: docs, markdown: docs } : { text: meta.summary },
    defaultConfiguration: { level: sarifLevel(meta.defaultSeverity) },
    properties: { tags: ['go', 'concurrency', family] },
  };
}

function isInside(relPath: string): boolean {
  return relPath !== '..' && !relPath.startsWith('../') && !path.isAbsolute(relPath);
}

/**
 * Where a file is, for SARIF: relative to `%SRCROOT%` when inside the base (what GitHub maps
 * onto the repository), an absolute `file:` URI otherwise, since `../` cannot be mapped.
 */
export function artifactLocation(file: Pick<ReportFile, 'path' | 'absolutePath'>): SarifArtifactLocation {
  if (isInside(file.path)) {
    return { uri: file.path.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  return { uri: pathToFileURL(file.absolutePath).href };
}

function region(r: Range): SarifRegion {
  const start = toUtf16Column(r.start);
  const end = toUtf16Column(r.end);
  return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
}

/**
 * A fingerprint that survives lines moving: rule, file, the trimmed source line and which
 * occurrence of that triple it is, so GitHub can match an alert across commits.
 */
function fingerprint(f: Finding, file: ReportFile, index: LineIndex, seen: Map<string, number>): string {
  const key = `${f.code}\0${file.path}\0${(index.lineText(f.range.start.line) ?? '').trim()}`;
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  return `${createHash('sha256').update(`${key}\0${n}`).digest('hex').slice(0, 32)}:${n}`;
}

/** Builds the SARIF log of one run. Pure: rule docs come in through `options.ruleDocs`. */
export function toSarif(files: readonly ReportFile[], options: SarifOptions): SarifLog {
  const rules = options.rules.map((m) => sarifRule(m, options.ruleDocs?.(m.code)));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results: SarifResult[] = [];
  for (const file of sortReportFiles(files)) {
    if (file.findings.length === 0) continue;
    const location = artifactLocation(file);
    const index = new LineIndex(file.text);
    const seen = new Map<string, number>();
    for (const f of file.findings) {
      results.push({
        ruleId: f.code,
        ruleIndex: ruleIndex.get(f.code),
        level: sarifLevel(f.severity),
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: location, region: region(f.range) } }],
        relatedLocations:
          f.related.length > 0
            ? f.related.map((rel, i) => ({
                id: i + 1,
                physicalLocation: { artifactLocation: location, region: region(rel.range) },
                message: { text: rel.message },
              }))
            : undefined,
        partialFingerprints: { 'golabFinding/v1': fingerprint(f, file, index, seen) },
      });
    }
  }
  const notices = options.notices ?? [];
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: options.tool.name,
            version: options.tool.version,
            semanticVersion: options.tool.version,
            ...(options.tool.informationUri ? { informationUri: options.tool.informationUri } : {}),
            rules,
          },
        },
        invocations: [
          {
            // Files that could not be read are an execution failure; skipped ones are not.
            executionSuccessful: !notices.some((n) => n.kind === 'error'),
            toolExecutionNotifications: notices.map((n) => ({
              level: n.kind === 'error' ? 'error' : 'warning',
              message: { text: `${n.path}: ${n.message}` },
              locations: [{ physicalLocation: { artifactLocation: artifactLocation(n) } }],
            })),
          },
        ],
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(options.baseDir).href.replace(/\/?$/, '/')}` } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** The `--format sarif` document, pretty-printed, with a final newline. */
export function formatSarif(files: readonly ReportFile[], options: SarifOptions): string {
  return `${JSON.stringify(toSarif(files, options), null, 2)}\n`;
}
