// Types of bin/compiled-code.mjs (plain JavaScript: it runs before tsx is loaded, if at all).
export declare const FINGERPRINT_FILE: string;
export declare function sourceFingerprint(root: string): string;
export declare function buildState(root: string, outDir: string): 'current' | 'stale' | 'absent';
