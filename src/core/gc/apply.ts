/**
 * Where a chosen GC setting goes, as text edits the user reviews before they apply: the `env`
 * of a Go launch configuration, an `ENV` line of a Dockerfile, or a Kubernetes container `env`
 * snippet. Pure: the extension turns the results into a WorkspaceEdit with a preview.
 */

/** `{ GOGC: '200', GOMEMLIMIT: '870MiB' }` -> Dockerfile `ENV GOGC=200 GOMEMLIMIT=870MiB`. */
export function dockerfileEnvLine(env: Readonly<Record<string, string>>): string {
  return `ENV ${Object.entries(env)
    .map(([k, v]) => `${k}=${/^[\w.%-]+$/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ')}`;
}

/**
 * The Dockerfile with the setting applied: earlier one-variable `ENV` lines of these variables
 * are dropped, and one `ENV` line goes at the end of the file, i.e. in the last stage (the one
 * that runs), after anything that could set them again. ENV after CMD still applies.
 */
export function applyToDockerfile(text: string, env: Readonly<Record<string, string>>): string {
  const names = Object.keys(env);
  const single = new RegExp(`^\\s*ENV\\s+(${names.join('|')})(=\\S*|\\s+\\S.*)?\\s*$`, 'i');
  const kept = text.split('\n').filter((l) => !single.test(l));
  return `${kept.join('\n').replace(/\n*$/, '\n')}${dockerfileEnvLine(env)}\n`;
}

/** A Kubernetes container `env:` list with the variables (indented for a container spec). */
export function kubernetesEnvSnippet(env: Readonly<Record<string, string>>, indent = '        '): string {
  const rows = Object.entries(env).flatMap(([k, v]) => [`${indent}- name: ${k}`, `${indent}  value: ${JSON.stringify(v)}`]);
  return `${indent.slice(2)}env:\n${rows.join('\n')}\n`;
}

/** The subset of a launch.json we touch. */
interface LaunchJson {
  version?: string;
  configurations?: Array<Record<string, unknown>>;
}

/**
 * launch.json text with `env` set on every Go configuration (or a new "Launch package" one when
 * there is none). JSON with comments is accepted on input (comments are dropped: VS Code's own
 * edits do the same when they rewrite the file); the output is plain JSON.
 */
export function applyToLaunchJson(text: string | undefined, env: Readonly<Record<string, string>>): string {
  let launch: LaunchJson = {};
  if (text && text.trim()) {
    const stripped = text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, str: string | undefined) => str ?? '').replace(/,(\s*[}\]])/g, '$1');
    launch = JSON.parse(stripped) as LaunchJson;
  }
  const configurations = Array.isArray(launch.configurations) ? launch.configurations : [];
  const goConfigs = configurations.filter((c) => c.type === 'go' || c.type === 'golab-go');
  if (goConfigs.length === 0) {
    configurations.push({ name: 'Launch package (GC tuned by Go Lab)', type: 'go', request: 'launch', mode: 'auto', program: '${fileDirname}', env: { ...env } });
  }
  for (const c of goConfigs) {
    const current = typeof c.env === 'object' && c.env !== null ? (c.env as Record<string, unknown>) : {};
    c.env = { ...current, ...env };
  }
  return `${JSON.stringify({ version: launch.version ?? '0.2.0', ...launch, configurations }, null, 2)}\n`;
}

/** `870MiB`-style GOMEMLIMIT value (Go accepts B, KiB, MiB, GiB, TiB suffixes). */
export function goMemLimit(bytes: number): string {
  const mib = bytes / 1024 ** 2;
  if (Number.isInteger(mib / 1024)) return `${mib / 1024}GiB`;
  if (Number.isInteger(mib)) return `${mib}MiB`;
  return `${Math.round(bytes)}B`;
}
