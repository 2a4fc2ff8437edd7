import type { ReactNode } from 'react';
import type { Loaded } from '../state/useLoad';
import { ErrorNotice } from './ErrorNotice';

interface LoadedContentProps<T> {
  loaded: Loaded<T>;
  /** Shown until the read answers: "Loading connections…". */
  loading: string;
  children: (data: T) => ReactNode;
}

/** A read's error with Try again, a loading line until it answers, then what its data shows. */
export function LoadedContent<T>({ loaded, loading, children }: LoadedContentProps<T>) {
  if (loaded.error) return <ErrorNotice error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <p role="status">{loading}</p>;
  return children(loaded.data);
}
