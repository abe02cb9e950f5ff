// Hostile input: image URLs that point where they should not, paths that try to
// climb out of their roots, oversized bodies, and forged, replayed, malformed or
// flooding ramdisk callbacks. Each is answered 4xx with a message that says what
// to fix; the database is unchanged and no workflow starts (or, for callbacks,
// no signal reaches the deployment's workflow). Then the worker's own checks:
// a URL that passes the API but resolves to a refused address, or a boot file
// outside the allowed directories, fails the deploy with a clear last_error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { dbSnapshot } from '../support/snapshot';
import { waitFor } from '../support/procs';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { makeDemoImage } from '../lab/demo-image';
import { sealValue } from '#prisma/sealed-json';
import { parseCidrList } from '#workflows/domain/image-networks';
import { nodeOperationId } from '#workflows/contracts/ids';
import type { CallbackLimits } from '#apps/api/src/deployments/callback-limiter';

interface Ctx {
  /** An available node with a BMC address and a PXE port: only its image settings can be wrong. */
  avail: string;
  /** An active node (for rebuild). */
  act: string;
  port: string;
  dep: { id: string; secret: string; workflowId: string };
  other: { id: string; secret: string };
  closed: { id: string; secret: string };
  expired: { id: string; secret: string };
}

interface Case {
  name: string;
  method: string;
  path: (c: Ctx) => string;
  /** A value, a function of the context, or raw text (sent as is). */
  body?: unknown;
  raw?: string;
  headers?: (c: Ctx) => Record<string, string>;
  /** Runs before the snapshot is taken (e.g. sets instance_info through the API). */
  setup?: (c: Ctx, s: TestStack) => Promise<void>;
  status: number;
  message: RegExp;
  /** Temporal side: no operation on this node / no signal to the deployment's workflow. */
  temporal?: 'node:avail' | 'node:act' | 'callback';
  retryAfter?: boolean;
}

const SETTING = /IRONFLOW_IMAGE_ALLOWED_NETWORKS=/;
const SHA = `sha256:${'ab'.repeat(32)}`;
const LIMITS: CallbackLimits = { perDeployment: { rate: 1, burst: 300 }, perSource: { rate: 5, burst: 500 }, failureCost: 10 };

/** PUT active on the available node after setting instance_info (over the API, before the snapshot). */
function deployWith(name: string, instance: Record<string, unknown>, message: RegExp, target = 'active'): Case {
  const which = target === 'rebuild' ? 'act' : 'avail';
  return {
    name,
    method: 'PUT',
    path: (c) => `/v1/nodes/${c[which]}/states/provision`,
    body: { target },
    status: 400,
    message,
    temporal: `node:${which}`,
    setup: async (c, s) => {
      const r = await api(s, 'PATCH', `/v1/nodes/${c[which]}`, [
        { op: 'add', path: '/instance_info', value: { image_checksum: SHA, ...instance } },
      ]);
      assert.equal(r.status, 200, r.text);
    },
  };
}
const imageAt = (name: string, url: string, message: RegExp, target = 'active') => deployWith(name, { image_source: url }, message, target);

const cb = (c: Ctx, id = c.dep.id) => `/v1/deployments/${id}/callback`;
const withSecret = (s: (c: Ctx) => string) => (c: Ctx) => ({ 'X-Ironflow-Secret': s(c) });
const good = withSecret((c) => c.dep.secret);
function callback(name: string, body: unknown, status: number, message: RegExp, more: Partial<Case> = {}): Case {
  return { name, method: 'POST', path: (c) => cb(c), body, headers: good, status, message, temporal: 'callback', ...more };
}

