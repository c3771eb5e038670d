#!/usr/bin/env python3
"""Calls kprogress's alikafka GetConsumerProgress through Alibaba's real Python SDKs, every way
those SDKs call it (spec/alikafka-api.md §3), and checks what each client hands its user.

Run with the venv tests/sdk/install makes (.cache/sdk/venv/bin/python). Environment:
  KP_ENDPOINT  host:port of the server          KP_INSTANCE, KP_REGION, KP_GROUP  what to ask
  KP_AK, KP_SECRET  a key the server knows       KP_EXPECT  JSON file with the expected progress:
    {"TotalDiff": N, "topics": {topic: {partition: {"BrokerOffset", "ConsumerOffset",
                                                    "LastTimestamp"}}}}
    (a partition's "LastTimestamp" may be left out when it is not to be checked)
  KP_ERR_INSTANCE_CODE, KP_ERR_GROUP_CODE  the server's codes for an unknown instance / group
    (default InvalidInstanceId.NotFound, InvalidConsumerId.NotFound)
  KP_ONLY  optional comma-separated client names to run (default: all)
  KP_PROTOCOL  http (default) or https; KP_CA  PEM file of the CA that issued the server's
    certificate, given to each client through its own option (Tea Config.ca,
    aliyun-python-sdk-core AcsClient(verify=...)); verification stays on

For each client: one call that must match KP_EXPECT (the 2019-09-16 Tea client also with
HideLastTimestamp=True, where every LastTimestamp must be -1), then a wrong secret, an unknown
instance and an unknown group, each of which must raise the error the SDK's users would see.
Prints one line per check, ends with "N passed, M failed", exits 1 on any failure.
"""

import json
import os
import re
import subprocess
import sys
import traceback
import uuid

LEGACY_2018_DIR = os.path.join(os.path.dirname(os.path.abspath(sys.executable)), '..', 'legacy',
                               'alikafka20181015-1.0.1')


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        sys.exit(f'python_sdk_test: {name} is not set')
    return value


class Target:
    def __init__(self):
        self.endpoint = env('KP_ENDPOINT')
        self.instance = env('KP_INSTANCE')
        self.region = env('KP_REGION')
        self.group = env('KP_GROUP')
        self.ak = env('KP_AK')
        self.secret = env('KP_SECRET')
        with open(env('KP_EXPECT')) as f:
            self.expect = json.load(f)
        self.err_instance = env('KP_ERR_INSTANCE_CODE', 'InvalidInstanceId.NotFound')
        self.err_group = env('KP_ERR_GROUP_CODE', 'InvalidConsumerId.NotFound')
        self.protocol = env('KP_PROTOCOL', 'http')
        if self.protocol not in ('http', 'https'):
            sys.exit(f'python_sdk_test: KP_PROTOCOL={self.protocol!r}, want http or https')
        self.ca = os.environ.get('KP_CA') or None


class CallError(Exception):
    """What a client raised, reduced to what its user reads: the error code."""

    def __init__(self, code, detail):
        super().__init__(f'{code}: {detail}')
        self.code = code


# --- The clients. Each call(target, secret, instance, group, hide) returns the response body as
# a dict with the wire's PascalCase keys, or raises CallError with the code the client reports.

