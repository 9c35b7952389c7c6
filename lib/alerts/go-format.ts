// Go's float formatting (strconv / fmt), reimplemented so that annotations rendered in-process are
// byte-identical to what Prometheus renders: `{{ $value }}` is Go's `%v`, the humanize functions use
// `%.4g`, and the alerts API formats values with 'e'. JavaScript's own number printing differs
// (`1e+6` vs Go's `1e+06`, `1234567` vs `1.234567e+06`).

interface Decimal {
  /** Significant digits without trailing zeros ("0" for zero). */
  readonly digits: string;
  /** Decimal exponent of the first digit. */
  readonly exp: number;
}

const trimZeros = (d: string): string => d.replace(/0+$/, '') || '0';

function shortestDecimal(a: number): Decimal {
  const [mantissa = '0', exp = '0'] = a.toExponential().split('e');
  return { digits: trimZeros(mantissa.replace('.', '')), exp: Number(exp) };
}

/**
 * `a` rounded to `precision` significant digits, halves to even as Go does. JavaScript's
 * toExponential(n) breaks ties upwards, so the digits come from a long exact expansion instead.
 */
function roundedDecimal(a: number, precision: number): Decimal {
  const [mantissa = '0', expText = '0'] = a.toExponential(99).split('e');
  const all = mantissa.replace('.', '');
  let exp = Number(expText);
  const kept = all.slice(0, precision).split('').map(Number);
  const next = all.charCodeAt(precision) - 48;
  const restIsZero = /^0*$/.test(all.slice(precision + 1));
  const lastOdd = (kept[kept.length - 1] ?? 0) % 2 === 1;
  if (next > 5 || (next === 5 && (!restIsZero || lastOdd))) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i < 0) {
      kept.unshift(1);
      kept.pop();
      exp += 1;
    } else {
      kept[i] = (kept[i] ?? 0) + 1;
    }
  }
  return { digits: trimZeros(kept.join('')), exp };
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

function fixed(d: Decimal, decimals: number): string {
  const dp = d.exp + 1;
  const padded = dp <= 0 ? '0'.repeat(1 - dp) + d.digits : d.digits.padEnd(dp, '0');
  const intLen = Math.max(dp, 1);
  const frac = padded.slice(intLen).padEnd(decimals, '0').slice(0, decimals);
  return decimals > 0 ? `${padded.slice(0, intLen)}.${frac}` : padded.slice(0, intLen);
}

function scientific(d: Decimal): string {
  const exp = `${d.exp < 0 ? '-' : '+'}${String(Math.abs(d.exp)).padStart(2, '0')}`;
  const frac = d.digits.slice(1);
  return `${d.digits[0]}${frac ? `.${frac}` : ''}e${exp}`;
}

/** Go's `%g` with the given precision, or `%v` (shortest) when `precision` is undefined. */
export function formatG(v: number, precision?: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const d = precision === undefined ? shortestDecimal(Math.abs(v)) : roundedDecimal(Math.abs(v), precision);
  const nd = d.digits.length;
  const dp = d.exp + 1;
  let eprec = precision ?? 6;
  if (precision !== undefined && eprec > nd && nd >= dp) eprec = nd;
  if (d.exp < -4 || d.exp >= eprec) return sign + scientific(d);
  return sign + fixed(d, Math.max(nd - dp, 0));
}

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`, the format of `value` in Prometheus's alerts API. */
export function formatE(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0e+00' : '0e+00';
  return (v < 0 ? '-' : '') + scientific(shortestDecimal(Math.abs(v)));
}
