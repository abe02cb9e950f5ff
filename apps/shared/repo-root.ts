// Finds the repository root (the folder holding Ironflow's package.json), so that
// compiled code under dist/ or .build/<name>/ can find templates and scripts.
import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function repoRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'ironflow') {
      cached = dir;
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find Ironflow's package.json above ${__dirname}`);
    dir = up;
  }
}
