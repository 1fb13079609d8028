import { loadManifests } from '../kube/load.js';
import { clusterAddons } from './addons.js';
import { MANIFEST_DIR } from './plan.js';
import { buildTopology, type Topology } from './topology.js';

/** The lab's cluster as the committed manifests define it today. */
export function loadTopology(): Topology {
  return buildTopology(loadManifests(MANIFEST_DIR), clusterAddons());
}
