import { Router } from 'express';
import type { Readiness } from '../mysql/database.js';
import { PROBE_PATHS } from '../defaults.js';
import type { Metrics } from './metrics.js';
import { caseSensitiveRouter } from '../http/routing.js';

/** Liveness, readiness and Prometheus metrics for the platform. */
export function opsRouter(readiness: () => Promise<Readiness>, metrics: Metrics): Router {
  const router = caseSensitiveRouter();
  router.get(PROBE_PATHS.liveness, (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(PROBE_PATHS.readiness, async (_req, res) => {
    const state = await readiness();
    res.status(state.ready ? 200 : 503).json(state.ready ? { status: 'ready' } : { status: 'not ready', reason: state.reason });
  });
  router.get(PROBE_PATHS.metrics, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.exposition());
  });
  return router;
}
