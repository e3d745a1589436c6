/**
 * Access to the captured `go test -race` outputs in test/fixtures/race/captured/ and to the Go
 * sources they came from. The captures keep the absolute paths of the machine that ran
 * test/fixtures/race/capture.sh; tests map them back to this checkout with {@link toCheckout}.
 */
import * as fs from 'fs';
import * as path from 'path';
import { type RaceFrame } from '../../../src/core/race/types';
import { prefixMapper } from '../../../src/core/race/sites';
import { fixtures } from '../../support/paths';

export const raceDir = path.join(fixtures, 'race');
export const srcDir = path.join(raceDir, 'src');
export const capturedDir = path.join(raceDir, 'captured');

/** Where capture.sh ran: the fixture modules' directory as it appears in the captured stacks. */
export const CAPTURED_SRC = '/work/main/test/fixtures/race/src';

/** Captured Go versions; each has `<name>.<version>.txt`, `.v.txt` (plain -v) and `.json`. */
export const GO_VERSIONS = ['go1.26', 'go1.24', 'go1.22'] as const;
export const FORMATS = ['txt', 'v.txt', 'json'] as const;

export const toCheckout = prefixMapper(CAPTURED_SRC, srcDir);

export function isFixtureFile(file: string): boolean {
  return file.startsWith(srcDir + path.sep);
}

export function captured(name: string, version: string, format: string): string {
  return fs.readFileSync(path.join(capturedDir, `${name}.${version}.${format}`), 'utf8');
}

/** The source text of a (mapped) frame's line, trimmed, so a test can say what is there. */
export function sourceLine(frame: RaceFrame | undefined): string {
  if (!frame) return '<no frame>';
  const lines = fs.readFileSync(frame.file, 'utf8').split('\n');
  return (lines[frame.line - 1] ?? '<past end of file>').trim();
}

/** `dir/file.go:12` relative to the fixture modules, for readable assertions. */
export function where(frame: RaceFrame | undefined): string {
  if (!frame) return '<none>';
  return `${path.relative(srcDir, frame.file).split(path.sep).join('/')}:${frame.line}`;
}
