import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { auditApiRouter, auditPageRouter } from './audit/audit-routes.js';
import { AccountService } from './auth/account-service.js';
import { accountRouter } from './auth/account-routes.js';
import { adminUsersRouter } from './auth/admin-user-routes.js';
import { authApiRouter } from './auth/auth-api-routes.js';
import { bearerAuthentication, sessionAuthentication, type SessionTimeouts } from './auth/authenticate.js';
import { apiRequires, pageRequires } from './auth/authorize.js';
import type { LocalLoginConfig, OidcConfig } from './auth/oidc/oidc-config.js';
import { oidcRouter } from './auth/oidc/oidc-routes.js';
import { OidcSignIn } from './auth/oidc/oidc-sign-in.js';
import type { RelyingParty } from './auth/oidc/relying-party.js';
import { NEEDS } from './auth/roles.js';
import { TrustedDevices } from './auth/session-cookies.js';
import { SignIn } from './auth/sign-in.js';
import { signInPage, signInRouter } from './auth/sign-in-routes.js';
import { SignInThrottle } from './auth/sign-in-throttle.js';
import { catalogApiRouter, MERGE_PATCH } from './catalog/api-routes.js';
import { catalogPagesRouter } from './catalog/page-routes.js';
import { PROBE_PATHS } from './defaults.js';
import { createCsrf } from './http/csrf.js';
import { HttpError } from './http/errors.js';
import { errorHandler } from './http/error-handler.js';
import { problemTypesRouter } from './http/problem-routes.js';
import { unmatchedRequest } from './http/routing.js';
import { requestLogger } from './http/request-logger.js';
import { viewEngine } from './http/view-engine.js';
import { BODY_LIMIT_BYTES, IMPORT_MAX_BYTES_DEFAULT } from './limits.js';
import type { Readiness } from './mysql/database.js';
import { openApiDocument } from './openapi.js';
import type { Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { opsRouter } from './ops/ops-routes.js';
import type { Stores } from './stores.js';
import { transferApiRouter } from './transfer/api-routes.js';
import { oneImportAtATime, type ImportKey } from './transfer/import-limit.js';
import { transferPagesRouter } from './transfer/page-routes.js';
import { caseSensitiveRouter } from './http/routing.js';

export interface AppDependencies {
  readonly stores: Stores;
  /** Shown on the page so nobody mistakes the in-memory store for a durable one. */
  readonly storage: 'memory' | 'mysql';
  readonly readiness: () => Promise<Readiness>;
  readonly logger: Logger;
  /** Key for form tokens and trusted-device cookies; the same on every replica. */
  readonly csrfSecret: string;
  /** @default a fresh registry without pool gauges */
  readonly metrics?: Metrics;
  /** Proxy hops in front of the app (Ingress: 1), so req.ip and req.secure are the client's. @default 0 */
  readonly trustProxy?: number;
  /** Writes per client per minute; 0 turns the limit off. @default 0 */
  readonly writeRateLimitPerMinute?: number;
  /** Anonymous visitors may read the pages and GET /api. @default true */
  readonly publicRead?: boolean;
  /** @default 60 minutes idle, 24 hours in all */
  readonly sessionTimeouts?: SessionTimeouts;
  /** Password sign-in (LOCAL_LOGIN). @default on for everyone */
  readonly localLogin?: LocalLoginConfig;
  /** Single sign-on, with the relying party the caller starts and closes. @default off */
  readonly oidc?: { readonly config: OidcConfig; readonly relyingParty: RelyingParty };
  /** Largest import file in bytes. @default IMPORT_MAX_BYTES_DEFAULT */
  readonly importMaxBytes?: number;
  /** Days products stay in the trash (TRASH_RETENTION_DAYS), which the trash page states; the sweep runs in server.ts. */
  readonly trashRetentionDays?: number;
  /** Whose imports run one at a time. @default the signed-in user */
  readonly importKey?: ImportKey;
}

const PROBES = new Set<string>(Object.values(PROBE_PATHS));
const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = { idleMs: 60 * 60_000, maxMs: 24 * 3_600_000 };

function writeRateLimit(perMinute: number): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new HttpError('rate-limited', `At most ${perMinute} changes a minute are accepted from one client. Try again in a minute.`)),
  });
}

