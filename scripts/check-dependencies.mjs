#!/usr/bin/env node
// Checks the arrows between modules and folders (part of `npm test`):
// 1. dependency-cruiser with .dependency-cruiser.cjs: no module cycles, tenantlink's layers, the sandbox apart from
//    tenantlink (tests included);
// 2. no cycle between the top-level folders of any package's src/ (a folder may import another only if that one does
//    not import it back, directly or through others).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = [
  'packages/tenantlink/src',
  'packages/tenantlink/test',
  'packages/sandbox/src',
  'packages/sandbox/test',
  'packages/console/src',
  'bench',
];
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const output = execFileSync(depcruise, [...targets, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const result = JSON.parse(output);

let failed = false;
for (const v of result.summary.violations) {
  failed = true;
  const path = v.cycle ? v.cycle.map((c) => (typeof c === 'string' ? c : c.name)).join(' → ') : v.to;
  console.error(`✘ ${v.rule.name}: ${v.from} → ${path}`);
}

/** `packages/<pkg>/src/<folder>`, or `packages/<pkg>/src` for the files at its top; undefined outside src/. */
function folderOf(file) {
  const m = /^(packages\/[^/]+\/src)\/(?:([^/]+)\/)?/.exec(file);
  if (!m) return undefined;
  return m[2] ? `${m[1]}/${m[2]}` : m[1];
}

const edges = new Map();
const example = new Map();
for (const module of result.modules) {
  const from = folderOf(module.source);
  // A package's entry points (its index and its CLI's bin) sit above every folder: they wire them together.
  if (!from || /\/src\/(index|cli)\.ts$/.test(module.source)) continue;
  for (const dep of module.dependencies) {
    const to = folderOf(dep.resolved);
    if (!to || to === from || !to.startsWith(from.split('/src')[0])) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
    if (!example.has(`${from}|${to}`)) example.set(`${from}|${to}`, `${module.source} → ${dep.resolved}`);
  }
}

// Tarjan's strongly connected components: each with more than one folder is a cycle.
let index = 0;
const indices = new Map();
const lowlink = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  indices.set(v, index);
  lowlink.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!indices.has(w)) {
      visit(w);
      lowlink.set(v, Math.min(lowlink.get(v), lowlink.get(w)));
    } else if (onStack.has(w)) lowlink.set(v, Math.min(lowlink.get(v), indices.get(w)));
  }
  if (lowlink.get(v) === indices.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component);
  }
}
for (const v of edges.keys()) if (!indices.has(v)) visit(v);
for (const component of cycles) {
  failed = true;
  console.error(`✘ folder cycle: ${component.join(' ↔ ')}`);
  for (const a of component)
    for (const b of component) if (edges.get(a)?.has(b)) console.error(`    ${example.get(`${a}|${b}`)}`);
}

const folders = new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]);
if (failed) {
  console.error('dependencies: the arrows above point the wrong way (docs/architecture.md says which way they go).');
  process.exit(1);
}
console.log(
  `dependencies: ${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} imports, ` +
    `${folders.size} folders: no cycle, every arrow as docs/architecture.md draws it`,
);
