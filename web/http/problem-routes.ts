import type { Router } from 'express';
import { notFound } from './errors.js';
import { isProblemSlug, PROBLEM_SLUGS, PROBLEM_TYPES, problemTypeUri, type ProblemSlug } from './problems.js';
import { caseSensitiveRouter } from './routing.js';

const describe = (slug: ProblemSlug) => ({ slug, uri: problemTypeUri(slug), ...PROBLEM_TYPES[slug] });

/** GET /problems and /problems/:slug: what each problem `type` means, for people who follow the URI. */
export function problemTypesRouter(): Router {
  const router = caseSensitiveRouter();
  router.get('/problems', (_req, res) => {
    res.render('problem-type', { kind: undefined, kinds: PROBLEM_SLUGS.map(describe) });
  });
  router.get('/problems/:slug', (req, res) => {
    const slug = String(req.params.slug);
    if (!isProblemSlug(slug)) throw notFound(`There is no problem type '${slug}'; see /problems for the list.`);
    res.render('problem-type', { kind: describe(slug), kinds: [] });
  });
  return router;
}