const CASES: Case[] = [
  // Image URLs that point where they should not (literal addresses: refused by the API).
  imageAt(
    'image from the cloud metadata address',
    'http://169.254.169.254/latest/meta-data/iam',
    /169\.254\.169\.254 is a link-local address.*IRONFLOW_IMAGE_ALLOWED_NETWORKS=169\.254\.169\.254\/32/,
  ),
  imageAt('image from a 10/8 address', 'http://10.0.0.5/img.raw', /10\.0\.0\.5 is a private address \(RFC 1918\)/),
  imageAt('image from a 192.168/16 address', 'https://192.168.1.10:8443/img.raw', /192\.168\.1\.10 is a private address/),
  imageAt('image from a 172.16/12 address', 'http://172.16.5.4/img.raw', /172\.16\.5\.4 is a private address/),
  imageAt(
    'image from loopback outside the allowed 127.0.0.1/32',
    'http://127.0.0.2:6385/v1/nodes',
    /127\.0\.0\.2 is a loopback address.*=127\.0\.0\.2\/32/,
  ),
  imageAt('image from 0.0.0.0', 'http://0.0.0.0:8233/', /0\.0\.0\.0 is an unspecified/),
  imageAt('image from [::]', 'http://[::]/img.raw', /:: is an unspecified address/),
  imageAt('image from [::1]', 'http://[::1]:7233/', /::1 is a loopback address.*=::1\/128/),
  imageAt('image from a link-local IPv6 address', 'http://[fe80::1]/img.raw', /fe80::1 is a link-local address/),
  imageAt('image from a unique-local IPv6 address', 'http://[fd00::1]/img.raw', /fd00::1 is a private address \(unique local/),
  imageAt(
    'metadata address, IPv4-mapped IPv6',
    'http://[::ffff:169.254.169.254]/latest/',
    /link-local.*IPv4-mapped.*=169\.254\.169\.254\/32/,
  ),
  imageAt('private address, IPv4-mapped IPv6', 'http://[::ffff:10.0.0.1]/img.raw', /private.*IPv4-mapped/),
  imageAt('metadata address written as one decimal number', 'http://2852039166/latest/', /169\.254\.169\.254 is a link-local/),
  imageAt('metadata address written in hex', 'http://0xa9fea9fe/latest/', /169\.254\.169\.254 is a link-local/),
  imageAt('private address written in octal', 'http://012.0.0.1/img.raw', /10\.0\.0\.1 is a private/),
  imageAt('rebuild from a private address', 'http://10.1.2.3/img.raw', /10\.1\.2\.3 is a private/, 'rebuild'),
  imageAt('image over ftp://', 'ftp://images.example.org/img.raw', /scheme ftp: is not supported: use http:\/\/, https:\/\/ or file:\/\//),
  // Paths that climb out of their roots.
  imageAt(
    'file:// image with ..',
    'file:///srv/images/../../etc/shadow',
    /contains a \. or \.\. segment: name the file inside the image directory \(IRONFLOW_IMAGE_DIR\)/,
  ),
  imageAt('file:// image with encoded ..', 'file:///srv/images/%2e%2e/%2e%2e/etc/shadow', /\.\. segment/),
  imageAt('file:// image with encoded slashes', 'file:///srv/images/..%2F..%2Fetc%2Fshadow', /\.\. segment/),
  imageAt('file:// image on another host', 'file://fileserver/srv/img.raw', /names host fileserver in a file:\/\/ URL: only local files/),
  deployWith(
    'netboot kernel as a relative path',
    { image_source: 'http://images.example.org/a.raw', kernel: '../../etc/shadow', ramdisk: '/srv/images/r' },
    /instance_info\.kernel "\.\.\/\.\.\/etc\/shadow" is not an absolute path: give a file:\/\/ URL or an absolute path/,
  ),
  deployWith(
    'netboot ramdisk with encoded ..',
    { image_source: 'http://images.example.org/a.raw', kernel: '/srv/images/k', ramdisk: 'file:///srv/images/%2e%2e/%2e%2e/etc/passwd' },
    /instance_info\.ramdisk .* contains a \. or \.\. segment/,
  ),
  deployWith(
    'netboot kernel from the metadata service',
    { image_source: 'http://images.example.org/a.raw', kernel: 'http://169.254.169.254/k', ramdisk: '/srv/images/r' },
    /instance_info\.kernel .*http:\/\/ boot files are not supported/,
  ),
  {
    name: 'deploy_kernel with ..',
    method: 'POST',
    path: () => '/v1/nodes',
    body: { driver: 'ipmi', driver_info: { deploy_kernel: '/srv/images/../../etc/shadow' } },
    status: 400,
    message: /Invalid driver_info\.deploy_kernel .* contains a \. or \.\. segment/,
  },
  {
    name: 'deploy_ramdisk over tftp://',
    method: 'POST',
    path: () => '/v1/nodes',
    body: { driver: 'ipmi', driver_info: { deploy_ramdisk: 'tftp://10.0.0.1/initrd' } },
    status: 400,
    message: /deploy_ramdisk .*tftp:\/\/ boot files are not supported/,
  },
  {
    name: 'patch deploy_ramdisk to climb out',
    method: 'PATCH',
    path: (c) => `/v1/nodes/${c.avail}`,
    body: [{ op: 'add', path: '/driver_info/deploy_ramdisk', value: 'file:///x/..%2f..%2fetc/passwd' }],
    status: 400,
    message: /deploy_ramdisk .*\.\. segment/,
    temporal: 'node:avail',
  },
  {
    name: 'port MAC that is a path',
    method: 'POST',
    path: () => '/v1/ports',
    body: (c: Ctx) => ({ address: '../../etc/passwd', node_uuid: c.avail }),
    status: 400,
    message: /Expected valid MAC address for address: \.\.\/\.\.\/etc\/passwd\. Use six colon-separated hex pairs/,
  },
  {
    name: 'port MAC with a path after it',
    method: 'POST',
    path: () => '/v1/ports',
    body: (c: Ctx) => ({ address: '52:54:00:12:34:56/../../x', node_uuid: c.avail }),
    status: 400,
    message: /Expected valid MAC address/,
  },
  {
    name: 'patch a port MAC into a path',
    method: 'PATCH',
    path: (c) => `/v1/ports/${c.port}`,
    body: [{ op: 'replace', path: '/address', value: '../pxelinux.cfg/default' }],
    status: 400,
    message: /Expected valid MAC address/,
  },
  {
    name: 'node named ..',
    method: 'POST',
    path: () => '/v1/nodes',
    body: { driver: 'ipmi', name: '..' },
    status: 400,
    message: /name '\.\.': a URL path cannot address it.*choose another name/,
  },
  { name: 'node named .', method: 'POST', path: () => '/v1/nodes', body: { driver: 'ipmi', name: '.' }, status: 400, message: /name '\.'/ },
  {
    name: 'node name with a slash',
    method: 'POST',
    path: () => '/v1/nodes',
    body: { driver: 'ipmi', name: '../etc' },
    status: 400,
    message: /invalid name '\.\.\/etc'/,
  },
  {
    name: 'node uuid that is a path',
    method: 'POST',
    path: () => '/v1/nodes',
    body: { driver: 'ipmi', uuid: '../../../../tmp/x' },
    status: 400,
    message: /Expected UUID for uuid/,
  },
  {
    name: 'node ident with encoded slashes',
    method: 'GET',
    path: () => '/v1/nodes/..%2F..%2Fetc%2Fpasswd',
    status: 400,
    message: /Expected UUID or name for node/,
  },
  // Oversized bodies.
  {
    name: 'oversized node patch',
    method: 'PATCH',
    path: (c) => `/v1/nodes/${c.avail}`,
    body: [{ op: 'add', path: '/extra/blob', value: 'x'.repeat(1024 * 1024) }],
    status: 413,
    message: /too large: the limit is 1048576 bytes\. Send a smaller body/,
    temporal: 'node:avail',
  },
  callback('oversized callback', { seq: 1, event: 'error', error: 'x'.repeat(2 * 1024 * 1024) }, 413, /too large.*Send a smaller body/),
  // Callbacks: unknown, forged, replayed, malformed.
  {
    name: 'callback to an unknown deployment',
    method: 'POST',
    path: (c) => cb(c, crypto.randomUUID()),
    body: { seq: 1, event: 'poll' },
    headers: good,
    status: 404,
    message: /Deployment [0-9a-f-]{36} could not be found/,
    temporal: 'callback',
  },
  {
    name: 'callback to a path-like deployment id',
    method: 'POST',
    path: (c) => cb(c, '..%2F..%2Fnodes'),
    body: { seq: 1, event: 'poll' },
    headers: good,
    status: 404,
    message: /could not be found/,
    temporal: 'callback',
  },
  callback(
    'callback with a wrong secret',
    { seq: 5, event: 'ready', address: '127.0.0.1', port: 3260, iqn: 'iqn.2026-11.dev.ironflow:x' },
    401,
    /wrong or missing X-Ironflow-Secret/,
    { headers: () => ({ 'X-Ironflow-Secret': 'guess' }) },
  ),
  callback('callback without a secret', { seq: 5, event: 'poll' }, 401, /wrong or missing X-Ironflow-Secret/, { headers: () => ({}) }),
  callback("callback with another deployment's secret", { seq: 5, event: 'poll' }, 401, /wrong or missing/, {
    headers: withSecret((c) => c.other.secret),
  }),
  callback(
    'replay to a closed deployment',
    { seq: 7, event: 'ready', address: '127.0.0.1', port: 3260, iqn: 'iqn.2026-11.dev.ironflow:x' },
    410,
    /Deployment .* is over: the ramdisk should stop/,
    { path: (c) => cb(c, c.closed.id), headers: withSecret((c) => c.closed.secret) },
  ),
  callback('new callback to an expired deployment', { seq: 99, event: 'poll' }, 410, /is over/, {
    path: (c) => cb(c, c.expired.id),
    headers: withSecret((c) => c.expired.secret),
  }),
  callback('callback that is not JSON', undefined, 400, /Malformed JSON in request body.*Send a valid JSON document/, {
    raw: '{"seq": 1, "event": "poll"',
  }),
  callback('callback body is an array', [{ seq: 1, event: 'poll' }], 400, /must be a JSON object/),
  callback('callback seq as a string', { seq: '12', event: 'poll' }, 400, /seq must be a non-negative integer/),
  callback('callback seq negative', { seq: -1, event: 'poll' }, 400, /seq must be a non-negative integer/),
  callback('callback seq fractional', { seq: 1.5, event: 'poll' }, 400, /seq must be a non-negative integer/),
  callback('callback seq beyond 2^53', { seq: 2 ** 60, event: 'poll' }, 400, /seq must be a non-negative integer/),
  callback(
    'callback with an unknown event',
    { seq: 12, event: 'format-disk' },
    400,
    /event must be one of ready, disks, progress, result, error, poll/,
  ),
  callback('callback event of the wrong type', { seq: 12, event: 3 }, 400, /event must be one of/),
  callback(
    'ready with the port as a string',
    { seq: 12, event: 'ready', address: '127.0.0.1', port: '3260', iqn: 'iqn.2026-11.dev.ironflow:x' },
    400,
    /port must be an integer 1-65535, got "3260"/,
  ),
  callback(
    'ready with an out-of-range port',
    { seq: 12, event: 'ready', address: '127.0.0.1', port: 70000, iqn: 'iqn.2026-11.dev.ironflow:x' },
    400,
    /port must be an integer 1-65535/,
  ),
  callback(
    'progress with negative bytes',
    { seq: 12, event: 'progress', bytes_done: -5, bytes_total: 10, phase: 'write' },
    400,
    /bytes_done must be a non-negative integer/,
  ),
  callback('result with ok as a string', { seq: 12, event: 'result', ok: 'yes' }, 400, /ok must be true or false, got "yes"/),
  callback(
    'disks that are not a list',
    { seq: 12, event: 'disks', disks: '/dev/sda' },
    400,
    /disks must be an array of at most 64 objects/,
  ),
];

/** The floods come last: they leave this source's and this deployment's buckets empty. */
const FLOODS: Case[] = [
  callback(
    'flood of wrong secrets for one deployment',
    { seq: 50, event: 'poll' },
    429,
    /Too many callbacks for deployment [0-9a-f-]{36}: at most 1 a second \(bursts of 300\).*counts 10 times\. Retry after \d+ s \(Retry-After\)/,
    { headers: () => ({ 'X-Ironflow-Secret': 'guess' }), retryAfter: true },
  ),
  {
    name: 'flood of unknown deployments from one address',
    method: 'POST',
    path: (c) => cb(c, crypto.randomUUID()),
    body: { seq: 1, event: 'poll' },
    headers: good,
    status: 429,
    message: /Too many callbacks from 127\.0\.0\.1: at most 5 a second/,
    temporal: 'callback',
    retryAfter: true,
  },
];

async function historyLength(s: TestStack, workflowId: string): Promise<number> {
  return (await s.temporal.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
}

async function noOperation(s: TestStack, nodeUuid: string): Promise<void> {
  await assert.rejects(
    s.temporal.workflow.getHandle(nodeOperationId(nodeUuid)).describe(),
    WorkflowNotFoundError,
    `a workflow started for node ${nodeUuid}`,
  );
}

describe('hostile input: refused with a clear 4xx, nothing changed, no workflow started', () => {
  let stack: TestStack;
  const ctx = {} as Ctx;

  async function deployment(status = 'active', expiresInMs = 3600_000) {
    const secret = crypto.randomBytes(24).toString('base64url');
    const id = crypto.randomUUID();
    await stack.db.deployment.create({
      data: {
        id,
        nodeUuid: ctx.dep?.workflowId.slice(5) ?? crypto.randomUUID(),
        workflowId: ctx.dep?.workflowId ?? 'none',
        runId: 'none',
        mode: 'iscsi',
        status,
        secret: sealValue(secret, stack.cfg.keys),
        expiresAt: new Date(Date.now() + expiresInMs),
        lastSeq: status === 'closed' ? 7n : null,
      },
    });
    return { id, secret };
  }

  before(async () => {
    // No worker until the last test: nothing accepted by mistake could run. The API allows only 127.0.0.1/32.
    stack = await startStack({ worker: false, app: { imageAllowedNetworks: parseCidrList('127.0.0.1/32'), callbackLimits: LIMITS } });
    const mk = async (name: string, state: string) => {
      const r = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name, driver_info: { ipmi_address: '127.0.0.1', ipmi_port: 9 } });
      assert.equal(r.status, 201, r.text);
      await stack.db.node.update({ where: { uuid: r.body.uuid }, data: { provisionState: state } });
      return r.body.uuid as string;
    };
    ctx.avail = await mk('avail', 'available');
    ctx.act = await mk('act', 'active');
    const p = await api(stack, 'POST', '/v1/ports', { address: '52:54:00:ee:00:01', node_uuid: ctx.avail });
    assert.equal(p.status, 201, p.text);
    ctx.port = p.body.uuid;
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: '52:54:00:ee:00:02', node_uuid: ctx.act })).status, 201);
    // A workflow that only collects signals stands in for the deploy the ramdisk reports to.
    const workflowId = `node-${crypto.randomUUID()}`;
    const h = await stack.temporal.workflow.start('deployNode', {
      workflowId,
      taskQueue: `${stack.cfg.temporal.taskQueue}-idle`,
      args: [{}],
    });
    const secret = crypto.randomBytes(24).toString('base64url');
    const id = crypto.randomUUID();
    await stack.db.deployment.create({
      data: {
        id,
        nodeUuid: workflowId.slice(5),
        workflowId,
        runId: h.firstExecutionRunId,
        mode: 'iscsi',
        secret: sealValue(secret, stack.cfg.keys),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    ctx.dep = { id, secret, workflowId };
    ctx.other = await deployment();
    ctx.closed = await deployment('closed');
    ctx.expired = await deployment('active', -1000);
  });
  after(async () => {
    await stack.temporal.workflow
      .getHandle(ctx.dep.workflowId)
      .terminate('test over')
      .catch(() => undefined);
    await stack.stop();
  });

  test(`the table has at least 30 cases (${CASES.length + FLOODS.length})`, () => assert.ok(CASES.length + FLOODS.length >= 30));

  test('a replayed callback is answered again and acted on once', async () => {
    const body = { seq: 10, event: 'ready', address: '127.0.0.1', port: 3260, iqn: 'iqn.2026-11.dev.ironflow:x' };
    const first = await api(stack, 'POST', cb(ctx), body, good(ctx));
    assert.equal(first.status, 200, first.text);
    const signals = async () =>
      ((await stack.temporal.workflow.getHandle(ctx.dep.workflowId).fetchHistory()).events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes,
      ).length;
    await waitFor(async () => (await signals()) === 1, 10_000, 'the signal');
    const before = await dbSnapshot(stack.db);
    for (let i = 0; i < 3; i++) {
      const again = await api(stack, 'POST', cb(ctx), body, good(ctx));
      assert.deepEqual(again.body, first.body, 'the same answer');
    }
    assert.equal(await dbSnapshot(stack.db), before, 'a replay changes nothing');
    assert.equal(await signals(), 1, 'the workflow heard it once');
  });

  for (const c of [...CASES, ...FLOODS]) {
    test(c.name, async () => {
      await c.setup?.(ctx, stack);
      const before = await dbSnapshot(stack.db);
      const hist = c.temporal === 'callback' ? await historyLength(stack, ctx.dep.workflowId) : 0;
      const url = c.path(ctx);
      const body = c.raw ?? (typeof c.body === 'function' ? (c.body as (x: Ctx) => unknown)(ctx) : c.body);
      const headers = c.headers?.(ctx);
      let res = await api(stack, c.method, url, body, headers);
      if (c.retryAfter) {
        // Flood until the limiter answers; bounded well above what the buckets hold.
        for (let i = 0; i < 200 && res.status !== 429; i++) res = await api(stack, c.method, c.path(ctx), body, headers);
        assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After');
      }
      assert.equal(res.status, c.status, res.text);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.match(faultOf(res.body), c.message);
      if (
        c.message.source.includes('IRONFLOW_IMAGE_ALLOWED_NETWORKS') ||
        /image from|metadata address|private address|rebuild from/.test(c.name)
      ) {
        assert.match(faultOf(res.body), SETTING, 'names the setting to change');
      }
      assert.equal(await dbSnapshot(stack.db), before, 'the database changed');
      if (c.temporal === 'node:avail') await noOperation(stack, ctx.avail);
      if (c.temporal === 'node:act') await noOperation(stack, ctx.act);
      if (c.temporal === 'callback') assert.equal(await historyLength(stack, ctx.dep.workflowId), hist, 'a signal reached the workflow');
    });
  }

  test('the limiter recovers: after Retry-After, an honest callback is accepted again', async () => {
    // Both buckets were emptied by the floods; wait as told, then a good callback goes through.
    await waitFor(
      async () => {
        const r = await api(stack, 'POST', cb(ctx), { seq: 11, event: 'poll' }, good(ctx));
        if (r.status === 200) return true;
        assert.equal(r.status, 429, r.text);
        await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after')) * 1000));
        return false;
      },
      120_000,
      'an accepted callback',
    );
  });
});

