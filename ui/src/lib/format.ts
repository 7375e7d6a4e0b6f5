/**
 * Numbers, sizes and times in the member's language (Intl, no tables of our
 * own). Pure functions: the language and the clock are passed in.
 */

const SIZE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Splits a number of bytes into a value and a decimal (SI) unit: 1 kB = 1000 bytes. */
function scale(bytes: number): { value: number; unit: (typeof SIZE_UNITS)[number] } {
  let value = Math.max(0, bytes);
  let index = 0;
  while (value >= 1000 && index < SIZE_UNITS.length - 1) {
    value /= 1000;
    index += 1;
  }
  return { value, unit: SIZE_UNITS[index] ?? 'byte' };
}

function digits(value: number, unit: string): number {
  return unit === 'byte' || value >= 100 ? 0 : 1;
}

/** "1,2 GB", "850 kB", "0 byte" (in the language's own way). */
export function formatBytes(bytes: number, language: string): string {
  const { value, unit } = scale(bytes);
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: digits(value, unit),
  }).format(value);
}

/** "2,3 MB/s" */
export function formatSpeed(bytesPerSecond: number, language: string): string {
  const { value, unit } = scale(bytesPerSecond);
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: `${unit}-per-second`,
    unitDisplay: 'short',
    maximumFractionDigits: digits(value, unit),
  }).format(value);
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/**
 * "fa 5 minuts", "hace 2 horas", "yesterday", "now".
 * `at` is in seconds since the epoch, `nowMs` in milliseconds.
 */
export function formatRelative(at: number, nowMs: number, language: string): string {
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
  let delta = at - nowMs / 1000;
  if (Math.abs(delta) < 45) return format.format(0, 'second');
  for (const [unit, size] of STEPS) {
    if (Math.abs(delta) < size) return format.format(Math.round(delta), unit);
    delta /= size;
  }
  return format.format(Math.round(delta), 'year');
}

/** The date and time in full, for a tooltip next to a relative time. */
export function formatDateTime(at: number, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }).format(
    new Date(at * 1000),
  );
}

/** The last part of a path ("Fotos/2025" -> "2025", "/home/ana/Núvol" -> "Núvol"). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}
