import type { Request, Response } from 'express';

const NOTICE_COOKIE = 'pc_notice';
const NOTICE_MAX = 300;

/** A one-line outcome, and the product it offers to put back (the Undo after a delete). */
export interface Notice {
  readonly text: string;
  /** A product name inside `text`, which the page isolates (<bdi>) so a right-to-left name keeps the sentence in order. */
  readonly name?: string;
  readonly undo?: string;
}

/**
 * Post/Redirect/Get: a one-line outcome ("Added product P-1.") rides in a short-lived cookie to
 * the page the browser loads next, which shows it once. It is plain text, escaped when shown.
 */
export function redirectWithNotice(req: Request, res: Response, text: string | Notice, to = '/'): void {
  const notice = typeof text === 'string' ? { text } : text;
  const shown = notice.text.slice(0, NOTICE_MAX);
  // The name is kept as its place in the text, so the cookie does not carry it twice.
  const at = notice.name ? shown.indexOf(notice.name) : -1;
  const value = JSON.stringify({ text: shown, ...(at >= 0 && { nameAt: [at, notice.name!.length] }), ...(notice.undo && { undo: notice.undo }) });
  res.cookie(NOTICE_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: req.secure, maxAge: 60_000, path: '/' });
  res.redirect(303, to);
}

/** The notice the previous request left, if any, with its Undo; it is cleared. */
export function takeFullNotice(req: Request, res: Response): Notice | undefined {
  const raw: unknown = req.cookies?.[NOTICE_COOKIE];
  if (typeof raw !== 'string' || raw === '') return undefined;
  res.clearCookie(NOTICE_COOKIE, { path: '/' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // A cookie from before notices were JSON: its text as it is.
    return { text: raw.slice(0, NOTICE_MAX) };
  }
  const { text, nameAt, undo } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof text !== 'string' || text === '') return undefined;
  const [at, length] = Array.isArray(nameAt) ? (nameAt as unknown[]) : [];
  const name = typeof at === 'number' && typeof length === 'number' ? text.slice(at, at + length) : '';
  return {
    text: text.slice(0, NOTICE_MAX),
    ...(name && { name }),
    ...(typeof undo === 'string' && undo && { undo }),
  };
}

/** The text of the notice the previous request left, if any; it is cleared. */
export function takeNotice(req: Request, res: Response): string | undefined {
  return takeFullNotice(req, res)?.text;
}
