/**
 * Opaque pagination cursors: a sequence number in base64url, so clients pass them back rather
 * than build them. Anything that does not decode to a positive integer is refused.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{2,24}$/.test(cursor)) return undefined;
  const match = /^s([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) return undefined;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** A trash page's cursor: the deletion time in ms and the sequence number, "t<ms>.<seq>". */
export function encodeTrashCursor(key: { readonly deletedAt: Date; readonly seq: number }): string {
  return Buffer.from(`t${key.deletedAt.getTime()}.${key.seq}`).toString('base64url');
}

export function decodeTrashCursor(cursor: string): { deletedAt: Date; seq: number } | undefined {
  if (!/^[A-Za-z0-9_-]{4,48}$/.test(cursor)) return undefined;
  const match = /^t(\d{1,15})\.([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) return undefined;
  const [ms, seq] = [Number(match[1]), Number(match[2])];
  return Number.isSafeInteger(seq) ? { deletedAt: new Date(ms), seq } : undefined;
}

/**
 * An API list's cursor says which way it pages: a nextCursor (older) is the bare cursor, as it
 * always was; a prevCursor (newer) carries a "~" in front. Both stay opaque to clients.
 */
export type PagingCursor<K> = { readonly olderThan: K } | { readonly newerThan: K };

export const newerCursor = (cursor: string): string => `~${cursor}`;

export function decodePagingCursor<K>(cursor: string, decode: (c: string) => K | undefined): PagingCursor<K> | undefined {
  const newer = cursor.startsWith('~');
  const key = decode(newer ? cursor.slice(1) : cursor);
  if (key === undefined) return undefined;
  return newer ? { newerThan: key } : { olderThan: key };
}
