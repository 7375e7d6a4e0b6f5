import { describe, expect, it } from 'vitest';
import { absoluteFrom, isWithin, relativeTo, tick, tickOf, toggle, untick } from '../src/lib/selection';

const tree: Record<string, string[]> = {
  '': ['A', 'B', 'C'],
  A: ['A/1', 'A/2', 'A/3'],
  'A/2': ['A/2/x', 'A/2/y'],
};
const childrenOf = (path: string) => tree[path] ?? null;

describe('selection', () => {
  it('knows what is within what', () => {
    expect(isWithin('A/2', 'A')).toBe(true);
    expect(isWithin('A', 'A')).toBe(true);
    expect(isWithin('AB', 'A')).toBe(false);
    expect(isWithin('A', '')).toBe(true);
  });

  it('ticks everything by default', () => {
    expect(tickOf('A/2/x', [])).toBe('on');
  });

  it('shows left-out folders and what is below them as off, their parents as mixed', () => {
    const excluded = ['A/2'];
    expect(tickOf('A/2', excluded)).toBe('off');
    expect(tickOf('A/2/x', excluded)).toBe('off');
    expect(tickOf('A', excluded)).toBe('mixed');
    expect(tickOf('B', excluded)).toBe('on');
  });

  it('unticking forgets what was left out below', () => {
    expect(untick('A', ['A/2', 'B'])).toEqual(['A', 'B']);
  });

  it('ticking a left-out folder takes it and everything below back', () => {
    expect(tick('A', ['A', 'B'], childrenOf)).toEqual(['B']);
    expect(tick('A', ['A/1', 'A/2/x'], childrenOf)).toEqual([]);
  });

  it('ticking a folder below a left-out one leaves out its siblings instead', () => {
    expect(tick('A/2/x', ['A'], childrenOf)).toEqual(['A/1', 'A/2/y', 'A/3']);
  });

  it('changes nothing when a level between was never loaded', () => {
    expect(tick('A/2/x', ['A'], (p) => (p === 'A' ? null : childrenOf(p)))).toEqual(['A']);
  });

  it('toggles: ticked goes out, mixed and off come in', () => {
    expect(toggle('A', [], childrenOf)).toEqual(['A']);
    expect(toggle('A', ['A/2'], childrenOf)).toEqual([]);
    expect(toggle('A', ['A'], childrenOf)).toEqual([]);
  });

  it('converts between account paths and a pair paths', () => {
    expect(relativeTo('Fotos', ['Fotos/2024', 'Fotos/2025/x'])).toEqual(['2024', '2025/x']);
    expect(absoluteFrom('Fotos', ['2024'])).toEqual(['Fotos/2024']);
    expect(relativeTo('', ['A'])).toEqual(['A']);
    expect(absoluteFrom('', ['A'])).toEqual(['A']);
  });
});
