import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The stylesheet's colour pairs (text on the surfaces it is used on) must reach WCAG AA
// (4.5:1) in both themes.
const css = readFileSync(path.resolve(__dirname, '../app/globals.css'), 'utf8');

function variables(block: string): Record<string, string> {
  return Object.fromEntries(Array.from(block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi), (m) => [m[1], m[2]]));
}

const light = variables(css.slice(css.indexOf(':root {'), css.indexOf('@media (prefers-color-scheme: dark)')));
const dark = { ...light, ...variables(css.slice(css.indexOf('@media (prefers-color-scheme: dark)'))) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const channel = parseInt(hex.slice(i, i + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

const PAIRS: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surface-2'],
  ['text', 'accent-soft'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['muted', 'surface-2'],
  ['muted', 'accent-soft'],
  ['accent', 'surface'],
  ['accent', 'bg'],
  ['accent', 'accent-soft'],
  ['on-accent', 'accent'],
  ['on-accent', 'accent-hover'],
  ['danger', 'surface'],
  ['danger', 'danger-soft'],
  ['surface', 'danger'],
  ['success', 'surface'],
];

describe('colour contrast', () => {
  for (const [name, theme] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`every text colour reaches 4.5:1 in the ${name} theme`, () => {
      const failures = PAIRS.filter(([fg, bg]) => contrast(theme[fg], theme[bg]) < 4.5).map(
        ([fg, bg]) => `${fg} on ${bg}: ${contrast(theme[fg], theme[bg]).toFixed(2)}`,
      );
      expect(failures).toEqual([]);
    });
  }

  it('found the variables it checks', () => {
    for (const [fg, bg] of PAIRS) {
      expect(light[fg], fg).toMatch(/^#/);
      expect(dark[bg], bg).toMatch(/^#/);
    }
    expect(dark.text).not.toBe(light.text);
  });
});
