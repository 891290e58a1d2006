// tierkv as ioredis sees it: the connect handshake (SELECT, CLIENT SETNAME,
// CLIENT SETINFO, the INFO ready check), strings and expiry, Buffers,
// pipelines, MULTI/EXEC when tierkv has it, error replies, scanStream and
// pub/sub.
// ioredis 5 speaks RESP2 only. Run: with_server.py node ioredis.test.js
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Redis = require('ioredis');
const { port, errors, installedVersion, missingCommands, parseInfo, parseClientInfo } = require('./common');

const timeout = 15000;
const options = {
  host: '127.0.0.1',
  port,
  retryStrategy: () => null, // fail fast instead of reconnecting forever
  maxRetriesPerRequest: 0,
};

describe('ioredis ' + installedVersion('ioredis'), () => {
  let redis; // on db 2, with a name and the ready check
  let db0;

  before(async () => {
    redis = new Redis({ ...options, db: 2, connectionName: 'ioredis-test', enableReadyCheck: true });
    db0 = new Redis(options);
    await Promise.all([redis.flushall(), db0.ping()]);
  });

  after(async () => {
    assert.deepEqual(await Promise.all([redis.quit(), db0.quit()]), ['OK', 'OK']); // QUIT closes cleanly
  });

  it('connects: SELECT, CLIENT SETNAME and SETINFO took effect, ready check passed', { timeout }, async () => {
    assert.equal(redis.status, 'ready');
    assert.equal(await redis.client('GETNAME'), 'ioredis-test');
    const info = parseClientInfo(await redis.client('INFO'));
    assert.equal(info.db, '2');
    assert.equal(info.name, 'ioredis-test');
    assert.equal(info['lib-name'], 'ioredis');
    assert.equal(info['lib-ver'], installedVersion('ioredis'));
    await redis.set('where', 'db2');
    assert.equal(await db0.get('where'), null);
    assert.equal(await db0.dbsize(), 0);
  });

  it('INFO has what the ready check reads, CRLF-separated', { timeout }, async () => {
    const text = await redis.info();
    assert.match(text, /\r\nloading:0\r\n/);
    const info = parseInfo(text);
    assert.equal(info.redis_version, '7.0.15');
    assert.equal(info.loading, '0');
    assert.equal(parseInfo(await redis.info('server')).redis_mode, 'standalone');
  });

  it('SET/GET/DEL/EXPIRE/TTL', { timeout }, async () => {
    assert.equal(await redis.set('s:k', 'v'), 'OK');
    assert.equal(await redis.get('s:k'), 'v');
    assert.equal(await redis.get('s:missing'), null);
    assert.equal(await redis.set('s:k', 'w', 'NX'), null);
    assert.equal(await redis.ttl('s:k'), -1);
    assert.equal(await redis.expire('s:k', 100), 1);
    assert.equal(await redis.ttl('s:k'), 100);
    assert.equal(await redis.set('s:ex', 'v', 'EX', 50), 'OK');
    assert.ok((await redis.pttl('s:ex')) > 49000);
    assert.equal(await redis.ttl('s:missing'), -2);
    assert.equal(await redis.incrby('s:n', 5), 5);
    assert.deepEqual(await redis.mget('s:k', 's:missing', 's:n'), ['v', null, '5']);
    assert.equal(await redis.del('s:k', 's:ex', 's:n', 's:missing'), 3);
  });

  it('binary-safe Buffers', { timeout }, async () => {
    const key = Buffer.from([0x62, 0x00, 0xff, 0x0d, 0x0a]);
    const value = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from('\r\n$3\r\n')]);
    assert.equal(await redis.set(key, value), 'OK');
    assert.deepEqual(await redis.getBuffer(key), value);
    assert.equal(await redis.strlen(key), value.length);
    assert.equal(await redis.exists(Buffer.from('b')), 0);
  });

  it('pipeline(): 1000 commands, replies in order, an error in the middle', { timeout }, async () => {
    const pipe = redis.pipeline();
    for (let i = 0; i < 500; i++) pipe.set(`p:${i}`, `v${i}`).incr('p:counter');
    const results = await pipe.exec();
    assert.equal(results.length, 1000);
    results.forEach(([err, reply], i) => {
      assert.equal(err, null);
      assert.equal(reply, i % 2 === 0 ? 'OK' : (i + 1) / 2);
    });
    const [[, set], [incrErr], [, get]] = await redis.pipeline().set('p:text', 'abc').incr('p:text').get('p:text').exec();
    assert.equal(set, 'OK');
    assert.equal(incrErr.message, errors.notInteger);
    assert.equal(get, 'abc');
  });

  it('multi(): MULTI/EXEC transaction', { timeout }, async (t) => {
    const missing = missingCommands(['multi', 'exec', 'discard'], await redis.command('INFO', 'multi', 'exec', 'discard'));
    if (missing.length) return t.skip(`tierkv has no ${missing.join('/').toUpperCase()} yet`);
    assert.deepEqual(await redis.multi().set('m:k', '1').incr('m:k').get('m:k').exec(),
      [[null, 'OK'], [null, 2], [null, '2']]);
  });

  it('error replies reject with the exact message; the connection stays usable', { timeout }, async () => {
    await assert.rejects(redis.call('NOSUCHCMD', 'x', 'y'), { name: 'ReplyError', message: errors.unknownCommand });
    await redis.set('e:text', 'abc');
    await assert.rejects(redis.incr('e:text'), { name: 'ReplyError', message: errors.notInteger });
    assert.equal(await redis.ping(), 'PONG');
  });

  it('WRONGTYPE rejects with the exact message', { timeout }, async (t) => {
    if (missingCommands(['lpush'], await redis.command('INFO', 'lpush')).length) {
      return t.skip('tierkv has no LPUSH (no list type) yet');
    }
    await redis.lpush('e:list', 'x');
    await assert.rejects(redis.get('e:list'), { name: 'ReplyError', message: errors.wrongType });
  });

  it('scanStream returns each of 1000 keys once', { timeout }, async () => {
    const pipe = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipe.set(`scan:${i}`, i);
    pipe.set('other', 1);
    await pipe.exec();
    const seen = [];
    for await (const batch of redis.scanStream({ match: 'scan:*', count: 100 })) seen.push(...batch);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000);
    assert.ok(seen.every((key) => key.startsWith('scan:')));
  });

  it('pub/sub: subscribe, psubscribe, messages in publish order', { timeout }, async () => {
    const sub = new Redis(options);
    try {
      const got = [];
      const done = new Promise((resolve) => {
        sub.on('message', (channel, message) => { got.push(['message', channel, message]); if (got.length === 4) resolve(); });
        sub.on('pmessage', (pattern, channel, message) => { got.push([pattern, channel, message]); if (got.length === 4) resolve(); });
      });
      assert.equal(await sub.subscribe('news'), 1);
      assert.equal(await sub.psubscribe('ev:*'), 2);
      assert.equal(await redis.publish('news', 'one'), 1);
      assert.equal(await redis.publish('ev:a', 'two'), 1);
      assert.equal(await redis.publish('news', 'three'), 1);
      assert.equal(await redis.publish('nobody', 'x'), 0);
      assert.equal(await redis.publish('ev:b', 'four'), 1);
      await done;
      assert.deepEqual(got, [['message', 'news', 'one'], ['ev:*', 'ev:a', 'two'], ['message', 'news', 'three'],
        ['ev:*', 'ev:b', 'four']]);
      assert.deepEqual(await redis.pubsub('NUMSUB', 'news'), ['news', 1]);
    } finally {
      sub.disconnect();
    }
  });

  it('RESP3', { skip: 'ioredis 5 speaks RESP2 only' }, () => {});
});
