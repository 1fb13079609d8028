import type { Request } from 'express';

/**
 * Conditional requests (RFC 9110, section 13) on a resource whose state is a version number:
 * its strong entity tag is "v<version>".
 */
export const etagOf = (version: number): string => `"v${version}"`;

interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** The tags of an If-Match or If-None-Match field, '*' for any, or undefined when it is malformed. */
export function parseEntityTags(field: string): '*' | EntityTag[] | undefined {
  if (field.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  for (const part of field.split(',')) {
    const text = part.trim();
    if (!text) continue;
    const match = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/.exec(text);
    if (!match) return undefined;
    tags.push({ weak: !!match[1], opaque: match[2]! });
  }
  return tags;
}

/** If-None-Match uses the weak comparison: W/"v3" matches "v3". */
export function noneMatchHits(req: Request, version: number): boolean {
  const field = req.get('if-none-match');
  if (field === undefined) return false;
  const tags = parseEntityTags(field);
  return tags === '*' || (tags?.some((t) => t.opaque === etagOf(version)) ?? false);
}

/**
 * Whether If-Match lets a change to a resource at `version` go ahead: absent, '*' or a strong tag
 * equal to its ETag. Weak tags never match (the strong comparison), nor does a malformed field.
 */
export function ifMatchAllows(req: Request, version: number): boolean {
  const field = req.get('if-match');
  if (field === undefined) return true;
  const tags = parseEntityTags(field);
  return tags === '*' || (tags?.some((t) => !t.weak && t.opaque === etagOf(version)) ?? false);
}

export const hasIfMatch = (req: Request): boolean => req.get('if-match') !== undefined;
