// After tsc: turns the `#<folder>/…` import aliases (tsconfig "paths") in dist/**/*.js into
// relative requires, so Node and the workflow bundler see plain paths.
import fs from 'node:fs';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
const ALIAS = /require\("#([^"]+)"\)/g;

function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.js')) rewrite(p);
  }
}

function rewrite(file) {
  const src = fs.readFileSync(file, 'utf8');
  if (!src.includes('require("#')) return;
  const out = src.replace(ALIAS, (_, spec) => {
    let rel = path.relative(path.dirname(file), path.join(dist, spec)).split(path.sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `require("${rel}")`;
  });
  if (out !== src) fs.writeFileSync(file, out);
}

walk(dist);
