/**
 * The one place that knows where the tree-sitter wasm files live and how a Go parser is made.
 * Everything else receives a {@link GoParser}.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser, type Tree } from 'web-tree-sitter';

export type { Tree, Node, Edit, Point } from 'web-tree-sitter';

/** Thrown when a parse is abandoned because it ran past its time budget. */
export class ParseTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`parsing took longer than ${timeoutMs} ms and was abandoned`);
    this.name = 'ParseTimeoutError';
  }
}

/**
 * Finds a wasm file: next to the running bundle first (dist/ in the packaged extension, which
 * ships without node_modules), then in node_modules (unit tests, development).
 */
function locateWasm(file: string, packagePath: string, dir?: string): string {
  const candidates = [dir ? path.join(dir, file) : undefined, path.join(__dirname, file)];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  try {
    return require.resolve(packagePath);
  } catch {
    throw new Error(
      `cannot find ${file}: looked in ${candidates.filter(Boolean).join(', ')} and node_modules. ` +
        'Run `node esbuild.js` to copy it into dist/.',
    );
  }
}

let languagePromise: Promise<Language> | undefined;

/** Loads the tree-sitter runtime and the Go grammar once per process (or worker). */
function loadGo(wasmDir?: string): Promise<Language> {
  languagePromise ??= (async () => {
    const runtime = locateWasm('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm', wasmDir);
    await Parser.init({ locateFile: () => runtime });
    return Language.load(locateWasm('tree-sitter-go.wasm', 'tree-sitter-go/tree-sitter-go.wasm', wasmDir));
  })();
  return languagePromise;
}

/** A Go parser with a time budget per parse. Not shareable across threads. */
export class GoParser {
  private constructor(private readonly parser: Parser) {}

  static async create(options: { wasmDir?: string } = {}): Promise<GoParser> {
    const language = await loadGo(options.wasmDir);
    const parser = new Parser();
    parser.setLanguage(language);
    return new GoParser(parser);
  }

  /**
   * Parses `text`, reusing `oldTree` (already `edit()`ed to match `text`) for an incremental
   * parse. Throws {@link ParseTimeoutError} when the budget runs out so that a pathological
   * input can never hang the server.
   */
  parse(text: string, oldTree?: Tree | null, timeoutMs = 5000): Tree {
    const deadline = performance.now() + timeoutMs;
    const tree = this.parser.parse(text, oldTree ?? null, {
      progressCallback: () => performance.now() > deadline,
    });
    if (!tree) {
      this.parser.reset();
      throw new ParseTimeoutError(timeoutMs);
    }
    return tree;
  }

  delete(): void {
    this.parser.delete();
  }
}
