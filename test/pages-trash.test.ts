import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { csrfToken, type StoreFixture } from './support/app.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';
import { createAccount, pageClient, signIn, TEST_CONTEXT } from './support/auth.js';

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#34;/g, '"');
const hidden = (html: string, name: string) => decode(new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '');

for (const kind of await storeFixtures()) {
  describe(`trash and undo on the page on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let editor: () => Promise<{ agent: supertest.Agent; username: string }>;
    before(async () => {
      fx = await kind.open();
      editor = async () => {
        const { agent, account } = await pageClient(fx.app, fx.stores, 'editor');
        return { agent, username: account.username };
      };
    });
    after(async () => fx?.close());

    it('when a product is deleted, then the notice names it, offers Undo to the same list, and Undo puts it back where it was', async () => {
      const { agent } = await editor();
      const product = await fx.store.create(buildProduct({ productName: 'Undo me ☕' }), TEST_CONTEXT);
      const list = `/?q=${encodeURIComponent('Undo me')}`;
      const token = await csrfToken(agent, list);
      await agent.post(`/products/${product.productId}/delete`).type('form').send({ return: list, _csrf: token }).expect(303).expect('Location', list);
      assert.equal(await fx.store.get(product.productId), undefined);
      assert.equal((await fx.store.getTrashed(product.productId))?.productName, 'Undo me ☕');

      const page = await agent.get(list).expect(200);
      assert.ok(page.text.includes(`Moved product “<bdi>Undo me ☕</bdi>” (${product.productId}) to the trash.`));
      const undo = new RegExp(`<form method="post" action="/trash/${product.productId}/restore" class="inline">[\\s\\S]*?name="return" value="([^"]*)"[\\s\\S]*?<button type="submit" class="undo">Undo</button>`).exec(page.text);
      assert.ok(undo, 'the notice has an Undo form');
      assert.equal(decode(undo[1]!), list);
      assert.match(page.text, /class="notice" id="notice" tabindex="-1" autofocus/);

      const undoToken = hidden(page.text, '_csrf');
      await agent.post(`/trash/${product.productId}/restore`).type('form').send({ return: list, _csrf: undoToken }).expect(303).expect('Location', list);
      const restored = await fx.store.get(product.productId);
      assert.equal(restored?.seq, product.seq, 'back at its old place');
      assert.ok((await agent.get(list)).text.includes(`Restored product “<bdi>Undo me ☕</bdi>” (${product.productId}).`));
    });

    it('when the trash is opened, then it lists deleted products newest first with who deleted them and when, 20 a page', async () => {
      const { agent, username } = await editor();
      const tag = `tr${Date.now()}`;
      const made = [];
      for (let i = 1; i <= 22; i++) made.push(await fx.store.create(buildProduct({ productName: `${tag} ${i}` }), TEST_CONTEXT));
      const token = await csrfToken(agent);
      for (const p of made) await agent.post(`/products/${p.productId}/delete`).type('form').send({ _csrf: token }).expect(303);

      const first = await agent.get('/trash').expect(200);
      const names = (html: string) => [...html.matchAll(/<td class="name" dir="auto">([^<]*)<\/td>/g)].map((m) => m[1]);
      assert.deepEqual(names(first.text).slice(0, 3), [`${tag} 22`, `${tag} 21`, `${tag} 20`]);
      assert.equal(names(first.text).length, 20);
      assert.ok(first.text.includes(`by <span class="who">${username}</span>`));
      assert.match(first.text, /<time datetime="\d{4}-/);
      assert.match(first.text, new RegExp(`aria-label="Restore ${tag} 22 \\(${made[21]!.productId}\\)">Restore</button>`));
      assert.doesNotMatch(first.text, /Delete forever/, 'an editor may not delete forever');
      const older = decode(/<a href="([^"]+)" rel="next"/.exec(first.text)![1]!);
      const second = await agent.get(older).expect(200);
      assert.deepEqual(names(second.text).slice(0, 2), [`${tag} 2`, `${tag} 1`]);
    });

    it('when a viewer or an anonymous visitor asks for the trash, then 403 and a sign-in redirect', async () => {
      const { agent } = await pageClient(fx.app, fx.stores, 'viewer');
      await agent.get('/trash').set('Accept', 'text/html').expect(403);
      await supertest(fx.app).get('/trash').expect(303).expect('Location', '/login?next=%2Ftrash');
    });

    it('when an admin deletes forever, then a confirmation page asks first, and only its POST removes the product and frees its ID', async () => {
      const admin = await createAccount(fx.stores, 'admin');
      const agent = await signIn(fx.app, admin);
      const product = await fx.store.create(buildProduct({ productName: 'Gone for good' }), TEST_CONTEXT);
      await fx.store.remove(product.productId, TEST_CONTEXT);
      const trash = await agent.get('/trash').expect(200);
      const link = decode(new RegExp(`<a href="(/trash/${product.productId}/purge\\?return=[^"]*)" class="danger-link" aria-label="Delete forever: Gone for good \\(${product.productId}\\)">Delete forever</a>`).exec(trash.text)![1]!);
      const confirm = await agent.get(link).expect(200);
      assert.match(confirm.text, /cannot be undone/);
      assert.ok(await fx.store.getTrashed(product.productId), 'asking changes nothing');
      await agent.post(`/trash/${product.productId}/purge`).type('form').send({ return: '/trash', _csrf: hidden(confirm.text, '_csrf') }).expect(303).expect('Location', '/trash');
      assert.equal(await fx.store.getTrashed(product.productId), undefined);
      assert.ok((await agent.get('/trash')).text.includes(`Deleted product “<bdi>Gone for good</bdi>” (${product.productId}) forever.`));
      await fx.store.create({ productId: product.productId, productName: 'ID free again' }, TEST_CONTEXT);
    });

    it('when an editor sends the delete-forever form, then 403 and the product stays in the trash', async () => {
      const { agent } = await editor();
      const product = await fx.store.create(buildProduct(), TEST_CONTEXT);
      await fx.store.remove(product.productId, TEST_CONTEXT);
      await agent.get(`/trash/${product.productId}/purge`).set('Accept', 'text/html').expect(403);
      const token = await csrfToken(agent);
      await agent.post(`/trash/${product.productId}/purge`).type('form').send({ _csrf: token }).set('Accept', 'text/html').expect(403);
      assert.ok(await fx.store.getTrashed(product.productId));
    });

    it('when a viewer sends the rename, delete, restore or delete-forever forms anyway, then 403 each time and nothing changes', async () => {
      const { agent } = await pageClient(fx.app, fx.stores, 'viewer');
      const live = await fx.store.create(buildProduct({ productName: 'Viewer cannot touch' }), TEST_CONTEXT);
      const trashed = await fx.store.create(buildProduct({ productName: 'Viewer cannot restore' }), TEST_CONTEXT);
      await fx.store.remove(trashed.productId, TEST_CONTEXT);
      const token = await csrfToken(agent);
      const attempts: Array<[string, Record<string, string>]> = [
        [`/products/${live.productId}/edit`, { product_name: 'Renamed by a viewer', version: String(live.version) }],
        [`/products/${live.productId}/delete`, {}],
        [`/trash/${trashed.productId}/restore`, {}],
        [`/trash/${trashed.productId}/purge`, {}],
      ];
      for (const [path, fields] of attempts) {
        const res = await agent.post(path).type('form').set('Accept', 'text/html').send({ ...fields, _csrf: token }).expect(403);
        assert.match(res.text, /needs the (editor|admin) role/, path);
      }
      assert.equal((await fx.store.get(live.productId))?.productName, 'Viewer cannot touch');
      assert.ok(await fx.store.getTrashed(trashed.productId));
    });

    it('when an ID in the trash is added again, then 409 says it is in the trash and offers Restore, with the input kept', async () => {
      const { agent } = await editor();
      const product = await fx.store.create(buildProduct({ productName: 'Trashed first' }), TEST_CONTEXT);
      await fx.store.remove(product.productId, TEST_CONTEXT);
      const token = await csrfToken(agent);
      const res = await agent.post('/products').type('form').send({ product_id: product.productId, product_name: 'Second try', _csrf: token }).expect(409);
      assert.match(res.text, new RegExp(`id="product_id-error" class="field-error">A product with ID &#39;${product.productId}&#39; is in the trash`));
      assert.match(res.text, new RegExp(`<button type="submit" form="restore-trashed">Restore ${product.productId} from the trash</button>`));
      assert.match(res.text, new RegExp(`<form id="restore-trashed" method="post" action="/trash/${product.productId}/restore" hidden>`));
      assert.match(res.text, /value="Second try"/);
    });

    it('when restoring something no longer in the trash, then the notice says so and nothing breaks', async () => {
      const { agent } = await editor();
      const token = await csrfToken(agent);
      await agent.post('/trash/NEVER-THERE/restore').type('form').send({ _csrf: token }).expect(303).expect('Location', '/');
      assert.match((await agent.get('/')).text, /NEVER-THERE is not in the trash any more/);
    });
  });

  describe(`renaming with versions on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    before(async () => {
      fx = await kind.open();
    });
    after(async () => fx?.close());

    it('when someone else renamed the product meanwhile, then 409 shows both names, keeps what was typed, and a second Save overwrites', async () => {
      const { agent } = await pageClient(fx.app, fx.stores, 'editor');
      const product = await fx.store.create(buildProduct({ productName: 'Original' }), TEST_CONTEXT);
      const path = `/products/${product.productId}/edit`;
      const opened = await agent.get(path).expect(200);
      assert.equal(hidden(opened.text, 'version'), String(product.version));
      const theirs = await fx.store.rename(product.productId, 'Theirs', TEST_CONTEXT);

      const conflict = await agent
        .post(path)
        .type('form')
        .send({ product_name: 'Mine', version: hidden(opened.text, 'version'), return: '/', _csrf: hidden(opened.text, '_csrf') })
        .expect(409);
      assert.match(conflict.text, /Someone else changed this product while you were editing/);
      assert.match(conflict.text, /<dt>Your name<\/dt><dd dir="auto">Mine<\/dd>/);
      assert.match(conflict.text, /<dt>Current name<\/dt><dd dir="auto">Theirs<\/dd>/);
      assert.match(conflict.text, /value="Mine"/);
      assert.equal(hidden(conflict.text, 'version'), String(theirs!.version));
      assert.match(conflict.text, />Save my name anyway</);
      assert.match(conflict.text, /<a href="\/">Keep the current name<\/a>/);
      assert.equal((await fx.store.get(product.productId))?.productName, 'Theirs');

      await agent
        .post(path)
        .type('form')
        .send({ product_name: 'Mine', version: hidden(conflict.text, 'version'), return: '/', _csrf: hidden(conflict.text, '_csrf') })
        .expect(303);
      assert.equal((await fx.store.get(product.productId))?.productName, 'Mine');
    });

    it('when someone moved the product to the trash meanwhile, then 409 says so, keeps what was typed, and offers to restore it and save', async () => {
      const { agent } = await pageClient(fx.app, fx.stores, 'editor');
      const product = await fx.store.create(buildProduct({ productName: 'Will vanish' }), TEST_CONTEXT);
      const path = `/products/${product.productId}/edit`;
      const opened = await agent.get(path).expect(200);
      await fx.store.remove(product.productId, TEST_CONTEXT);

      const conflict = await agent
        .post(path)
        .type('form')
        .send({ product_name: 'Typed name', version: hidden(opened.text, 'version'), _csrf: hidden(opened.text, '_csrf') })
        .expect(409);
      assert.match(conflict.text, /Someone moved this product to the trash/);
      assert.match(conflict.text, /value="Typed name"/);
      assert.match(conflict.text, /name="restore" value="1"/);
      assert.match(conflict.text, />Restore it and save my name</);

      await agent.post(path).type('form').send({ product_name: 'Typed name', restore: '1', _csrf: hidden(conflict.text, '_csrf') }).expect(303);
      assert.equal((await fx.store.get(product.productId))?.productName, 'Typed name');
    });

    it('when the product is in the trash, then its edit page is a 404 that says so', async () => {
      const { agent } = await pageClient(fx.app, fx.stores, 'editor');
      const product = await fx.store.create(buildProduct(), TEST_CONTEXT);
      await fx.store.remove(product.productId, TEST_CONTEXT);
      const res = await agent.get(`/products/${product.productId}/edit`).set('Accept', 'text/html').expect(404);
      assert.match(res.text, /is in the trash/);
    });
  });
}
