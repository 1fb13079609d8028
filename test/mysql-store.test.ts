import { describeAccountStoreContract } from './support/account-store-contract.js';
import { describeStoreContract } from './support/store-contract.js';
import { mysqlFixture } from './support/app.js';
import { skipUnlessMysql } from './support/mysql.js';

const skip = await skipUnlessMysql();
describeStoreContract('mysql', mysqlFixture, skip);
describeAccountStoreContract('mysql', mysqlFixture, skip);
