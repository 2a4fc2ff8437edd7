/**
 * The baseline: free/busy as a user would write it with the official Microsoft Graph SDK for JavaScript — one
 * getSchedule per person, on that person's calendar, one after the other (the SDK's retry handler deals with 429s).
 * Runs in its own process; trusts the sandbox CA through NODE_EXTRA_CA_CERTS. Args: <state file> <app id> <secret
 * file> <people file> <start> <end>. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { readState } from '../directory-sync/sandbox-process.js';
import { sdkClient } from '../sdk-client.js';

const [stateFile, appId, secretFile, peopleFile, start, end] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const state = readState(stateFile);
const client = sdkClient(state, appId, readFileSync(secretFile, 'utf8').trim());
const people = JSON.parse(readFileSync(peopleFile, 'utf8')) as string[];
const started = performance.now();
let answered = 0;
let errors = 0;
for (const person of people) {
  try {
    const result = await client.api(`/users/${encodeURIComponent(person)}/calendar/getSchedule`).post({
      schedules: [person],
      startTime: { dateTime: start.replace('Z', ''), timeZone: 'UTC' },
      endTime: { dateTime: end.replace('Z', ''), timeZone: 'UTC' },
      availabilityViewInterval: 30,
    });
    if (result.value?.[0]?.error) errors++;
    else answered++;
  } catch {
    errors++;
  }
}
const wallMs = performance.now() - started;
const peakRssMb = Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
console.log(JSON.stringify({ wallMs, answered, errors, peakRssMb }));
