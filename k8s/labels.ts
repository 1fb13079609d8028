import { APP_NAME, APP_VERSION } from './names.js';

/** What an object is, in the terms of the recommended `app.kubernetes.io/*` labels. */
export interface LabelProps {
  /** `app.kubernetes.io/name`: the application this object runs, e.g. `mysql`. */
  readonly name: string;
  /** `app.kubernetes.io/component`: its role in the architecture, e.g. `database`. */
  readonly component?: string;
  /**
   * `app.kubernetes.io/version`.
   * @default the app's version from package.json
   */
  readonly version?: string;
}

/** The recommended labels: https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/ */
export function recommendedLabels(props: LabelProps): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': props.name,
    'app.kubernetes.io/instance': APP_NAME,
    'app.kubernetes.io/version': props.version ?? APP_VERSION,
    'app.kubernetes.io/part-of': APP_NAME,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
  if (props.component) {
    labels['app.kubernetes.io/component'] = props.component;
  }
  return labels;
}