def tea_call(module, signature_algorithm=None):
    def call(t, secret, instance, group, hide):
        from alibabacloud_tea_openapi import models as open_api_models
        client_mod = __import__(f'{module}.client', fromlist=['Client'])
        models = __import__(f'{module}.models', fromlist=['GetConsumerProgressRequest'])
        kwargs = dict(access_key_id=t.ak, access_key_secret=secret, region_id=t.region,
                      endpoint=t.endpoint, protocol=t.protocol, read_timeout=30000,
                      connect_timeout=5000)
        if t.ca:
            kwargs['ca'] = t.ca  # a file path: requests' verify= / ssl load_verify_locations
        if signature_algorithm:
            kwargs['signature_algorithm'] = signature_algorithm
        client = client_mod.Client(open_api_models.Config(**kwargs))
        req = dict(region_id=t.region, instance_id=instance, consumer_id=group)
        if hide:
            req['hide_last_timestamp'] = True
        try:
            resp = client.get_consumer_progress(models.GetConsumerProgressRequest(**req))
        except Exception as e:  # Tea raises ClientException / ServerException with .code
            code = getattr(e, 'code', None)
            if code is None:
                raise
            raise CallError(code, f'{type(e).__name__} status={getattr(e, "status_code", None)} '
                            f'{getattr(e, "message", e)}')
        status = getattr(resp, 'status_code', 200)  # 2021 models have no status_code
        if status != 200:
            raise CallError(f'HTTP{status}', 'Tea returned a non-200 response')
        return resp.body.to_map()
    return call


def legacy_2018_call(t, secret, instance, group, hide):
    """alibabacloud-alikafka20181015 1.0.1 (2021): V1 signature, params in a form body. It cannot
    share the venv with 1.0.3, so it runs in a child with its own directory first on the path."""
    if not os.path.isdir(LEGACY_2018_DIR):
        raise CallError('NotInstalled', f'{LEGACY_2018_DIR} missing: run tests/sdk/install')
    child_env = dict(os.environ, PYTHONPATH=LEGACY_2018_DIR, KP_SECRET=secret,
                     KP_INSTANCE=instance, KP_GROUP=group)
    out = subprocess.run([sys.executable, os.path.abspath(__file__), '--legacy-2018-child'],
                         env=child_env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f'legacy child failed: {out.stderr.strip()[-2000:]}')
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if 'crash' in result:
        raise RuntimeError(result['crash'])
    if 'error' in result:
        raise CallError(result['error'], result.get('detail', ''))
    return result['body']


def legacy_2018_child():
    import alibabacloud_alikafka20181015
    version = getattr(alibabacloud_alikafka20181015, '__version__', '?')
    if version != '1.0.1':
        sys.exit(f'legacy child imported alibabacloud_alikafka20181015 {version}, not 1.0.1')
    t = Target()
    try:
        body = tea_call('alibabacloud_alikafka20181015')(t, t.secret, t.instance, t.group,
                                                              False)
        print(json.dumps({'body': body}))
    except CallError as e:
        print(json.dumps({'error': e.code, 'detail': str(e)}))
    except Exception as e:  # reported by the parent as a failed check
        print(json.dumps({'crash': f'{type(e).__name__}: {e}'}))


def core_call(version, method=None):
    """aliyun-python-sdk-core: a CommonRequest (method given), or with version None the typed
    request class of aliyun-python-sdk-alikafka (2019-09-16, POST, RegionId added by the core)."""
    def call(t, secret, instance, group, hide):
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkcore.http import protocol_type
        from aliyunsdkcore.request import CommonRequest
        # The SDK's own constants: HttpResponse tests `protocol is PT.HTTPS` (identity), so an
        # equal string read from the environment would silently send plain HTTP.
        protocol = protocol_type.HTTPS if t.protocol == 'https' else protocol_type.HTTP
        client = AcsClient(t.ak, secret, t.region, timeout=30, connect_timeout=5,
                           verify=t.ca if t.protocol == 'https' else None)
        if method is None:
            from aliyunsdkalikafka.request.v20190916.GetConsumerProgressRequest import (
                GetConsumerProgressRequest)
            req = GetConsumerProgressRequest()
            req.set_endpoint(t.endpoint)
            req.set_protocol_type(protocol)
            req.set_InstanceId(instance)
            req.set_ConsumerId(group)
        else:
            req = CommonRequest()
            req.set_domain(t.endpoint)
            req.set_protocol_type(protocol)
            req.set_version(version)
            req.set_action_name('GetConsumerProgress')
            req.set_method(method)
            for k, v in {'RegionId': t.region, 'InstanceId': instance, 'ConsumerId': group}.items():
                req.add_query_param(k, v)
        try:
            raw = client.do_action_with_exception(req)
        except ServerException as e:
            raise CallError(e.get_error_code(), f'status={e.get_http_status()} {e.get_error_msg()}')
        except ClientException as e:
            raise CallError(e.get_error_code(), e.get_error_msg())
        return json.loads(raw)
    return call


