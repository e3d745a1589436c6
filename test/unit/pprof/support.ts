/** Shared by the pprof tests: the committed profiles, tree invariants, snapshots, `go tool pprof`. */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Function as PbFunction, Line, Location, Profile as PbProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { decodeProfile, type Profile } from '../../../src/core/pprof/decode';
import { buildFlameProfile } from '../../../src/core/pprof/model';
import { type FlameProfile, type FlameTree, selfValues } from '../../../src/shared/flame';
import { fixtures } from '../../support/paths';

export const profilesDir = path.join(fixtures, 'pprof', 'profiles');
export const PROFILES = ['cpu', 'heap', 'mutex', 'block'] as const;
export type ProfileName = (typeof PROFILES)[number];

export function profilePath(name: ProfileName): string {
  return path.join(profilesDir, `${name}.pb.gz`);
}

export function load(name: ProfileName): { profile: Profile; flame: FlameProfile } {
  const profile = decodeProfile(fs.readFileSync(profilePath(name)));
  return { profile, flame: buildFlameProfile(profile, name) };
}

/** The Go command: $GO, else `go` on PATH, else the usual install location. */
export function goCommand(): string {
  const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      execFileSync(c, ['version'], { stdio: 'ignore' });
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error('Go not found: install Go (https://go.dev/dl/) and put it on PATH, or set GO=/path/to/go');
}

/** Every structural promise FlameTree makes, checked node by node. */
export function checkInvariants(flame: FlameProfile, tree: FlameTree = flame.tree): void {
  const n = tree.func.length;
  const nTypes = flame.sampleTypes.length;
  assert.ok(n >= 1);
  for (const a of [tree.parent, tree.func, tree.line, tree.depth, tree.size]) assert.strictEqual(a.length, n);
  assert.strictEqual(tree.total.length, nTypes);
  assert.strictEqual(tree.parent[0], -1);
  assert.strictEqual(tree.func[0], -1);
  assert.strictEqual(tree.depth[0], 0);
  assert.strictEqual(tree.size[0], n);
  for (let i = 1; i < n; i++) {
    const p = tree.parent[i];
    assert.ok(p >= 0 && p < i, `node ${i}: parent ${p} must precede it`);
    assert.ok(i < p + tree.size[p], `node ${i} lies inside its parent's range`);
    assert.strictEqual(tree.depth[i], tree.depth[p] + 1);
    assert.ok(tree.func[i] >= 0 && tree.func[i] < flame.functions.length);
  }
  for (let i = 0; i < n; i++) {
    // Children tile the parent's range in preorder, by decreasing total of the default type.
    let c = i + 1;
    let prev = Infinity;
    while (c < i + tree.size[i]) {
      assert.strictEqual(tree.parent[c], i, `node ${c} should be a child of ${i}`);
      const v = tree.total[flame.defaultType][c];
      assert.ok(v <= prev, `children of ${i} sorted by decreasing total`);
      prev = v;
      c += tree.size[c];
    }
    assert.strictEqual(c, i + tree.size[i]);
  }
  // The profiles here have no negative values: a node's children never add up to more than it.
  for (let t = 0; t < nTypes; t++) {
    const self = selfValues(tree, t);
    for (let i = 0; i < n; i++) assert.ok(self[i] >= -1e-9 * Math.max(1, Math.abs(tree.total[t][i])), `node ${i} type ${t}: children's totals exceed the node's`);
  }
}

/**
 * A compact text rendering of a tree: one node per line, indented by depth, with the default
 * type's total and self (derived from the totals unless given, as a reference computes them
 * from the samples).
 */
