/**
 * The theme's colours for the canvas. media/flame/flame.css maps VS Code's variables to
 * `--golab-*` ones with fallbacks for the standalone page; reading those here means one list
 * of fallbacks for CSS and canvas alike. The constants below only cover a page without the CSS.
 */
import { makePalette, parseColor, type Palette, type Rgb, type ThemeColors } from './color';

const DARK: Record<keyof Omit<ThemeColors, 'highContrast'>, string> = {
  background: '#1e1e1e',
  foreground: '#cccccc',
  focus: '#007fd4',
  hover: '#2a2d2e',
  red: '#f14c4c',
  orange: '#d18616',
  yellow: '#cca700',
  blue: '#3794ff',
  purple: '#b180d7',
};
const LIGHT: typeof DARK = {
  background: '#ffffff',
  foreground: '#3b3b3b',
  focus: '#0090f1',
  hover: '#e8e8e8',
  red: '#e51400',
  orange: '#d18616',
  yellow: '#bf8803',
  blue: '#1a85ff',
  purple: '#652d90',
};

function prefersDark(): boolean {
  const cls = document.body.classList;
  if (cls.contains('vscode-light') || cls.contains('vscode-high-contrast-light')) return false;
  if (cls.contains('vscode-dark') || cls.contains('vscode-high-contrast')) return true;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

/** The palette of the current theme. */
export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const fallback = prefersDark() ? DARK : LIGHT;
  const get = (key: keyof typeof DARK): Rgb => {
    const v = style.getPropertyValue(`--golab-${key}`);
    return parseColor(v) ?? (parseColor(fallback[key]) as Rgb);
  };
  return makePalette({
    background: get('background'),
    foreground: get('foreground'),
    focus: get('focus'),
    hover: get('hover'),
    red: get('red'),
    orange: get('orange'),
    yellow: get('yellow'),
    blue: get('blue'),
    purple: get('purple'),
    highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
  });
}

/** The editor's monospace font for frame labels (monospace so truncation needs no measuring per frame). */
export function labelFont(): string {
  const family = getComputedStyle(document.body).getPropertyValue('--vscode-editor-font-family').trim();
  return `12px ${family || 'ui-monospace, Menlo, Consolas, monospace'}`;
}

/** Calls `onChange` when VS Code switches theme (it changes the body's class) or the OS does (standalone page). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', onChange);
}
