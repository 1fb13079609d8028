import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answer, buildQuery, parseQuery, TYPE_A } from '../../lab/dns/message.js';
import { clusterFirstResolvConf } from '../../lab/dns/records.js';

const records = new Map([['webapp-sql1.product-catalog.svc.cluster.local', ['10.96.0.20']]]);
const TYPE_AAAA = 28;

function reply(name: string, type = TYPE_A) {
  const query = parseQuery(buildQuery(0x1234, name, type));
  assert.ok(query);
  const message = answer(query, records);
  return { id: message.readUInt16BE(0), rcode: message.readUInt16BE(2) & 0xf, answers: message.readUInt16BE(6), message };
}

describe('the lab\'s DNS answers', () => {
  it('when a Service\'s full name is asked for its A record, then the answer carries its ClusterIP', () => {
    const r = reply('WebApp-SQL1.product-catalog.svc.cluster.local.');
    assert.equal(r.id, 0x1234);
    assert.equal(r.rcode, 0);
    assert.equal(r.answers, 1);
    assert.deepEqual([...r.message.subarray(-4)], [10, 96, 0, 20]);
  });

  it('when a known name is asked for another type, then the answer is empty but not an error (NODATA)', () => {
    const r = reply('webapp-sql1.product-catalog.svc.cluster.local', TYPE_AAAA);
    assert.equal(r.rcode, 0);
    assert.equal(r.answers, 0);
  });

  it('when a short or unknown name is asked, then the answer is NXDOMAIN: search paths are the resolver\'s job', () => {
    assert.equal(reply('webapp-sql1').rcode, 3);
    assert.equal(reply('example.com').rcode, 3);
  });

  it('when a message is not a query, then it is not parsed as one', () => {
    assert.equal(parseQuery(Buffer.from([1, 2, 3])), null);
    const response = Buffer.from(buildQuery(1, 'x'));
    response.writeUInt16BE(0x8000, 2);
    assert.equal(parseQuery(response), null);
  });

  it('when kubelet writes a ClusterFirst pod\'s resolv.conf, then it has the namespace\'s search path, the DNS Service and ndots:5', () => {
    assert.equal(clusterFirstResolvConf('product-catalog'),
      'search product-catalog.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
});
