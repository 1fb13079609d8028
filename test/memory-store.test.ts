import { memoryStores } from '../web/stores.js';
import { describeAccountStoreContract } from './support/account-store-contract.js';
import { describeStoreContract } from './support/store-contract.js';

describeStoreContract('memory', async () => ({ stores: memoryStores(), close: async () => {} }));
describeAccountStoreContract('memory', async () => ({ stores: memoryStores(), close: async () => {} }));
