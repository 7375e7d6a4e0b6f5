/**
 * Finds user-facing text written directly in a Svelte component instead of
 * coming from the translation files.
 *
 * The component is reduced to its markup: <script>, <style> and comments are
 * dropped, then every `{...}` expression (balanced braces, strings inside
 * them respected) and every tag. What is left is text the user would see;
 * anything there with a letter is reported. Literal values of attributes that
 * are read out or shown (alt, title, aria-label, placeholder, ...) are
 * reported too.
 */

const SHOWN_ATTRIBUTES = [
  'alt',
  'title',
  'placeholder',
  'label',
  'aria-label',
  'aria-description',
  'aria-placeholder',
  'aria-roledescription',
  'aria-valuetext',
];

function stripBlocks(source: string): string {
  return source
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<script\b[^>]*>[\s\S]*?<\/script\s*>/gi, ' ')
    .replace(/<style\b[^>]*>[\s\S]*?<\/style\s*>/gi, ' ');
}

/** Replaces each top-level `{...}` with a space, keeping everything else. */
export function stripExpressions(markup: string): string {
  let out = '';
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < markup.length; i++) {
    const c = markup[i] as string;
    if (depth === 0) {
      if (c === '{') depth = 1;
      else out += c;
      continue;
    }
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) out += ' ';
    }
  }
  if (depth !== 0) throw new Error('unbalanced { } in markup');
  return out;
}

export interface BareText {
  line: number;
  text: string;
}

function lineOf(haystack: string, index: number): number {
  return haystack.slice(0, index).split('\n').length;
}

export function findBareText(source: string): BareText[] {
  // Blanking keeps line numbers: replace with the same count of newlines.
  const keepLines = (s: string) => s.replace(/[^\n]/g, ' ');
  const markup = stripExpressions(
    stripBlocks(source.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, keepLines)),
  );
  const found: BareText[] = [];

  const attribute = new RegExp(
    `\\s(${SHOWN_ATTRIBUTES.join('|')})\\s*=\\s*("([^"]*)"|'([^']*)')`,
    'gi',
  );
  for (const match of markup.matchAll(attribute)) {
    const value = match[3] ?? match[4] ?? '';
    if (/\p{L}/u.test(value)) {
      found.push({ line: lineOf(markup, match.index), text: match[0].trim() });
    }
  }

  const text = markup.replace(/<[^>]*>/g, (tag) => keepLines(tag)).replace(/&[#\w]+;/g, ' ');
  const lines = text.split('\n');
  lines.forEach((content, index) => {
    if (/\p{L}/u.test(content)) found.push({ line: index + 1, text: content.trim() });
  });
  return found;
}
