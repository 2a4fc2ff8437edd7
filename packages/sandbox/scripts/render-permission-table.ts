// Rewrites the endpoint → permissions table in the sandbox README from the code (the docs test checks they agree).
// Usage: tsx scripts/render-permission-table.ts [workload names to include; default all]
import { readFileSync, writeFileSync } from 'node:fs';
import { DIRECTORY_PERMISSIONS } from '../src/graph/directory/permissions.js';
import { permissionTableRows } from '../src/graph/docs/permission-table.js';
import { WORKLOADS } from '../src/graph/workloads.js';

const only = process.argv.slice(2);
const workloads = only.length > 0 ? WORKLOADS.filter((w) => only.includes(w.name)) : WORKLOADS;
const rows = permissionTableRows([...Object.values(DIRECTORY_PERMISSIONS), ...workloads.flatMap((w) => w.permissions)]);
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const header = '| endpoint | application | delegated |\n|---|---|---|\n';
const start = text.indexOf(header);
if (start < 0) throw new Error('the permission table header is missing from the README');
const end = text.indexOf('\n\n', start);
writeFileSync(readme, `${text.slice(0, start)}${header}${rows.join('\n')}${text.slice(end)}`);
console.log(`${rows.length} rows written`);