CLIENTS = [
    # name, call, API version, supports HideLastTimestamp
    ('tea-2018-v3', tea_call('alibabacloud_alikafka20181015'), '2018-10-15', False),
    ('tea-2019-v3', tea_call('alibabacloud_alikafka20190916'), '2019-09-16', True),
    ('tea-2018-sigv2', tea_call('alibabacloud_alikafka20181015', 'v2'), '2018-10-15', False),
    ('tea-2019-sigv2', tea_call('alibabacloud_alikafka20190916', 'v2'), '2019-09-16', True),
    ('tea-2018-1.0.1-form', legacy_2018_call, '2018-10-15', False),
    ('core-2018-post', core_call('2018-10-15', 'POST'), '2018-10-15', False),
    ('core-2019-post', core_call('2019-09-16', 'POST'), '2019-09-16', False),
    ('core-2019-get', core_call('2019-09-16', 'GET'), '2019-09-16', False),
    ('core-alikafka-2019', core_call(None), '2019-09-16', False),
]


# --- Checking a response against KP_EXPECT.

UUID_RE = re.compile(r'^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$')


def compare(body, expect, hide):
    """Returns a list of differences between a GetConsumerProgress body and the expectation."""
    diffs = []
    if body.get('Code') not in (200, '200'):
        diffs.append(f'Code={body.get("Code")!r}')
    if body.get('Success') is not True:
        diffs.append(f'Success={body.get("Success")!r}')
    if not UUID_RE.match(str(body.get('RequestId', ''))):
        diffs.append(f'RequestId={body.get("RequestId")!r} is not a UUID')
    cp = body.get('ConsumerProgress')
    if not isinstance(cp, dict):
        return diffs + ['no ConsumerProgress']
    if cp.get('TotalDiff') != expect['TotalDiff']:
        diffs.append(f'TotalDiff={cp.get("TotalDiff")} want {expect["TotalDiff"]}')
    got_topics = {tp.get('Topic'): tp for tp in (cp.get('TopicList') or {}).get('TopicList') or []}
    if set(got_topics) != set(expect['topics']):
        diffs.append(f'topics {sorted(got_topics)} want {sorted(expect["topics"])}')
    group_ts = []
    for topic, want_parts in expect['topics'].items():
        tp = got_topics.get(topic)
        if tp is None:
            continue
        parts = {str(o.get('Partition')): o for o in (tp.get('OffsetList') or {}).get('OffsetList') or []}
        if set(parts) != set(want_parts):
            diffs.append(f'{topic}: partitions {sorted(parts)} want {sorted(want_parts)}')
        lag = 0
        topic_ts = []
        for p, want in want_parts.items():
            got = parts.get(p)
            if got is None:
                continue
            for field in ('BrokerOffset', 'ConsumerOffset'):
                if got.get(field) != want[field]:
                    diffs.append(f'{topic}-{p} {field}={got.get(field)} want {want[field]}')
            lag += max(0, want['BrokerOffset'] - want['ConsumerOffset'])
            if hide:
                if got.get('LastTimestamp') != -1:
                    diffs.append(f'{topic}-{p} LastTimestamp={got.get("LastTimestamp")} want -1 (hidden)')
            elif 'LastTimestamp' in want:
                topic_ts.append(want['LastTimestamp'])
                if got.get('LastTimestamp') != want['LastTimestamp']:
                    diffs.append(f'{topic}-{p} LastTimestamp={got.get("LastTimestamp")} '
                                 f'want {want["LastTimestamp"]}')
        if tp.get('TotalDiff') != lag:
            diffs.append(f'{topic} TotalDiff={tp.get("TotalDiff")} want {lag}')
        want_topic_ts = -1 if hide else (max(topic_ts) if topic_ts and len(topic_ts) == len(want_parts) else None)
        if want_topic_ts is not None:
            group_ts.append(want_topic_ts)
            if tp.get('LastTimestamp') != want_topic_ts:
                diffs.append(f'{topic} LastTimestamp={tp.get("LastTimestamp")} want {want_topic_ts}')
    if group_ts and len(group_ts) == len(expect['topics']):
        want_group_ts = -1 if hide else max(group_ts)
        if cp.get('LastTimestamp') != want_group_ts:
            diffs.append(f'LastTimestamp={cp.get("LastTimestamp")} want {want_group_ts}')
    return diffs


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, fn):
        try:
            problem = fn()
        except Exception as e:  # a client crash is a failed check, not a crashed run
            problem = f'{type(e).__name__}: {e}'
            if os.environ.get('KP_VERBOSE'):
                traceback.print_exc()
        if problem:
            self.failed += 1
            problem = ' | '.join(line.strip() for line in str(problem).splitlines() if line.strip())
            print(f'FAIL {name}: {problem[:1000]}', flush=True)
        else:
            self.passed += 1
            print(f'ok   {name}', flush=True)


