import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { permissionTableRows } from '../src/graph/docs/permission-table.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const normalise = (row: string) => row.replace(/\s+/g, ' ').trim();

describe('sandbox README matches the code', () => {
  test('the directory permission table lists every endpoint with the permissions the code enforces', () => {
    const lines = new Set(readme.split('\n').map(normalise));
    const missing = permissionTableRows()
      .map(normalise)
      .filter((row) => !lines.has(row));
    assert.deepEqual(missing, [], 'regenerate the table with permissionTableRows()');
  });
});
