import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { toHttpError } from '../http/error-handler.js';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice, takeNotice } from '../http/notice.js';
import { BODY_LIMIT_BYTES } from '../limits.js';
import type { UserStore } from './accounts.js';
import type { AccountService } from './account-service.js';
import { pageRequires } from './authorize.js';
import { PASSWORD_MIN, USERNAME_MAX } from './credentials-rules.js';
import { NEEDS, ROLES } from './roles.js';
import { caseSensitiveRouter } from '../http/routing.js';

interface AddForm {
  values: { username: string; role: string };
  errors: Record<string, string>;
  message?: string;
}

/**
 * /admin/users: accounts for admins (add, change role, disable or enable, reset a password, and
 * with single sign-on, pin a role so the provider's claims no longer change it).
 */
export function adminUsersRouter(
  users: UserStore,
  accounts: AccountService,
  csrfProtect: RequestHandler,
  writeLimit: RequestHandler,
  options: { readonly singleSignOn: boolean } = { singleSignOn: false },
): Router {
  const router = caseSensitiveRouter();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 10 });
  const admin = pageRequires(NEEDS.administer);
  const emptyForm = (): AddForm => ({ values: { username: '', role: 'viewer' }, errors: {} });

  async function render(req: Request, res: Response, addForm = emptyForm(), status = 200) {
    res.status(status).set('Cache-Control', 'no-store').render('admin-users', {
      principal: res.locals.principal,
      users: await users.list(),
      roles: ROLES,
      singleSignOn: options.singleSignOn,
      form: addForm,
      notice: takeNotice(req, res),
      limits: { usernameMax: USERNAME_MAX, passwordMin: PASSWORD_MIN },
    });
  }

  /** Runs a change; a user's mistake re-renders the page with its message and status. */
  async function change(req: Request, res: Response, work: () => Promise<string>, addForm?: AddForm) {
    try {
      redirectWithNotice(req, res, await work(), '/admin/users');
    } catch (error) {
      const http = toHttpError(error);
      if (http.status >= 500) throw error;
      const shown = addForm ?? emptyForm();
      if (addForm && http.errors.length) {
        for (const e of http.errors) shown.errors[e.field] = e.message;
      } else {
        shown.message = http.message;
      }
      await render(req, res, shown, http.status);
    }
  }

  const target = (req: Request) => String(req.params.username);
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

  router.get('/admin/users', admin, (req, res) => render(req, res));

  router.post('/admin/users', writeLimit, admin, form, csrfProtect, (req, res) => {
    const b = body(req);
    const values = { username: typeof b.username === 'string' ? b.username : '', role: typeof b.role === 'string' ? b.role : 'viewer' };
    return change(req, res, async () => {
      const user = await accounts.createUser({ username: b.username, role: b.role, password: b.password }, changeContext(req, res));
      return `Added ${user.username} (${user.role}).`;
    }, { values, errors: {} });
  });

  router.post('/admin/users/:username/role', writeLimit, admin, form, csrfProtect, (req, res) =>
    change(req, res, async () => {
      const user = await accounts.updateUser(target(req), { role: body(req).role }, changeContext(req, res));
      return `${user.username} is now ${user.role}.`;
    }),
  );

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    router.post(`/admin/users/:username/${action}`, writeLimit, admin, form, csrfProtect, (req, res) =>
      change(req, res, async () => {
        const user = await accounts.updateUser(target(req), { disabled }, changeContext(req, res));
        return `${user.username} is ${disabled ? 'disabled: their sessions and tokens stop working' : 'enabled again'}.`;
      }),
    );
  }

  for (const [action, rolePinned] of [['pin', true], ['unpin', false]] as const) {
    router.post(`/admin/users/:username/${action}`, writeLimit, admin, form, csrfProtect, (req, res) =>
      change(req, res, async () => {
        const user = await accounts.updateUser(target(req), { rolePinned }, changeContext(req, res));
        return rolePinned
          ? `${user.username} keeps the ${user.role} role whatever single sign-on says.`
          : `${user.username}'s role follows single sign-on again from their next sign-in.`;
      }),
    );
  }

  router.post('/admin/users/:username/password', writeLimit, admin, form, csrfProtect, (req, res) =>
    change(req, res, async () => {
      const self = target(req).toLowerCase() === res.locals.principal!.username.toLowerCase();
      const keep = self ? res.locals.sessionIdHash : undefined;
      const user = await accounts.updateUser(target(req), { password: body(req).password }, changeContext(req, res), keep);
      return `Set a new password for ${user.username}; their sessions have ended.`;
    }),
  );

  return router;
}
