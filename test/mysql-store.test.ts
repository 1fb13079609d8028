import { describeStoreContract } from './support/store-contract.js';
import { mysqlFixture } from './support/app.js';
import { skipUnlessMysql } from './support/mysql.js';

describeStoreContract('mysql', mysqlFixture, await skipUnlessMysql());
