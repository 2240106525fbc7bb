/**
 * Text an attacker (or a broken integration) might send: control characters and NUL, lone
 * surrogates, bidi overrides and zero-width characters, compatibility forms that fold into
 * ASCII, path traversal and percent-encoding tricks, shell and JSON metacharacters.
 */
import fc from 'fast-check';

/** Single characters and short sequences chosen to break parsers, validators and quoting. */
export const NASTY_FRAGMENTS: readonly string[] = [
  '\0', '\x01', '\x07', '\x1b', '\x7f', '\x85', '\t', '\n', '\r', '\r\n', '\v', '\f', ' ', '\u00a0',
  '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', // lone surrogates
  '\u202e', '\u202d', '\u2066', '\u200f', '\u061c', // bidi overrides and marks
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u034f', // zero-width and invisible
  '\u2028', '\u2029', '\ufffd', '\uffff',
  'é', 'e\u0301', 'ß', 'İ', 'ı', 'K', 'ﬀ', 'ﬁ', 'Ａ', '．', '。', '｡', '／', '＼', '𝟙', '١', '۲', '中', '😀', '👩‍💻', 'ǅ', 'Ω',
  '../', '..\\', '..', './', '/', '\\', '//', '%2e%2e%2f', '%2E%2E/', '%252e', '%00', '%0a', '%0d%0a', '%', '%zz', '%u2215', '%c0%af', '%ff', '?', '#', '&', '=', ';', ',',
  '$(id)', '`id`', '${IFS}', '$HOME', "'", '"', '|', '||', '&&', '>', '<', '<<', '*', '~', '{a,b}', '[a]', '!', '\\n',
  '{}', '[]', 'null', 'true', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  'xn--', 'xn--zz', 'xn--nxasmq6b', '-', '.', '_', '@', '+', ':', 'localhost', '127.0.0.1',
];

const fragment = fc.constantFrom(...NASTY_FRAGMENTS);
const asciiChar = fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 });

/** One UTF-16 code unit, surrogate halves included (fc's 'binary' unit never yields lone ones). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/**
 * Mostly short strings mixing ordinary text with nasty fragments; with `long`, sometimes runs of
 * one character far beyond `maxLength` (60 to 5,000 of them).
 */
export function hostileString(maxLength = 80, long = true): fc.Arbitrary<string> {
  const longRuns = fc.tuple(fc.constantFrom('a', '9', 'x', '%', '\u200b', '.'), fc.integer({ min: 60, max: 5000 })).map(([c, n]) => c.repeat(n));
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.oneof(fragment, asciiChar, fc.constantFrom('a', 'b', '1', '-', '.')), { maxLength: 12 }).map((parts) => parts.join('').slice(0, maxLength)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
    { weight: long ? 1 : 0, arbitrary: longRuns },
  );
}

/** A string that is valid or nearly valid, then damaged by one nasty fragment somewhere. */
export function damaged(valid: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat({ max: valid.length }), fragment).map(([at, bad]) => valid.slice(0, at) + bad + valid.slice(at));
}

/** Any JSON value of a wrong type for a string field, or a hostile string. */
export function hostileValue(maxLength = 80): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: hostileString(maxLength) },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308, -0)) },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [''], { $ne: null }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** Lone surrogates replaced by U+FFFD: what any UTF-8 encoder (and so the wire) makes of them. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