describe("hostile input the API cannot see: the worker's own checks fail the deploy", () => {
  let stack: TestStack;
  let bmc: Bmc;
  let server: http.Server;
  let gets = 0;
  let port: number;
  let node: string;
  const img = makeDemoImage({ sizeBytes: 1024 * 1024, marker: 'hostile' });
  const sha = `sha256:${crypto.createHash('sha256').update(img).digest('hex')}`;

  async function deploy(instance: Record<string, unknown>, driverInfo: Record<string, unknown> = {}): Promise<any> {
    const patch = [
      { op: 'add', path: '/instance_info', value: instance },
      ...Object.entries(driverInfo).map(([k, v]) => ({ op: 'add', path: `/driver_info/${k}`, value: v })),
    ];
    assert.equal((await api(stack, 'PATCH', `/v1/nodes/${node}`, patch)).status, 200);
    const r = await api(stack, 'PUT', `/v1/nodes/${node}/states/provision`, { target: 'active' });
    assert.equal(r.status, 202, r.text);
    return waitFor(
      async () => {
        const n = (await api(stack, 'GET', `/v1/nodes/${node}`)).body;
        return n.provision_state === 'deploy failed' && n.target_provision_state === null ? n : undefined;
      },
      120_000,
      'deploy failed',
    );
  }

  before(async () => {
    server = http.createServer((req, res) => {
      gets++;
      res.end(img);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    // The API allows loopback (its default); the worker allows no private network at all.
    stack = await startStack({ worker: false });
    stack.data.imageAllowedNetworks = [];
    await stack.startWorker();
    bmc = await startBmc();
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      automated_clean: false,
      driver_info: { ipmi_address: bmc.address, ipmi_port: bmc.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
    });
    node = r.body.uuid;
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: '52:54:00:ee:01:01', node_uuid: node })).status, 201);
    for (const [target, want] of [
      ['manage', 'manageable'],
      ['provide', 'available'],
    ]) {
      assert.equal((await api(stack, 'PUT', `/v1/nodes/${node}/states/provision`, { target })).status, 202);
      await waitFor(
        async () => {
          const n = (await api(stack, 'GET', `/v1/nodes/${node}`)).body;
          return n.provision_state === want && n.target_provision_state === null;
        },
        60_000,
        want,
      );
    }
  });
  after(async () => {
    await stack.stop();
    await bmc.stop();
    server.closeAllConnections();
    server.close();
  });

  test('a host name that resolves to a refused address: deploy failed, the server never contacted', async () => {
    const n = await deploy({ image_source: `http://localhost:${port}/img.raw`, image_checksum: sha });
    // localhost may resolve to ::1 as well as 127.0.0.1; either is refused, and the message lists what it resolved to.
    assert.match(
      n.last_error,
      /image URL http:\/\/localhost:\d+\/img\.raw refused: (127\.0\.0\.1|::1) is a loopback address \(localhost resolves to [^)]+\); .*IRONFLOW_IMAGE_ALLOWED_NETWORKS=(127\.0\.0\.1\/32|::1\/128)/,
    );
    assert.equal(gets, 0);
  });

  test('a literal address the API allows but the worker does not: deploy failed, the server never contacted', async () => {
    const n = await deploy({ image_source: `http://127.0.0.1:${port}/img.raw`, image_checksum: sha });
    assert.match(n.last_error, /127\.0\.0\.1 is a loopback address; .*IRONFLOW_IMAGE_ALLOWED_NETWORKS/);
    assert.equal(gets, 0);
  });

  test('a deploy kernel outside the allowed directories: deploy failed, nothing copied into the boot root', async () => {
    fs.writeFileSync(path.join(stack.data.imageDir, 'ok.raw'), img);
    const n = await deploy({ image_source: `file://${stack.data.imageDir}/ok.raw`, image_checksum: sha }, { deploy_kernel: '/etc/passwd' });
    assert.match(
      n.last_error,
      /driver_info\.deploy_kernel "\/etc\/passwd" is outside the directories boot files may come from.*copy the file into the image directory \(IRONFLOW_IMAGE_DIR\)/,
    );
    const staged = path.join(stack.data.bootRoot, 'ironflow', 'boot');
    const copies = fs.existsSync(staged) ? fs.readdirSync(staged) : [];
    const passwd = fs.readFileSync('/etc/passwd');
    assert.ok(
      copies.every((f) => !fs.readFileSync(path.join(staged, f)).equals(passwd)),
      '/etc/passwd reached the TFTP root',
    );
    assert.equal(bmc.readPower(), 0, 'the node is left powered off');
  });
});
