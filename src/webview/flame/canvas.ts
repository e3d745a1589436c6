/**
 * One flame graph on a canvas: painting, hover tooltip, click and keyboard navigation. The main
 * view and both halves of the sandwich are instances of it; what to draw comes from layout.ts.
 */
import type { FlameFunction } from '../../shared/flame';
import { DIFF_STEPS, type Palette } from './color';
import { formatPercent, formatValue, location, shortName, truncateLabel } from './format';
import { children, depthAt, frameOf, hitTest, layout, pathTo, ROW_HEIGHT, rowY, sibling, type Layout, type ViewTree } from './layout';
import { diffBucket, diffScale } from './stats';

/** Name of the performance measure of each redraw (read by the benchmark). */
export const RENDER_MEASURE = 'golab-flame-render';

export interface FlameCanvasOptions {
  /** Accessible name of the canvas: what this graph shows. */
  label: string;
  /** Root at the top (icicle) or at the bottom (flame graph). */
  icicle: boolean;
  onZoom?: (node: number) => void;
  onSelect?: (node: number) => void;
  onOpenSource?: (node: number) => void;
  announce: (text: string) => void;
  tooltip: HTMLElement;
}

/** What a graph draws; replaced as a whole when the profile, sample type or search changes. */
export interface FlameData {
  tree: ViewTree;
  functions: readonly FlameFunction[];
  /** Palette index per function (functionColors). */
  colors: Uint8Array;
  unit: string;
  /** Value that percentages "of all" refer to (the profile's root total). */
  allTotal: number;
  /** Per function, 1 when it matches the search; undefined when there is no search. */
  matches?: Uint8Array;
  /** Label of the root frame. */
  rootLabel: string;
}

