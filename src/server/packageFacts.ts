/**
 * Type facts of the package around an open document: its own live tree plus its sibling
 * files, from their open buffers or from disk. Facts are cached (by document version, or by
 * mtime on disk) so a keystroke re-extracts only the edited file's facts.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { GoParser, Tree } from '../core/analysis/parser';
import { extractTypeFacts, type FileTypeFacts, PackageIndex } from '../core/analysis/types/index';

export interface OpenDocument {
  version: number;
  tree: Tree;
}

export class PackageFacts {
  private readonly disk = new Map<string, { mtimeMs: number; facts: FileTypeFacts | undefined }>();
  private readonly open = new Map<string, { version: number; facts: FileTypeFacts; json: string }>();
  private readonly listings = new Map<string, string[]>();

  constructor(
    private readonly parser: GoParser,
    private readonly timeoutMs: () => number,
  ) {}

  /** Forgets a directory listing and a file's facts (created, changed or deleted on disk). */
  invalidate(file: string): void {
    this.listings.delete(path.dirname(file));
    this.disk.delete(file);
  }

  forget(file: string): void {
    this.open.delete(file);
  }

  /**
   * The index for the package of `file`, whose current tree is `self`; `openDocument` gives
   * the live tree of a sibling that is open in the editor.
   */
  indexFor(file: string, self: OpenDocument, openDocument: (file: string) => OpenDocument | undefined): PackageIndex {
    const own = this.openFacts(file, self);
    const facts = [own];
    for (const sibling of this.listing(path.dirname(file))) {
      if (sibling === file) continue;
      const live = openDocument(sibling);
      const f = live ? this.openFacts(sibling, live) : this.diskFacts(sibling);
      if (f && f.packageName === own.packageName) facts.push(f);
    }
    return new PackageIndex(facts);
  }

  private openFacts(file: string, doc: OpenDocument): FileTypeFacts {
    const cached = this.open.get(file);
    if (cached?.version === doc.version) return cached.facts;
    const facts = extractTypeFacts(doc.tree, file);
    this.open.set(file, { version: doc.version, facts, json: JSON.stringify(facts) });
    return facts;
  }

  /**
   * Records the facts of an edited open document; true when its declarations changed (a
   * field or method added, an import renamed), so its siblings need re-analysis. Most
   * keystrokes are inside function bodies and change nothing here.
   */
  update(file: string, doc: OpenDocument): boolean {
    const before = this.open.get(file)?.json;
    this.openFacts(file, doc);
    return before !== undefined && before !== this.open.get(file)?.json;
  }

  private listing(dir: string): string[] {
    let files = this.listings.get(dir);
    if (!files) {
      try {
        files = fs.readdirSync(dir).filter((e) => e.endsWith('.go')).map((e) => path.join(dir, e));
      } catch {
        files = [];
      }
      this.listings.set(dir, files);
    }
    return files;
  }

  private diskFacts(file: string): FileTypeFacts | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.disk.get(file);
    if (cached?.mtimeMs === mtimeMs) return cached.facts;
    let facts: FileTypeFacts | undefined;
    try {
      const tree = this.parser.parse(fs.readFileSync(file, 'utf8'), null, this.timeoutMs());
      try {
        facts = extractTypeFacts(tree, file);
      } finally {
        tree.delete();
      }
    } catch {
      facts = undefined; // unreadable or too slow to parse: that file lends no type knowledge
    }
    this.disk.set(file, { mtimeMs, facts });
    return facts;
  }
}
