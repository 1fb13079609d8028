import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { APP_PORT } from '../../web/defaults.js';
import { copyParts, contextFiles, dockerfileStages, dockerignore, instructionsOf, nodeVersion, ROOT, runtimeCommand, wordsOf } from './support/dockerfile.js';

const stages = dockerfileStages();
const runtime = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build')!;
const runs = (stage: typeof runtime) => instructionsOf(stage, 'RUN').map((r) => wordsOf(r).join(' '));

describe('Dockerfile', () => {
  it('when parsed, then it has a build stage and a final runtime stage, both from one pinned Node slim tag of a Debian release', () => {
    assert.ok(stages.length >= 2);
    assert.ok(build, 'a stage named build');
    for (const stage of stages) {
      assert.equal(stage.from.getImageName(), 'node');
      assert.match(stage.from.getImageTag() ?? '', /^\d+\.\d+\.\d+-[a-z]+-slim$/, 'pinned to a full version and a Debian release');
    }
    assert.equal(new Set(stages.map((s) => s.from.getImageTag())).size, 1, 'every stage on the same Node');
  });

  it("when the tests run, then the Dockerfile's Node major, package.json engines and this Node agree", () => {
    const [major] = nodeVersion().split('.');
    const engines = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node as string;
    const range = /^>=(\d+) <(\d+)$/.exec(engines);
    assert.ok(range, `engines.node ${engines} names one major line, ">=N <N+1"`);
    assert.equal(range[1], major, 'engines starts at the image major');
    assert.equal(Number(range[2]), Number(major) + 1, 'engines ends before the next major');
    assert.equal(process.versions.node.split('.')[0], major, `tests run on Node ${process.version}, the image on ${nodeVersion()}`);
  });

  it('when CI runs, then .ci/run reads the Node version from the FROM tag and installs exactly it when the machine has another', () => {
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const assignment = /^node_version="\$\((.+)\)"$/m.exec(ci);
    assert.ok(assignment, '.ci/run sets node_version');
    assert.equal(execFileSync('bash', ['-c', assignment[1]!], { cwd: ROOT, encoding: 'utf8' }).trim(), nodeVersion());
    assert.match(ci, /npm install --prefix \.ci\/node .*"node-linux-\$node_arch@\$node_version"/);
    assert.match(ci, /export PATH="\$node_bin:\$PATH"/);
    assert.ok(ci.indexOf('node_version=') < ci.indexOf('npm ci'), 'before npm ci');
  });

  it('when the build stage runs, then it installs with npm ci and builds with npm run build', () => {
    assert.ok(runs(build).some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev')));
    assert.ok(runs(build).some((r) => r.includes('npm run build')));
  });

  it('when the runtime stage runs, then it has production dependencies only, NODE_ENV=production and no sources', () => {
    assert.ok(runs(runtime).some((r) => /npm ci\b.*--omit=dev/.test(r)));
    const env = instructionsOf(runtime, 'ENV').flatMap(wordsOf);
    assert.ok(env.includes('NODE_ENV=production'));
    for (const copy of instructionsOf(runtime, 'COPY').map(copyParts)) {
      if (copy.from === undefined) {
        assert.ok(copy.sources.every((s) => /^package(-lock)?\.json$/.test(s)), `runtime copies ${copy.sources} from the context`);
      } else {
        assert.equal(copy.from, build.name);
        assert.deepEqual(copy.sources, ['/app/dist']);
      }
    }
  });

  it('when the container starts, then it runs node directly (exec form) as a non-root user, exposing the app port', () => {
    const users = instructionsOf(runtime, 'USER').map((u) => wordsOf(u)[0]!);
    assert.equal(users.length, 1);
    assert.doesNotMatch(users[0]!, /^(root|0)(:|$)/);
    assert.deepEqual(instructionsOf(runtime, 'EXPOSE').flatMap(wordsOf), [String(APP_PORT)]);
    assert.equal(instructionsOf(runtime, 'CMD').length, 1);
    const [program, ...args] = runtimeCommand();
    assert.equal(program, 'node');
    assert.equal(args.at(-1), 'dist/web/server.js');
    for (const flag of args.slice(0, -1)) assert.match(flag, /^--[a-z-]+(=\S+)?$/, 'only node flags before the script');
    assert.equal(instructionsOf(runtime, 'ENTRYPOINT').length, 0);
    assert.ok(existsSync(path.join(ROOT, 'web/server.ts')), 'dist/web/server.js is compiled from web/server.ts');
  });

  it('when the context is sent, then every COPY source exists and .dockerignore keeps out what the host built or installed', () => {
    const ignored = dockerignore();
    for (const stage of stages) {
      for (const copy of instructionsOf(stage, 'COPY').map(copyParts).filter((c) => c.from === undefined)) {
        for (const source of copy.sources) {
          assert.ok(existsSync(path.join(ROOT, source)), `${source} exists`);
          assert.ok(contextFiles(source, ignored).length > 0, `${source} is not excluded`);
        }
      }
    }
    for (const excluded of ['node_modules/express/package.json', 'dist/web/server.js', '.git/HEAD', 'k8s/dist/minikube/00-namespace.yaml', 'test/k8s/dockerfile.test.ts', 'web/some.test.ts']) {
      assert.equal(ignored(excluded), true, `${excluded} is ignored`);
    }
    for (const kept of ['package.json', 'web/server.ts', 'web/views/index.ejs', 'db/migrations/001_create_products.sql']) {
      assert.equal(ignored(kept), false, `${kept} is kept`);
    }
    assert.match(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'), /^node_modules$/m);
  });
});
