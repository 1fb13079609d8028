import { readFileSync } from 'node:fs';
import { DEFAULT_ADMIN_USERNAME } from '../defaults.js';
import { type Credentials, verifyDeployment } from './verify-deployment.js';

/**
 * The skaffold `verify` step (and `kubectl create -f k8s/dist/<variant>/verify/`): a create, read
 * and delete round trip through the web Service named by VERIFY_BASE_URL, as the first admin
 * (ADMIN_USERNAME, password in the file ADMIN_PASSWORD_FILE: the Secret's, as the web pods read
 * it). Exit 0 when it worked, 1 with the failing step on stderr otherwise.
 */
async function main(): Promise<number> {
  const baseUrl = process.env.VERIFY_BASE_URL;
  if (!baseUrl) {
    console.error('VERIFY FAILED: VERIFY_BASE_URL is not set (the web Service, e.g. http://product-catalog:80)');
    return 78;
  }
  let credentials: Credentials | undefined;
  const passwordFile = process.env.ADMIN_PASSWORD_FILE;
  if (passwordFile) {
    try {
      // Secret files usually end with a newline that is not part of the secret.
      credentials = { username: process.env.ADMIN_USERNAME || DEFAULT_ADMIN_USERNAME, password: readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '') };
    } catch (error) {
      console.error(`VERIFY FAILED: ADMIN_PASSWORD_FILE cannot be read: ${(error as Error).message}`);
      return 78;
    }
  }
  try {
    await verifyDeployment({
      baseUrl,
      credentials,
      readyTimeoutMs: Number(process.env.VERIFY_READY_TIMEOUT_MS) || 60_000,
      requestTimeoutMs: 10_000,
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.error(`VERIFY FAILED against ${baseUrl}: ${(error as Error).message}`);
    return 1;
  }
  console.log(`VERIFY PASSED: ${baseUrl} created, read and deleted a product`);
  return 0;
}

process.exitCode = await main();
