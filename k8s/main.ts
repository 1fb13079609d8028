import path from 'node:path';
import { createCatalog } from './catalog.js';
import { VARIANTS } from './variants.js';
import { DIST_DIR, renderManifests, writeManifests } from './write-manifests.js';

for (const variant of VARIANTS) {
  const { app, sets } = createCatalog(variant);
  for (const set of sets) {
    const { written, unchanged, removed } = writeManifests(path.join(DIST_DIR, set.folder), renderManifests(app, set.charts));
    console.log(`k8s/dist/${set.folder}: ${written.length} written, ${unchanged.length} unchanged, ${removed.length} removed`);
  }
}