export class FlameCanvas {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private data: FlameData | undefined;
  private palette: Palette | undefined;
  private font = '12px monospace';
  private charWidth = 7;
  private zoom = 0;
  private focused = -1;
  private hover = -1;
  private layoutCache: Layout | undefined;
  private layoutWidth = -1;
  private pending = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly opts: FlameCanvasOptions,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `${opts.label}. Arrow keys move between frames, Enter zooms, Ctrl+Enter opens the source, Escape resets the zoom.`);
    this.canvas.className = 'flame-canvas';
    container.appendChild(this.canvas);
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('this browser cannot draw on a canvas (no 2D context)');
    this.ctx = ctx;
    this.canvas.addEventListener('mousemove', (e) => this.onMouseMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHover(-1, 0, 0));
    this.canvas.addEventListener('click', (e) => this.onClick(e));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('focus', () => {
      if (this.focused < 0 && this.data) this.setFocus(this.zoom);
      else this.requestRender();
    });
    this.canvas.addEventListener('blur', () => this.requestRender());
  }

  setData(data: FlameData): void {
    this.data = data;
    if (this.zoom >= data.tree.parent.length) this.zoom = 0;
    if (this.focused >= data.tree.parent.length) this.focused = -1;
    this.hover = -1;
    // The values shown for the hovered node may be of another sample type now.
    this.opts.tooltip.hidden = true;
    this.layoutCache = undefined;
    this.requestRender();
  }

  setPalette(palette: Palette, font: string): void {
    this.palette = palette;
    this.font = font;
    this.ctx.font = font;
    this.charWidth = this.ctx.measureText('M').width || 7;
    this.requestRender();
  }

  setIcicle(icicle: boolean): void {
    this.opts.icicle = icicle;
    this.requestRender();
  }

  get zoomNode(): number {
    return this.zoom;
  }

  /** Zooms so `node` fills the width (0 = reset). */
  zoomTo(node: number, notify = true): void {
    if (!this.data || node < 0 || node >= this.data.tree.parent.length) node = 0;
    if (node === this.zoom) return;
    this.zoom = node;
    // The tooltip's "% of zoomed frame" changed: rebuild it on the next mouse move.
    this.hover = -1;
    this.opts.tooltip.hidden = true;
    this.layoutCache = undefined;
    this.requestRender();
    if (notify) this.opts.onZoom?.(node);
  }

  /** Re-lays out at the container's new width. */
  resize(): void {
    this.requestRender();
  }

  /** Draws now, synchronously (first paint, benchmark); otherwise redraws are batched per animation frame. */
  renderNow(): void {
    if (this.pending) cancelAnimationFrame(this.pending);
    this.pending = 0;
    this.render();
  }

  private requestRender(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  private currentLayout(width: number): Layout | undefined {
    if (!this.data) return undefined;
    if (!this.layoutCache || this.layoutWidth !== width) {
      this.layoutCache = layout(this.data.tree, this.zoom, width);
      this.layoutWidth = width;
    }
    return this.layoutCache;
  }

  private render(): void {
    const start = performance.now();
    const data = this.data;
    const pal = this.palette;
    const width = Math.max(1, Math.floor(this.container.clientWidth));
    const relayout = !this.layoutCache || this.layoutWidth !== width;
    const l = this.currentLayout(width);
    if (!data || !pal || !l) return;
    const height = (l.maxDepth + 1) * ROW_HEIGHT;
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.round(width * dpr);
    const ch = Math.round(height * dpr);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = pal.background;
    ctx.fillRect(0, 0, width, height);

    // Fill style of each frame, then one pass per style: setting fillStyle parses a colour,
    // so thousands of switches would cost more than the rectangles.
    const t = data.tree;
    const styles: string[] = [];
    const textStyles: string[] = [];
    const styleIndex = new Map<string, number>();
    const styleOf = (fill: string, text: string): number => {
      let k = styleIndex.get(fill);
      if (k === undefined) {
        k = styles.length;
        styleIndex.set(fill, k);
        styles.push(fill);
        textStyles.push(text);
      }
      return k;
    };
    const frameStyle = new Int32Array(l.count);
    const diff = t.base !== undefined;
    for (let i = 0; i < l.count; i++) {
      const node = l.node[i];
      const f = node >= 0 ? t.func[node] : -1;
      let k: number;
      if (node < 0) k = styleOf(data.matches ? pal.dim[0] : pal.merged, pal.dimText);
      else if (diff && t.base) {
        const s = diffScale(t.total[node], t.base[node]);
        const b = diffBucket(s, DIFF_STEPS);
        const idx = b === 0 ? 0 : s > 0 ? b : DIFF_STEPS + b;
        k = data.matches && !(f >= 0 && data.matches[f]) ? styleOf(pal.dim[0], pal.dimText) : styleOf(pal.diff[idx], pal.diffText[idx]);
      } else if (f < 0) k = styleOf(pal.diff[0], pal.diffText[0]);
      else if (data.matches) k = data.matches[f] ? styleOf(pal.match, pal.matchText) : styleOf(pal.dim[data.colors[f]], pal.dimText);
      else k = styleOf(pal.fill[data.colors[f]], pal.text[data.colors[f]]);
      frameStyle[i] = k;
    }
    const icicle = this.opts.icicle;
    for (let k = 0; k < styles.length; k++) {
      ctx.fillStyle = styles[k];
      for (let i = 0; i < l.count; i++) {
        if (frameStyle[i] !== k) continue;
        const w = l.w[i];
        // A 1px gap separates frames that are wide enough to spare it.
        ctx.fillRect(l.x[i], rowY(l.depth[i], l.maxDepth, icicle), w > 3 ? w - 1 : w, ROW_HEIGHT - 1);
      }
    }
    ctx.font = this.font;
    ctx.textBaseline = 'middle';
    const minLabel = this.charWidth * 3 + 6;
    for (let i = 0; i < l.count; i++) {
      const w = l.w[i];
      const node = l.node[i];
      if (w < minLabel || node < 0) continue;
      const f = t.func[node];
      const name = f >= 0 ? shortName(data.functions[f]?.name ?? '?') : data.rootLabel;
      const label = truncateLabel(name, Math.floor((w - 6) / this.charWidth));
      if (!label) continue;
      ctx.fillStyle = textStyles[frameStyle[i]];
      ctx.fillText(label, l.x[i] + 3, rowY(l.depth[i], l.maxDepth, icicle) + ROW_HEIGHT / 2);
    }
    this.outline(l, this.hover, pal.foreground, 1);
    if (document.activeElement === this.canvas) this.outline(l, this.focused, pal.focus, 2);
    // `relayout` tells zoom and resize redraws (new layout) from hover and focus ones.
    performance.measure(RENDER_MEASURE, { start, end: performance.now(), detail: { relayout, frames: l.count } });
  }

  private outline(l: Layout, node: number, style: string, lineWidth: number): void {
    if (node < 0) return;
    const i = frameOf(l, node);
    if (i < 0) return;
    const ctx = this.ctx;
    ctx.strokeStyle = style;
    ctx.lineWidth = lineWidth;
    const inset = lineWidth / 2;
    ctx.strokeRect(l.x[i] + inset, rowY(l.depth[i], l.maxDepth, this.opts.icicle) + inset, Math.max(1, l.w[i] - 1 - lineWidth), ROW_HEIGHT - 1 - lineWidth);
  }

  /** The node under a mouse event, or -1 (merged runs and empty space are not nodes). */
  private nodeAt(e: MouseEvent): number {
    // A click right after a zoom comes before the redraw: lay out now rather than miss it.
    const l = this.currentLayout(Math.max(1, Math.floor(this.container.clientWidth)));
    if (!l) return -1;
    const r = this.canvas.getBoundingClientRect();
    const d = depthAt(e.clientY - r.top, l.maxDepth, this.opts.icicle);
    const i = hitTest(l, d, e.clientX - r.left);
    return i >= 0 ? l.node[i] : -1;
  }

  private onMouseMove(e: MouseEvent): void {
    this.setHover(this.nodeAt(e), e.clientX, e.clientY);
  }

  private setHover(node: number, clientX: number, clientY: number): void {
    const tip = this.opts.tooltip;
    if (node !== this.hover) {
      this.hover = node;
      this.canvas.style.cursor = node >= 0 ? 'pointer' : 'default';
      this.requestRender();
      if (node >= 0) this.fillTooltip(tip, node);
    }
    if (node < 0) {
      tip.hidden = true;
      return;
    }
    tip.hidden = false;
    // Keep the tooltip inside the viewport: flip to the left/top near the edges.
    const pad = 14;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const x = clientX + pad + w > window.innerWidth ? Math.max(0, clientX - pad - w) : clientX + pad;
    const y = clientY + pad + h > window.innerHeight ? Math.max(0, clientY - pad - h) : clientY + pad;
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  /** Name, location and values of a node, as lines (tooltip and screen reader share them). */
  describe(node: number): { title: string; lines: string[] } {
    const data = this.data;
    if (!data) return { title: '', lines: [] };
    const t = data.tree;
    const f = t.func[node];
    const fn = f >= 0 ? data.functions[f] : undefined;
    const title = fn ? fn.name : data.rootLabel;
    const lines: string[] = [];
    if (fn) lines.push(location(fn.file, t.line[node] || fn.startLine, true));
    const v = (x: number): string => formatValue(x, data.unit);
    const zt = t.total[this.zoom];
    const ofZoom = this.zoom !== 0 ? `, ${formatPercent(t.total[node], zt)} of zoomed frame` : '';
    lines.push(`Total: ${v(t.total[node])} (${formatPercent(t.total[node], data.allTotal)} of all${ofZoom})`);
    lines.push(`Self: ${v(t.self[node])} (${formatPercent(t.self[node], data.allTotal)} of all)`);
    if (t.base) {
      const b = t.base[node];
      const change = t.total[node] - b;
      const rel = b > 0 ? ` (${change >= 0 ? '+' : ''}${((change / b) * 100).toFixed(1)}%)` : ' (new)';
      lines.push(`Base: ${v(b)}`, `Change: ${change >= 0 ? '+' : ''}${v(change)}${rel}`);
    }
    return { title, lines };
  }

  private fillTooltip(tip: HTMLElement, node: number): void {
    const { title, lines } = this.describe(node);
    // textContent only: function names and paths come from the profile, not from us.
    tip.replaceChildren();
    const strong = document.createElement('div');
    strong.className = 'tooltip-title';
    strong.textContent = title;
    tip.appendChild(strong);
    for (const line of lines) {
      const div = document.createElement('div');
      div.textContent = line;
      tip.appendChild(div);
    }
    const hint = document.createElement('div');
    hint.className = 'tooltip-hint';
    hint.textContent = 'Click to zoom · Ctrl/Cmd+click: go to source';
    tip.appendChild(hint);
  }

  private onClick(e: MouseEvent): void {
    const node = this.nodeAt(e);
    if (node < 0) return;
    this.setFocus(node, false);
    if (e.ctrlKey || e.metaKey) {
      this.opts.onOpenSource?.(node);
      return;
    }
    this.zoomTo(node);
  }

  /** Moves the keyboard focus to `node` and announces it. */
  setFocus(node: number, announce = true): void {
    const data = this.data;
    if (!data || node < 0 || node >= data.tree.parent.length) return;
    this.focused = node;
    this.requestRender();
    this.opts.onSelect?.(node);
    if (announce) {
      const { title, lines } = this.describe(node);
      this.opts.announce(`${title}. ${lines.join('. ')}`);
    }
  }

  get focusedNode(): number {
    return this.focused;
  }

  private onKey(e: KeyboardEvent): void {
    const data = this.data;
    if (!data) return;
    const t = data.tree;
    const cur = this.focused >= 0 ? this.focused : this.zoom;
    const toParent = (): number => (t.parent[cur] >= 0 ? t.parent[cur] : cur);
    const toChild = (): number => children(t, cur).find((c) => t.total[c] > 0) ?? cur;
    let next: number;
    switch (e.key) {
      // Up and Down follow the picture: in a flame graph children are drawn above their parent.
      case 'ArrowUp':
        next = this.opts.icicle ? toParent() : toChild();
        break;
      case 'ArrowDown':
        next = this.opts.icicle ? toChild() : toParent();
        break;
      case 'ArrowLeft':
        next = sibling(t, cur, -1);
        break;
      case 'ArrowRight':
        next = sibling(t, cur, 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'Enter':
      case ' ':
        if (e.ctrlKey || e.metaKey) this.opts.onOpenSource?.(cur);
        else this.zoomTo(cur);
        e.preventDefault();
        return;
      case 'Escape':
        this.zoomTo(0);
        e.preventDefault();
        e.stopPropagation();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.setFocus(next);
    this.scrollIntoView(next);
  }

  /** Keeps the focused frame visible when the graph is taller than its scroll area. */
  private scrollIntoView(node: number): void {
    const l = this.layoutCache;
    const scroller = this.container;
    if (!l || !this.data) return;
    const y = rowY(this.data.tree.depth[node], l.maxDepth, this.opts.icicle);
    const top = this.canvas.offsetTop + y;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
  }

  /** The path from the root to the zoomed node (for breadcrumbs). */
  zoomPath(): number[] {
    return this.data ? pathTo(this.data.tree, this.zoom) : [0];
  }
}
