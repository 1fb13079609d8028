import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Installs Debian packages the benchmark needs, saying so first. Throws, naming the command to
 * run by hand, when this is not a root shell on a machine with apt-get.
 */
export function aptInstall(packages: readonly string[], why: string): void {
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (!existsSync('/usr/bin/apt-get') || process.getuid?.() !== 0) {
    throw new Error(`${why} needs ${packages.join(', ')}: install them with \`sudo ${command}\` (Debian/Ubuntu)`);
  }
  console.error(`${why}: installing ${packages.join(', ')} from Debian with \`${command}\` ...`);
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** The absolute path of `command` on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return undefined;
}
