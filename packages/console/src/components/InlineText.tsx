import type { ReactNode } from 'react';

// The small part of markdown that guide lines and fixes use: **bold**, `code` and bare https links.
const TOKEN = /\*\*([^*]+)\*\*|`([^`]+)`|(https?:\/\/[^\s)<>]*[^\s)<>.,;:])/g;

export function InlineText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const [whole, bold, code, url] = match;
    const at = match.index;
    if (at > last) parts.push(text.slice(last, at));
    if (bold !== undefined) parts.push(<strong key={at}>{bold}</strong>);
    else if (code !== undefined) parts.push(<code key={at}>{code}</code>);
    else if (url !== undefined)
      parts.push(
        <a key={at} href={url} target="_blank" rel="noreferrer">
          {url}
        </a>,
      );
    last = at + whole.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}
