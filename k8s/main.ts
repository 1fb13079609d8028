import path from 'node:path';
import { createCatalogApp } from './catalog.js';
import { VARIANTS } from './variants.js';
import { DIST_DIR, renderManifests, writeManifests } from './write-manifests.js';

for (const variant of VARIANTS) {
  const dir = path.join(DIST_DIR, variant.variant);
  const { written, unchanged, removed } = writeManifests(dir, renderManifests(createCatalogApp(variant)));
  console.log(`k8s/dist/${variant.variant}: ${written.length} written, ${unchanged.length} unchanged, ${removed.length} removed`);
}
