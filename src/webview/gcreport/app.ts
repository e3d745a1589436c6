/**
 * The GC sweep report: the recommendation, the chart and the table of configurations. It knows
 * nothing of VS Code: main.ts gives it a host to post `apply` and `export` through.
 */
import type { FromGcReport, GcSweepResult } from '../../shared/gc';
import { chartModel, project, type ChartModel, type ChartPoint } from './chart';
import { configName, formatBytes, formatMs, SPREAD_SEPARATOR } from './format';
import { buildRows, columnsFor, KIND_LABEL, nextSort, recommendedIndex, sortRows, type Column, type Row, type SortState } from './model';

export type GcReportHost = (message: FromGcReport) => void;

const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, className?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (className) e.setAttribute('class', className);
  return e;
}

function button(text: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', className, text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

/** Chart size; the SVG scales to the page width through its viewBox, so this is only its aspect. */
const CHART_WIDTH = 720;
const CHART_HEIGHT = 360;

export class GcReportApp {
  private result: GcSweepResult | undefined;
  private rows: Row[] = [];
  private columns: Column[] = [];
  private sort: SortState | undefined;

  private readonly shell: HTMLElement;
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly recommendation: HTMLElement;
  private readonly chartBox: HTMLElement;
  private readonly tableBox: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly errorPanel: HTMLElement;
  private readonly live: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly post: GcReportHost,
  ) {
    this.title = el('h1', 'title', 'GC tuning sweep');
    this.subtitle = el('p', 'subtitle');
    const exports = el('div', 'exports');
    exports.setAttribute('role', 'group');
    exports.setAttribute('aria-label', 'Export');
    exports.append(
      button('Export CSV', 'export', () => this.post({ type: 'export', format: 'csv' })),
      button('Export JSON', 'export', () => this.post({ type: 'export', format: 'json' })),
    );
    const header = el('header', 'header');
    const heading = el('div', 'heading');
    heading.append(this.title, this.subtitle);
    header.append(heading, exports);

    this.recommendation = el('section', 'recommendation');
    this.recommendation.setAttribute('aria-label', 'Recommendation');
    this.chartBox = el('section', 'chart');
    this.chartBox.setAttribute('aria-label', 'Time against peak memory');
    this.tableBox = el('section', 'configs');
    this.tableBox.setAttribute('aria-label', 'Configurations');
    this.shell = el('main', 'shell');
    this.shell.append(header, this.recommendation, this.chartBox, this.tableBox);
    this.shell.hidden = true;

    this.tooltip = el('div', 'tooltip');
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.id = 'golab-gc-tooltip';
    this.tooltip.hidden = true;
    this.errorPanel = el('div', 'error-panel');
    this.errorPanel.setAttribute('role', 'alert');
    this.errorPanel.hidden = true;
    // Sort changes are announced: the table reorders without moving focus.
    this.live = el('div', 'sr-only');
    this.live.setAttribute('aria-live', 'polite');
    // The tooltip is fixed to the viewport: a scroll would leave it beside the wrong point.
    window.addEventListener('scroll', () => this.hideTooltip(), { passive: true });
    const waiting = el('p', 'waiting', 'Waiting for the sweep result…');
    this.root.replaceChildren(waiting, this.shell, this.errorPanel, this.tooltip, this.live);
  }

  /** Shows a result, replacing any earlier one (a re-run posts a new `load`). */
  load(result: GcSweepResult): void {
    this.result = result;
    this.rows = buildRows(result);
    this.columns = columnsFor(result);
    if (this.sort && !this.columns.some((c) => c.key === this.sort?.column)) this.sort = undefined;
    this.root.querySelector('.waiting')?.remove();
    this.errorPanel.hidden = true;
    this.shell.hidden = false;
    this.title.textContent = `GC tuning sweep: ${result.target}`;
    const facts = [`${result.configs.length} configurations`, `${result.repeats} repeat${result.repeats === 1 ? '' : 's'} each`, `${result.cpus} CPU${result.cpus === 1 ? '' : 's'}`];
    if (result.goVersion) facts.push(result.goVersion);
    if (result.createdAt) facts.push(result.createdAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
    this.subtitle.textContent = facts.join(' · ');
    this.renderRecommendation(result);
    this.renderChart(result);
    this.renderTable();
  }

  showError(message: string): void {
    this.root.querySelector('.waiting')?.remove();
    this.shell.hidden = true;
    const h = el('h2', undefined, 'The GC report cannot be shown');
    const p = el('p', 'error-message', message);
    this.errorPanel.replaceChildren(h, p);
    this.errorPanel.hidden = false;
  }

  private renderRecommendation(result: GcSweepResult): void {
    const rec = result.recommendation;
    this.recommendation.className = `recommendation kind-${rec.kind}`;
    const kind = el('strong', 'kind', `${KIND_LABEL[rec.kind]}: `);
    const sentence = el('p', 'reason');
    sentence.append(kind, rec.reason);
    const parts: Node[] = [sentence];
    const index = recommendedIndex(result);
    if (index >= 0) {
      const env = rec.env ? Object.entries(rec.env).map(([k, v]) => `${k}=${v}`).join(' ') : configName(result.configs[index].config);
      const apply = button('Apply…', 'apply primary', () => this.post({ type: 'apply', config: index }));
      apply.id = 'golab-apply-recommended';
      apply.setAttribute('aria-label', `Apply the recommended setting ${env}`);
      const envText = el('code', 'env', env);
      const actions = el('div', 'actions');
      actions.append(apply, envText);
      parts.push(actions);
    }
    this.recommendation.replaceChildren(...parts);
  }

  // ---- chart ----

  private renderChart(result: GcSweepResult): void {
    const m = chartModel(result, CHART_WIDTH, CHART_HEIGHT);
    const root = svg('svg', { viewBox: `0 0 ${m.width} ${m.height}`, role: 'group', 'aria-label': `${m.metric === 'cpuMs' ? 'CPU' : 'Wall'} time against peak memory, one point per configuration` }, 'chart-svg');
    root.append(this.axes(m));
    for (const l of m.limits) {
      root.append(svg('line', { x1: l.x, x2: l.x, y1: m.oomBandY - 12, y2: m.plot.bottom }, 'limit'));
      const t = svg('text', { x: l.x - 4, y: m.plot.top + 12, 'text-anchor': 'end' }, 'limit-label');
      t.textContent = l.label;
      root.append(t);
    }
    if (m.points.some((p) => p.oom)) {
      const t = svg('text', { x: m.plot.left - 8, y: m.oomBandY + 4, 'text-anchor': 'end' }, 'oom-label');
      t.textContent = 'OOM';
      root.append(svg('line', { x1: m.plot.left, x2: m.plot.right, y1: m.oomBandY, y2: m.oomBandY }, 'oom-band'), t);
    }
    if (m.pareto.length > 1) root.append(svg('polyline', { points: m.pareto.map(([x, y]) => `${x},${y}`).join(' ') }, 'pareto-line'));
    const points = svg('g', {}, 'points');
    // One Tab stop for the whole chart (a roving tabindex): a sweep of 30 configurations would
    // otherwise be 30 Tabs between the recommendation and the table. Arrows walk the points
    // left to right, as the eye reads the x axis.
    const ordered = [...m.points].sort((a, b) => a.x - b.x || a.y - b.y);
    const nodes = ordered.map((p, i) => this.point(p, i === 0));
    nodes.forEach((g, i) => {
      g.addEventListener('keydown', (e) => {
        const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: nodes.length - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        const next = nodes[Math.max(0, Math.min(nodes.length - 1, to))];
        for (const n of nodes) n.setAttribute('tabindex', n === next ? '0' : '-1');
        next.focus();
      });
    });
    points.append(...nodes);
    root.append(points);
    const legend = el('p', 'legend');
    legend.append(
      el('span', 'legend-item legend-point', '● configuration'),
      el('span', 'legend-item legend-baseline', '◎ baseline (GOGC=100, no limit)'),
      el('span', 'legend-item legend-pareto', '— Pareto front'),
      el('span', 'legend-item legend-oom', '✕ OOM-killed'),
      el('span', 'legend-item legend-limit', '┆ container limit'),
    );
    const h = el('h2', 'section-title', `${m.metric === 'cpuMs' ? 'CPU' : 'Wall'} time vs peak memory`);
    const parts: Node[] = [h, root, legend];
    // A configuration that neither completed nor was OOM-killed (it crashed) has no place on
    // the chart; saying so keeps "one point per configuration" from silently not holding.
    const missing = result.configs.length - m.points.length;
    if (missing > 0) parts.push(el('p', 'note', `${missing} configuration${missing === 1 ? '' : 's'} measured nothing to plot (see the table).`));
    this.chartBox.replaceChildren(...parts);
  }

  private axes(m: ChartModel): SVGGElement {
    const g = svg('g', { 'aria-hidden': 'true' }, 'axes');
    const { left, right, top, bottom } = m.plot;
    for (const t of m.x.ticks) {
      const x = project(m.x, t);
      g.append(svg('line', { x1: x, x2: x, y1: top, y2: bottom }, 'grid'));
      const label = svg('text', { x, y: bottom + 16, 'text-anchor': 'middle' }, 'tick');
      label.textContent = formatBytes(t);
      g.append(label);
    }
    for (const t of m.y.ticks) {
      const y = project(m.y, t);
      g.append(svg('line', { x1: left, x2: right, y1: y, y2: y }, 'grid'));
      const label = svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, 'tick');
      label.textContent = formatMs(t);
      g.append(label);
    }
    g.append(svg('rect', { x: left, y: top, width: right - left, height: bottom - top }, 'frame'));
    const xl = svg('text', { x: (left + right) / 2, y: m.height - 6, 'text-anchor': 'middle' }, 'axis-label');
    xl.textContent = 'Peak memory';
    const yl = svg('text', { x: 14, y: (top + bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(top + bottom) / 2})` }, 'axis-label');
    yl.textContent = m.metric === 'cpuMs' ? 'CPU time' : 'Wall time';
    g.append(xl, yl);
    return g;
  }

  private point(p: ChartPoint, tabStop: boolean): SVGGElement {
    const cls = ['point', p.oom ? 'oom' : '', p.pareto ? 'pareto' : '', p.baseline ? 'baseline' : ''].filter(Boolean).join(' ');
    const g = svg('g', { tabindex: tabStop ? 0 : -1, role: 'img', 'aria-label': p.label, 'data-index': p.index }, cls);
    if (p.xBar) g.append(svg('line', { x1: p.xBar[0], x2: p.xBar[1], y1: p.y, y2: p.y }, 'error-bar'));
    if (p.yBar) g.append(svg('line', { x1: p.x, x2: p.x, y1: p.yBar[0], y2: p.yBar[1] }, 'error-bar'));
    if (p.oom) {
      const r = 6;
      g.append(svg('path', { d: `M${p.x - r},${p.y - r}L${p.x + r},${p.y + r}M${p.x - r},${p.y + r}L${p.x + r},${p.y - r}` }, 'cross'));
      // An invisible disc gives the cross a hover target as big as a point's.
      g.append(svg('circle', { cx: p.x, cy: p.y, r: 9 }, 'hit'));
    } else {
      if (p.baseline) g.append(svg('circle', { cx: p.x, cy: p.y, r: 9 }, 'ring'));
      g.append(svg('circle', { cx: p.x, cy: p.y, r: 5 }, 'dot'));
    }
    const show = (): void => this.showTooltip(p, g);
    g.addEventListener('mouseenter', show);
    g.addEventListener('focus', show);
    g.addEventListener('mouseleave', () => this.hideTooltip());
    g.addEventListener('blur', () => this.hideTooltip());
    g.addEventListener('click', () => this.highlightRow(p.index));
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.highlightRow(p.index, true);
      } else if (e.key === 'Escape') this.hideTooltip();
    });
    return g;
  }

  private showTooltip(p: ChartPoint, anchor: Element): void {
    const result = this.result;
    if (!result) return;
    const tip = this.tooltip;
    const title = el('div', 'tooltip-title', configName(result.configs[p.index].config));
    tip.replaceChildren(title, ...p.lines.map((l) => el('div', undefined, l)), el('div', 'tooltip-hint', 'Enter: show in the table · arrows: next point'));
    tip.hidden = false;
    // Beside the point, flipped near the viewport's edges so it never hides off-screen.
    const r = anchor.getBoundingClientRect();
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const x = r.right + 8 + w > window.innerWidth ? Math.max(0, r.left - 8 - w) : r.right + 8;
    const y = r.top + h > window.innerHeight ? Math.max(0, window.innerHeight - h) : r.top;
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  /** Marks a configuration's row; from the keyboard also moves focus to its Apply button, the row's one control. */
  private highlightRow(index: number, focus = false): void {
    for (const tr of this.tableBox.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    const tr = this.tableBox.querySelector(`tr[data-index="${index}"]`);
    if (!tr) return;
    tr.classList.add('selected');
    tr.scrollIntoView({ block: 'nearest' });
    if (focus) tr.querySelector('button')?.focus();
  }

  private linkPoint(index: number, on: boolean): void {
    this.chartBox.querySelector(`g.point[data-index="${index}"]`)?.classList.toggle('linked', on);
  }

  // ---- table ----

  private renderTable(): void {
    const table = el('table', 'config-table');
    const caption = el('caption', 'sr-only', 'GC configurations: median ± spread over the repeats; click a header to sort');
    const thead = el('thead');
    const hr = el('tr');
    // Apply comes first: the table scrolls sideways in a narrow panel, and a row's one action
    // should not be the part that scrolls out of view.
    const actionTh = el('th', 'col-action');
    actionTh.append(el('span', 'sr-only', 'Action'));
    hr.append(actionTh, el('th', 'col-marks', 'Notes'));
    for (const c of this.columns) {
      const th = el('th', c.numeric ? 'num' : undefined);
      th.scope = 'col';
      const sorted = this.sort?.column === c.key;
      th.setAttribute('aria-sort', sorted ? (this.sort?.descending ? 'descending' : 'ascending') : 'none');
      const arrow = sorted ? (this.sort?.descending ? ' ▼' : ' ▲') : '';
      const b = button(`${c.label}${arrow}`, 'sort', () => {
        this.sort = nextSort(this.sort, c.key);
        this.live.textContent = `Sorted by ${c.title}, ${this.sort.descending ? 'descending' : 'ascending'}`;
        this.renderTable();
        this.tableBox.querySelector<HTMLButtonElement>(`th button[data-key="${c.key}"]`)?.focus();
      });
      b.dataset.key = c.key;
      b.title = `${c.title}: sort`;
      th.append(b);
      hr.append(th);
    }
    thead.append(hr);

    const tbody = el('tbody');
    for (const row of sortRows(this.rows, this.sort)) tbody.append(this.tableRow(row));
    table.append(caption, thead, tbody);
    const scroller = el('div', 'table-scroll');
    scroller.append(table);
    this.tableBox.replaceChildren(el('h2', 'section-title', 'Configurations'), scroller);
  }

  private tableRow(row: Row): HTMLTableRowElement {
    const cr = row.result;
    const tr = el('tr');
    tr.dataset.index = String(row.index);
    // Pointing at a row rings its point on the chart: the table and the chart are one data set.
    tr.addEventListener('mouseenter', () => this.linkPoint(row.index, true));
    tr.addEventListener('mouseleave', () => this.linkPoint(row.index, false));
    tr.addEventListener('focusin', () => this.linkPoint(row.index, true));
    tr.addEventListener('focusout', () => this.linkPoint(row.index, false));
    if (cr.baseline) tr.classList.add('baseline');
    if (cr.pareto) tr.classList.add('pareto');
    if (cr.ooms > 0) tr.classList.add('oom');
    const action = el('td', 'action');
    const apply = button('Apply', 'apply', () => this.post({ type: 'apply', config: row.index }));
    apply.setAttribute('aria-label', `Apply ${configName(cr.config)}${cr.ooms > 0 ? ' (OOM-killed in the sweep)' : ''}`);
    // Still offered: the container in production may be larger than the lab's, but say so.
    if (cr.ooms > 0) apply.title = `OOM-killed in ${cr.ooms} of ${cr.runs.length} runs under ${formatBytes(cr.config.containerMemoryBytes)}`;
    action.append(apply);
    const marks = el('th', 'marks');
    marks.scope = 'row';
    // The row's name for screen readers; sighted readers have the GOGC and GOMEMLIMIT cells beside it.
    marks.append(el('span', 'sr-only', configName(cr.config)));
    // Words, not only colour: badges read the same in high contrast and to screen readers.
    if (cr.baseline) marks.append(el('span', 'badge badge-baseline', 'baseline'));
    if (cr.pareto) marks.append(el('span', 'badge badge-pareto', 'Pareto'));
    if (cr.ooms > 0) marks.append(el('span', 'badge badge-oom', 'OOM'));
    tr.append(action, marks);
    for (const c of this.columns) {
      const text = row.cells[c.key] ?? '—';
      const td = el('td', c.numeric ? 'num' : undefined);
      const cut = text.indexOf(SPREAD_SEPARATOR);
      if (cut >= 0) td.append(text.slice(0, cut), el('span', 'spread', text.slice(cut)));
      else td.textContent = text;
      if (c.key === 'ooms' && cr.ooms > 0) td.classList.add('oom-cell');
      tr.append(td);
    }
    return tr;
  }
}
