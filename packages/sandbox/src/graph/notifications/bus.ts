import type { Tenant } from '../../tenant/model.js';

/** A change a workload made that change-notification subscriptions may be watching. */
export interface ResourceChange {
  tenant: Tenant;
  /** The resource path as subscriptions name it, e.g. `users/{id}/messages/{mid}`, `communications/presences/{id}`. */
  resource: string;
  changeType: 'created' | 'updated' | 'deleted';
  /** `@odata.type` and `id` of the changed item, as `resourceData` carries them. */
  odataType: string;
  id: string;
}

type Listener = (change: ResourceChange) => void;

/** Workloads publish their changes here; the subscriptions module listens. Delivery never blocks the writer. */
export class ChangeBus {
  private readonly listeners = new Set<Listener>();

  publish(change: ResourceChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A failing listener must not fail the write that published the change.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
