import { describe, expect, it } from 'vitest';
import { findBareText, stripExpressions } from './bare-text';
import { listFiles, read, rel, srcRoot } from './source-files';

describe('Svelte components', () => {
  const components = listFiles(srcRoot, ['.svelte']);

  it('are found', () => {
    expect(components.map(rel)).toContain('src/App.svelte');
    expect(components.map(rel)).toContain('src/pages/onboarding/Welcome.svelte');
  });

  it.each(components.map((path) => [rel(path), path]))(
    '%s has no user-facing text outside the translation files',
    (_name, path) => {
      expect(findBareText(read(path))).toEqual([]);
    },
  );
});

describe('the bare-text finder', () => {
  it('finds text between tags', () => {
    const found = findBareText('<script>let a = "x";</script>\n<p>\n  Hola {name}\n</p>');
    expect(found).toEqual([{ line: 3, text: 'Hola' }]);
  });

  it('finds literal shown attributes', () => {
    expect(findBareText('<img src="a.svg" alt="A logo" />')).toHaveLength(1);
    expect(findBareText("<button aria-label='Close'></button>")).toHaveLength(1);
    expect(findBareText('<img src="a.svg" alt="" />')).toEqual([]);
    expect(findBareText('<img src="a.svg" alt={t("logo")} />')).toEqual([]);
  });

  it('accepts markup made only of expressions, blocks and entities', () => {
    const source = [
      '<script lang="ts">const s = "<p>Not markup</p>";</script>',
      '<!-- A comment with words -->',
      '{#snippet icon(id: string)}<svg viewBox="0 0 1 1"><path d="M0 0h1" /></svg>{/snippet}',
      '{#each items as item (item.id)}',
      '  <li class="feature" data-testid="x">{t(item.title)}&nbsp;{@render icon(item.id)}</li>',
      '{:else}',
      "  <p>{t('empty', { who: '}' })}</p>",
      '{/each}',
      '<style>p::after { content: "Words"; }</style>',
    ].join('\n');
    expect(findBareText(source)).toEqual([]);
  });

  it('skips braces inside strings within expressions', () => {
    expect(stripExpressions("a{f('}')}b")).toBe('a b');
    expect(stripExpressions('a{ {x: 1}.x }b')).toBe('a b');
  });
});
