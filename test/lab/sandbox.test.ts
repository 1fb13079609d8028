import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../lab/cluster/plan.js';
import type { LabPod } from '../../lab/cluster/topology.js';
import { sandboxScript } from '../../lab/pods/sandbox.js';

const pod: LabPod = {
  name: 'web-1',
  namespace: 'default',
  labels: {},
  node: 'node1',
  owner: 'Deployment product-catalog',
  spec: { containers: [{ name: 'web', image: 'product-catalog', securityContext: { readOnlyRootFilesystem: true } }] },
};
const etcDir = mkdtempSync(path.join(tmpdir(), 'pclab-etc-'));

describe('lab sandbox mounts', () => {
  const checkout = REPO_ROOT.replace(/\/$/, '');
  const over = path.dirname(checkout);
  const lines = (script: string) => script.split('\n');

  it('when a writable volume is mounted over the checkout (a clone in /tmp), then the checkout is bound back on top of it', () => {
    const plan = lines(sandboxScript(pod, [{ volume: 'tmp', source: etcDir, target: over, readOnly: false }], etcDir).script);
    const keep = plan.findIndex((l) => l.startsWith(`mount --bind '${checkout}' `));
    const volume = plan.indexOf(`mount --bind '${etcDir}' '${over}'`);
    const back = plan.findIndex((l) => l.startsWith('mount --bind ') && l.endsWith(` '${checkout}'`));
    assert.ok(keep >= 0 && keep < volume && volume < back, plan.join('\n'));
  });

  it('when a read-only volume would hide the checkout, then the plan is refused with a reason', () => {
    assert.throws(
      () => sandboxScript(pod, [{ volume: 'config', source: etcDir, target: over, readOnly: true }], etcDir),
      (error: Error) => error.message.includes('would hide the checkout') && error.message.includes('clone the project elsewhere'),
    );
  });

  it('when no volume covers the checkout, then nothing is bound back', () => {
    const { script } = sandboxScript(pod, [{ volume: 'tmp', source: etcDir, target: etcDir, readOnly: false }], etcDir);
    assert.ok(!script.includes(`'${checkout}'`), script);
  });
});