export function renderTree(flame: FlameProfile, tree: FlameTree = flame.tree, self: Float64Array = selfValues(tree, flame.defaultType)): string {
  const t = flame.defaultType;
  const lines = [`# ${flame.sampleTypes.map((s) => `${s.type}/${s.unit}`).join(' ')} default=${flame.sampleTypes[t].type}`];
  for (let i = 0; i < tree.func.length; i++) {
    const f = tree.func[i];
    const name = f < 0 ? '<root>' : `${flame.functions[f].name}:${tree.line[i]}`;
    lines.push(`${'  '.repeat(tree.depth[i])}${name} total=${tree.total[t][i]} self=${self[i]}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Compares with the committed `.snap` file; UPDATE_SNAPSHOTS=1 rewrites it (after
 * regenerate.sh). A missing snapshot is a failure: a test that cannot fail proves nothing.
 */
export function matchSnapshot(name: string, actual: string, update = process.env.UPDATE_SNAPSHOTS === '1'): void {
  const file = path.join(profilesDir, `${name}.snap`);
  if (update) {
    fs.writeFileSync(file, actual);
    return;
  }
  assert.ok(fs.existsSync(file), `snapshot ${file} missing: run the tests once with UPDATE_SNAPSHOTS=1`);
  assert.strictEqual(actual, fs.readFileSync(file, 'utf8'), `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}

export interface PprofTopRow {
  name: string;
  flat: number;
  cum: number;
  /** Half a unit of the last printed digit: what rounding may hide. */
  flatTol: number;
  cumTol: number;
}

const UNITS: Record<string, number> = {
  '': 1,
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  mins: 60e9,
  hrs: 3600e9,
  B: 1,
  kB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

function parseValue(s: string): { value: number; tol: number } {
  const m = /^(-?[\d.]+)([a-zA-Zµ]*)$/.exec(s);
  if (!m || !(m[2] in UNITS)) throw new Error(`cannot read pprof value "${s}"`);
  const decimals = m[1].includes('.') ? m[1].length - m[1].indexOf('.') - 1 : 0;
  const unit = UNITS[m[2]];
  return { value: Number(m[1]) * unit, tol: 0.5 * 10 ** -decimals * unit };
}

/** `go tool pprof -top` of a committed profile, parsed. */
export function pprofTop(name: ProfileName, nodecount = 10): PprofTopRow[] {
  const out = execFileSync(goCommand(), ['tool', 'pprof', '-top', `-nodecount=${nodecount}`, profilePath(name)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const rows: PprofTopRow[] = [];
  let inTable = false;
  for (const line of out.split('\n')) {
    if (/^\s*flat\s+flat%\s+sum%\s+cum\s+cum%/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable || !line.trim()) continue;
    const m = /^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s+(.*?)(?: \(inline\))?\s*$/.exec(line);
    if (!m) throw new Error(`cannot read pprof -top line: ${line}`);
    const flat = parseValue(m[1]);
    const cum = parseValue(m[2]);
    rows.push({ name: m[3], flat: flat.value, cum: cum.value, flatTol: flat.tol, cumTol: cum.tol });
  }
  if (rows.length === 0) throw new Error(`no rows in go tool pprof -top output:\n${out}`);
  return rows;
}

/** A tiny hand-made profile whose tree is known exactly. */
export function tiny(): FlameProfile {
  const st = new StringTable();
  const funcs = ['main', 'a', 'b', 'c'].map((name, i) => new PbFunction({ id: i + 1, name: st.dedup(name), filename: st.dedup('/t/x.go'), startLine: 10 * i }));
  const loc = (id: number, ...lines: [number, number][]) => new Location({ id, line: lines.map(([f, l]) => new Line({ functionId: f, line: l })) });
  const pb = new PbProfile({
    sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') }), new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
    function: funcs,
    location: [loc(1, [1, 1]), loc(2, [2, 21]), loc(3, [2, 22]), loc(4, [3, 31], [2, 23]), loc(5, [4, 41])],
    sample: [
      // main -> a(21) -> b    (b inlined into a at line 23 is location 4)
      new Sample({ locationId: [4, 1], value: [1, 10] }),
      // main -> a (line 21) self, main -> a (line 22) self: 22 carries more
      new Sample({ locationId: [2, 1], value: [1, 5] }),
      new Sample({ locationId: [3, 1], value: [2, 20] }),
      // main -> c -> a -> c : recursion through c
      new Sample({ locationId: [5, 2, 5, 1], value: [1, 7] }),
      // main self
      new Sample({ locationId: [1], value: [1, 1] }),
    ],
    stringTable: st,
  });
  return buildFlameProfile(decodeProfile(pb.encode()), 'tiny');
}

