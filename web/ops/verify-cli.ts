import { verifyDeployment } from './verify-deployment.js';

/**
 * The skaffold `verify` step (and `kubectl create -f k8s/dist/<variant>/verify/`): a create, read
 * and delete round trip through the web Service named by VERIFY_BASE_URL. Exit 0 when it worked,
 * 1 with the failing step on stderr otherwise.
 */
async function main(): Promise<number> {
  const baseUrl = process.env.VERIFY_BASE_URL;
  if (!baseUrl) {
    console.error('VERIFY FAILED: VERIFY_BASE_URL is not set (the web Service, e.g. http://product-catalog:80)');
    return 78;
  }
  try {
    await verifyDeployment({
      baseUrl,
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
