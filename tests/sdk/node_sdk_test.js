#!/usr/bin/env node
// Calls kprogress's alikafka GetConsumerProgress through Alibaba's real Node SDKs, every way
// those SDKs call it (spec/alikafka-api.md §3), and checks what each client hands its user.
//
// Needs tests/sdk/node/node_modules (tests/sdk/install). Environment:
//   KP_ENDPOINT  host:port of the server          KP_INSTANCE, KP_REGION, KP_GROUP  what to ask
//   KP_AK, KP_SECRET  a key the server knows       KP_EXPECT  JSON file with the expected progress:
//     {"TotalDiff": N, "topics": {topic: {partition: {"BrokerOffset", "ConsumerOffset",
//                                                     "LastTimestamp"}}}}
//     (a partition's "LastTimestamp" may be left out when it is not to be checked)
//   KP_ERR_INSTANCE_CODE, KP_ERR_GROUP_CODE  the server's codes for an unknown instance / group
//     (default InvalidInstanceId.NotFound, InvalidConsumerId.NotFound)
//   KP_ONLY  optional comma-separated client names to run (default: all)
//   KP_PROTOCOL  http (default) or https; KP_CA  PEM file of the CA that issued the server's
//     certificate, given to each client through its own option (Tea Config.ca, pop-core's
//     request option ca, which httpx hands to https.request); verification stays on
//
// For each client: one call that must match KP_EXPECT (the 2019-09-16 Tea client also with
// HideLastTimestamp=true, where every LastTimestamp must be -1), then a wrong secret, an unknown
// instance and an unknown group, each of which must raise the error the SDK's users would see.
// Prints one line per check, ends with "N passed, M failed", exits 1 on any failure.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const modules = path.join(__dirname, 'node', 'node_modules');
const need = (name) => require(path.join(modules, name));

function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined) {
    console.error(`node_sdk_test: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const t = {
  endpoint: env('KP_ENDPOINT'),
  instance: env('KP_INSTANCE'),
  region: env('KP_REGION'),
  group: env('KP_GROUP'),
  ak: env('KP_AK'),
  secret: env('KP_SECRET'),
  expect: JSON.parse(fs.readFileSync(env('KP_EXPECT'), 'utf8')),
  errInstance: env('KP_ERR_INSTANCE_CODE', 'InvalidInstanceId.NotFound'),
  errGroup: env('KP_ERR_GROUP_CODE', 'InvalidConsumerId.NotFound'),
  protocol: env('KP_PROTOCOL', 'http'),
  ca: process.env.KP_CA ? fs.readFileSync(process.env.KP_CA, 'utf8') : undefined,
};
if (t.protocol !== 'http' && t.protocol !== 'https') {
  console.error(`node_sdk_test: KP_PROTOCOL=${t.protocol}, want http or https`);
  process.exit(2);
}

class CallError extends Error {
  constructor(code, detail) {
    super(`${code}: ${detail}`);
    this.code = code;
  }
}

// --- The clients. Each call(secret, instance, group, hide) resolves to the response body as
// an object with the wire's PascalCase keys, or rejects with CallError carrying the code the
// client reports.

// @alicloud/pop-core: V1 signature; GET puts everything in the query, POST in a form body.
function popCoreCall(apiVersion, method) {
  return async (secret, instance, group) => {
    const { RPCClient } = need('@alicloud/pop-core');
    const client = new RPCClient({
      accessKeyId: t.ak,
      accessKeySecret: secret,
      endpoint: `${t.protocol}://${t.endpoint}`,
      apiVersion,
    });
    const params = { RegionId: t.region, InstanceId: instance, ConsumerId: group };
    try {
      // pop-core parses with json-bigint: int64 values come back as BigNumber objects.
      return normalizeNumbers(
        await client.request('GetConsumerProgress', params,
          { method, timeout: 30000, ...(t.ca ? { ca: t.ca } : {}) }));
    } catch (e) {
      // pop-core throws `${Code}Error` with .code for any body with a non-success Code.
      if (e.code && typeof e.code === 'string' && e.name === `${e.code}Error`) {
        throw new CallError(e.code, e.message);
      }
      throw e;
    }
  };
}