/** Builds the Express app from its dependencies; it never listens (see server.ts). */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  const { stores } = deps;
  const metrics = deps.metrics ?? new Metrics();
  const csrf = createCsrf(deps.csrfSecret);
  const writeLimit = writeRateLimit(deps.writeRateLimitPerMinute ?? 0);
  const publicRead = deps.publicRead ?? true;
  const transfer = {
    store: stores.products,
    writeLimit,
    importMaxBytes: deps.importMaxBytes ?? IMPORT_MAX_BYTES_DEFAULT,
    logger: deps.logger,
    importLimit: oneImportAtATime(deps.importKey),
  };
  const timeouts = deps.sessionTimeouts ?? DEFAULT_SESSION_TIMEOUTS;
  const accounts = new AccountService(stores.users, stores.tokens);
  const localLogin = deps.localLogin ?? { enabled: true };
  const oidc = deps.oidc && new OidcSignIn({
    ...deps.oidc,
    identities: stores.identities,
    pendingSignIns: stores.pendingSignIns,
    sessions: stores.sessions,
    audit: stores.audit,
    timeouts,
    logger: deps.logger,
    count: metrics.countSsoSignIn,
  });
  const loginPage = signInPage(localLogin, oidc);
  const signIn = new SignIn({
    users: stores.users,
    sessions: stores.sessions,
    audit: stores.audit,
    throttle: new SignInThrottle(stores.throttle),
    devices: new TrustedDevices(deps.csrfSecret),
    timeouts,
    count: metrics.countSignIn,
    localLogin,
  });

  // Before the first route: the app's own router takes the setting when it is made.
  app.set('case sensitive routing', true);
  app.disable('x-powered-by');
  // Every body is fresh (live data, per-request CSRF tokens): hashing it for an ETag buys no 304s.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? 0);
  app.set('views', fileURLToPath(new URL('./views', import.meta.url)));
  app.engine('ejs', viewEngine());
  app.set('view engine', 'ejs');
  // Every page's header says where products are kept, error pages included.
  app.locals.storage = deps.storage;

  app.use(requestLogger(deps.logger, (path) => PROBES.has(path)));
  app.use(metrics.middleware);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          // Signing out of single sign-on answers the form with a redirect to the provider, and
          // browsers apply form-action to that redirect too.
          'form-action': ["'self'", ...(deps.oidc ? [() => deps.oidc!.relyingParty.formActionOrigins().join(' ')] : [])],
          'frame-ancestors': ["'none'"],
          // Plain-HTTP access (NodePort, port-forward) must keep loading its own stylesheet.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );

  // Open to everyone: probes, metrics, static files.
  app.use(opsRouter(deps.readiness, metrics));
  app.use('/static', express.static(fileURLToPath(new URL('./public', import.meta.url)), { maxAge: '1h' }));
  app.use(problemTypesRouter());

  // The API: bearer tokens only, never cookies, so it needs no CSRF protection.
  const api = caseSensitiveRouter();
  api.use('/api', bearerAuthentication(stores.tokens), express.json({ limit: BODY_LIMIT_BYTES, type: ['application/json', MERGE_PATCH] }));
  if (!publicRead) api.use('/api', apiRequires(NEEDS.read));
  api.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  // Before the catalog's routes: /api/products/export is not the product with ID "export".
  api.use(transferApiRouter(transfer));
  api.use(catalogApiRouter(stores.products, writeLimit));
  api.use(authApiRouter(stores.users, stores.tokens, accounts, writeLimit));
  api.use(auditApiRouter(stores.audit));
  app.use(api);
  // Nothing under /api falls through to the pages (which read cookies).
  app.use('/api', unmatchedRequest(app));

  // The pages: a session cookie, CSRF tokens on every form.
  const pages = caseSensitiveRouter();
  pages.use(cookieParser(), sessionAuthentication(stores.sessions, timeouts), csrf.identifyClient);
  pages.use(signInRouter(signIn, stores.sessions, loginPage, csrf.protect, writeLimit, oidc));
  if (oidc) pages.use(oidcRouter(oidc, loginPage, writeLimit));
  if (!publicRead) pages.use(pageRequires(NEEDS.read));
  pages.use(catalogPagesRouter(stores.products, csrf.protect, writeLimit, { trashRetentionDays: deps.trashRetentionDays }));
  pages.use(transferPagesRouter({ ...transfer, csrfProtect: csrf.protect }));
  pages.use(accountRouter(stores.tokens, accounts, csrf.protect, writeLimit));
  pages.use(adminUsersRouter(stores.users, accounts, csrf.protect, writeLimit, { singleSignOn: !!oidc }));
  pages.use(auditPageRouter(stores.audit));
  app.use(pages);

  app.use(unmatchedRequest(app));
  app.use(errorHandler(deps.logger));
  return app;
}
