/**
 * Flame view rendering in headless Chromium: the standalone page (what `golab profile --html`
 * writes) of synthetic profiles of 10k and 100k+ distinct frames. Prints the first render
 * (navigation start to first frame drawn, with its parts) and the redraw times of click-zoom /
 * Escape-reset cycles and of a pointer sweep (hover repaints), measured inside the page with
 * performance.now. Target: zoom redraws under 16 ms (one frame at 60 Hz). Never fails on time.
 *
 *   node out/test/bench/flameRender.js [--nodes N] [--small N] [--cycles N] [--hovers N] [--width PX] [--seed S] [--profiles F,F]
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { decodeProfileAsync } from '../../src/core/pprof/decode';
import { buildFlameProfileAsync } from '../../src/core/pprof/model';
import { ROW_HEIGHT } from '../../src/webview/flame/layout';
import { launch, writePage } from '../unit/flame/standalonePage';
import { randomProfile } from '../unit/flame/synthetic';
import { intFlag, machineLine, mb, ms, parseFlags, percentile, table } from './lib/common';

interface Measure {
  duration: number;
  relayout: boolean;
  frames: number;
}

const READ_RENDERS = `performance.getEntriesByName('golab-flame-render').map((e) => ({ duration: e.duration, relayout: !!(e.detail && e.detail.relayout), frames: e.detail ? e.detail.frames : 0 }))`;
const NEXT_FRAMES = 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined))))';

function stats(values: number[]): string[] {
  const s = [...values].sort((a, b) => a - b);
  return [String(s.length), ms(percentile(s, 50)), ms(percentile(s, 95)), ms(s[s.length - 1] ?? NaN)];
}

async function firstRender(page: Page, file: string): Promise<string[]> {
  const started = Date.now();
  await page.goto(`file://${file}`);
  // Polled from here: the page's CSP forbids the eval that waitForFunction polls with, and the
  // first render comes after the embedded profile is inflated (a task later, not during load).
  while (!(await page.evaluate(`performance.getEntriesByName('golab-flame-first-render').length > 0`))) await new Promise((r) => setTimeout(r, 5));
  const wall = Date.now() - started;
  const t = (await page.evaluate(`(() => {
    const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    const first = performance.getEntriesByName('golab-flame-render')[0];
    return { start: at('golab-flame-start'), decoded: at('golab-flame-decoded'), drawn: at('golab-flame-first-render'), draw: first ? first.duration : NaN, frames: first && first.detail ? first.detail.frames : 0 };
  })()`)) as { start: number; decoded: number; drawn: number; draw: number; frames: number };
  return [ms(t.drawn), ms(t.start), ms(t.decoded - t.start), ms(t.draw), String(t.frames), ms(wall)];
}

/** Click a frame on rows 1..4 (pseudo-random x), let it draw, Escape, let it draw; `cycles` times. */
async function zoomCycles(page: Page, cycles: number, seed: number): Promise<{ zoom: Measure[]; hover: Measure[] }> {
  const box = await page.locator('canvas.flame-canvas').first().boundingBox();
  if (!box) throw new Error('no canvas on the page');
  await page.evaluate(`performance.clearMeasures('golab-flame-render')`);
  let x = seed;
  for (let k = 0; k < cycles; k++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const depth = 1 + (k % 4);
    const px = box.x + ((x % 1000) / 1000) * box.width * 0.5;
    await page.mouse.click(px, box.y + box.height - ROW_HEIGHT * (depth + 0.5));
    await page.evaluate(NEXT_FRAMES);
    await page.keyboard.press('Escape');
    await page.evaluate(NEXT_FRAMES);
  }
  const all = (await page.evaluate(READ_RENDERS)) as Measure[];
  return { zoom: all.filter((m) => m.relayout), hover: all.filter((m) => !m.relayout) };
}

/**
 * Move the pointer across rows 1..6 of the unzoomed graph in `steps` positions, a frame after
 * each: a move onto another frame repaints (the hovered frame is outlined) without a new layout.
 * The clicks of zoomCycles land where the zoom's relayout repaints anyway, so they add none.
 */
