/**
 * Frame colours from the theme's colours. Pure (no DOM): the theme's CSS variables are read by
 * the canvas code and handed to {@link makePalette}.
 */

export type Rgb = readonly [number, number, number];

/** `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)` / `rgba(...)` -> [r, g, b]; undefined otherwise. */
export function parseColor(text: string): Rgb | undefined {
  const s = text.trim();
  let m = /^#([0-9a-f]{3,8})$/i.exec(s);
  if (m) {
    const h = m[1];
    if (h.length === 3 || h.length === 4) return [0, 1, 2].map((k) => parseInt(h[k] + h[k], 16)) as unknown as Rgb;
    if (h.length === 6 || h.length === 8) return [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16)) as unknown as Rgb;
    return undefined;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

/** `a` moved towards `b` by `t` (0 = a, 1 = b). */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function css(c: Rgb): string {
  return `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;
}

/** WCAG relative luminance, to pick a readable label colour on a frame. */
export function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

/** The theme colours a palette is made from (already resolved, fallbacks applied). */
export interface ThemeColors {
  background: Rgb;
  foreground: Rgb;
  focus: Rgb;
  hover: Rgb;
  red: Rgb;
  orange: Rgb;
  yellow: Rgb;
  blue: Rgb;
  purple: Rgb;
  highContrast: boolean;
}

/** Number of shades per hue (frames of one package share a shade). */
export const SHADES = 4;
/** Number of diff shades on each side of "unchanged". */
export const DIFF_STEPS = 6;

/** Fill and label styles, precomputed so drawing a frame is a lookup, not colour arithmetic. */
export interface Palette {
  /** Normal frames: index hue * SHADES + shade. */
  fill: string[];
  text: string[];
  /** Same as fill, dimmed towards the background (search misses). */
  dim: string[];
  dimText: string;
  match: string;
  matchText: string;
  /** Diff: index 0 unchanged, 1..DIFF_STEPS grew (red), DIFF_STEPS+1.. shrank (blue). */
  diff: string[];
  diffText: string[];
  merged: string;
  background: string;
  foreground: string;
  focus: string;
  hover: string;
}

export function makePalette(t: ThemeColors): Palette {
  const hues = [t.red, t.orange, t.yellow];
  const fill: string[] = [];
  const text: string[] = [];
  const dim: string[] = [];
  const dark = luminance(t.background) < 0.4;
  // Black or white, whichever contrasts more (the WCAG ratios cross at luminance 0.179).
  const label = (c: Rgb): string => (luminance(c) > 0.179 ? '#000' : '#fff');
  for (const h of hues) {
    for (let s = 0; s < SHADES; s++) {
      // Shades move towards the background so that neighbouring packages differ while every
      // frame keeps the theme's hue; high contrast keeps the pure colours.
      const c = t.highContrast ? h : mix(h, t.background, 0.08 + s * 0.09);
      fill.push(css(c));
      text.push(label(c));
      dim.push(css(mix(c, t.background, dark ? 0.78 : 0.72)));
    }
  }
  const neutral = mix(t.foreground, t.background, 0.75);
  const diff: string[] = [css(neutral)];
  const diffText: string[] = [label(neutral)];
  for (const h of [t.red, t.blue]) {
    for (let k = 1; k <= DIFF_STEPS; k++) {
      const c = mix(neutral, h, k / DIFF_STEPS);
      diff.push(css(c));
      diffText.push(label(c));
    }
  }
  const merged = mix(t.foreground, t.background, 0.6);
  return {
    fill,
    text,
    dim,
    dimText: css(mix(t.foreground, t.background, 0.45)),
    match: css(t.purple),
    matchText: label(t.purple),
    diff,
    diffText,
    merged: css(merged),
    background: css(t.background),
    foreground: css(t.foreground),
    focus: css(t.focus),
    hover: css(t.hover),
  };
}

/** A stable small hash of a string (FNV-1a), to give each package its own shade. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Palette index of each function: runtime frames red, the standard library orange, the rest
 * (the user's code) yellow, shaded by package; so the eye finds one's own code at a glance.
 */
export function functionColors(names: readonly string[]): Uint8Array {
  const out = new Uint8Array(names.length);
  for (let f = 0; f < names.length; f++) {
    const name = names[f];
    const pkg = packageOf(name);
    const hue = pkg === 'runtime' || pkg.startsWith('runtime/') || pkg === 'syscall' ? 0 : pkg.includes('.') || pkg === 'main' ? 2 : 1;
    out[f] = hue * SHADES + (hashString(pkg) % SHADES);
  }
  return out;
}

/** `example.com/m/pkg.(*T).M` -> `example.com/m/pkg`; the first '.' after the last '/' ends it. */
export function packageOf(name: string): string {
  const slash = name.lastIndexOf('/', name.indexOf('(') >= 0 ? name.indexOf('(') : name.length);
  const dot = name.indexOf('.', slash + 1);
  return dot >= 0 ? name.slice(0, dot) : name;
}