def expect_success(call, t, hide):
    def run():
        diffs = compare(call(t, t.secret, t.instance, t.group, hide), t.expect, hide)
        return '; '.join(diffs[:8]) if diffs else None
    return run


def expect_error(call, t, secret, instance, group, codes):
    def run():
        try:
            body = call(t, secret, instance, group, False)
        except CallError as e:
            return None if e.code in codes else f'raised {e} ; want code {" or ".join(codes)}'
        # HTTP 200 with Success:false reaches Tea users as a body, not an exception.
        code = body.get('Code') if isinstance(body, dict) else None
        if body.get('Success') is False and code in codes:
            return None
        return f'no error raised (Code={code!r}); want {" or ".join(codes)}'
    return run


def main():
    if sys.argv[1:] == ['--legacy-2018-child']:
        return legacy_2018_child()
    t = Target()
    only = {s for s in os.environ.get('KP_ONLY', '').split(',') if s}
    report = Report()
    bogus_instance = t.instance + '-missing-' + uuid.uuid4().hex[:6]
    bogus_group = t.group + '-missing-' + uuid.uuid4().hex[:6]
    for name, call, version, has_hide in CLIENTS:
        if only and name not in only:
            continue
        report.check(f'{name} GetConsumerProgress {version}', expect_success(call, t, False))
        if has_hide:
            report.check(f'{name} HideLastTimestamp=True', expect_success(call, t, True))
        # aliyun-python-sdk-core renames SignatureDoesNotMatch to InvalidAccessKeySecret when the
        # server's StringToSign (after the ':' of the message) equals its own: that is what users
        # of its typed requests see, and it proves the server canonicalized exactly as the client
        # did. A CommonRequest never records its StringToSign (the inner request signs), so
        # its users see SignatureDoesNotMatch.
        secret_codes = (('InvalidAccessKeySecret',) if name == 'core-alikafka-2019'
                        else ('SignatureDoesNotMatch',))
        report.check(f'{name} wrong secret -> {secret_codes[0]}',
                     expect_error(call, t, t.secret + 'x', t.instance, t.group, secret_codes))
        report.check(f'{name} unknown instance -> {t.err_instance}',
                     expect_error(call, t, t.secret, bogus_instance, t.group, (t.err_instance,)))
        report.check(f'{name} unknown group -> {t.err_group}',
                     expect_error(call, t, t.secret, t.instance, bogus_group, (t.err_group,)))
    print(f'{report.passed} passed, {report.failed} failed', flush=True)
    return 1 if report.failed or not report.passed else 0


if __name__ == '__main__':
    sys.exit(main())