// The Tea SDKs (@alicloud/alikafka2018..., 2019...): V3 ACS3-HMAC-SHA256.
function teaCall(pkg) {
  return async (secret, instance, group, hide) => {
    const { $OpenApiUtil } = need('@alicloud/openapi-core');
    const mod = need(pkg);
    const Client = mod.default;
    const config = new $OpenApiUtil.Config({
      accessKeyId: t.ak,
      accessKeySecret: secret,
      regionId: t.region,
      endpoint: t.endpoint,
      protocol: t.protocol,
      readTimeout: 30000,
      connectTimeout: 5000,
      ...(t.ca ? { ca: t.ca } : {}), // PEM text: Tea hands it to https.request as `ca`
    });
    const client = new Client(config);
    const req = { regionId: t.region, instanceId: instance, consumerId: group };
    if (hide) req.hideLastTimestamp = true;
    let resp;
    try {
      resp = await client.getConsumerProgress(new mod.GetConsumerProgressRequest(req));
    } catch (e) {
      if (e.code) throw new CallError(e.code, `${e.name} statusCode=${e.statusCode} ${e.message}`);
      throw e;
    }
    if (resp.statusCode !== 200) throw new CallError(`HTTP${resp.statusCode}`, 'non-200 from Tea');
    return toWireMap(resp.body);
  };
}

// Tea models keep camelCase fields and know their wire names through names(); turn a model
// back into the wire's PascalCase object, as Python's to_map() does.
function toWireMap(model) {
  if (Array.isArray(model)) return model.map(toWireMap);
  if (model === null || typeof model !== 'object') return model;
  const names = typeof model.constructor.names === 'function' ? model.constructor.names() : null;
  const out = {};
  for (const [k, v] of Object.entries(model)) {
    if (v === undefined) continue;
    out[names && names[k] ? names[k] : k] = toWireMap(v);
  }
  return out;
}

// json-bigint's BigNumber -> Number (exact below 2^53; offsets in the tests stay below).
function normalizeNumbers(v) {
  if (Array.isArray(v)) return v.map(normalizeNumbers);
  if (v && typeof v === 'object') {
    if (typeof v.isBigNumber === 'function' || v._isBigNumber) return Number(v.toString());
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeNumbers(x);
    return out;
  }
  return v;
}

const CLIENTS = [
  // name, call, API version, supports HideLastTimestamp
  ['popcore-2018-get', popCoreCall('2018-10-15', 'GET'), '2018-10-15', false],
  ['popcore-2018-post', popCoreCall('2018-10-15', 'POST'), '2018-10-15', false],
  ['popcore-2019-get', popCoreCall('2019-09-16', 'GET'), '2019-09-16', false],
  ['popcore-2019-post', popCoreCall('2019-09-16', 'POST'), '2019-09-16', false],
  ['tea-2018-v3', teaCall('@alicloud/alikafka20181015'), '2018-10-15', false],
  ['tea-2019-v3', teaCall('@alicloud/alikafka20190916'), '2019-09-16', true],
];

// --- Checking a response against KP_EXPECT.

const UUID_RE = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

