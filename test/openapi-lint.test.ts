import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { memoryFixture } from './support/app.js';

const REDOCLY = fileURLToPath(new URL('../node_modules/.bin/redocly', import.meta.url));
// No telemetry or update checks: tests talk to loopback only.
const QUIET_ENV = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' };

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
}

/** Runs `redocly lint` with the recommended rules on a document; its problems and exit code. */
async function lint(dir: string, name: string, document: unknown): Promise<{ code: number; problems: LintProblem[] }> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(document, null, 2));
  try {
    const { stdout } = await promisify(execFile)(REDOCLY, ['lint', '--extends', 'recommended', '--format', 'json', file], { env: QUIET_ENV, cwd: dir });
    return { code: 0, problems: (JSON.parse(stdout) as { problems: LintProblem[] }).problems };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, problems: (JSON.parse(e.stdout) as { problems: LintProblem[] }).problems };
  }
}

describe('the OpenAPI document under Redocly lint (recommended rules)', () => {
  let dir: string;
  let served: { paths: Record<string, Record<string, unknown>> };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    served = (await supertest(memoryFixture().app).get('/api/openapi.json').expect(200)).body;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('when the served document is linted, then no rule reports an error or a warning', async () => {
    const { code, problems } = await lint(dir, 'served.json', served);
    assert.deepEqual(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`), []);
    assert.equal(code, 0);
  });

  it('when an operation loses its operationId and a path parameter is undeclared, then the lint warns and fails: the check is real', async () => {
    const broken = structuredClone(served);
    delete (broken.paths['/api/products']!.get as Record<string, unknown>).operationId;
    broken.paths['/api/broken/{nowhere}'] = { get: { operationId: 'broken', summary: 'x', responses: { '204': { description: 'x' } } } };
    const { code, problems } = await lint(dir, 'broken.json', broken);
    assert.notEqual(code, 0);
    assert.ok(problems.some((p) => p.severity === 'error' && p.ruleId === 'path-parameters-defined'), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.severity === 'warn' && p.ruleId === 'operation-operationId'), JSON.stringify(problems));
  });
});
