// tierkv as node-redis v4 (npm "redis") sees it: the connect handshake
// (SELECT, CLIENT SETNAME, CLIENT SETINFO), strings and expiry, Buffers,
// pipelining (automatic and execAsPipeline), MULTI/EXEC when tierkv has it,
// error replies, INFO, scanIterator and pub/sub. node-redis v4 speaks RESP2 only.
// Run: with_server.py node node-redis.test.js
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { createClient, commandOptions, ErrorReply } = require('redis');
const { port, errors, installedVersion, missingCommands, parseInfo, parseClientInfo } = require('./common');

const timeout = 15000;
const socket = { host: '127.0.0.1', port, reconnectStrategy: false };

async function connect(options) {
  const client = createClient({ socket, ...options });
  client.on('error', () => {}); // failures surface as rejected commands
  await client.connect();
  return client;
}

describe('node-redis ' + installedVersion('redis'), () => {
  let client; // on db 3, with a name
  let db0;

  before(async () => {
    client = await connect({ database: 3, name: 'node-redis-test' });
    db0 = await connect({});
    await client.flushAll();
  });

  after(async () => {
    assert.deepEqual(await Promise.all([client.quit(), db0.quit()]), ['OK', 'OK']); // QUIT closes cleanly
  });

  it('connects: SELECT, CLIENT SETNAME and SETINFO took effect', { timeout }, async () => {
    assert.equal(client.isReady, true);
    assert.equal(await client.clientGetName(), 'node-redis-test');
    const info = parseClientInfo(await client.sendCommand(['CLIENT', 'INFO']));
    assert.equal(info.db, '3');
    assert.equal(info.name, 'node-redis-test');
    assert.equal(info['lib-name'], 'node-redis');
    // The version @redis/client sends is the one in its dist/package.json.
    assert.equal(info['lib-ver'], installedVersion('@redis/client/dist'));
    await client.set('where', 'db3');
    assert.equal(await db0.get('where'), null);
    assert.equal(await db0.dbSize(), 0);
  });

  it('INFO', { timeout }, async () => {
    await client.set('i:k', 'v');
    const info = parseInfo(await client.info());
    assert.equal(info.redis_version, '7.0.15');
    assert.equal(info.loading, '0');
    assert.match(info.db3, /^keys=\d+,expires=\d+,avg_ttl=\d+/);
  });

  it('SET/GET/DEL/EXPIRE/TTL', { timeout }, async () => {
    assert.equal(await client.set('s:k', 'v'), 'OK');
    assert.equal(await client.get('s:k'), 'v');
    assert.equal(await client.get('s:missing'), null);
    assert.equal(await client.set('s:k', 'w', { NX: true }), null);
    assert.equal(await client.ttl('s:k'), -1);
    assert.equal(await client.expire('s:k', 100), true);
    assert.equal(await client.ttl('s:k'), 100);
    assert.equal(await client.set('s:ex', 'v', { EX: 50 }), 'OK');
    assert.ok((await client.pTTL('s:ex')) > 49000);
    assert.equal(await client.ttl('s:missing'), -2);
    assert.equal(await client.incrBy('s:n', 5), 5);
    assert.deepEqual(await client.mGet(['s:k', 's:missing', 's:n']), ['v', null, '5']);
    assert.equal(await client.del(['s:k', 's:ex', 's:n', 's:missing']), 3);
  });

  it('binary-safe Buffers', { timeout }, async () => {
    const key = Buffer.from([0x62, 0x00, 0xff, 0x0d, 0x0a]);
    const value = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from('\r\n$3\r\n')]);
    assert.equal(await client.set(key, value), 'OK');
    assert.deepEqual(await client.get(commandOptions({ returnBuffers: true }), key), value);
    assert.equal(await client.strLen(key), value.length);
    assert.equal(await client.exists('b'), 0);
  });

  it('automatic pipelining: 1000 commands issued at once', { timeout }, async () => {
    const replies = [];
    for (let i = 0; i < 500; i++) replies.push(client.set(`p:${i}`, `v${i}`), client.incr('p:counter'));
    const results = await Promise.all(replies);
    results.forEach((reply, i) => assert.equal(reply, i % 2 === 0 ? 'OK' : (i + 1) / 2));
  });

  it('multi().execAsPipeline(): replies in order; an error rejects it, later commands still run', { timeout }, async () => {
    const results = await client.multi().set('ep:k', '1').incr('ep:k').get('ep:k').execAsPipeline();
    assert.deepEqual(results, ['OK', 2, '2']);
    await assert.rejects(client.multi().set('ep:text', 'abc').incr('ep:text').set('ep:after', 'x').execAsPipeline(),
      (err) => err instanceof ErrorReply && err.message === errors.notInteger);
    assert.equal(await client.get('ep:after'), 'x');
  });

  it('multi().exec(): MULTI/EXEC transaction', { timeout }, async (t) => {
    const names = ['multi', 'exec', 'discard'];
    const missing = missingCommands(names, await client.sendCommand(['COMMAND', 'INFO', ...names]));
    if (missing.length) return t.skip(`tierkv has no ${missing.join('/').toUpperCase()} yet`);
    assert.deepEqual(await client.multi().set('m:k', '1').incr('m:k').get('m:k').exec(), ['OK', 2, '2']);
  });

  it('error replies reject with the exact message; the connection stays usable', { timeout }, async () => {
    await assert.rejects(client.sendCommand(['NOSUCHCMD', 'x', 'y']),
      (err) => err instanceof ErrorReply && err.message === errors.unknownCommand);
    await client.set('e:text', 'abc');
    await assert.rejects(client.incr('e:text'), (err) => err instanceof ErrorReply && err.message === errors.notInteger);
    assert.equal(await client.ping(), 'PONG');
  });

  it('WRONGTYPE rejects with the exact message', { timeout }, async (t) => {
    if (missingCommands(['lpush'], await client.sendCommand(['COMMAND', 'INFO', 'lpush'])).length) {
      return t.skip('tierkv has no LPUSH (no list type) yet');
    }
    await client.lPush('e:list', 'x');
    await assert.rejects(client.get('e:list'), (err) => err instanceof ErrorReply && err.message === errors.wrongType);
  });

  it('scanIterator returns each of 1000 keys once', { timeout }, async () => {
    const writes = [];
    for (let i = 0; i < 1000; i++) writes.push(client.set(`scan:${i}`, String(i)));
    await Promise.all([...writes, client.set('other', '1')]);
    const seen = [];
    for await (const key of client.scanIterator({ MATCH: 'scan:*', COUNT: 100 })) seen.push(key);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000);
    assert.ok(seen.every((key) => key.startsWith('scan:')));
  });

  it('pub/sub: subscribe, pSubscribe, messages in publish order', { timeout }, async () => {
    const sub = await connect();
    try {
      const got = [];
      let resolve;
      const done = new Promise((r) => { resolve = r; });
      const note = (entry) => { got.push(entry); if (got.length === 3) resolve(); };
      await sub.subscribe('news', (message, channel) => note([channel, message]));
      await sub.pSubscribe('ev:*', (message, channel) => note(['ev:*', channel, message]));
      assert.equal(await client.publish('news', 'one'), 1);
      assert.equal(await client.publish('ev:a', 'two'), 1);
      assert.equal(await client.publish('nobody', 'x'), 0);
      assert.equal(await client.publish('news', 'three'), 1);
      await done;
      assert.deepEqual(got, [['news', 'one'], ['ev:*', 'ev:a', 'two'], ['news', 'three']]);
      assert.deepEqual({ ...(await client.pubSubNumSub('news')) }, { news: 1 });
      await sub.unsubscribe('news');
      assert.deepEqual({ ...(await client.pubSubNumSub('news')) }, { news: 0 });
    } finally {
      await sub.quit();
    }
  });

  it('RESP3', { skip: 'node-redis v4 speaks RESP2 only' }, () => {});
});
