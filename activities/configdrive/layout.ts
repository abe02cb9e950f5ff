// The files of a config drive built from a configdrive document, in the OpenStack layout that cloud-init's
// ConfigDrive datasource reads (cloudinit/sources/helpers/openstack.py, ConfigDriveReader.read_v2):
//   openstack/<version>/meta_data.json      required; must hold "uuid" (cloud-init's instance-id)
//   openstack/<version>/user_data           when given (a string as is; an object or array JSON-encoded)
//   openstack/<version>/network_data.json   when given and not empty
//   openstack/<version>/vendor_data2.json   when vendor_data is given and not empty
// for the versions 2012-08-10 and latest: exactly what Ironic writes (it builds the drive with openstacksdk's
// baremetal.configdrive.build, which names vendor data vendor_data2.json). As Ironic, a missing meta_data.uuid
// and meta_data.name default to the node's uuid and name; Ironflow also defaults meta_data.hostname (cloud-init's
// local-hostname) to the node's name when that is a valid host name. Pure.
import type { ConfigDriveDocument, JsonObject } from '#workflows/domain/config-drive';

export const CONFIG_DRIVE_VERSIONS = ['2012-08-10', 'latest'] as const;

export interface ConfigDriveNode {
  uuid: string;
  name?: string | null;
}

export interface ConfigDriveFile {
  /** Path inside the drive, '/'-separated, relative. */
  path: string;
  content: string;
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most 253 characters. */
export function isHostName(s: string): boolean {
  return s.length <= 253 && s.split('.').every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function nonEmpty(o: JsonObject | undefined): o is JsonObject {
  return o !== undefined && Object.keys(o).length > 0;
}

/** meta_data with the node's defaults filled in. */
export function configDriveMetaData(doc: ConfigDriveDocument, node: ConfigDriveNode): JsonObject {
  const meta: JsonObject = { ...(doc.meta_data ?? {}) };
  if (!('uuid' in meta)) meta.uuid = node.uuid;
  if (node.name) {
    if (!('name' in meta)) meta.name = node.name;
    if (!('hostname' in meta) && isHostName(node.name)) meta.hostname = node.name;
  }
  return meta;
}

/** The drive's files, in a stable order. */
export function configDriveFiles(doc: ConfigDriveDocument, node: ConfigDriveNode): ConfigDriveFile[] {
  const files: { name: string; content: string }[] = [{ name: 'meta_data.json', content: JSON.stringify(configDriveMetaData(doc, node)) }];
  const u = doc.user_data;
  const userData = u === undefined || u === null ? '' : typeof u === 'string' ? u : JSON.stringify(u);
  if (userData !== '') files.push({ name: 'user_data', content: userData });
  if (nonEmpty(doc.network_data)) files.push({ name: 'network_data.json', content: JSON.stringify(doc.network_data) });
  if (nonEmpty(doc.vendor_data)) files.push({ name: 'vendor_data2.json', content: JSON.stringify(doc.vendor_data) });
  return CONFIG_DRIVE_VERSIONS.flatMap((v) => files.map((f) => ({ path: `openstack/${v}/${f.name}`, content: f.content })));
}
