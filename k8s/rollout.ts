/**
 * Seconds a first deployment may take to become ready. MySQL's first boot (data directory, time
 * zones, init SQL) can take minutes and the web pods stay unready until it answers.
 *
 * skaffold.yaml's `deploy.statusCheckDeadlineSeconds` repeats this number (test/k8s/skaffold.test.ts
 * holds them equal), and the web Deployment's `progressDeadlineSeconds` is set to it: skaffold waits
 * on a Deployment for the Deployment's own progress deadline rather than its status check deadline
 * whenever that is not the Kubernetes default of 600 (`status_check.go`), and `kubectl rollout
 * status` reports a Deployment failed once its progress deadline passes.
 */
export const FIRST_ROLLOUT_DEADLINE_SECONDS = 900;
