import type { Request, Response } from 'express';

const NOTICE_COOKIE = 'pc_notice';
const NOTICE_MAX = 300;

/**
 * Post/Redirect/Get: a one-line outcome ("Added product P-1.") rides in a short-lived cookie to
 * the page the browser loads next, which shows it once. It is plain text, escaped when shown.
 */
export function redirectWithNotice(req: Request, res: Response, text: string, to = '/'): void {
  res.cookie(NOTICE_COOKIE, text.slice(0, NOTICE_MAX), { httpOnly: true, sameSite: 'lax', secure: req.secure, maxAge: 60_000, path: '/' });
  res.redirect(303, to);
}

/** The notice the previous request left, if any; it is cleared. */
export function takeNotice(req: Request, res: Response): string | undefined {
  const raw: unknown = req.cookies?.[NOTICE_COOKIE];
  if (typeof raw !== 'string' || raw === '') return undefined;
  res.clearCookie(NOTICE_COOKIE, { path: '/' });
  return raw.slice(0, NOTICE_MAX);
}
