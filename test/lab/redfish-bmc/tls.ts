// The lab's own certificate authority for its Redfish BMCs: a CA (ca.pem, the file
// nodes name in driver_info.redfish_verify_ca) and a server certificate it signs for
// 127.0.0.1/localhost (and any extra addresses). Written once per lab dir, reused.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';

export interface LabTls {
  caFile: string;
  cert: string;
  key: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await runCommand({ file: 'openssl', args, cwd: dir, timeoutMs: 60_000 });
}

/** Makes (or reuses) <dir>/ca.pem and a server certificate for the given IP addresses (127.0.0.1 always). */
export async function labTls(dir: string, addresses: readonly string[] = []): Promise<LabTls> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ips = [...new Set(['127.0.0.1', ...addresses])];
  const tag = ips.join(',');
  const files = {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'bmc.pem'),
    key: path.join(dir, 'bmc-key.pem'),
    tag: path.join(dir, 'bmc.ips'),
  };
  const have =
    fs.existsSync(files.cert) && fs.existsSync(files.ca) && fs.existsSync(files.tag) && fs.readFileSync(files.tag, 'utf8') === tag;
  if (!have) {
    if (!fs.existsSync(files.ca)) {
      await openssl(
        dir,
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=Ironflow lab Redfish CA',
        '-keyout',
        'ca-key.pem',
        '-out',
        'ca.pem',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
    }
    const san = ['DNS:localhost', ...ips.map((ip) => `IP:${ip}`)].join(',');
    fs.writeFileSync(path.join(dir, 'bmc.ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    await openssl(
      dir,
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=Ironflow lab Redfish BMC',
      '-keyout',
      'bmc-key.pem',
      '-out',
      'bmc.csr',
    );
    await openssl(
      dir,
      'x509',
      '-req',
      '-in',
      'bmc.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '3650',
      '-extfile',
      'bmc.ext',
      '-out',
      'bmc.pem',
    );
    fs.writeFileSync(files.tag, tag);
  }
  return { caFile: files.ca, cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8') };
}
