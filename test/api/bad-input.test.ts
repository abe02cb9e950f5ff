// Bad input gets a 4xx with a message that says what to fix, and changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { dbSnapshot } from '../support/snapshot';
import { configDriveText, syntheticIso } from '../support/config-drive';

interface Case {
  name: string;
  method: string;
  path: string | ((c: Ctx) => string);
  body?: unknown | ((c: Ctx) => unknown);
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  message: RegExp;
}
interface Ctx {
  node: string;
  busy: string;
  port: string;
  /** available, deployable (image, checksum, PXE port): bad deploy_steps are its only fault. */
  ready: string;
  /** manageable: bad clean_steps are its only fault. */
  managed: string;
}

const NODE = (c: Ctx) => `/v1/nodes/${c.node}`;
const PROVISION_READY = (c: Ctx) => `/v1/nodes/${c.ready}/states/provision`;
const PROVISION_MANAGED = (c: Ctx) => `/v1/nodes/${c.managed}/states/provision`;
const MiB = 1024 * 1024;
const step = (name: string, priority: number, args: Record<string, unknown> = {}) => ({ interface: 'deploy', step: name, args, priority });

const CASES: Case[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/v1/nodes',
    raw: '{"driver": "ipmi",',
    status: 400,
    message: /Malformed JSON.*valid JSON/,
  },
  { name: 'body is an array', method: 'POST', path: '/v1/nodes', body: [1, 2], status: 400, message: /must be a JSON object/ },
  {
    name: 'missing driver',
    method: 'POST',
    path: '/v1/nodes',
    body: { name: 'x' },
    status: 400,
    message: /'driver' is a required property/,
  },
  {
    name: 'unknown driver',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'nosuch' },
    status: 400,
    message: /supports driver nosuch.*Known drivers: ipmi/,
  },
  {
    name: 'unknown field',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', bogus: 1 },
    status: 400,
    message: /Additional properties are not allowed \('bogus' was unexpected\)/,
  },
  {
    name: 'driver of wrong type',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 42 },
    status: 400,
    message: /'driver' is a required property \(a string\)/,
  },
  {
    name: 'name of wrong type',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', name: 7 },
    status: 400,
    message: /Expected string for name/,
  },
  {
    name: 'name with a space',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', name: 'bad name' },
    status: 400,
    message: /invalid name 'bad name'/,
  },
  {
    name: 'reserved name',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', name: 'detail' },
    status: 400,
    message: /"detail" is reserved/,
  },
  {
    name: 'properties not an object',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', properties: 'cpus=4' },
    status: 400,
    message: /Invalid properties: expected a JSON object/,
  },
  {
    name: 'bad ipmi_port',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', driver_info: { ipmi_port: 'abc' } },
    status: 400,
    message: /Invalid ipmi_port "abc": expected an integer 1-65535/,
  },
  {
    name: 'bad cipher suite',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', driver_info: { ipmi_cipher_suite: 1 } },
    status: 400,
    message: /supported suites are 3 and 17/,
  },
  {
    name: 'unknown interface',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', power_interface: 'nosuch' },
    status: 400,
    message: /interfaces\.power' entrypoint: nosuch\. Valid interfaces are \['ipmi', 'ipmitool'\]/,
  },
  {
    name: 'bad uuid',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', uuid: 'not-a-uuid' },
    status: 400,
    message: /Expected UUID for uuid/,
  },
  {
    name: 'duplicate name',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', name: 'taken' },
    status: 409,
    message: /A node with name taken already exists/,
  },
  {
    name: 'bad maintenance boolean',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', maintenance: 'maybe' },
    status: 400,
    message: /Invalid maintenance: Unrecognized value "maybe"/,
  },
  {
    name: 'oversize body',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', extra: { blob: 'x'.repeat(2 * 1024 * 1024) } },
    status: 413,
    message: /too large: the limit is 1048576 bytes/,
  },
  { name: 'unknown node', method: 'GET', path: '/v1/nodes/nosuchnode', status: 404, message: /Node nosuchnode could not be found/ },
  {
    name: 'invalid node ident',
    method: 'GET',
    path: '/v1/nodes/bad%20name',
    status: 400,
    message: /Expected UUID or name for node: bad name/,
  },
  { name: 'patch not an array', method: 'PATCH', path: NODE, body: { op: 'add' }, status: 400, message: /is not of type 'array'/ },
  {
    name: 'patch op move',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'move', path: '/name', from: '/x' }],
    status: 400,
    message: /Additional properties are not allowed \('from' was unexpected\)/,
  },
  {
    name: 'patch bad op',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'copy', path: '/name', value: 1 }],
    status: 400,
    message: /op "copy" is not one of/,
  },
  {
    name: 'patch bad path',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'add', path: 'name', value: 'x' }],
    status: 400,
    message: /does not match/,
  },
  {
    name: 'patch read-only field',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'replace', path: '/provision_state', value: 'active' }],
    status: 400,
    message: /Cannot patch \/provision_state\. Only the following can be updated/,
  },
  {
    name: 'patch new root attribute',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'add', path: '/uuid', value: 'x' }],
    status: 400,
    message: /Cannot patch \/uuid/,
  },
  {
    name: 'patch remove missing key',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'remove', path: '/extra/nope' }],
    status: 400,
    message: /can't remove a non-existent object 'nope'/,
  },
  {
    name: 'patch add without value',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'add', path: '/extra/a' }],
    status: 400,
    message: /'add' needs a 'value'/,
  },
  {
    name: 'patch driver_info to a string',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'replace', path: '/driver_info', value: 'x' }],
    status: 400,
    message: /Invalid driver_info: expected a JSON object/,
  },
  {
    name: 'patch name to duplicate',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'add', path: '/name', value: 'taken' }],
    status: 409,
    message: /A node with name taken already exists/,
  },
  {
    name: 'patch second op fails: first not applied',
    method: 'PATCH',
    path: NODE,
    body: [
      { op: 'add', path: '/extra/ok', value: 1 },
      { op: 'remove', path: '/properties/nope' },
    ],
    status: 400,
    message: /non-existent object 'nope'/,
  },
  {
    name: 'port bad MAC',
    method: 'POST',
    path: '/v1/ports',
    body: (c: Ctx) => ({ address: '52:54:00:aa:bb:zz', node_uuid: c.node }),
    status: 400,
    message: /Expected valid MAC address for address: 52:54:00:aa:bb:zz/,
  },
  {
    name: 'port MAC with dashes',
    method: 'POST',
    path: '/v1/ports',
    body: (c: Ctx) => ({ address: '52-54-00-aa-bb-02', node_uuid: c.node }),
    status: 400,
    message: /Expected valid MAC address/,
  },
  {
    name: 'port duplicate MAC (other case)',
    method: 'POST',
    path: '/v1/ports',
    body: (c: Ctx) => ({ address: '52:54:00:AA:00:01', node_uuid: c.node }),
    status: 409,
    message: /A port with MAC address 52:54:00:aa:00:01 already exists/,
  },
  {
    name: 'port node by name',
    method: 'POST',
    path: '/v1/ports',
    body: { address: '52:54:00:aa:00:09', node_uuid: 'taken' },
    status: 400,
    message: /Expected UUID for node_uuid: taken/,
  },
  {
    name: 'port unknown node',
    method: 'POST',
    path: '/v1/ports',
    body: { address: '52:54:00:aa:00:09', node_uuid: '11111111-2222-3333-4444-555555555555' },
    status: 400,
    message: /Node 11111111-2222-3333-4444-555555555555 could not be found/,
  },
  {
    name: 'port missing address',
    method: 'POST',
    path: '/v1/ports',
    body: (c: Ctx) => ({ node_uuid: c.node }),
    status: 400,
    message: /'address' is a required property/,
  },
  {
    name: 'port bad local_link_connection',
    method: 'POST',
    path: '/v1/ports',
    body: (c: Ctx) => ({ address: '52:54:00:aa:00:09', node_uuid: c.node, local_link_connection: { switch_id: 'nope', port_id: 'p1' } }),
    status: 400,
    message: /switch_id nope: expected a MAC address/,
  },
  { name: 'port show by MAC', method: 'GET', path: '/v1/ports/52:54:00:aa:00:01', status: 400, message: /Expected UUID for port_uuid/ },
  {
    name: 'port patch to duplicate MAC',
    method: 'PATCH',
    path: (c: Ctx) => `/v1/ports/${c.port}`,
    body: [{ op: 'replace', path: '/address', value: '52:54:00:aa:00:02' }],
    status: 409,
    message: /already exists/,
  },
  { name: 'list with zero limit', method: 'GET', path: '/v1/nodes?limit=0', status: 400, message: /Limit must be positive/ },
  { name: 'list with bad sort_dir', method: 'GET', path: '/v1/nodes?sort_dir=up', status: 400, message: /Invalid sort direction: up/ },
  {
    name: 'list sorted by a JSON field',
    method: 'GET',
    path: '/v1/nodes?sort_key=driver_info',
    status: 400,
    message: /driver_info is an invalid field for sorting/,
  },
  {
    name: 'list by unknown provision state',
    method: 'GET',
    path: '/v1/nodes?provision_state=bogus',
    status: 400,
    message: /Provision state "bogus" is not valid/,
  },
  {
    name: 'list with unknown field',
    method: 'GET',
    path: '/v1/nodes?fields=uuid,bogus',
    status: 400,
    message: /Field\(s\) "bogus" are not valid/,
  },
  {
    name: 'provision without target',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/provision`,
    body: {},
    status: 400,
    message: /Missing mandatory parameter: target/,
  },
  {
    name: 'provision unknown verb',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/provision`,
    body: { target: 'frobnicate' },
    status: 400,
    message: /"frobnicate" can not be performed.*not a provisioning target.*Allowed from "enroll": manage/,
  },
  {
    name: 'invalid transition',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/provision`,
    body: { target: 'provide' },
    status: 409,
    message: /"provide" can not be performed on node .* in state "enroll"/,
  },
  {
    name: 'clean_steps with manage',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/provision`,
    body: { target: 'manage', clean_steps: [] },
    status: 400,
    message: /"clean_steps" can only be given with target "clean"/,
  },
  {
    name: 'configdrive not base64',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: 'not base64!' },
    status: 400,
    message: /configdrive is not valid base64: character "!"/,
  },
  {
    name: 'configdrive truncated base64',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: 'H4sIAAAA' + 'QUJD'.repeat(3) + 'QU' },
    status: 400,
    message: /configdrive is not valid base64: its length .* is not a multiple of 4; it looks truncated/,
  },
  {
    name: 'configdrive a URL',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: 'http://127.0.0.1:9/cd.iso.gz' },
    status: 400,
    message: /configdrive looks like a URL: Ironflow does not fetch config drives/,
  },
  {
    name: 'configdrive neither gzip nor ISO',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: Buffer.from('#cloud-config\nhostname: x\n').toString('base64') },
    status: 400,
    message: /configdrive \(base64-decoded; it is not gzip data\) is not an ISO 9660 image.*-V config-2/,
  },
  {
    name: 'configdrive gzip but not ISO',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: configDriveText(Buffer.alloc(4096, 7)) },
    status: 400,
    message: /configdrive \(base64-decoded and gunzipped\) is not an ISO 9660 image/,
  },
  {
    name: 'configdrive gzip cut short',
    method: 'PUT',
    path: PROVISION_READY,
    body: () => {
      const gz = Buffer.from(configDriveText(syntheticIso()), 'base64');
      return { target: 'active', configdrive: gz.subarray(0, 30).toString('base64') };
    },
    status: 400,
    message: /configdrive is base64 of data that starts like gzip but does not inflate/,
  },
  {
    name: 'configdrive ISO labelled cidata',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: configDriveText(syntheticIso('cidata')) },
    status: 400,
    message: /is an ISO 9660 image labelled "cidata": cloud-init looks for the volume id "config-2"; rebuild it with -V config-2/,
  },
  {
    name: 'configdrive over 64 MiB once inflated',
    method: 'PUT',
    path: PROVISION_READY,
    // A small upload that gunzips past the cap: refused without inflating it all.
    body: () => ({ target: 'active', configdrive: configDriveText(Buffer.concat([syntheticIso('config-2', 64), Buffer.alloc(64 * MiB)])) }),
    status: 400,
    message: /configdrive inflates beyond 64 MiB: a config drive may be at most 64 MiB/,
  },
  {
    name: 'configdrive object with an unknown key',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: { meta_data: { hostname: 'x' }, userdata: '#cloud-config' } },
    status: 400,
    message:
      /configdrive has unknown key "userdata": a configdrive object may hold only meta_data, user_data, network_data and vendor_data/,
  },
  {
    name: 'configdrive meta_data not an object',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: { meta_data: 'hostname=x' } },
    status: 400,
    message: /configdrive\.meta_data is a string: it must be a JSON object/,
  },
  {
    name: 'configdrive user_data a number',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: { user_data: 42 } },
    status: 400,
    message: /configdrive\.user_data is a number: give a string/,
  },
  {
    name: 'configdrive an array',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: ['meta_data'] },
    status: 400,
    message: /configdrive is an array: send base64 of a gzipped ISO 9660 image labelled config-2, or \(API 1\.56\+\) a JSON object/,
  },
  {
    name: 'configdrive object below API 1.56',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: { meta_data: { hostname: 'x' } } },
    headers: { 'X-OpenStack-Ironic-API-Version': '1.55' },
    status: 400,
    message: /Providing a JSON object for configdrive is only supported starting with API version 1\.56/,
  },
  {
    name: 'configdrive vendor_data below API 1.59',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', configdrive: { meta_data: { hostname: 'x' }, vendor_data: {} } },
    headers: { 'X-OpenStack-Ironic-API-Version': '1.58' },
    status: 400,
    message: /Providing vendor_data in configdrive is only supported starting with API version 1\.59/,
  },
  {
    name: 'configdrive with target manage',
    method: 'PUT',
    path: PROVISION_MANAGED,
    body: { target: 'provide', configdrive: configDriveText(syntheticIso()) },
    status: 400,
    message: /"configdrive" can only be given with target "active" or "deploy" or "rebuild", not "provide"/,
  },
  {
    name: 'deploy_steps below API 1.69',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [] },
    headers: { 'X-OpenStack-Ironic-API-Version': '1.68' },
    status: 406,
    message: /"deploy_steps" requires API version 1\.69/,
  },
  {
    name: 'deploy_steps not a list',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: { step: 'deploy' } },
    status: 400,
    message: /Invalid deploy_steps: expected a list of steps/,
  },
  {
    name: 'deploy_steps with an unknown step',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [step('nosuch', 50)] },
    status: 400,
    message:
      /deploy interface iscsi has no deploy step deploy\.nosuch\. Known steps: deploy\.deploy \(priority 100\), deploy\.erase_devices_metadata \(priority 0, optional\), deploy\.write_image/,
  },
  {
    name: 'deploy_steps step without priority',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [{ interface: 'deploy', step: 'write_image', args: {} }] },
    status: 400,
    message: /needs interface, step, args and priority/,
  },
  {
    name: 'deploy_steps disables a required step',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [step('write_image', 0)] },
    status: 400,
    message: /deploy\.write_image cannot be disabled/,
  },
  {
    name: 'deploy_steps erase after the write',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [step('erase_devices_metadata', 70)] },
    status: 400,
    message: /erase_devices_metadata \(priority 70\) must run before deploy\.write_image \(priority 80\): it would erase the image/,
  },
  {
    name: 'deploy_steps write before the ramdisk',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [step('write_image', 120)] },
    status: 400,
    message: /must run after deploy\.deploy \(priority 100\): it needs the deploy ramdisk/,
  },
  {
    name: 'deploy_steps with an unknown argument',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'active', deploy_steps: [step('erase_devices_metadata', 90, { disks: 'all' })] },
    status: 400,
    message: /deploy\.erase_devices_metadata does not take disks; it takes no arguments/,
  },
  {
    name: 'deploy_steps with manage',
    method: 'PUT',
    path: PROVISION_READY,
    body: { target: 'manage', deploy_steps: [] },
    status: 400,
    message: /"deploy_steps" can only be given with target "active" or "deploy" or "rebuild"/,
  },
  {
    name: 'clean_steps with an unknown step',
    method: 'PUT',
    path: PROVISION_MANAGED,
    body: { target: 'clean', clean_steps: [{ interface: 'bios', step: 'factory_reset' }] },
    status: 400,
    message: /does not support this clean step.*Supported: deploy\.erase_devices \(full\), deploy\.erase_devices_metadata/,
  },
  {
    name: 'clean_steps with two steps',
    method: 'PUT',
    path: PROVISION_MANAGED,
    body: {
      target: 'clean',
      clean_steps: [
        { interface: 'deploy', step: 'erase_devices' },
        { interface: 'deploy', step: 'erase_devices_metadata' },
      ],
    },
    status: 400,
    message: /Invalid clean_steps: give exactly one step/,
  },
  {
    name: 'clean_steps step not an object',
    method: 'PUT',
    path: PROVISION_MANAGED,
    body: { target: 'clean', clean_steps: ['erase_devices'] },
    status: 400,
    message: /Invalid clean_steps: "erase_devices" is not a step object/,
  },
  {
    name: 'maintenance reason not a string',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/maintenance`,
    body: { reason: 5 },
    status: 400,
    message: /Expected string for reason: 5/,
  },
  {
    name: 'operation on a busy node',
    method: 'PUT',
    path: (c: Ctx) => `/v1/nodes/${c.busy}/states/provision`,
    body: { target: 'manage' },
    status: 409,
    message: /is locked by host test-conductor, please retry/,
  },
  { name: 'delete a busy node', method: 'DELETE', path: (c: Ctx) => `/v1/nodes/${c.busy}`, status: 409, message: /is locked by host/ },
  {
    name: 'patch a node in transition',
    method: 'PATCH',
    path: (c: Ctx) => `/v1/nodes/${c.busy}`,
    body: [{ op: 'add', path: '/extra/a', value: 1 }],
    status: 409,
    message: /is locked by host/,
  },
  {
    name: 'maintenance on a busy node',
    method: 'PUT',
    path: (c: Ctx) => `/v1/nodes/${c.busy}/maintenance`,
    body: { reason: 'x' },
    status: 409,
    message: /is locked by host/,
  },
  {
    name: 'version too new',
    method: 'GET',
    path: '/v1/nodes',
    headers: { 'X-OpenStack-Ironic-API-Version': '1.99' },
    status: 406,
    message: /Version 1\.99 was requested but the minor version is not supported.*\[1\.1, 1\.95\]/,
  },
  {
    name: 'version garbage',
    method: 'GET',
    path: '/v1/nodes',
    headers: { 'X-OpenStack-Ironic-API-Version': 'one' },
    status: 406,
    message: /Invalid value for X-OpenStack-Ironic-API-Version header/,
  },
  {
    name: 'history below 1.78',
    method: 'GET',
    path: (c: Ctx) => `${NODE(c)}/history`,
    headers: { 'X-OpenStack-Ironic-API-Version': '1.70' },
    status: 406,
    message: /Node history requires API version 1\.78/,
  },
  // Traits (1.37).
  {
    name: 'trait in lower case',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits/gpu`,
    status: 400,
    message: /Invalid trait 'gpu': use CUSTOM_/,
  },
  {
    name: 'trait CUSTOM_ with nothing after',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits/CUSTOM_`,
    status: 400,
    message: /Invalid trait 'CUSTOM_'/,
  },
  {
    name: 'trait of 256 characters',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits/CUSTOM_${'A'.repeat(249)}`,
    status: 400,
    message: /a trait has 1 to 255 characters/,
  },
  {
    name: 'trait with a body',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits/CUSTOM_A`,
    body: { traits: ['CUSTOM_B'] },
    status: 400,
    message: /No body should be provided when adding a trait/,
  },
  {
    name: 'traits body without traits',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits`,
    body: {},
    status: 400,
    message: /all node traits may be replaced via PUT/,
  },
  {
    name: 'traits not a list',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits`,
    body: { traits: 'CUSTOM_A' },
    status: 400,
    message: /expected a list of trait names/,
  },
  {
    name: 'traits list with a bad name',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits`,
    body: { traits: ['CUSTOM_A', 'HW-X'] },
    status: 400,
    message: /Invalid trait 'HW-X'/,
  },
  {
    name: 'traits list of 51',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits`,
    body: { traits: Array.from({ length: 51 }, (_v, i) => `CUSTOM_T${i}`) },
    status: 400,
    message: /51 traits given; a node has at most 50/,
  },
  {
    name: 'traits body with an unknown key',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/traits`,
    body: { traits: [], mode: 'x' },
    status: 400,
    message: /Unknown key\(s\) mode/,
  },
  {
    name: 'traits of an unknown node',
    method: 'GET',
    path: '/v1/nodes/no-such-node/traits',
    status: 404,
    message: /Node no-such-node could not be found/,
  },
  {
    name: 'add a trait to an unknown node',
    method: 'PUT',
    path: '/v1/nodes/no-such-node/traits/CUSTOM_A',
    status: 404,
    message: /Node no-such-node could not be found/,
  },
  {
    name: 'remove a trait the node lacks',
    method: 'DELETE',
    path: (c: Ctx) => `${NODE(c)}/traits/CUSTOM_NOPE`,
    status: 404,
    message: /doesn't have a trait 'CUSTOM_NOPE'/,
  },
  {
    name: 'traits below 1.37',
    method: 'GET',
    path: (c: Ctx) => `${NODE(c)}/traits`,
    headers: { 'X-OpenStack-Ironic-API-Version': '1.36' },
    status: 406,
    message: /Node traits requires API version 1\.37/,
  },
  {
    name: 'traits of a busy node',
    method: 'PUT',
    path: (c: Ctx) => `/v1/nodes/${c.busy}/traits/CUSTOM_A`,
    status: 409,
    message: /is locked by host/,
  },
  {
    name: 'PATCH /traits',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'add', path: '/traits', value: ['CUSTOM_A'] }],
    status: 400,
    message: /Cannot patch \/traits/,
  },
  // Microversions 1.79-1.95 and enrollment.
  {
    name: 'shard on create below 1.82',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', shard: 'r1' },
    headers: { 'X-OpenStack-Ironic-API-Version': '1.81' },
    status: 406,
    message: /Field "shard" on create requires API version 1\.82/,
  },
  {
    name: '?fields=disable_power_off below 1.95',
    method: 'GET',
    path: (c: Ctx) => `${NODE(c)}?fields=disable_power_off`,
    headers: { 'X-OpenStack-Ironic-API-Version': '1.94' },
    status: 406,
    message: /Field "disable_power_off" in \?fields= requires API version 1\.95/,
  },
  {
    name: 'PATCH parent_node to an unknown node',
    method: 'PATCH',
    path: NODE,
    body: [{ op: 'add', path: '/parent_node', value: 'no-such-parent' }],
    headers: { 'X-OpenStack-Ironic-API-Version': '1.95' },
    status: 400,
    message: /Unable to apply the requested parent_node 'no-such-parent'/,
  },
  {
    name: 'inspect_interface unknown',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', inspect_interface: 'inspector' },
    status: 400,
    message: /Valid interfaces are \['no-inspect', 'agent'\]/,
  },
  {
    name: 'disable_power_off not a boolean',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'ipmi', disable_power_off: 'sometimes' },
    headers: { 'X-OpenStack-Ironic-API-Version': '1.95' },
    status: 400,
    message: /disable_power_off/,
  },
  {
    name: 'RAID target on a no-raid node',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/raid`,
    body: { logical_disks: [{ size_gb: 10, raid_level: '1' }] },
    status: 400,
    message: /does not support raid.*Set raid_interface to agent/,
  },
  {
    name: 'RAID target with a bad size',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/raid`,
    body: { logical_disks: [{ size_gb: -1, raid_level: '1' }] },
    status: 400,
    message: /size_gb = -1 is not valid \(a positive integer or "MAX"\)/,
  },
  {
    name: 'retired on an available node',
    method: 'PATCH',
    path: (c: Ctx) => `/v1/nodes/${c.ready}`,
    body: [{ op: 'replace', path: '/retired', value: true }],
    status: 409,
    message: /can not have 'retired' set in provision state 'available'/,
  },
  {
    name: 'service without service_steps',
    method: 'PUT',
    path: (c: Ctx) => `${NODE(c)}/states/provision`,
    body: { target: 'service' },
    headers: { 'X-OpenStack-Ironic-API-Version': '1.95' },
    status: 400,
    message: /"service_steps" is required/,
  },
  { name: 'shards below 1.82', method: 'GET', path: '/v1/shards', status: 406, message: /Listing shards requires API version 1\.82/ },
  {
    name: 'sharded filter not a boolean',
    method: 'GET',
    path: '/v1/nodes?sharded=maybe',
    headers: { 'X-OpenStack-Ironic-API-Version': '1.95' },
    status: 400,
    message: /sharded/,
  },
  {
    name: 'parent_node filter not a UUID',
    method: 'GET',
    path: '/v1/nodes?parent_node=chassis-0',
    headers: { 'X-OpenStack-Ironic-API-Version': '1.95' },
    status: 400,
    message: /Expected UUID for parent_node: chassis-0/,
  },
  { name: 'unknown route', method: 'GET', path: '/v1/chassis-of-doom', status: 404, message: /could not be found/ },
  {
    name: 'unknown driver show',
    method: 'GET',
    path: '/v1/drivers/nosuch',
    status: 404,
    message: /Could not find the following driver\(s\) or hardware type\(s\): nosuch/,
  },
];

