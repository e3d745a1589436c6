/** Reads rules' Markdown docs pages for reports that embed rule help (SARIF). */
import * as fs from 'fs';
import * as path from 'path';
import { ruleDocPath } from '../analysis/rule';

/**
 * A lookup of rule docs under `extensionRoot` (the folder holding `media/`). A page that is
 * missing or unreadable gives undefined, so a report degrades to the rule summary instead of
 * failing; each page is read at most once.
 */
export function ruleDocsReader(extensionRoot: string): (code: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (code) => {
    if (!cache.has(code)) {
      let text: string | undefined;
      try {
        text = fs.readFileSync(path.join(extensionRoot, ruleDocPath(code)), 'utf8');
      } catch {
        text = undefined;
      }
      cache.set(code, text?.trim() ? text : undefined);
    }
    return cache.get(code);
  };
}
