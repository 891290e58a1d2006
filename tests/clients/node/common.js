// Shared by the client tests: where the server is (set by
// tests/clients/with_server.py) and the exact texts Redis 7 replies with.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const port = Number(process.env.TIERKV_PORT);
if (!port) {
  throw new Error('TIERKV_PORT is not set: run through tests/clients/with_server.py');
}

const errors = {
  unknownCommand: "ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' 'y' ",
  notInteger: 'ERR value is not an integer or out of range',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
};

// The installed version of an npm package (the one package-lock.json pins).
function installedVersion(name) {
  const file = path.join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

// COMMAND INFO's reply (one entry per name, null when unknown) -> the
// names tierkv does not have, for skip reasons.
function missingCommands(names, commandInfoReply) {
  return names.filter((name, i) => commandInfoReply[i] === null);
}

// "k1:v1\r\nk2:v2\r\n# Section\r\n..." -> {k1: 'v1', ...}, split on CRLF as
// ioredis's ready check does.
function parseInfo(text) {
  const fields = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

// CLIENT INFO's "id=1 addr=... name=x db=2 ..." -> {id: '1', ...}.
function parseClientInfo(text) {
  const fields = {};
  for (const pair of text.trim().split(' ')) {
    const at = pair.indexOf('=');
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return fields;
}

module.exports = { port, errors, installedVersion, missingCommands, parseInfo, parseClientInfo };
