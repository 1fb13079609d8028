import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allSynthObjects, objectsOf, committedFiles, the } from './support/manifests.js';
import { type KubeObject, strictValidate } from './support/strict-schema.js';
import { ALL_VARIANTS } from './support/variants.js';

describe('Kubernetes 1.27 schema, strictly', () => {
  for (const variant of ALL_VARIANTS) {
    it(`when the ${variant.variant} variant is synthesized, then every object of every folder validates with no unknown field`, () => {
      const objects = allSynthObjects(variant);
      assert.ok(objects.length > 10);
      for (const object of objects) {
        assert.deepEqual(strictValidate(object), [], `${object.kind} ${object.metadata.name}`);
      }
    });
  }

  const deployment = () => structuredClone(the(objectsOf(committedFiles('minikube')), 'Deployment', 'product-catalog')) as KubeObject & {
    spec: { template: { spec: { containers: Record<string, unknown>[] } } };
  };

  it('when a container has a misspelt field, then the validator names it', () => {
    const object = deployment();
    object.spec.template.spec.containers[0]!.imagePullPolcy = 'IfNotPresent';
    assert.deepEqual(strictValidate(object), ['/spec/template/spec/containers/0/imagePullPolcy is not a field of the schema']);
  });

  it('when a nested field is unknown or null, then the validator reports it', () => {
    const object = deployment();
    const container = object.spec.template.spec.containers[0]!;
    const probe = container.readinessProbe as Record<string, unknown>;
    probe.httpGett = {};
    probe.periodSeconds = null; // the schema alone accepts null here
    assert.deepEqual(strictValidate(object).sort(), [
      '/spec/template/spec/containers/0/readinessProbe/httpGett is not a field of the schema',
      '/spec/template/spec/containers/0/readinessProbe/periodSeconds is null',
    ]);
  });

  it('when an enum value or a type is wrong or a required field is missing, then the validator fails', () => {
    const wrongEnum = deployment();
    wrongEnum.spec.template.spec.containers[0]!.imagePullPolicy = 'Sometimes';
    assert.notDeepEqual(strictValidate(wrongEnum), []);
    const wrongType = deployment();
    wrongType.spec.template.spec.containers[0]!.ports = [{ containerPort: '3000' }];
    assert.notDeepEqual(strictValidate(wrongType), []);
    const missing = deployment();
    delete missing.spec.template.spec.containers[0]!.name;
    assert.notDeepEqual(strictValidate(missing), []);
  });

  it('when a kind has no model, then the validator fails closed', () => {
    assert.notDeepEqual(strictValidate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), []);
  });
});
