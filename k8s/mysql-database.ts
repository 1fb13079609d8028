import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_DATABASE_PRIVILEGES, BACKUP_DATABASE_PRIVILEGES } from '../db/privileges.js';
import { DATABASE_NAME, DATABASE_SERVICE_NAME, MYSQL_PORT } from '../web/defaults.js';
import { mountSecretFiles } from './catalog-secret.js';
import type { DatabaseTier } from './database-tier.js';
import { appUserPrivilegesSql, backupUserInitScript } from './mysql-init-sql.js';
import { MYSQL_IMAGE, SECRET_KEYS, secretFile } from './names.js';
import { addRestrictedPatches, restrictedContainerSecurity, restrictedWorkloadProps } from './restricted.js';

/** uid and gid of the `mysql` user in the official image (docker-library/mysql). */
export const MYSQL_IDENTITY = { uid: 999, gid: 999 };

/** Name of the volume claim template, and so of each replica's PersistentVolumeClaim prefix. */
const DATA_VOLUME = 'data';

/** Properties of {@link MySqlDatabase}. */
export interface MySqlDatabaseProps {
  /** Secret with the root, app and backup passwords. */
  readonly secret: kplus.ISecret;
  /** The app's database user, created by the image's entrypoint and narrowed by the init SQL. */
  readonly user: string;
  /** The backup user, created by the init script with only what a dump needs. */
  readonly backupUser: string;
  /**
   * Size of the data volume.
   * @default '1Gi'
   */
  readonly storage?: string;
  /**
   * StorageClass of the data volume.
   * @default the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/**
 * MySQL as a one-replica StatefulSet of the official image, running as its own non-root user, with
 * its data on a PersistentVolumeClaim that outlives the pod, reached through the ClusterIP Service
 * `webapp-sql1`.
 */
export class MySqlDatabase extends Construct implements DatabaseTier {
  public readonly service: kplus.Service;
  public readonly workload: kplus.StatefulSet;

  constructor(scope: Construct, id: string, props: MySqlDatabaseProps) {
    super(scope, id);
    const labels = Chart.of(this).labels;

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: DATABASE_SERVICE_NAME },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'mysql', port: MYSQL_PORT, targetPort: MYSQL_PORT }],
    });

    const initScripts = new kplus.ConfigMap(this, 'InitScripts', {
      metadata: { name: 'mysql-initdb' },
      data: {
        '10-app-user-privileges.sql': appUserPrivilegesSql(props.user, DATABASE_NAME, APP_DATABASE_PRIVILEGES),
        '20-backup-user.sh': backupUserInitScript(
          props.backupUser,
          DATABASE_NAME,
          BACKUP_DATABASE_PRIVILEGES,
          secretFile(SECRET_KEYS.mysqlBackupPassword),
        ),
      },
    });

    this.workload = new kplus.StatefulSet(this, 'StatefulSet', {
      ...restrictedWorkloadProps(this, 'mysql', MYSQL_IDENTITY),
      service: this.service,
      replicas: 1,
      terminationGracePeriod: Duration.seconds(60),
    });

    const mysql = this.workload.addContainer({
      name: 'mysql',
      image: MYSQL_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      // Clients connect by IP; name resolution would only add DNS lookups that egress policy blocks.
      args: ['mysqld', '--skip-name-resolve'],
      ports: [{ name: 'mysql', number: MYSQL_PORT }],
      envVariables: {
        MYSQL_DATABASE: kplus.EnvValue.fromValue(DATABASE_NAME),
        MYSQL_USER: kplus.EnvValue.fromValue(props.user),
        MYSQL_PASSWORD_FILE: kplus.EnvValue.fromValue(secretFile(SECRET_KEYS.mysqlPassword)),
        MYSQL_ROOT_PASSWORD_FILE: kplus.EnvValue.fromValue(secretFile(SECRET_KEYS.mysqlRootPassword)),
        // root only through the socket inside the pod, never over the network
        MYSQL_ROOT_HOST: kplus.EnvValue.fromValue('localhost'),
      },
      securityContext: restrictedContainerSecurity(MYSQL_IDENTITY),
      resources: {
        cpu: { request: kplus.Cpu.millis(250) },
        memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) },
      },
      // First boot initializes the data directory and loads time zones before the real server
      // listens on TCP: allow ten minutes.
      startup: kplus.Probe.fromCommand(sqlOverTcpCommand(), {
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 60,
      }),
      readiness: kplus.Probe.fromCommand(sqlOverTcpCommand(), {
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 3,
      }),
      // mysqladmin ping exits 0 whenever the server answers, even "access denied": lenient.
      liveness: kplus.Probe.fromCommand(['mysqladmin', 'ping', '--silent'], {
        periodSeconds: Duration.seconds(20),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 6,
      }),
    });

    // The image's config puts the socket and pid file in /var/run/mysqld; mysqld uses /tmp.
    mysql.mount('/var/run/mysqld', kplus.Volume.fromEmptyDir(this, 'RunVolume', 'run'));
    mysql.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp'));
    mysql.mount('/docker-entrypoint-initdb.d', kplus.Volume.fromConfigMap(this, 'InitVolume', initScripts, {
      name: 'initdb',
      defaultMode: 0o444,
    }), { readOnly: true });
    mountSecretFiles(this, mysql, props.secret, [
      SECRET_KEYS.mysqlRootPassword,
      SECRET_KEYS.mysqlPassword,
      SECRET_KEYS.mysqlBackupPassword,
    ]);

    // kplus.StatefulSet has no volumeClaimTemplates. The claim outlives the pod and, by the explicit
    // Retain policy below, the StatefulSet and any scale-down.
    // MySQL's data directory is the subdirectory `mysql` of the volume. Not for `lost+found`: MySQL
    // 8's --initialize ignores it and the image's entrypoint looks only for `mysql/` inside the data
    // directory. It keeps the data directory holding MySQL's files alone, and claims made so far
    // hold their data there: without the subPath the server would look at the volume root instead.
    // Patch values must be in the typed shape (Quantity): the object is re-serialized after patching.
    const statefulSet = ApiObject.of(this.workload);
    statefulSet.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
      metadata: { name: DATA_VOLUME, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(props.storageClassName ? { storageClassName: props.storageClassName } : {}),
        resources: { requests: { storage: kplus.k8s.Quantity.fromString(props.storage ?? '1Gi') } },
      },
    }]));
    statefulSet.addJsonPatch(JsonPatch.add('/spec/persistentVolumeClaimRetentionPolicy', {
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    }));
    statefulSet.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', {
      name: DATA_VOLUME,
      mountPath: '/var/lib/mysql',
      subPath: 'mysql',
    }));
    addRestrictedPatches(this.workload);
  }
}

/** A probe command that logs in as the app user over TCP and runs a query. */
function sqlOverTcpCommand(): string[] {
  const script = [
    'MYSQL_PWD="$(cat "$MYSQL_PASSWORD_FILE")"',
    `exec mysql --protocol=TCP --host=127.0.0.1 --port=${MYSQL_PORT}`,
    '--user="$MYSQL_USER" --database="$MYSQL_DATABASE" --execute="SELECT 1"',
  ].join(' ');
  return ['sh', '-c', script];
}
