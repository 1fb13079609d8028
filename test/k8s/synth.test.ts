import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { VARIANTS } from '../../k8s/variants.js';
import { DIST_DIR, writeManifests } from '../../k8s/write-manifests.js';
import { committedFiles, synthSets } from './support/manifests.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function mtimes(dir: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      result.set(path.relative(dir, file), statSync(file).mtimeMs);
    }
  }
  return result;
}

describe('k8s/dist', () => {
  for (const variant of VARIANTS) {
    for (const set of synthSets(variant)) {
      it(`when k8s/dist/${set.folder} is compared with a fresh synth, then it is identical (run npm run synth)`, () => {
        const committed = committedFiles(set.folder);
        assert.deepEqual(committed.map((f) => f.name), set.files.map((f) => f.name));
        for (const file of set.files) {
          assert.equal(committed.find((c) => c.name === file.name)?.content, file.content, `${file.name} is stale`);
        }
      });
    }
  }

  it('when npm run synth runs on an up-to-date tree, then no manifest is rewritten, mtime included', () => {
    const old = Math.floor(Date.now() / 1000) - 3600;
    for (const key of mtimes(DIST_DIR).keys()) {
      utimesSync(path.join(DIST_DIR, key), old, old);
    }
    const before = mtimes(DIST_DIR);
    const output = execFileSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['k8s/main.ts'], { cwd: ROOT, encoding: 'utf8' });
    for (const line of output.trim().split('\n')) assert.match(line, /: 0 written, \d+ unchanged, 0 removed$/);
    assert.deepEqual(mtimes(DIST_DIR), before);
  });
});

describe('writeManifests', () => {
  it('when the content is unchanged, then files are left alone; when one changes, only it is written; stale files go', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifests-'));
    try {
      const files = [{ name: '00-a.yaml', content: 'a: 1\n' }, { name: '01-b.yaml', content: 'b: 1\n' }];
      assert.deepEqual(writeManifests(dir, files).written, ['00-a.yaml', '01-b.yaml']);
      const old = Math.floor(Date.now() / 1000) - 60;
      for (const file of files) utimesSync(path.join(dir, file.name), old, old);
      writeFileSync(path.join(dir, '02-stale.yaml'), 'stale: true\n');

      const again = writeManifests(dir, [files[0]!, { name: '01-b.yaml', content: 'b: 2\n' }]);

      assert.deepEqual(again, { written: ['01-b.yaml'], unchanged: ['00-a.yaml'], removed: ['02-stale.yaml'] });
      assert.equal(statSync(path.join(dir, '00-a.yaml')).mtimeMs, old * 1000);
      assert.notEqual(statSync(path.join(dir, '01-b.yaml')).mtimeMs, old * 1000);
      assert.deepEqual(readdirSync(dir).sort(), ['00-a.yaml', '01-b.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