describe('bad input: 4xx with a clear message, nothing changed', () => {
  let stack: TestStack;
  const ctx = {} as Ctx;
  before(async () => {
    // No worker: an operation, once started, stays running and holds its node's lock.
    stack = await startStack({ worker: false });
    const taken = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'taken', driver_info: { ipmi_address: '127.0.0.1' } });
    const node = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'target', extra: { keep: true } });
    const busy = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'busy', driver_info: { ipmi_address: '127.0.0.1' } });
    ctx.node = node.body.uuid;
    ctx.busy = busy.body.uuid;
    assert.equal(taken.status, 201);
    const p1 = await api(stack, 'POST', '/v1/ports', { address: '52:54:00:aa:00:01', node_uuid: ctx.node });
    await api(stack, 'POST', '/v1/ports', { address: '52:54:00:aa:00:02', node_uuid: ctx.node });
    ctx.port = p1.body.uuid;
    const m = await api(stack, 'PUT', `/v1/nodes/${ctx.busy}/states/provision`, { target: 'manage' });
    assert.equal(m.status, 202);
    // Nodes in available and manageable (set directly: this stack runs no workflows).
    for (const [key, state, mac] of [
      ['ready', 'available', '52:54:00:aa:00:11'],
      ['managed', 'manageable', '52:54:00:aa:00:12'],
    ] as const) {
      const r = await api(stack, 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name: key,
        driver_info: { ipmi_address: '127.0.0.1' },
        instance_info: { image_source: 'http://127.0.0.1:9/disk.img', image_checksum: `sha256:${'a'.repeat(64)}` },
      });
      assert.equal(r.status, 201, r.text);
      ctx[key] = r.body.uuid;
      assert.equal((await api(stack, 'POST', '/v1/ports', { address: mac, node_uuid: ctx[key] })).status, 201);
      await stack.db.node.update({ where: { uuid: ctx[key] }, data: { provisionState: state } });
    }
  });
  after(async () => stack.stop());

  test(`the table has at least 30 cases (${CASES.length})`, () => assert.ok(CASES.length >= 30));

  for (const c of CASES) {
    test(c.name, async () => {
      const before = await dbSnapshot(stack.db);
      const path = typeof c.path === 'function' ? c.path(ctx) : c.path;
      const body = c.raw ?? (typeof c.body === 'function' ? (c.body as (x: Ctx) => unknown)(ctx) : c.body);
      const res = await api(stack, c.method, path, body, c.headers);
      assert.equal(res.status, c.status, res.text);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.match(faultOf(res.body), c.message);
      if (path.startsWith('/v1')) assert.equal(res.headers.get('x-openstack-ironic-api-maximum-version'), '1.95');
      assert.equal(await dbSnapshot(stack.db), before, 'the database changed');
    });
  }
});
