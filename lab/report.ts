/** Plain-text tables for the terminal: columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Seconds since `started`, for progress lines. */
export function elapsed(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/** A MySQL greeting's server version, or the first words a server sent. */
export function greeting(banner: string | undefined): string {
  if (!banner?.trim()) return '';
  const version = /\d+\.\d+\.\d+-[\w.+-]+/.exec(banner)?.[0];
  return version ? `, server says ${version}` : `: "${banner.trim().slice(0, 40)}"`;
}
