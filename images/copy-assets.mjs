// Copies the non-TypeScript files the code reads at run time (e.g. policy.default.yaml)
// beside the compiled JavaScript, keeping their paths: node images/copy-assets.mjs OUT DIR...
// Plain Node, so the build stage needs no GNU cp (busybox and distroless bases lack --parents).
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [out, ...dirs] = process.argv.slice(2);
if (!out || dirs.length === 0) {
  console.error('usage: node images/copy-assets.mjs OUT DIR...');
  process.exit(2);
}
const skip = (rel) => rel.endsWith('.ts') || rel.split('/').includes('testing');
for (const dir of dirs) {
  for (const rel of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!rel.isFile()) continue;
    const path = join(rel.parentPath ?? rel.path, rel.name);
    if (!skip(path)) cpSync(path, join(out, path));
  }
}
