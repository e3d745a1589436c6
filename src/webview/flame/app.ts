/**
 * The flame view: toolbar, breadcrumbs, details bar, the graphs, the top table and the
 * sandwich view, over one profile. It knows nothing of VS Code: main.ts gives it a host (post
 * to the extension, or the standalone page's stand-ins).
 */
import type { FlameProfile, FlameViewState } from '../../shared/flame';
import { FlameCanvas, type FlameData } from './canvas';
import { functionColors, type Palette } from './color';
import { formatPercent, formatValue, location, shortName } from './format';
import { viewOf, type ViewTree } from './layout';
import { compileSearch, matchedTotal, matchFunctions, sandwich, sortTop, topFunctions, type TopColumn, type TopRow } from './stats';
import { initialState, restoreState } from './state';
import { labelFont, readPalette, watchTheme } from './theme';

/** What the view needs from where it runs. */
export interface FlameHost {
  /** Opens a source location; absent in the standalone page, which shows the location instead. */
  openSource?: (file: string, line: number) => void;
  /** Persists the view state (VS Code: setState + a `state` message). */
  saveState?: (state: FlameViewState) => void;
}

/** Rows of the top table rendered at once: beyond that the DOM costs more than it tells. */
const TOP_ROWS = 500;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<'className' | 'textContent' | 'id' | 'type', string>> = {}, ...kids: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k === 'className' ? 'class' : k, v);
  if (props.textContent !== undefined) e.textContent = props.textContent;
  e.append(...kids);
  return e;
}

export class FlameApp {
  private profile: FlameProfile | undefined;
  private state: FlameViewState | undefined;
  private view: ViewTree | undefined;
  private colors: Uint8Array = new Uint8Array(0);
  private palette: Palette | undefined;
  private matches: Uint8Array | undefined;
  private topCache: { type: number; rows: TopRow[] } | undefined;
  /** Rows of the top table shown: TOP_ROWS more each time "Show more" is pressed. */
  private topLimit = TOP_ROWS;
  private saveTimer = 0;
  private firstRender = true;

  private readonly shell: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly viewButtons = new Map<FlameViewState['view'], HTMLButtonElement>();
  private readonly typeSelect: HTMLSelectElement;
  private readonly search: HTMLInputElement;
  private readonly matchText: HTMLElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly legend: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly details: HTMLElement;
  private readonly graphSection: HTMLElement;
  private readonly topSection: HTMLElement;
  private readonly sandwichSection: HTMLElement;
  private readonly sandwichTitle: HTMLElement;
  private readonly callersBox: HTMLElement;
  private readonly calleesBox: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly live: HTMLElement;
  private readonly errorPanel: HTMLElement;
  private readonly main: FlameCanvas;
  private readonly callers: FlameCanvas;
  private readonly callees: FlameCanvas;
  /** The sandwich graph zoomed last: the breadcrumbs show its path (callers or callees). */
  private sandwichFocus: FlameCanvas;

