import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { APP_NAME, NAMESPACE, WEB_IMAGE_REPOSITORY } from '../../k8s/names.js';
import { minikube, production } from '../../k8s/variants.js';
import type { CatalogProps } from '../../k8s/catalog-props.js';
import { dockerfileStages, ROOT } from './support/dockerfile.js';
import { VERIFY_FOLDER } from '../../k8s/catalog.js';
import { VERIFY_COMMAND } from '../../k8s/deployment-verification.js';
import { FIRST_ROLLOUT_DEADLINE_SECONDS } from '../../k8s/rollout.js';
import { objectsOf, synthFiles, synthObjects, synthSetObjects, synthSets, the, type Workload, workloads } from './support/manifests.js';
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
  kubectl: ['flags', 'remoteManifests', 'defaultNamespace', 'hooks'],
  verify: ['name', 'timeout', 'container', 'executionMode'],
  verifyContainer: ['name', 'image', 'command', 'args', 'env'],
  executionMode: ['local', 'kubernetesCluster'],
  kubernetesCluster: ['overrides', 'jobManifestPath'],
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
function withProfile(name: string | undefined): { manifests: Yaml; build: Yaml; verify: Yaml[] } {
  const profile = name ? skaffold.profiles.find((p: Yaml) => p.name === name) : undefined;
  return {
    manifests: { ...skaffold.manifests, ...profile?.manifests },
    build: { ...skaffold.build, ...profile?.build, artifacts: profile?.build?.artifacts ?? skaffold.build.artifacts },
    verify: profile?.verify ?? skaffold.verify,
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
    onlyKnownFields(skaffold.deploy.kubectl, 'kubectl', 'deploy.kubectl');
    skaffold.portForward.forEach((p: Yaml) => onlyKnownFields(p, 'portForward', 'portForward'));
    const verifySteps = (steps: Yaml[], where: string) => steps.forEach((v: Yaml) => {
      onlyKnownFields(v, 'verify', where);
      onlyKnownFields(v.container, 'verifyContainer', `${where}.container`);
      onlyKnownFields(v.executionMode, 'executionMode', `${where}.executionMode`);
      onlyKnownFields(v.executionMode.kubernetesCluster, 'kubernetesCluster', `${where}.executionMode.kubernetesCluster`);
    });
    verifySteps(skaffold.verify, 'verify');
    for (const profile of skaffold.profiles) {
      onlyKnownFields(profile, 'profile', `profiles.${profile.name}`);
      onlyKnownFields(profile.build ?? {}, 'build', `profiles.${profile.name}.build`);
      onlyKnownFields(profile.manifests ?? {}, 'manifests', `profiles.${profile.name}.manifests`);
      verifySteps(profile.verify ?? [], `profiles.${profile.name}.verify`);
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

  it('when rendering, then a before-hook runs npm run synth in the folder of skaffold.yaml, which package.json defines', () => {
    const hooks = skaffold.manifests.hooks.before.map((h: Yaml) => h.host);
    const synth = hooks.find((h: Yaml) => /^npm run( --silent)? synth$/.test(h.command.join(' ')));
    assert.ok(synth, 'a hook runs npm run synth');
    // skaffold resolves a hook's dir from the config's folder, so `skaffold dev -f` works from anywhere.
    assert.equal(synth.dir, '.');
    const scripts = JSON.parse(readFileSync(path.join(ROOT, synth.dir, 'package.json'), 'utf8')).scripts;
    assert.match(scripts.synth, /k8s\/main\.ts/);
  });

  it('when building, then skaffold uses the Docker Engine API: no BuildKit, docker CLI, CLI flags or platforms', () => {
    for (const profile of [undefined, 'production']) {
      const build = withProfile(profile).build;
      for (const key of ['useBuildkit', 'useDockerCLI']) assert.equal(build.local[key], undefined, `build.local.${key}`);
      assert.equal(build.platforms, undefined);
      for (const artifact of build.artifacts) {
        assert.equal(artifact.platforms, undefined);
        assert.equal(artifact.docker.cliFlags, undefined);
        assert.equal(artifact.docker.secrets ?? artifact.docker.ssh ?? artifact.docker.cacheTo, undefined, 'BuildKit-only options');
      }
    }
  });

  it('when the classic builder reads the Dockerfile, then it uses no BuildKit-only feature', () => {
    const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    assert.doesNotMatch(text, /^#\s*(syntax|check)\s*=/im, 'a parser directive pulls a frontend image');
    assert.doesNotMatch(text, /<<-?["']?[A-Z]/, 'heredocs');
    for (const stage of dockerfileStages()) {
      for (const instruction of stage.instructions) {
        const flags = instruction.getKeyword() === 'COPY' ? ['from', 'chown'] : [];
        for (const flag of (instruction as Yaml).getFlags?.() ?? []) {
          assert.ok(flags.includes(flag.getName()), `${instruction.getKeyword()} --${flag.getName()} needs BuildKit`);
        }
      }
    }
  });

  it("when deploying, then kubectl applies into the app's namespace, whatever the kube context says", () => {
    assert.equal(skaffold.deploy.kubectl.defaultNamespace, NAMESPACE);
    for (const object of synthObjects(minikube).filter((o) => o.kind !== 'Namespace')) {
      assert.equal(object.metadata.namespace, skaffold.deploy.kubectl.defaultNamespace);
    }
  });

  it("when the first deploy waits, then the status check and the web Deployment's progress deadline are one number that outlasts MySQL's first boot", () => {
    assert.equal(skaffold.deploy.statusCheckDeadlineSeconds, FIRST_ROLLOUT_DEADLINE_SECONDS);
    for (const variant of [minikube, production]) {
      const objects = synthObjects(variant);
      const web = the(objects, 'Deployment', APP_NAME) as Workload & { spec: { progressDeadlineSeconds?: number } };
      // skaffold waits for a Deployment's own deadline unless it is Kubernetes' default 600.
      assert.notEqual(web.spec.progressDeadlineSeconds, 600);
      assert.ok(web.spec.progressDeadlineSeconds! >= skaffold.deploy.statusCheckDeadlineSeconds, `${variant.variant} web progressDeadlineSeconds`);
      const mysql = workloads(objects).find((w) => w.kind === 'StatefulSet')!;
      const startup = mysql.spec.template.spec.containers[0]!.startupProbe!;
      assert.ok(skaffold.deploy.statusCheckDeadlineSeconds > startup.periodSeconds! * startup.failureThreshold!);
    }
  });

  for (const [profile, variant] of targets) {
    it(`when the ${profile ?? 'default'} profile verifies, then its Job manifest is the synthesized ${variant.variant} Job, with the artifact's image, the container's name and command`, () => {
      const steps = withProfile(profile).verify;
      assert.equal(steps.length, 1);
      const step = steps[0];
      const manifestPath: string = step.executionMode.kubernetesCluster.jobManifestPath;
      const verifySet = synthSets(variant).find((s) => s.folder === `${variant.variant}/${VERIFY_FOLDER}`)!;
      assert.equal(manifestPath, `k8s/dist/${verifySet.folder}/${verifySet.files[0]!.name}`);
      assert.equal(verifySet.files.length, 1);
      const jobs = objectsOf(verifySet.files);
      assert.equal(jobs.length, 1, 'skaffold reads exactly one Job from the file');
      const job = jobs[0] as KubeObject & { spec: { template: { spec: { containers: { name: string; image: string; command: string[]; env: { name: string; value: string }[] }[] } } } };
      assert.equal(job.kind, 'Job');
      assert.ok(Object.keys(job.metadata.labels ?? {}).length > 0, 'skaffold adds a label to the Job and fails on a Job without labels');
      const container = job.spec.template.spec.containers[0]!;
      // skaffold keeps the manifest's container of that name, and replaces its image, command and args.
      assert.equal(step.container.name, container.name);
      assert.deepEqual(step.container.command, container.command);
      assert.deepEqual(container.command, [...VERIFY_COMMAND]);
      assert.equal(step.container.image, withProfile(profile).build.artifacts[0].image);
      assert.equal(container.image.replace(/:[^:/]+$/, ''), step.container.image);
      assert.ok(step.timeout > 0);
    });

    it(`when the ${profile ?? 'default'} verify Job runs, then it calls the web Service by name and port, in the app's namespace`, () => {
      const job = synthSetObjects(variant, `${variant.variant}/${VERIFY_FOLDER}`)[0] as Workload;
      const service = the(synthObjects(variant), 'Service', APP_NAME) as KubeObject & { spec: { ports: { port: number }[] } };
      const url = job.spec.template.spec.containers[0]!.env?.find((e) => e.name === 'VERIFY_BASE_URL')?.value;
      assert.equal(url, `http://${service.metadata.name}:${service.spec.ports[0]!.port}`);
      assert.equal(job.metadata.namespace, NAMESPACE);
      assert.equal(job.metadata.namespace, skaffold.deploy.kubectl.defaultNamespace, 'skaffold creates it there');
      assert.ok(existsSync(path.join(ROOT, 'web/ops/verify-cli.ts')), 'dist/web/ops/verify-cli.js is compiled from web/ops/verify-cli.ts');
    });
  }

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
