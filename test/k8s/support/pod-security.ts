import assert from 'node:assert/strict';
import type { Workload } from './manifests.js';

/** Asserts that a workload's pod template meets the restricted Pod Security Standard, and has a read-only root filesystem. */
export function assertRestricted(workload: Workload): void {
  const spec = workload.spec.template.spec;
  const name = workload.metadata.name;
  assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, `${name} shares host namespaces`);
  assert.equal(spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${name} seccomp`);
  assert.equal(spec.automountServiceAccountToken, false, `${name} mounts an API token`);
  const podUser = spec.securityContext?.runAsUser as number | undefined;
  for (const volume of spec.volumes ?? []) {
    const types = Object.keys(volume).filter((k) => k !== 'name');
    assert.ok(types.every((t) => ['secret', 'configMap', 'emptyDir', 'persistentVolumeClaim'].includes(t)), `${name} volume ${volume.name}: ${types}`);
  }
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const context = container.securityContext ?? {};
    const where = `${name}/${container.name}`;
    assert.equal(context.runAsNonRoot ?? spec.securityContext?.runAsNonRoot, true, `${where} runAsNonRoot`);
    const user = (context.runAsUser as number | undefined) ?? podUser;
    assert.ok(typeof user === 'number' && user > 0, `${where} runs as a numeric non-root user`);
    assert.equal(context.allowPrivilegeEscalation, false, `${where} allowPrivilegeEscalation`);
    assert.notEqual(context.privileged, true, `${where} privileged`);
    assert.deepEqual(context.capabilities?.drop, ['ALL'], `${where} drops ALL capabilities`);
    assert.ok((context.capabilities?.add ?? []).every((c) => c === 'NET_BIND_SERVICE'), `${where} adds capabilities`);
    assert.equal(context.readOnlyRootFilesystem, true, `${where} readOnlyRootFilesystem`);
  }
}