async function hoverSweep(page: Page, steps: number): Promise<Measure[]> {
  const box = await page.locator('canvas.flame-canvas').first().boundingBox();
  if (!box) throw new Error('no canvas on the page');
  await page.evaluate(`performance.clearMeasures('golab-flame-render')`);
  for (let k = 0; k < steps; k++) {
    const depth = 1 + (k % 6);
    await page.mouse.move(box.x + ((k + 0.5) / steps) * box.width, box.y + box.height - ROW_HEIGHT * (depth + 0.5));
    await page.evaluate(NEXT_FRAMES);
  }
  return ((await page.evaluate(READ_RENDERS)) as Measure[]).filter((m) => !m.relayout);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { nodes: 'N  large profile nodes, root included (100001)', small: 'N  small profile nodes, root included (10001)', cycles: 'N  zoom/reset cycles (40)', hovers: 'N  pointer positions of the hover sweep (120)', profiles: 'F,F  real pprof files to render too (the pages golab profile writes)', width: 'PX  viewport width (1280)', seed: 'S  (1)' });
  const sizes = [intFlag(flags, 'small', 10_001), intFlag(flags, 'nodes', 100_001)];
  const profileFiles = (flags.profiles ?? '').split(',').filter((f) => f !== '');
  const cycles = intFlag(flags, 'cycles', 40);
  const hoverSteps = intFlag(flags, 'hovers', 120);
  const width = intFlag(flags, 'width', 1280);
  const seed = intFlag(flags, 'seed', 1);
  console.log(machineLine());
  console.log(`chromium headless --disable-gpu, viewport ${width}x900, devicePixelRatio 1\n`);

  const browser = await launch();
  try {
    const first: string[][] = [['frames', 'html', 'first frame', 'script start', 'JSON+decode', 'layout+draw', 'drawn', 'goto wall']];
    const zoom: string[][] = [['frames', 'redraws', 'p50', 'p95', 'max', 'frames drawn (median)', '< 16 ms']];
    const hover: string[][] = [['frames', 'redraws', 'p50', 'p95', 'max']];
    // The synthetic profiles, then any real ones given, modelled as the CLI does.
    const pages: Array<() => Promise<{ label: string; file: string }>> = [
      ...sizes.map((nodes) => async () => ({ label: `${nodes - 1}`, file: writePage(randomProfile({ nodes, seed }), `bench-${nodes}`) })),
      ...profileFiles.map((f) => async () => {
        const flame = await buildFlameProfileAsync(await decodeProfileAsync(fs.readFileSync(f)), path.basename(f));
        return { label: `${flame.tree.parent.length - 1} (${path.basename(f)})`, file: writePage(flame, `bench-${path.basename(f)}`) };
      }),
    ];
    for (const make of pages) {
      const { label, file } = await make();
      const size = mb(fs.statSync(file).size);
      // A fresh page per size: nothing cached from the previous profile.
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      first.push([label, size, ...(await firstRender(page, file))]);
      const z = await zoomCycles(page, cycles, seed);
      const durations = z.zoom.map((m) => m.duration);
      const drawn = [...z.zoom.map((m) => m.frames)].sort((a, b) => a - b);
      zoom.push([label, ...stats(durations), String(percentile(drawn, 50)), `${durations.filter((d) => d < 16).length}/${durations.length}`]);
      hover.push([label, ...stats([...z.hover, ...(await hoverSweep(page, hoverSteps))].map((m) => m.duration))]);
      if (errors.length > 0) console.log(`page errors at ${label} frames: ${errors.join('; ')}`);
      await page.close();
    }
    console.log('First render (times since navigation start, measured in the page)');
    console.log(table(first));
    console.log(`\nZoom redraws: ${cycles} cycles of click a frame (rows 1-4) + Escape; each redraw lays out and paints (target < 16 ms)`);
    console.log(table(zoom));
    console.log(`\nHover redraws: the pointer moved across rows 1-6 in ${hoverSteps} steps, plus any during the zoom cycles (same layout, repaint only)`);
    console.log(table(hover));
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
