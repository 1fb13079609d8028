import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall } from '../apt.js';
import { startServer, type ServerProcess } from '../server-process.js';

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
const INDEX_PHP = fileURLToPath(new URL('./php/index.php', import.meta.url));

export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** mod_php's file (libphp8.2.so) and module name, when installed. */
function phpModule(): { file: string; name: string } | undefined {
  const file = existsSync(MODULES) ? readdirSync(MODULES).find((f) => /^libphp[\d.]*\.so$/.test(f)) : undefined;
  if (!file) return undefined;
  // PHP 8's module is php_module; PHP 7's was php7_module.
  return { file: join(MODULES, file), name: file.startsWith('libphp7') ? 'php7_module' : 'php_module' };
}

/** Whether mysqli is enabled for Apache's PHP (Debian: /etc/php/<version>/apache2/conf.d/20-mysqli.ini). */
function hasMysqli(): boolean {
  const root = '/etc/php';
  if (!existsSync(root)) return false;
  return readdirSync(root).some((version) => {
    const confd = join(root, version, 'apache2', 'conf.d');
    return existsSync(confd) && readdirSync(confd).some((f) => f.endsWith('mysqli.ini'));
  });
}

/**
 * Debian's apache2 with mod_php and mysqli, installed with apt when any is missing. Installing
 * apache2 also sets up the system's own apache2 service; the benchmark neither uses nor changes it.
 */
function ensureInstalled(): { name: string; file: string } {
  if (!existsSync(APACHE) || !existsSync(join(MODULES, 'mod_mpm_prefork.so')) || !phpModule() || !hasMysqli()) {
    aptInstall(['apache2', 'libapache2-mod-php', 'php-mysql'], 'The PHP peer (the tutorial\'s page on apache2 prefork + mod_php)');
  }
  const php = phpModule();
  if (!php || !hasMysqli()) throw new Error('apache2, mod_php or mysqli is still missing after apt-get install');
  return php;
}

/**
 * A configuration of its own, in a temporary directory: its own ServerRoot, loopback port, pid and
 * error log; nothing of /etc/apache2 is read. The process settings are Debian's defaults
 * (apache2.conf and mods-available/mpm_prefork.conf), i.e. the package as it ships. No access log:
 * the app writes none for successful requests either.
 */
function configuration(dir: string, port: number, php: { name: string; file: string }, db: DatabaseSettings): string {
  const modules = ['mpm_prefork', 'authz_core', 'dir', 'env'].map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`);
  const quoted = (value: string | number) => `"${String(value).replace(/["\\]/g, '\\$&')}"`;
  return [
    `ServerRoot ${quoted(dir)}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile ${quoted(join(dir, 'apache2.pid'))}`,
    `DefaultRuntimeDir ${quoted(dir)}`,
    `ErrorLog ${quoted(join(dir, 'error.log'))}`,
    'LogLevel warn',
    ...modules,
    `LoadModule ${php.name} ${php.file}`,
    // Started as root, the children drop to Debian's web user, as the system service would.
    ...(process.getuid?.() === 0 ? ['User www-data', 'Group www-data'] : []),
    'Timeout 300',
    'KeepAlive On',
    'MaxKeepAliveRequests 100',
    'KeepAliveTimeout 5',
    'StartServers 5',
    'MinSpareServers 5',
    'MaxSpareServers 10',
    'MaxRequestWorkers 150',
    'MaxConnectionsPerChild 0',
    `DocumentRoot ${quoted(join(dir, 'htdocs'))}`,
    `<Directory ${quoted(join(dir, 'htdocs'))}>`,
    '  Require all granted',
    '</Directory>',
    'DirectoryIndex index.php',
    '<FilesMatch "\\.php$">',
    '  SetHandler application/x-httpd-php',
    '</FilesMatch>',
    `SetEnv DB_HOST ${quoted(db.host)}`,
    `SetEnv DB_PORT ${quoted(db.port)}`,
    `SetEnv DB_USER ${quoted(db.user)}`,
    `SetEnv DB_PASSWORD ${quoted(db.password)}`,
    `SetEnv DB_NAME ${quoted(db.database)}`,
    '',
  ].join('\n');
}

/** The tutorial's PHP page on apache2 prefork + mod_php, on loopback `port`; stop() also removes its directory. */
export async function startApache(port: number, db: DatabaseSettings): Promise<ServerProcess> {
  const php = ensureInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-apache-'));
  // The children run as www-data: they must reach the page.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'htdocs'), { mode: 0o755 });
  copyFileSync(INDEX_PHP, join(dir, 'htdocs', 'index.php'));
  chmodSync(join(dir, 'htdocs', 'index.php'), 0o644);
  const conf = join(dir, 'apache2.conf');
  writeFileSync(conf, configuration(dir, port, php, db));
  try {
    const server = await startServer({
      name: 'apache2',
      command: APACHE,
      args: ['-f', conf, '-DFOREGROUND'],
      env: { PATH: process.env.PATH, LANG: 'C' },
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
      ownProcessGroup: true,
    });
    return {
      ...server,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').trim() : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}${log ? `; its error log: ${log}` : ''}`, { cause: error });
  }
}
