import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { APP_NAME, NAMESPACE, WEB_IMAGE_REPOSITORY } from '../../k8s/names.js';
import { minikube, production } from '../../k8s/variants.js';
import type { CatalogProps } from '../../k8s/catalog-props.js';
import { ROOT } from './support/dockerfile.js';
import { synthFiles, synthObjects, the, type Workload, workloads } from './support/manifests.js';
import type { KubeObject } from './support/strict-schema.js';

/** Fields of skaffold/v4beta14 (its JSON schema, additionalProperties false) at the levels used here. */
const SCHEMA_FIELDS: Record<string, readonly string[]> = {
  config: ['apiVersion', 'kind', 'metadata', 'requires', 'build', 'test', 'manifests', 'deploy', 'portForward', 'resourceSelector', 'verify', 'customActions', 'profiles'],
  build: ['artifacts', 'insecureRegistries', 'tagPolicy', 'platforms', 'local', 'googleCloudBuild', 'cluster'],
  artifact: ['image', 'context', 'sync', 'requires', 'hooks', 'platforms', 'runtimeType', 'docker'],
  docker: ['dockerfile', 'target', 'buildArgs', 'network', 'addHost', 'cacheFrom', 'cacheTo', 'cliFlags', 'pullParent', 'noCache', 'squash', 'secrets', 'ssh'],
  local: ['push', 'tryImportMissing', 'useDockerCLI', 'useBuildkit', 'concurrency'],
  manifests: ['rawYaml', 'remoteManifests', 'kustomize', 'helm', 'kpt', 'hooks', 'transform', 'validate', 'output'],
  renderHooks: ['before', 'after'],
  hostHook: ['command', 'os', 'dir'],
  deploy: ['docker', 'helm', 'kpt', 'kubectl', 'cloudrun', 'statusCheck', 'statusCheckDeadlineSeconds', 'tolerateFailuresUntilDeadline', 'kubeContext', 'logs'],
  portForward: ['resourceType', 'resourceName', 'namespace', 'port', 'address', 'localPort'],
  profile: ['name', 'activation', 'requiresAllActivations', 'patches', 'build', 'test', 'manifests', 'deploy', 'portForward', 'resourceSelector', 'verify', 'customActions'],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
const skaffold: Yaml = parse(readFileSync(path.join(ROOT, 'skaffold.yaml'), 'utf8'));

function onlyKnownFields(object: Yaml, level: string, where: string): void {
  for (const key of Object.keys(object ?? {})) {
    assert.ok(SCHEMA_FIELDS[level]!.includes(key), `${where}.${key} is not a skaffold/v4beta14 field`);
  }
}

/** Files a rawYaml glob (`dir/*.yaml`) matches. */
function globFiles(glob: string): string[] {
  const dir = path.posix.dirname(glob);
  const pattern = new RegExp(`^${path.posix.basename(glob).replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`);
  return readdirSync(path.join(ROOT, dir)).filter((file) => pattern.test(file)).sort();
}

/** The config with a profile applied as skaffold does: fields set in the profile replace the base ones. */
function withProfile(name: string | undefined): { manifests: Yaml; build: Yaml } {
  const profile = name ? skaffold.profiles.find((p: Yaml) => p.name === name) : undefined;
  return {
    manifests: { ...skaffold.manifests, ...profile?.manifests },
    build: { ...skaffold.build, ...profile?.build, artifacts: profile?.build?.artifacts ?? skaffold.build.artifacts },
  };
}

const targets: [string | undefined, CatalogProps][] = [[undefined, minikube], ['production', production]];

describe('skaffold.yaml', () => {
  it('when read, then it is skaffold/v4beta14 and uses only fields of that schema', () => {
    assert.equal(skaffold.apiVersion, 'skaffold/v4beta14');
    assert.equal(skaffold.kind, 'Config');
    onlyKnownFields(skaffold, 'config', '');
    onlyKnownFields(skaffold.build, 'build', 'build');
    skaffold.build.artifacts.forEach((a: Yaml) => { onlyKnownFields(a, 'artifact', 'artifact'); onlyKnownFields(a.docker, 'docker', 'docker'); });
    onlyKnownFields(skaffold.build.local, 'local', 'build.local');
    onlyKnownFields(skaffold.manifests, 'manifests', 'manifests');
    onlyKnownFields(skaffold.manifests.hooks, 'renderHooks', 'manifests.hooks');
    skaffold.manifests.hooks.before.forEach((h: Yaml) => onlyKnownFields(h.host, 'hostHook', 'hook.host'));
    onlyKnownFields(skaffold.deploy, 'deploy', 'deploy');
    skaffold.portForward.forEach((p: Yaml) => onlyKnownFields(p, 'portForward', 'portForward'));
    for (const profile of skaffold.profiles) {
      onlyKnownFields(profile, 'profile', `profiles.${profile.name}`);
      onlyKnownFields(profile.build ?? {}, 'build', `profiles.${profile.name}.build`);
      onlyKnownFields(profile.manifests ?? {}, 'manifests', `profiles.${profile.name}.manifests`);
    }
  });

  for (const [profile, variant] of targets) {
    const label = profile ?? 'default';
    it(`when the ${label} profile renders, then its rawYaml globs match exactly the synthesized ${variant.variant} files`, () => {
      const globs: string[] = withProfile(profile).manifests.rawYaml;
      const matched = globs.flatMap((glob) => globFiles(glob).map((file) => `${path.posix.dirname(glob)}/${file}`));
      assert.deepEqual(matched, synthFiles(variant).map((f) => `k8s/dist/${variant.variant}/${f.name}`));
    });

    it(`when the ${label} profile builds, then its artifact is the image the ${variant.variant} manifests use`, () => {
      const artifacts = withProfile(profile).build.artifacts;
      assert.equal(artifacts.length, 1);
      assert.equal(artifacts[0].image, WEB_IMAGE_REPOSITORY);
      assert.ok(existsSync(path.join(ROOT, artifacts[0].docker.dockerfile)));
      const web = the(synthObjects(variant), 'Deployment', APP_NAME) as Workload;
      const images = web.spec.template.spec.containers.map((c) => c.image.replace(/:[^:/]+$/, ''));
      assert.deepEqual(images, [artifacts[0].image], 'skaffold replaces images by name, ignoring the tag');
    });
  }

  it('when building for minikube, then nothing is pushed; production pushes', () => {
    assert.equal(skaffold.build.local.push, false);
    assert.equal(withProfile('production').build.local.push, true);
  });

  it('when rendering, then a before-hook runs npm run synth, which package.json defines', () => {
    const commands = skaffold.manifests.hooks.before.map((h: Yaml) => h.host.command.join(' '));
    assert.ok(commands.some((c: string) => /^npm run( --silent)? synth$/.test(c)));
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    assert.match(scripts.synth, /k8s\/main\.ts/);
  });

  it("when deploying, then kubectl applies and the status check waits longer than MySQL's first boot may take", () => {
    assert.deepEqual(Object.keys(skaffold.deploy.kubectl ?? {}), []);
    const mysql = workloads(synthObjects(minikube)).find((w) => w.kind === 'StatefulSet')!;
    const startup = mysql.spec.template.spec.containers[0]!.startupProbe!;
    assert.ok(skaffold.deploy.statusCheckDeadlineSeconds >= startup.periodSeconds! * startup.failureThreshold!);
  });

  it('when skaffold dev runs, then the web Service is forwarded to localhost:8080', () => {
    const service = the(synthObjects(minikube), 'Service', APP_NAME) as KubeObject & { spec: { ports: { port: number }[] } };
    assert.deepEqual(skaffold.portForward, [{
      resourceType: 'service',
      resourceName: service.metadata.name,
      namespace: NAMESPACE,
      port: service.spec.ports[0]!.port,
      localPort: 8080,
    }]);
  });
});
