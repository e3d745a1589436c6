/** The top table: flat and cumulative value per function, as `go tool pprof -top` computes them. */
import { type FlameProfile, selfValues } from '../../shared/flame';

export interface TopEntry {
  func: number;
  name: string;
  file: string;
  /** The line of the function's widest node (where a click opens the source); 0 when unknown. */
  line: number;
  /** Value of samples whose leaf is this function. */
  flat: number;
  /** Value of samples with this function anywhere on the stack, counted once per stack even when recursive. */
  cum: number;
  /** flat and cum as percentages of the root's total. */
  flatPercent: number;
  cumPercent: number;
}

/** Per-function flat and cum of one sample type, sorted by flat then cum (pprof's -top order). */
export function topFunctions(flame: FlameProfile, sampleType: number, limit = Infinity): TopEntry[] {
  const { tree, functions } = flame;
  const n = tree.func.length;
  const total = tree.total[sampleType];
  const self = selfValues(tree, sampleType);
  const nf = functions.length;
  const flat = new Float64Array(nf);
  const cum = new Float64Array(nf);
  const seen = new Uint8Array(nf);
  const bestNode = new Int32Array(nf).fill(-1);
  // How many open ancestors (including the node itself) have each function: a node adds to
  // cum only when no ancestor has the same function, so recursion counts once per stack.
  const active = new Int32Array(nf);
  const open = new Int32Array(n);
  let sp = 0;
  for (let i = 1; i < n; i++) {
    while (sp > 0 && open[sp - 1] + tree.size[open[sp - 1]] <= i) active[tree.func[open[--sp]]]--;
    const f = tree.func[i];
    flat[f] += self[i];
    if (active[f] === 0) cum[f] += total[i];
    active[f]++;
    open[sp++] = i;
    seen[f] = 1;
    if (bestNode[f] < 0 || total[i] > total[bestNode[f]]) bestNode[f] = i;
  }
  const root = total[0];
  const pct = (v: number): number => (root === 0 ? 0 : (100 * v) / root);
  const out: TopEntry[] = [];
  for (let f = 0; f < nf; f++) {
    if (!seen[f]) continue;
    out.push({
      func: f,
      name: functions[f].name,
      file: functions[f].file,
      line: tree.line[bestNode[f]] || functions[f].startLine,
      flat: flat[f],
      cum: cum[f],
      flatPercent: pct(flat[f]),
      cumPercent: pct(cum[f]),
    });
  }
  out.sort((a, b) => b.flat - a.flat || b.cum - a.cum || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Number.isFinite(limit) ? out.slice(0, limit) : out;
}
