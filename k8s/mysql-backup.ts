import { Cron, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DATABASE_NAME, MYSQL_PORT } from '../web/defaults.js';
import { BACKUP_DIR, backupScript } from './backup-script.js';
import { mountSecretFiles } from './catalog-secret.js';
import { MYSQL_IDENTITY } from './mysql-database.js';
import { MYSQL_IMAGE, NAMESPACE, SECRET_KEYS, secretFile } from './names.js';
import { addRestrictedPatches, restrictedContainerSecurity, restrictedWorkloadProps } from './restricted.js';

/** When and how many backups are taken and kept. */
export interface BackupSettings {
  /**
   * Cron schedule, in UTC.
   * @default '30 2 * * *' (nightly at 02:30)
   */
  readonly schedule?: string;
  /**
   * Backups kept; older ones are removed after each successful backup.
   * @default 7
   */
  readonly keep?: number;
  /** Size of the backup volume, e.g. '2Gi'. */
  readonly storage: string;
  /**
   * StorageClass of the backup volume.
   * @default the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

export const DEFAULT_BACKUP_SCHEDULE = '30 2 * * *';
export const DEFAULT_BACKUPS_KEPT = 7;

/** Name of the backup volume's claim. */
export const BACKUP_CLAIM_NAME = 'mysql-backups';

/** The claim that holds the backups, made apart from the CronJob so it can outlive the deployed set. */
export function backupClaim(scope: Construct, id: string, settings: BackupSettings): kplus.PersistentVolumeClaim {
  return new kplus.PersistentVolumeClaim(scope, id, {
    // Named explicitly: the chart that holds it may be the cluster-scoped namespace's.
    metadata: { name: BACKUP_CLAIM_NAME, namespace: NAMESPACE },
    accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
    storage: Size.gibibytes(gibibytes(settings.storage)),
    storageClassName: settings.storageClassName,
  });
}

/** Properties of {@link MySqlBackup}. */
export interface MySqlBackupProps {
  readonly settings: BackupSettings;
  /** The claim from {@link backupClaim}. */
  readonly claim: kplus.IPersistentVolumeClaim;
  /** The database Service the dump connects to. */
  readonly service: kplus.Service;
  /** Secret holding the backup user's password. */
  readonly secret: kplus.ISecret;
  /** The backup user, created on MySQL's first boot with only what a dump needs. */
  readonly user: string;
}

/**
 * A nightly consistent logical dump of the catalog's database (mysqldump --single-transaction from
 * the MySQL image), gzipped onto the backup volume, keeping the newest N. Runs as MySQL's own
 * non-root user under the restricted Pod Security Standard, as a read-only database user.
 */
export class MySqlBackup extends Construct {
  public readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: MySqlBackupProps) {
    super(scope, id);
    const keep = props.settings.keep ?? DEFAULT_BACKUPS_KEPT;
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`backup keep must be a whole number of at least 1, got ${keep}`);
    this.cronJob = new kplus.CronJob(this, 'CronJob', {
      ...restrictedWorkloadProps(this, 'mysql-backup', MYSQL_IDENTITY),
      schedule: Cron.schedule(cronFields(props.settings.schedule ?? DEFAULT_BACKUP_SCHEDULE)),
      timeZone: 'Etc/UTC',
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      // cdk8s-plus would allow 10 s: a controller busy at 02:30 would skip the night's backup.
      startingDeadline: Duration.hours(1),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 2,
      activeDeadline: Duration.hours(1),
      restartPolicy: kplus.RestartPolicy.NEVER,
    });
    const env: Record<string, string> = {
      DB_HOST: props.service.name,
      DB_PORT: String(MYSQL_PORT),
      DB_USER: props.user,
      DB_PASSWORD_FILE: secretFile(SECRET_KEYS.mysqlBackupPassword),
      DB_NAME: DATABASE_NAME,
      BACKUP_DIR,
      BACKUP_KEEP: String(keep),
    };
    const container = this.cronJob.addContainer({
      name: 'backup',
      image: MYSQL_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['bash', '-c', backupScript()],
      envVariables: Object.fromEntries(Object.entries(env).map(([name, value]) => [name, kplus.EnvValue.fromValue(value)])),
      securityContext: restrictedContainerSecurity(MYSQL_IDENTITY),
      resources: {
        cpu: { request: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      },
    });
    container.mount(BACKUP_DIR, kplus.Volume.fromPersistentVolumeClaim(this, 'BackupVolume', props.claim, { name: 'backups' }));
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.mebibytes(64) }));
    mountSecretFiles(this, container, props.secret, [SECRET_KEYS.mysqlBackupPassword]);
    addRestrictedPatches(this.cronJob, '/spec/jobTemplate/spec/template/spec');
  }
}

function gibibytes(storage: string): number {
  const match = /^(\d+)Gi$/.exec(storage);
  if (!match) throw new Error(`backup storage ${JSON.stringify(storage)} must be whole gibibytes, e.g. '2Gi'`);
  return Number(match[1]);
}

/** The five fields of a cron schedule, for cdk8s's Cron. */
function cronFields(schedule: string): { minute: string; hour: string; day: string; month: string; weekDay: string } {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`backup schedule ${JSON.stringify(schedule)} must have five cron fields`);
  const [minute, hour, day, month, weekDay] = fields as [string, string, string, string, string];
  return { minute, hour, day, month, weekDay };
}
