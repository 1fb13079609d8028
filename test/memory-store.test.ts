import { MemoryProductStore } from '../web/catalog/memory-store.js';
import { describeStoreContract } from './support/store-contract.js';

describeStoreContract('memory', async () => ({ store: new MemoryProductStore(), close: async () => {} }));
