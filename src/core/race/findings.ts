/**
 * Race reports as findings at the user's lines: one per access, each pointing at the other
 * access and at the goroutine creation sites. The editor turns them into diagnostics, the CLI
 * prints them; both get the same text.
 */
import { type RaceSites, raceKey, raceSites } from './sites';
import type { RaceAccess, RaceFrame, RaceReport } from './types';

export interface RaceRelated {
  file: string;
  /** 1-based, as the race detector prints it. */
  line: number;
  message: string;
}

export interface RaceFinding {
  /** Equal for the same access of the same race in another run (deduplication). */
  key: string;
  /** Key of the race (both accesses); the two findings of a race share it. */
  race: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based column, 0 when unknown (race stacks give lines only). */
  column: number;
  message: string;
  related: RaceRelated[];
  test?: string;
}

function goroutineName(a: RaceAccess): string {
  return a.goroutine === 'main' ? 'the main goroutine' : `goroutine ${a.goroutine}`;
}

function verb(a: RaceAccess): string {
  return `${a.atomic ? 'atomic ' : ''}${a.kind}`;
}

/** `example.com/m/pkg.(*T).Add.func1` -> `(*T).Add.func1`: the package path is noise in a message. */
export function shortFunc(func: string): string {
  const slash = func.lastIndexOf('/');
  const rest = func.slice(slash + 1);
  const dot = rest.indexOf('.');
  return dot === -1 ? rest : rest.slice(dot + 1);
}

function related(frame: RaceFrame | undefined, message: string): RaceRelated[] {
  return frame ? [{ file: frame.file, line: frame.line, message }] : [];
}

/**
 * The findings of `reports` whose sites are user files (`isUserFile`: inside the workspace,
 * not the module cache); the same race reported twice in one run gives its findings once.
 */
export function raceFindings(reports: readonly RaceReport[], isUserFile: (file: string) => boolean): RaceFinding[] {
  const out = new Map<string, RaceFinding>();
  for (const report of reports) {
    const sites: RaceSites = raceSites(report, isUserFile);
    const race = raceKey(report, isUserFile);
    const sides = [
      { me: report.current, other: report.previous, at: sites.current, otherAt: sites.previous, created: sites.currentCreated, otherCreated: sites.previousCreated },
      { me: report.previous, other: report.current, at: sites.previous, otherAt: sites.current, created: sites.previousCreated, otherCreated: sites.currentCreated },
    ];
    for (const s of sides) {
      if (!s.at) continue;
      const key = `${race}#${s.at.file}:${s.at.line}:${s.me.kind}`;
      if (out.has(key)) continue;
      const where = s.otherAt ? ` at line ${s.otherAt.line}${s.otherAt.file === s.at.file ? '' : ` of ${s.otherAt.file.split(/[\\/]/).pop()}`}` : '';
      const test = report.test ? ` (in ${report.test})` : '';
      out.set(key, {
        key,
        race,
        file: s.at.file,
        line: s.at.line,
        column: 0,
        message:
          `Data race: ${verb(s.me)} in ${shortFunc(s.at.func)} by ${goroutineName(s.me)} races with a ${verb(s.other)} ` +
          `by ${goroutineName(s.other)}${where}${test}. Found by the race detector in the lab.`,
        related: [
          ...related(s.otherAt, `the other access: ${verb(s.other)} by ${goroutineName(s.other)}${s.otherAt ? ` in ${shortFunc(s.otherAt.func)}` : ''}`),
          ...related(s.created, `${goroutineName(s.me)} (this access) was started here`),
          ...related(s.otherCreated, `${goroutineName(s.other)} (the other access) was started here`),
        ],
        ...(report.test ? { test: report.test } : {}),
      });
    }
  }
  return [...out.values()];
}
