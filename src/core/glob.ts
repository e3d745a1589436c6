/** Minimal glob matching for exclude settings: `**`, `*`, `?` and `{a,b}` over `/` paths. */

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole directories.
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',') out += '|';
    else out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${out}$`);
  cache.set(glob, re);
  return re;
}

/** Whether `relPath` (with `/` separators) or any of its parent directories matches a glob. */
export function isExcluded(relPath: string, globs: readonly string[]): boolean {
  const p = relPath.replace(/\\/g, '/');
  return globs.some((g) => {
    const re = globToRegExp(g);
    return re.test(p) || re.test(`${p}/`);
  });
}