function compare(body, expect, hide) {
  const diffs = [];
  if (body.Code !== 200 && body.Code !== '200') diffs.push(`Code=${JSON.stringify(body.Code)}`);
  if (body.Success !== true) diffs.push(`Success=${JSON.stringify(body.Success)}`);
  if (!UUID_RE.test(String(body.RequestId ?? ''))) diffs.push(`RequestId=${body.RequestId} is not a UUID`);
  const cp = body.ConsumerProgress;
  if (!cp || typeof cp !== 'object') return diffs.concat(['no ConsumerProgress']);
  if (cp.TotalDiff !== expect.TotalDiff) diffs.push(`TotalDiff=${cp.TotalDiff} want ${expect.TotalDiff}`);
  const gotTopics = new Map(((cp.TopicList || {}).TopicList || []).map((tp) => [tp.Topic, tp]));
  const wantTopics = Object.keys(expect.topics);
  if ([...gotTopics.keys()].sort().join() !== [...wantTopics].sort().join()) {
    diffs.push(`topics ${[...gotTopics.keys()].sort()} want ${[...wantTopics].sort()}`);
  }
  const groupTs = [];
  for (const topic of wantTopics) {
    const tp = gotTopics.get(topic);
    if (!tp) continue;
    const wantParts = expect.topics[topic];
    const parts = new Map(((tp.OffsetList || {}).OffsetList || []).map((o) => [String(o.Partition), o]));
    if ([...parts.keys()].sort().join() !== Object.keys(wantParts).sort().join()) {
      diffs.push(`${topic}: partitions ${[...parts.keys()].sort()} want ${Object.keys(wantParts).sort()}`);
    }
    let lag = 0;
    const topicTs = [];
    for (const [p, want] of Object.entries(wantParts)) {
      const got = parts.get(p);
      if (!got) continue;
      for (const field of ['BrokerOffset', 'ConsumerOffset']) {
        if (got[field] !== want[field]) diffs.push(`${topic}-${p} ${field}=${got[field]} want ${want[field]}`);
      }
      lag += Math.max(0, want.BrokerOffset - want.ConsumerOffset);
      if (hide) {
        if (got.LastTimestamp !== -1) diffs.push(`${topic}-${p} LastTimestamp=${got.LastTimestamp} want -1 (hidden)`);
      } else if ('LastTimestamp' in want) {
        topicTs.push(want.LastTimestamp);
        if (got.LastTimestamp !== want.LastTimestamp) {
          diffs.push(`${topic}-${p} LastTimestamp=${got.LastTimestamp} want ${want.LastTimestamp}`);
        }
      }
    }
    if (tp.TotalDiff !== lag) diffs.push(`${topic} TotalDiff=${tp.TotalDiff} want ${lag}`);
    const allTs = topicTs.length === Object.keys(wantParts).length && topicTs.length > 0;
    const wantTopicTs = hide ? -1 : allTs ? Math.max(...topicTs) : null;
    if (wantTopicTs !== null) {
      groupTs.push(wantTopicTs);
      if (tp.LastTimestamp !== wantTopicTs) diffs.push(`${topic} LastTimestamp=${tp.LastTimestamp} want ${wantTopicTs}`);
    }
  }
  if (groupTs.length > 0 && groupTs.length === wantTopics.length) {
    const want = hide ? -1 : Math.max(...groupTs);
    if (cp.LastTimestamp !== want) diffs.push(`LastTimestamp=${cp.LastTimestamp} want ${want}`);
  }
  return diffs;
}

let passed = 0;
let failed = 0;

async function check(name, fn) {
  let problem;
  try {
    problem = await fn();
  } catch (e) {
    problem = `${e.name}: ${e.message}`;
    if (process.env.KP_VERBOSE) console.error(e);
  }
  if (problem) {
    failed++;
    const oneLine = String(problem).split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');
    console.log(`FAIL ${name}: ${oneLine.slice(0, 1000)}`);
  } else {
    passed++;
    console.log(`ok   ${name}`);
  }
}

const expectSuccess = (call, hide) => async () => {
  const diffs = compare(await call(t.secret, t.instance, t.group, hide), t.expect, hide);
  return diffs.length ? diffs.slice(0, 8).join('; ') : null;
};

const expectError = (call, secret, instance, group, code) => async () => {
  let body;
  try {
    body = await call(secret, instance, group, false);
  } catch (e) {
    if (!(e instanceof CallError)) throw e;
    return e.code === code ? null : `raised ${e.message} ; want code ${code}`;
  }
  // HTTP 200 with Success:false reaches Tea users as a body, not an exception.
  if (body && body.Success === false && body.Code === code) return null;
  return `no error raised (Code=${JSON.stringify(body && body.Code)}); want ${code}`;
};

async function main() {
  const only = new Set((process.env.KP_ONLY || '').split(',').filter(Boolean));
  const suffix = crypto.randomBytes(3).toString('hex');
  const bogusInstance = `${t.instance}-missing-${suffix}`;
  const bogusGroup = `${t.group}-missing-${suffix}`;
  for (const [name, call, version, hasHide] of CLIENTS) {
    if (only.size && !only.has(name)) continue;
    await check(`${name} GetConsumerProgress ${version}`, expectSuccess(call, false));
    if (hasHide) await check(`${name} HideLastTimestamp=true`, expectSuccess(call, true));
    await check(`${name} wrong secret -> SignatureDoesNotMatch`,
      expectError(call, `${t.secret}x`, t.instance, t.group, 'SignatureDoesNotMatch'));
    await check(`${name} unknown instance -> ${t.errInstance}`,
      expectError(call, t.secret, bogusInstance, t.group, t.errInstance));
    await check(`${name} unknown group -> ${t.errGroup}`,
      expectError(call, t.secret, t.instance, bogusGroup, t.errGroup));
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || !passed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