  constructor(
    root: HTMLElement,
    private readonly host: FlameHost,
  ) {
    this.titleEl = el('h1', { className: 'title', textContent: 'Profile' });
    const views = el('div', { className: 'views' });
    views.setAttribute('role', 'group');
    views.setAttribute('aria-label', 'View');
    for (const [v, label] of [
      ['flame', 'Flame'],
      ['icicle', 'Icicle'],
      ['top', 'Top'],
      ['sandwich', 'Sandwich'],
    ] as const) {
      const b = el('button', { type: 'button', textContent: label, className: 'view-button' });
      b.addEventListener('click', () => this.setView(v));
      this.viewButtons.set(v, b);
      views.append(b);
    }
    this.typeSelect = el('select', { id: 'golab-sample-type' });
    this.typeSelect.addEventListener('change', () => this.setSampleType(Number(this.typeSelect.value)));
    const typeLabel = el('label', { className: 'sample-type' }, 'Sample ', this.typeSelect);
    this.search = el('input', { type: 'search', id: 'golab-search', className: 'search' });
    this.search.placeholder = 'Search functions (regex)  /';
    this.search.setAttribute('aria-label', 'Search functions by regular expression (press / to focus)');
    this.search.setAttribute('aria-describedby', 'golab-match');
    this.search.addEventListener('input', () => this.setSearch(this.search.value));
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.search.value !== '') {
        // First Escape clears the search, the next one resets the zoom.
        this.search.value = '';
        this.setSearch('');
        e.stopPropagation();
      }
    });
    this.matchText = el('span', { className: 'match', id: 'golab-match' });
    this.matchText.setAttribute('aria-live', 'polite');
    this.resetButton = el('button', { type: 'button', textContent: 'Reset zoom', className: 'reset' });
    this.resetButton.title = 'Reset zoom (Escape)';
    this.resetButton.addEventListener('click', () => this.activeCanvases().forEach((c) => c.zoomTo(0)));
    this.legend = el('span', { className: 'legend' });
    const toolbar = el('header', { className: 'toolbar' }, this.titleEl, views, typeLabel, this.search, this.matchText, this.resetButton, this.legend);
    toolbar.setAttribute('role', 'toolbar');
    toolbar.setAttribute('aria-label', 'Profile view');

    this.crumbs = el('nav', { className: 'breadcrumbs' });
    this.crumbs.setAttribute('aria-label', 'Zoom path');
    this.details = el('div', { className: 'details' });

    this.tooltip = el('div', { className: 'tooltip' });
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.hidden = true;
    this.live = el('div', { className: 'sr-only' });
    this.live.setAttribute('aria-live', 'polite');
    this.errorPanel = el('div', { className: 'error-panel' });
    this.errorPanel.setAttribute('role', 'alert');
    this.errorPanel.hidden = true;

    this.graphSection = el('section', { className: 'graph' });
    this.topSection = el('section', { className: 'top' });
    this.sandwichTitle = el('h2', { className: 'sandwich-title' });
    this.callersBox = el('div', { className: 'graph sandwich-graph' });
    this.calleesBox = el('div', { className: 'graph sandwich-graph' });
    this.sandwichSection = el(
      'section',
      { className: 'sandwich' },
      this.sandwichTitle,
      el('h3', { textContent: 'Callers (who calls it, above)' }),
      this.callersBox,
      el('h3', { textContent: 'Callees (what it calls, below)' }),
      this.calleesBox,
    );

    const announce = (text: string): void => {
      this.live.textContent = text;
    };
    const common = { announce, tooltip: this.tooltip };
    this.main = new FlameCanvas(this.graphSection, {
      ...common,
      label: 'Flame graph',
      icicle: false,
      onZoom: () => {
        this.updateZoomUi();
        this.saveSoon();
      },
      onSelect: (n) => this.select(this.main, n),
      onOpenSource: (n) => this.openSource(this.main, n),
    });
    const sandwichOpts = (c: () => FlameCanvas) => ({
      ...common,
      onSelect: (n: number) => this.select(c(), n),
      onOpenSource: (n: number) => this.openSource(c(), n),
      onZoom: () => {
        this.sandwichFocus = c();
        this.updateZoomUi();
      },
    });
    this.callers = new FlameCanvas(this.callersBox, { ...sandwichOpts(() => this.callers), label: 'Callers of the function', icicle: false });
    this.callees = new FlameCanvas(this.calleesBox, { ...sandwichOpts(() => this.callees), label: 'Callees of the function', icicle: true });
    this.sandwichFocus = this.callees;

    this.shell = el('div', { className: 'shell' }, toolbar, this.crumbs, this.details, this.graphSection, this.topSection, this.sandwichSection);
    this.shell.hidden = true;
    root.append(this.shell, this.errorPanel, this.tooltip, this.live);

    document.addEventListener('keydown', (e) => this.onGlobalKey(e));
    watchTheme(() => this.applyTheme());
    new ResizeObserver(() => this.activeCanvases().forEach((c) => c.resize())).observe(this.graphSection);
    new ResizeObserver(() => [this.callers, this.callees].forEach((c) => c.resize())).observe(this.sandwichSection);
  }

  /** Shows a profile, with a saved state if there is one (validated against this profile). */
  load(profile: FlameProfile, saved?: unknown): void {
    this.profile = profile;
    this.state = saved === undefined ? initialState(profile) : restoreState(saved, profile);
    this.colors = functionColors(profile.functions.map((f) => f.name));
    this.topCache = undefined;
    this.topLimit = TOP_ROWS;
    this.errorPanel.hidden = true;
    this.shell.hidden = false;
    this.titleEl.textContent = profile.baseTitle ? `${profile.title} vs ${profile.baseTitle}` : profile.title;
    document.title = this.titleEl.textContent;
    // Colours mean something else in a diff: say what, next to the controls.
    this.legend.hidden = !profile.tree.baseTotal;
    this.legend.replaceChildren(
      el('span', { className: 'legend-grew', textContent: '■ grew' }),
      ' ',
      el('span', { className: 'legend-shrank', textContent: '■ shrank' }),
      ` vs ${profile.baseTitle ?? 'base'} (scaled to the same total)`,
    );
    this.typeSelect.replaceChildren(
      ...profile.sampleTypes.map((s, k) => {
        const o = el('option', { textContent: `${s.type} (${s.unit})` });
        o.value = String(k);
        return o;
      }),
    );
    this.typeSelect.value = String(this.state.sampleType);
    this.search.value = this.state.search;
    this.applyTheme();
    this.applySearch();
    this.applySampleType();
    this.main.zoomTo(this.state.zoom, false);
    this.showView();
  }

  /** Replaces the view with an error message: the panel is never left blank. */
  showError(message: string, detail?: string): void {
    this.shell.hidden = true;
    this.tooltip.hidden = true;
    this.errorPanel.hidden = false;
    this.errorPanel.replaceChildren(el('h2', { textContent: 'Cannot show this profile' }), el('p', { className: 'error-message', textContent: message }));
    if (detail) this.errorPanel.append(el('pre', { className: 'error-detail', textContent: detail }));
  }

  private activeCanvases(): FlameCanvas[] {
    return this.state?.view === 'sandwich' ? [this.callers, this.callees] : [this.main];
  }

  private applyTheme(): void {
    this.palette = readPalette();
    const font = labelFont();
    for (const c of [this.main, this.callers, this.callees]) c.setPalette(this.palette, font);
  }

  private rootLabel(total: number): string {
    const p = this.profile;
    return p ? `all · ${formatValue(total, p.sampleTypes[this.state?.sampleType ?? 0].unit)}` : 'all';
  }

  private data(tree: ViewTree): FlameData {
    const p = this.profile as FlameProfile;
    const allTotal = this.view ? this.view.total[0] : tree.total[0];
    return {
      tree,
      functions: p.functions,
      colors: this.colors,
      unit: p.sampleTypes[this.state?.sampleType ?? 0].unit,
      allTotal,
      matches: this.matches,
      rootLabel: tree === this.view ? this.rootLabel(allTotal) : shortName(p.functions[tree.func[0]]?.name ?? 'all'),
    };
  }

  private applySampleType(): void {
    const p = this.profile;
    const s = this.state;
    if (!p || !s) return;
    this.view = viewOf(p.tree, s.sampleType);
    this.main.setData(this.data(this.view));
    this.updateMatchText();
    if (s.view === 'sandwich') this.showSandwich();
    if (s.view === 'top') this.showTop();
  }

  private setSampleType(t: number): void {
    if (!this.state) return;
    this.state.sampleType = t;
    this.topCache = undefined;
    this.applySampleType();
    this.updateZoomUi();
    this.saveSoon();
  }

  private setSearch(text: string): void {
    if (!this.state) return;
    this.state.search = text;
    this.applySearch();
    if (this.view) this.main.setData(this.data(this.view));
    if (this.state.view === 'sandwich') this.showSandwich();
    this.updateMatchText();
    this.saveSoon();
  }

  private applySearch(): void {
    const p = this.profile;
    const s = this.state;
    if (!p || !s) return;
    const { regex, error } = compileSearch(s.search);
    this.matches = regex ? matchFunctions(p.functions, regex) : undefined;
    this.search.setAttribute('aria-invalid', error ? 'true' : 'false');
    this.searchError = error;
  }

  private searchError: string | undefined;

  private updateMatchText(): void {
    const v = this.view;
    if (this.searchError) {
      this.matchText.textContent = `Invalid regular expression: ${this.searchError}`;
      this.matchText.className = 'match invalid';
      return;
    }
    this.matchText.className = 'match';
    if (v && !(v.total[0] > 0)) {
      // A sample type can be empty (no contention in a mutex profile): say so, not a blank graph.
      this.matchText.textContent = 'No samples of this type';
      return;
    }
    if (!v || !this.matches) {
      this.matchText.textContent = '';
      return;
    }
    const m = matchedTotal(v, this.matches);
    this.matchText.textContent = m > 0 ? `Matched: ${formatPercent(m, v.total[0])} of total` : 'No match';
  }

  private setView(view: FlameViewState['view']): void {
    if (!this.state) return;
    this.state.view = view;
    this.showView();
    this.saveSoon();
  }

  private showView(): void {
    const s = this.state;
    if (!s) return;
    for (const [v, b] of this.viewButtons) b.setAttribute('aria-pressed', String(v === s.view));
    const graph = s.view === 'flame' || s.view === 'icicle';
    this.graphSection.hidden = !graph;
    this.topSection.hidden = s.view !== 'top';
    this.sandwichSection.hidden = s.view !== 'sandwich';
    this.tooltip.hidden = true;
    if (graph) {
      this.main.setIcicle(s.view === 'icicle');
      this.main.renderNow();
      if (this.firstRender) {
        this.firstRender = false;
        performance.mark('golab-flame-first-render');
      }
      this.scrollToRoot();
    } else if (s.view === 'top') this.showTop();
    else this.showSandwich();
    this.updateZoomUi();
  }

  /** A flame graph taller than the panel opens at its root, which is at the bottom. */
  private scrollToRoot(): void {
    if (this.state?.view === 'flame') this.graphSection.scrollTop = this.graphSection.scrollHeight;
    else this.graphSection.scrollTop = 0;
  }

  private updateZoomUi(): void {
    const s = this.state;
    const p = this.profile;
    if (!s || !p) return;
    const inSandwich = s.view === 'sandwich';
    const c = inSandwich ? this.sandwichFocus : this.main;
    if (!inSandwich) s.zoom = this.main.zoomNode;
    const path = c.zoomPath();
    this.crumbs.replaceChildren();
    const graph = s.view !== 'top';
    this.crumbs.hidden = !graph;
    // Hidden but still taking its line: the graph must not jump under the pointer on a click.
    this.crumbs.style.visibility = path.length <= 1 ? 'hidden' : 'visible';
    this.resetButton.disabled = !graph || this.activeCanvases().every((x) => x.zoomNode === 0);
    if (path.length <= 1) return;
    const tree = this.canvasTree(c);
    path.forEach((node, k) => {
      const f = tree ? tree.func[node] : -1;
      const label = f >= 0 ? shortName(p.functions[f].name) : 'all';
      const b = el('button', { type: 'button', className: 'crumb', textContent: label });
      if (k === path.length - 1) b.setAttribute('aria-current', 'location');
      b.addEventListener('click', () => c.zoomTo(node));
      if (k > 0) this.crumbs.append(el('span', { className: 'crumb-sep', textContent: '›' }));
      this.crumbs.append(b);
    });
  }

  private select(canvas: FlameCanvas, node: number): void {
    const data = this.canvasTree(canvas);
    const p = this.profile;
    if (!data || !p) return;
    const f = data.func[node];
    const fn = f >= 0 ? p.functions[f] : undefined;
    this.details.replaceChildren();
    if (!fn) {
      this.details.append(el('span', { className: 'details-name', textContent: 'all samples' }));
      return;
    }
    const line = data.line[node] || fn.startLine;
    this.details.append(el('span', { className: 'details-name', textContent: fn.name }), el('span', { className: 'details-loc', textContent: location(fn.file, line) }));
    const go = el('button', { type: 'button', textContent: 'Go to source' });
    go.title = 'Go to source (Ctrl/Cmd+click, Ctrl/Cmd+Enter)';
    go.addEventListener('click', () => this.openSource(canvas, node));
    const sw = el('button', { type: 'button', textContent: 'Sandwich' });
    sw.title = 'Callers and callees of this function';
    sw.addEventListener('click', () => this.openSandwich(f));
    this.details.append(go, sw);
  }

  private canvasTree(c: FlameCanvas): ViewTree | undefined {
    if (c === this.main) return this.view;
    return c === this.callers ? this.sandwichTrees?.callers : this.sandwichTrees?.callees;
  }

  private sandwichTrees: { callers: ViewTree; callees: ViewTree } | undefined;

  private openSource(canvas: FlameCanvas, node: number): void {
    const tree = this.canvasTree(canvas);
    const p = this.profile;
    if (!tree || !p) return;
    const f = tree.func[node];
    const fn = f >= 0 ? p.functions[f] : undefined;
    if (!fn || !fn.file) {
      this.live.textContent = 'No source location recorded for this frame.';
      return;
    }
    const line = tree.line[node] || fn.startLine;
    if (this.host.openSource) {
      this.host.openSource(fn.file, line);
      return;
    }
    // Standalone page: nothing to open a file with; show the full location, selectable.
    const out = el('output', { className: 'details-source', textContent: location(fn.file, line, true) });
    this.details.querySelector('.details-source')?.remove();
    this.details.append(out);
    this.live.textContent = `Source: ${out.textContent}`;
  }

  private openSandwich(func: number): void {
    if (!this.state || func < 0) return;
    this.state.sandwich = func;
    this.setView('sandwich');
  }

  private showSandwich(): void {
    const s = this.state;
    const p = this.profile;
    const v = this.view;
    if (!s || !p || !v) return;
    if (s.sandwich === undefined) {
      this.sandwichTitle.textContent = 'Pick a function: a row of the Top table, or Sandwich on a selected frame.';
      this.callersBox.hidden = true;
      this.calleesBox.hidden = true;
      return;
    }
    this.callersBox.hidden = false;
    this.calleesBox.hidden = false;
    const fn = p.functions[s.sandwich];
    this.sandwichTitle.textContent = `Sandwich: ${fn.name}`;
    this.sandwichTrees = sandwich(v, s.sandwich);
    this.sandwichFocus = this.callees;
    this.callers.setData(this.data(this.sandwichTrees.callers));
    this.callees.setData(this.data(this.sandwichTrees.callees));
    this.callers.zoomTo(0, false);
    this.callees.zoomTo(0, false);
    this.callers.renderNow();
    this.callees.renderNow();
    // The callers graph grows upwards towards the function: keep its bottom in view.
    this.callersBox.scrollTop = this.callersBox.scrollHeight;
  }

  private topRows(): TopRow[] {
    const s = this.state as FlameViewState;
    const v = this.view as ViewTree;
    if (!this.topCache || this.topCache.type !== s.sampleType) this.topCache = { type: s.sampleType, rows: topFunctions(v, (this.profile as FlameProfile).functions.length) };
    return this.topCache.rows;
  }

  private showTop(): void {
    const s = this.state;
    const p = this.profile;
    const v = this.view;
    if (!s || !p || !v) return;
    const sort = s.sort ?? { column: 'flat', descending: true };
    const rows = sortTop(this.topRows(), p.functions, sort.column, sort.descending);
    const unit = p.sampleTypes[s.sampleType].unit;
    const all = v.total[0];
    const header = (column: TopColumn, label: string): HTMLTableCellElement => {
      const th = el('th', { className: `col-${column}` });
      th.setAttribute('aria-sort', sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none');
      const b = el('button', { type: 'button', textContent: label + (sort.column === column ? (sort.descending ? ' ▼' : ' ▲') : '') });
      b.addEventListener('click', () => {
        // Same column flips the order; a new one starts where its values are most useful.
        s.sort = sort.column === column ? { column, descending: !sort.descending } : { column, descending: column !== 'name' };
        this.showTop();
        this.saveSoon();
        (this.topSection.querySelector(`th.col-${column} button`) as HTMLButtonElement | null)?.focus();
      });
      th.append(b);
      return th;
    };
    const thead = el('thead', {}, el('tr', {}, header('flat', 'Flat'), el('th', { textContent: 'Flat %' }), header('cum', 'Cum'), el('th', { textContent: 'Cum %' }), header('name', 'Function')));
    const tbody = el('tbody');
    const shown = rows.slice(0, this.topLimit);
    for (const r of shown) {
      const fn = p.functions[r.func];
      const b = el('button', { type: 'button', className: 'fn', textContent: fn.name });
      b.title = `${location(fn.file, fn.startLine, true)} — open the sandwich view`;
      b.addEventListener('click', () => this.openSandwich(r.func));
      if (this.matches?.[r.func]) b.classList.add('matched');
      tbody.append(
        el(
          'tr',
          {},
          el('td', { className: 'num', textContent: formatValue(r.flat, unit) }),
          el('td', { className: 'num', textContent: formatPercent(r.flat, all) }),
          el('td', { className: 'num', textContent: formatValue(r.cum, unit) }),
          el('td', { className: 'num', textContent: formatPercent(r.cum, all) }),
          el('td', {}, b),
        ),
      );
    }
    const table = el('table', { className: 'top-table' }, thead, tbody);
    table.setAttribute('aria-label', 'Top functions');
    this.topSection.replaceChildren(table, this.topMore(shown.length, rows.length));
  }

  /** Below a table that shows `shown` of `total` rows: how many, and a button that shows more. */
  private topMore(shown: number, total: number): HTMLElement | string {
    if (shown >= total) return '';
    const more = el('button', { type: 'button', className: 'show-more', textContent: `Show ${Math.min(TOP_ROWS, total - shown)} more` });
    more.addEventListener('click', () => {
      this.topLimit += TOP_ROWS;
      this.showTop();
      // Keyboard users go on from the first row added, not from the top of the page.
      (this.topSection.querySelectorAll('tbody button.fn')[shown] as HTMLButtonElement | undefined)?.focus();
    });
    return el('p', { className: 'note' }, `Showing the top ${shown} of ${total} functions. `, more);
  }

  private onGlobalKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
    if (e.key === '/' && !typing) {
      e.preventDefault();
      this.search.focus();
      this.search.select();
    } else if (e.key === 'Escape') {
      this.activeCanvases().forEach((c) => c.zoomTo(0));
    }
  }

  /** Persists the state, batched: typing a search should not post a message per key. */
  private saveSoon(): void {
    if (!this.host.saveState) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => {
      if (this.state) this.host.saveState?.({ ...this.state, sort: this.state.sort ? { ...this.state.sort } : undefined });
    }, 150);
  }
}
