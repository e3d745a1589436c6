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
  /** The tree's text. */
  text: string;
}

/** How long a sibling's facts read from disk are trusted without a stat. */
const DISK_RECHECK_MS = 2000;

export class PackageFacts {
  private readonly disk = new Map<string, { mtimeMs: number; facts: FileTypeFacts | undefined; checkedAt: number }>();
  private readonly open = new Map<string, { version: number; facts: FileTypeFacts; json: string }>();
  private readonly listings = new Map<string, string[]>();
  /** The last index built per package (directory and package name), with the facts it holds. */
  private readonly indexes = new Map<string, { facts: FileTypeFacts[]; index: PackageIndex }>();

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
    // Most keystrokes leave every file's facts as they were (same objects, see openFacts):
    // reuse the index then, and with it its fingerprint, instead of rebuilding both.
    const key = `${path.dirname(file)}\0${own.packageName}`;
    const last = this.indexes.get(key);
    if (last && last.facts.length === facts.length && last.facts.every((f, i) => f === facts[i])) return last.index;
    const index = new PackageIndex(facts);
    this.indexes.set(key, { facts, index });
    return index;
  }

  private openFacts(file: string, doc: OpenDocument): FileTypeFacts {
    const cached = this.open.get(file);
    if (cached?.version === doc.version) return cached.facts;
    const facts = extractTypeFacts(doc.tree, file, doc.text);
    const json = JSON.stringify(facts);
    // Unchanged facts keep their identity, so the package index built from them is reused.
    if (cached?.json === json) {
      this.open.set(file, { ...cached, version: doc.version });
      return cached.facts;
    }
    this.open.set(file, { version: doc.version, facts, json });
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
    // A keystroke asks for every sibling's facts; a package may have a hundred files. Their
    // changes arrive as watched-file events (invalidate), so a recent check is trusted and
    // the stat only guards clients that watch nothing.
    const recent = this.disk.get(file);
    if (recent && performance.now() - recent.checkedAt < DISK_RECHECK_MS) return recent.facts;
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.disk.get(file);
    if (cached?.mtimeMs === mtimeMs) {
      cached.checkedAt = performance.now();
      return cached.facts;
    }
    let facts: FileTypeFacts | undefined;
    try {
      const text = fs.readFileSync(file, 'utf8');
      const tree = this.parser.parse(text, null, this.timeoutMs());
      try {
        facts = extractTypeFacts(tree, file, text);
      } finally {
        tree.delete();
      }
    } catch {
      facts = undefined; // unreadable or too slow to parse: that file lends no type knowledge
    }
    this.disk.set(file, { mtimeMs, facts, checkedAt: performance.now() });
    return facts;
  }
}
