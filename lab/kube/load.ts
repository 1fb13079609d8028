import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './objects.js';

/** Every object in the `*.yaml` files of a folder, files in name order (the apply order). */
export function loadManifests(dir: string): KubeObject[] {
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();
  if (files.length === 0) throw new Error(`no *.yaml manifests in ${dir}`);
  return files.flatMap((name) =>
    parseAllDocuments(readFileSync(path.join(dir, name), 'utf8'))
      .map((document) => {
        if (document.errors.length > 0) {
          throw new Error(`${name}: ${document.errors.map((e) => e.message).join('; ')}`);
        }
        return document.toJS() as KubeObject | null;
      })
      .filter((object): object is KubeObject => object !== null));
}
