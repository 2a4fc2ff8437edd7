/** Which kind of directory object changed. */
export type ChangedKind = 'user' | 'group';

/**
 * One write to a directory object. `softDelete` moves it to deleted items (restorable; delta reports
 * `@removed: {reason: "changed"}`), `hardDelete` removes it for good (`reason: "deleted"`).
 */
export interface Change {
  seq: number;
  at: number;
  kind: ChangedKind;
  id: string;
  op: 'upsert' | 'softDelete' | 'hardDelete';
  /** Membership edits of a group, in order. */
  members?: { added: string[]; removed: string[] };
  /** Only the user's manager reference changed (visible to delta only when `manager` is selected). */
  manager?: true;
  /** The properties an update changed; absent for creation (everything is new). */
  properties?: string[];
}

/**
 * The ordered record of every write in a tenant, so delta queries can tell what changed since a token. Sequence
 * numbers only grow; entries are kept (the sandbox is short-lived), and delta tokens expire by age instead.
 */
export class ChangeLog {
  private readonly changes: Change[] = [];
  private seq = 0;
  /** Told of every change as it is recorded (change notifications listen here). */
  onRecord: ((change: Change) => void) | undefined;

  get current(): number {
    return this.seq;
  }

  record(change: Omit<Change, 'seq'>): Change {
    const entry = { ...change, seq: ++this.seq };
    this.changes.push(entry);
    this.onRecord?.(entry);
    return entry;
  }

  /** Changes of a kind after `seq` up to and including `until`, oldest first. */
  between(kind: ChangedKind, seq: number, until: number): Change[] {
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    const out: Change[] = [];
    for (let i = lo; i < this.changes.length; i++) {
      const change = this.changes[i]!;
      if (change.seq > until) break;
      if (change.kind === kind) out.push(change);
    }
    return out;
  }
}
